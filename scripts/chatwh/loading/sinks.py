"""Where parsed rows go: the raw tables of the target warehouse.

Every sink writes a load's good rows, its rejects and its batch records (one per file)
together, in one transaction, so a crash mid-load leaves the warehouse as it was before
that load.
DuckDB parses in the warehouse connection itself; other engines parse in an in-memory
DuckDB and the sink moves the classified rows across.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from ..connection import DuckDBWarehouse, MySQLWarehouse, Warehouse
from ..project import raw_schema
from .kind import Column, LoadKind

BATCH_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "text", "Id of one load of one file"),
    Column("kind", "text", "Loader kind (bots, chat-events, ...)"),
    Column("source_file", "long_text", "Resolved absolute path of the file"),
    Column("file_bytes", "bigint", "Size of the file"),
    Column("rows_read", "bigint", "Records read (= loaded + rejected)"),
    Column("rows_loaded", "bigint", "Records added to the raw table"),
    Column("rows_rejected", "bigint", "Records sent to load_rejects"),
    Column("started_at", "timestamp", "UTC"),
    Column("finished_at", "timestamp", "UTC"),
    # Last, so a table made before it existed gets it in the same place (ALTER TABLE ADD
    # COLUMN appends): see Sink.ensure_batch_columns. NULL in rows written before.
    Column("file_mtime_ns", "bigint", "The file's modification time (os.stat st_mtime_ns) when it was read"),
)

REJECT_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "text"),
    Column("kind", "text"),
    Column("source_file", "long_text"),
    Column("line_number", "bigint", "Physical line (JSONL, CSV) or array position (JSON)"),
    Column("reason_code", "text", "Stable code, e.g. missing_field, already_loaded"),
    Column("reason", "long_text", "Code plus the detail a person needs to fix the row"),
    Column("raw_record", "long_text", "The record as read, cut to 2,000 characters"),
    Column("rejected_at", "timestamp", "UTC"),
)

LINEAGE_COLUMNS: tuple[Column, ...] = (
    Column("_batch_id", "text"),
    Column("_source_file", "long_text"),
    Column("_line_number", "bigint"),
    Column("_loaded_at", "timestamp"),
)


@dataclass(frozen=True)
class BatchInfo:
    batch_id: str
    kind: str
    source_file: str
    file_bytes: int
    started_at: Any
    file_mtime_ns: int | None = None


class Sink:
    """Moves classified rows (`__good`, `__rejects`, `__batch_rows` in the parse
    connection) to a warehouse."""

    # Whether one write may hold several files (one transaction around them all).
    loads_files_together = True

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.schema = raw_schema()
        self._batch_columns_checked = False

    def parse_connection(self) -> duckdb.DuckDBPyConnection:
        raise NotImplementedError

    def ensure_tables(self, kind: LoadKind) -> None:
        raise NotImplementedError

    def add_column_sql(self, relation: str, column: Column) -> str:
        """ALTER TABLE that appends column to relation, in this engine's dialect."""
        raise NotImplementedError

    def ensure_batch_columns(self) -> None:
        """Add the BATCH_COLUMNS an existing load_batches lacks: one made by an older
        version has no file_mtime_ns (its rows keep NULL there). Called by ensure_tables
        once the table exists; checks once per sink."""
        if self._batch_columns_checked:
            return
        relation = self.warehouse.relation(self.schema, "load_batches")

        def present() -> set[str]:
            names, _ = self.warehouse.fetch_table(f"select * from {relation} where 1 = 0")
            return {name.lower() for name in names}

        have = present()
        for column in BATCH_COLUMNS:
            if column.name in have:
                continue
            try:
                self.warehouse.execute(self.add_column_sql(relation, column))
            except Exception:
                # Another loader upgrading the same table at the same time added it first.
                if column.name not in present():
                    raise
        self._batch_columns_checked = True

    def load_references(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        raise NotImplementedError

    def mark_existing(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind, reloaded_as_of: datetime | None = None) -> None:
        """Create `__existing` in the parse connection: keys of `__candidates` already
        landed (kind.landed_rows; `reloaded_as_of` from last_load)."""
        raise NotImplementedError

    def last_load(self, kind: LoadKind, source_file: str) -> datetime | None:
        """When the file (its resolved path) last landed rows as this kind: the latest
        load_batches.started_at (its rows' _loaded_at) of a load of it that landed any,
        else its first load (all its rows were already landed then); None if it was
        never loaded. Not simply its latest load: a reload that landed nothing (a
        `touch`) says nothing new, and the versions after it may be newer than the file.
        What it cannot tell apart: a file rewritten in place with rows that all equal the
        versions standing then, which landed nothing either."""
        relation = self.warehouse.relation(self.schema, "load_batches")
        row = self.warehouse.fetchone(
            f"select coalesce(max(case when rows_loaded > 0 then started_at end), min(started_at)) from {relation}"
            " where kind = :kind and source_file = :source_file",
            {"kind": kind.name, "source_file": source_file},
        )
        value = row[0] if row else None
        if value is None:
            return None
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    def write(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        raise NotImplementedError

    def begin(self) -> None:
        """Start the unit of work that write() commits (DuckDB: the whole load)."""

    def abort(self) -> None:
        """Undo whatever begin() started."""


def duckdb_type(column: Column) -> str:
    return {
        "text": "VARCHAR",
        "long_text": "VARCHAR",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
    }[column.type]


def mysql_type(column: Column) -> str:
    # Ids and tags are compared byte for byte (utf8mb4_bin): 'Bot_A' is not 'bot_a'.
    return {
        "text": "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "long_text": "MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
        "timestamp": "DATETIME(6)",
        "date": "DATE",
    }[column.type]


def _ddl(columns: tuple[Column, ...], type_of: Any, quote: Any) -> str:
    return ",\n    ".join(f"{quote(column.name)} {type_of(column)}" for column in columns)


def kind_columns(kind: LoadKind) -> tuple[Column, ...]:
    return tuple(kind.columns) + LINEAGE_COLUMNS


def kind_tables(kind: LoadKind) -> tuple[tuple[str, tuple[Column, ...], str], ...]:
    """(raw table, columns with lineage, parse-connection temp table) of the kind's own
    table, then of each derived table (kind.DerivedTable); all land in one write."""
    return ((kind.table, kind_columns(kind), "__good"),) + tuple(
        (d.table, tuple(d.columns) + LINEAGE_COLUMNS, f"__derived_{d.table}") for d in kind.derived
    )


class DuckDBSink(Sink):
    warehouse: DuckDBWarehouse

    def parse_connection(self) -> duckdb.DuckDBPyConnection:
        return self.warehouse.con

    def _rel(self, table: str) -> str:
        return self.warehouse.relation(self.schema, table)

    def ensure_tables(self, kind: LoadKind) -> None:
        con = self.warehouse.con
        quote = self.warehouse.quote
        con.execute(f"create schema if not exists {quote(self.schema)}")
        for table, columns in (
            *((t, c) for t, c, _ in kind_tables(kind)),
            ("load_batches", BATCH_COLUMNS),
            ("load_rejects", REJECT_COLUMNS),
        ):
            con.execute(f"create table if not exists {self._rel(table)} (\n    {_ddl(columns, duckdb_type, quote)}\n)")
        self.ensure_batch_columns()

    def add_column_sql(self, relation: str, column: Column) -> str:
        return f"alter table {relation} add column {self.warehouse.quote(column.name)} {duckdb_type(column)}"

    def begin(self) -> None:
        self.warehouse.con.execute("begin transaction")

    def abort(self) -> None:
        try:
            self.warehouse.con.execute("rollback")
        except duckdb.Error:
            pass

    def load_references(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        for ref in kind.references:
            pe.execute(f"drop table if exists __ref_{ref.name}")
            if self.warehouse.table_exists(self.schema, ref.raw_table):
                pe.execute(
                    f"create temp table __ref_{ref.name} as select distinct {', '.join(ref.columns)} from {self._rel(ref.raw_table)}"
                )
            else:  # nothing landed yet: every reference check fails, with its reason
                pe.execute(f"create temp table __ref_{ref.name} ({', '.join(c + ' varchar' for c in ref.columns)})")

    def mark_existing(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind, reloaded_as_of: datetime | None = None) -> None:
        keys = ", ".join(f"t.{k}" for k in kind.key)
        on = " and ".join(f"t.{k} = c.{k}" for k in kind.key)
        pe.execute("drop table if exists __existing")
        pe.execute(
            f"create temp table __existing as select distinct {keys} from {kind.landed_rows(self._rel(kind.table), reloaded_as_of)} as t semi join __candidates as c on {on}"
        )

    def write(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        for table, table_columns, source in kind_tables(kind):
            columns = ", ".join(column.name for column in table_columns)
            pe.execute(f"insert into {self._rel(table)} ({columns}) select {columns} from {source}")
        reject_cols = ", ".join(column.name for column in REJECT_COLUMNS)
        pe.execute(f"insert into {self._rel('load_rejects')} ({reject_cols}) select {reject_cols} from __rejects")
        # By name: __batch_rows lacks finished_at, which is not the last column of load_batches.
        names = [c.name for c in BATCH_COLUMNS if c.name != "finished_at"]
        columns = ", ".join(self.warehouse.quote(n) for n in names)
        pe.execute(
            f"insert into {self._rel('load_batches')} ({columns}, {self.warehouse.quote('finished_at')})"
            f" select {', '.join(names)}, cast(current_timestamp as timestamp) from __batch_rows"
        )
        pe.execute("commit")


class MySQLSink(Sink):
    """Parses in memory, then writes the file's rows to MySQL in one transaction, in batches."""

    warehouse: MySQLWarehouse
    BATCH_ROWS = 5000

    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__(warehouse)
        self._pe = duckdb.connect()
        self._pe.execute("set TimeZone = 'UTC'")

    def parse_connection(self) -> duckdb.DuckDBPyConnection:
        return self._pe

    def _rel(self, table: str) -> str:
        return self.warehouse.relation(self.schema, table)

    def ensure_tables(self, kind: LoadKind) -> None:
        quote = self.warehouse.quote
        self.warehouse.execute(f"create database if not exists {quote(self.schema)} character set utf8mb4 collate utf8mb4_bin")
        for table, columns, key in (
            (kind.table, kind_columns(kind), kind.key),
            *((d.table, tuple(d.columns) + LINEAGE_COLUMNS, d.key) for d in kind.derived),
            ("load_batches", BATCH_COLUMNS, ("batch_id",)),
            ("load_rejects", REJECT_COLUMNS, ()),
        ):
            # InnoDB keys hold at most 3072 bytes: a multi-column text key indexes a prefix
            # of each column (4 bytes per utf8mb4 character). The index only speeds up the
            # dedupe lookup; equality is still checked on the whole value.
            prefix = max(16, min(255, 3072 // (4 * max(len(key), 1))))
            text_columns = {c.name for c in columns if c.type in ("text", "long_text")}
            parts = [quote(k) + (f"({prefix})" if k in text_columns else "") for k in key]
            index = f",\n    key {quote('ix_' + table + '_key')} ({', '.join(parts)})" if key else ""
            self.warehouse.execute(
                f"create table if not exists {self._rel(table)} (\n    {_ddl(columns, mysql_type, quote)}{index}\n)"
                " engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin"
            )
        self.ensure_batch_columns()

    def add_column_sql(self, relation: str, column: Column) -> str:
        return f"alter table {relation} add column {self.warehouse.quote(column.name)} {mysql_type(column)}"

    def load_references(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        for ref in kind.references:
            columns, rows = list(ref.columns), []
            if self.warehouse.table_exists(self.schema, ref.raw_table):
                columns, rows = self.warehouse.fetch_table(f"select distinct {', '.join(ref.columns)} from {self._rel(ref.raw_table)}")
            pe.execute(f"drop table if exists __ref_{ref.name}")
            pe.execute(f"create temp table __ref_{ref.name} ({', '.join(c + ' varchar' for c in columns)})")
            if rows:
                pe.executemany(
                    f"insert into __ref_{ref.name} values ({', '.join('?' for _ in columns)})", [tuple(map(_text, r)) for r in rows]
                )

    def mark_existing(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind, reloaded_as_of: datetime | None = None) -> None:
        key_sql = ", ".join(kind.key)
        pe.execute("drop table if exists __existing")
        pe.execute(f"create temp table __existing as select {key_sql} from __candidates where false")
        quote = self.warehouse.quote
        candidates = pe.execute(f"select distinct {key_sql} from __candidates").fetchall()
        for chunk in (candidates[i : i + 1000] for i in range(0, len(candidates), 1000)):
            if len(kind.key) == 1:  # an IN list uses the key index as a range scan
                predicate = f"{quote(kind.key[0])} in ({', '.join(f':k{i}_0' for i in range(len(chunk)))})"
            else:
                predicate = " or ".join(
                    "(" + " and ".join(f"{quote(k)} = :k{i}_{j}" for j, k in enumerate(kind.key)) + ")" for i in range(len(chunk))
                )
            params = {f"k{i}_{j}": value for i, row in enumerate(chunk) for j, value in enumerate(row)}
            found = self.warehouse.fetchall(
                f"select distinct {key_sql} from {kind.landed_rows(self._rel(kind.table), reloaded_as_of)} as landed where {predicate}",
                params,
            )
            if found:
                pe.executemany(f"insert into __existing values ({', '.join('?' for _ in kind.key)})", [tuple(r) for r in found])

    def write(self, pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
        wh = self.warehouse
        with wh.transaction():
            for table, columns, source in (*kind_tables(kind), ("load_rejects", REJECT_COLUMNS, "__rejects")):
                names = [column.name for column in columns]
                insert = (
                    f"insert into {self._rel(table)} ({', '.join(wh.quote(n) for n in names)}) values ({', '.join(':' + n for n in names)})"
                )
                for chunk in _chunks(pe, f"select {', '.join(names)} from {source}", self.BATCH_ROWS):
                    wh.executemany(insert, [dict(zip(names, row)) for row in chunk])
            names = [c.name for c in BATCH_COLUMNS if c.name != "finished_at"]
            batches = [dict(zip(names, row)) for row in pe.execute(f"select {', '.join(names)} from __batch_rows").fetchall()]
            if batches:  # an empty executemany is an error in some drivers
                columns = ", ".join(wh.quote(n) for n in [*names, "finished_at"])
                wh.executemany(
                    f"insert into {self._rel('load_batches')} ({columns}) values ({', '.join(':' + n for n in names)}, utc_timestamp(6))",
                    batches,
                )


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _chunks(pe: duckdb.DuckDBPyConnection, sql: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    cursor = pe.execute(sql)
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        yield rows


def sink_for(warehouse: Warehouse) -> Sink:
    if isinstance(warehouse, DuckDBWarehouse):
        return DuckDBSink(warehouse)
    if isinstance(warehouse, MySQLWarehouse):
        return MySQLSink(warehouse)
    if warehouse.dialect == "spark":
        from .spark_sink import SparkSink

        return SparkSink(warehouse)
    raise ValueError(f"no loader sink for {warehouse.dialect}")
