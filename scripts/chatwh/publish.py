"""Publish a read-only copy of the DuckDB warehouse for BI tools (Metabase).

DuckDB allows one writer per file, and a reader that opened the file blocks the writer.
So Metabase never opens the file the hourly build writes: after each successful build
the pipeline copies it to a second path and swaps the copy in atomically:

1. open the warehouse read-write (this waits until no loader or dbt run holds it, and
   keeps others out while the bytes are copied) and CHECKPOINT, so the main file holds
   everything and the write-ahead log is empty;
2. copy the bytes to a temporary file in the destination directory and fsync it;
3. open the temporary copy read-only and compare the row count of every table with the
   source (a copy that does not open or does not match is deleted, never published);
4. mark it read-only (mode 0444) and `os.replace` it over the published path, then
   fsync the directory. A reader that has the old copy open keeps reading the old
   inode; the next connection sees the new file. Nobody ever sees a half-written file.

The copy keeps the file name of the warehouse (default `<warehouse dir>/bi/<name>`), so
`current_database()` and anything qualified with it are the same in both files.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

BI_PATH_ENV = "CHATBOT_BI_DUCKDB_PATH"


class PublishError(RuntimeError):
    """The copy could not be made or did not match the warehouse; nothing was published."""


@dataclass(frozen=True)
class PublishResult:
    source: Path
    published: Path
    tables: int
    rows: int
    bytes: int
    seconds: float


def default_bi_path(warehouse_path: Path) -> Path:
    """`CHATBOT_BI_DUCKDB_PATH` if set, else `<warehouse dir>/bi/<warehouse file name>`."""
    configured = os.environ.get(BI_PATH_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return warehouse_path.parent / "bi" / warehouse_path.name


def table_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every base table of the open database, keyed `schema.table`."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and not internal order by schema_name, table_name"
    ).fetchall()
    counts: dict[str, int] = {}
    for schema, table in tables:
        quoted = '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'
        counts[f"{schema}.{table}"] = int(con.execute(f"select count(*) from {quoted}").fetchone()[0])
    return counts


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _connect_writer(path: Path, lock_timeout_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise PublishError(f"cannot open {path} to publish it: {exc}") from None
            time.sleep(0.5)


def publish_bi_copy(warehouse_path: Path, bi_path: Path | None = None, *, lock_timeout_s: float = 300.0) -> PublishResult:
    """Copy the warehouse to `bi_path` (atomic replace) and return what was published."""
    started = time.monotonic()
    source = warehouse_path.resolve()
    if not source.exists():
        raise PublishError(f"warehouse file {source} does not exist: build it first")
    target = (bi_path or default_bi_path(source)).resolve()
    if target == source:
        raise PublishError(f"the BI copy must not be the warehouse file itself ({source})")
    target.parent.mkdir(parents=True, exist_ok=True)

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        con = _connect_writer(source, lock_timeout_s)
        try:
            con.execute("checkpoint")
            expected = table_row_counts(con)
            # Copy while holding the write connection: no other process can change the
            # file (DuckDB's file lock) between the checkpoint and the last byte.
            with open(source, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, length=8 * 1024 * 1024)
                dst.flush()
                os.fsync(dst.fileno())
        finally:
            con.close()

        check = duckdb.connect(str(tmp), read_only=True)
        try:
            actual = table_row_counts(check)
        finally:
            check.close()
        if actual != expected:
            missing = sorted(set(expected) - set(actual))
            differing = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
            raise PublishError(f"the copy does not match the warehouse (missing: {missing[:5]}, different counts: {differing[:5]})")

        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return PublishResult(
        source=source,
        published=target,
        tables=len(expected),
        rows=sum(expected.values()),
        bytes=target.stat().st_size,
        seconds=time.monotonic() - started,
    )
