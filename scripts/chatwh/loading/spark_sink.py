"""SparkSink: land one classified file into parquet tables of a Spark warehouse.

Parsing and classification happen in an in-memory DuckDB, exactly as for MySQL (the
kinds' parse SQL is DuckDB SQL). Rows cross between the engines as parquet files in a
private staging directory, never row by row through Python:

- references (e.g. known bot ids) and the keys already landed come from Spark as
  parquet that DuckDB reads;
- the file's good rows and rejects go to Spark as parquet, and each raw table receives
  them in ONE `INSERT ... SELECT` from the staged file.

Spark has no multi-statement transactions; a single INSERT is all-or-nothing (the
output committer publishes its files at job commit). The three inserts run in the order
rows → rejects → batch record, so a batch record always means its file is complete. If
a crash lands between them, reloading the file changes nothing that already landed:
the key dedupe turns those rows into `already_loaded` rejects and adds the rest.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..spark import SparkWarehouse
from .kind import Column, LoadKind
from .sinks import BATCH_COLUMNS, REJECT_COLUMNS, Sink, duckdb_type, kind_tables
from .sqlparts import quoted


def spark_type(column: Column) -> str:
    return {
        "text": "string",
        "long_text": "string",
        "bigint": "bigint",
        "double": "double",
        "boolean": "boolean",
        "timestamp": "timestamp",
        "date": "date",
    }[column.type]


class SparkSink(Sink):
    # No transaction spans several inserts: a batch row must mean its one file is complete.
    loads_files_together = False

    warehouse: SparkWarehouse

    def __init__(self, warehouse: Any) -> None:
        super().__init__(warehouse)
        self._pe = duckdb.connect()
        self._pe.execute("set TimeZone = 'UTC'")
        self._stage: Path | None = None
        self._views: list[str] = []

    def parse_connection(self) -> duckdb.DuckDBPyConnection:
        return self._pe

    def _rel(self, table: str) -> str:
        return self.warehouse.relation(self.schema, table)

    # -- staging ------------------------------------------------------------------
    def _stage_dir(self) -> Path:
        if self._stage is None:
            base = Path(self.warehouse.params.get("spark.sql.warehouse.dir", tempfile.gettempdir())) / "_loader_staging"
            base.mkdir(parents=True, exist_ok=True)
            self._stage = Path(tempfile.mkdtemp(prefix="load_", dir=base))
        return self._stage

    def _to_spark(self, pe: duckdb.DuckDBPyConnection, select_sql: str, name: str) -> str:
        """Write a DuckDB query to parquet and expose it to Spark as a temp view."""
        path = self._stage_dir() / f"{name}.parquet"
        pe.execute(f"copy ({select_sql}) to {quoted(str(path))} (format parquet)")
        view = f"__stage_{name}_{uuid.uuid4().hex[:8]}"
        self.warehouse.spark.read.parquet(str(path)).createOrReplaceTempView(view)
        self._views.append(view)
        return view

    def _from_spark(self, pe: duckdb.DuckDBPyConnection, spark_sql: str, name: str, columns: list[tuple[str, str]]) -> None:
        """Run a Spark query, write its rows to parquet, load them into DuckDB temp table `name`
        with the given (column, DuckDB type) list."""
        path = self._stage_dir() / f"{name}_from_spark"
        self.warehouse.spark.sql(spark_sql).write.mode("overwrite").parquet(str(path))
        files = sorted(path.glob("*.parquet"))
        casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns)
        pe.execute(f"drop table if exists {name}")
        pe.execute(f"create temp table {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
        if files:
            listing = "[" + ", ".join(quoted(str(f)) for f in files) + "]"
            pe.execute(f"insert into {name} select {casts} from read_parquet({listing})")

    def _cleanup(self) -> None:
        for view in self._views:
            try:
                self.warehouse.spark.catalog.dropTempView(view)
            except Exception:  # noqa: BLE001 - cleanup never hides the real error
                pass
        self._views = []
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    # -- the Sink protocol ----------------------------------------------------------
    def ensure_tables(self, kind: LoadKind) -> None:
        wh = self.warehouse
        wh.execute(f"create database if not exists {wh.quote(self.schema)}")
        for table, columns in (
            *((t, c) for t, c, _ in kind_tables(kind)),
            ("load_batches", BATCH_COLUMNS),
            ("load_rejects", REJECT_COLUMNS),
        ):
            ddl = ",\n    ".join(f"{wh.quote(c.name)} {spark_type(c)}" for c in columns)
            wh.execute(f"create table if not exists {self._rel(table)} (\n    {ddl}\n) using parquet")
        self.ensure_batch_columns()

    def add_column_sql(self, relation: str, column: Column) -> str:
        # Parquet files written before the column read it as NULL.
        return f"alter table {relation} add columns ({self.warehouse.quote(column.name)} {spark_type(column)})"

    def load_references(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        # References are small dictionaries (known bot ids): collected, not staged.
        for ref in kind.references:
            name = f"__ref_{ref.name}"
            pe.execute(f"drop table if exists {name}")
            pe.execute(f"create temp table {name} ({', '.join(c + ' varchar' for c in ref.columns)})")
            if not self.warehouse.table_exists(self.schema, ref.raw_table):
                continue  # nothing landed yet: every reference check fails, with its reason
            select = ", ".join(f"cast({self.warehouse.quote(c)} as string) as {c}" for c in ref.columns)
            rows = self.warehouse.fetchall(f"select distinct {select} from {self._rel(ref.raw_table)}")
            if rows:
                pe.executemany(f"insert into {name} values ({', '.join('?' for _ in ref.columns)})", rows)

    def mark_existing(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind, reloaded_as_of: datetime | None = None) -> None:
        by_name = {c.name: c for c in kind.columns}
        key_types = [(k, duckdb_type(by_name[k])) for k in kind.key]
        (count,) = pe.execute("select count(*) from __candidates").fetchone()  # type: ignore[misc]
        if count == 0:
            pe.execute("drop table if exists __existing")
            pe.execute(f"create temp table __existing ({', '.join(f'{c} {t}' for c, t in key_types)})")
            return
        view = self._to_spark(pe, f"select distinct {', '.join(kind.key)} from __candidates", "candidates")
        quote = self.warehouse.quote
        on = " and ".join(f"t.{quote(k)} = c.{quote(k)}" for k in kind.key)
        keys = ", ".join(f"t.{quote(k)} as {k}" for k in kind.key)
        self._from_spark(
            pe,
            f"select distinct {keys} from {kind.landed_rows(self._rel(kind.table), reloaded_as_of)} as t left semi join {view} as c on {on}",
            "__existing",
            key_types,
        )

    def write(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        wh = self.warehouse
        try:
            for table, columns, source in (
                *kind_tables(kind),
                ("load_rejects", REJECT_COLUMNS, "__rejects"),
            ):
                (rows,) = pe.execute(f"select count(*) from {source}").fetchone()  # type: ignore[misc]
                if rows == 0:
                    continue
                names = [c.name for c in columns]
                view = self._to_spark(pe, f"select {', '.join(names)} from {source}", source.strip("_"))
                casts = ", ".join(f"cast({wh.quote(c.name)} as {spark_type(c)})" for c in columns)
                wh.execute(f"insert into {self._rel(table)} ({', '.join(wh.quote(n) for n in names)}) select {casts} from {view}")
            # One file per load on Spark (loads_files_together): one batch row.
            batch_names = [c.name for c in BATCH_COLUMNS if c.name != "finished_at"]
            (row,) = pe.execute(f"select {', '.join(batch_names)} from __batch_rows").fetchall()
            batch = dict(zip(batch_names, row, strict=True))
            started_at = batch["started_at"]
            batch["started_at"] = started_at.isoformat(sep=" ") if hasattr(started_at, "isoformat") else str(started_at)
            # By name: __batch_rows lacks finished_at, which is not the last column of load_batches.
            names = ", ".join(wh.quote(n) for n in [*batch_names, "finished_at"])
            values = ", ".join(f"cast(:{c.name} as {spark_type(c)})" for c in BATCH_COLUMNS if c.name != "finished_at")
            wh.execute(f"insert into {self._rel('load_batches')} ({names}) select {values}, current_timestamp()", batch)
        finally:
            self._cleanup()

    def abort(self) -> None:
        self._cleanup()
