"""Publish a read-only copy of the DuckDB warehouse's marts for BI tools (Metabase).

DuckDB allows one writer per file, and a reader that opened the file blocks the writer.
So Metabase never opens the file the hourly build writes: after each successful build
the pipeline writes the marts to a second file and swaps it in atomically.

What is published: the relations of the model schema named like marts (`fct_*`,
`dim_*`, `mart_*`), except the restricted ones (`*_restricted`, users' raw text), as
tables. Raw tables (user ids, IPs, MACs, phone hashes, positions), staging views,
intermediate models (raw `user_id`), seeds and the loader's bookkeeping stay in the
warehouse: a Metabase user can only ever see what the marts show.

1. open a new temporary file in the destination directory and attach the warehouse
   read-only to it (this waits until no loader or dbt run holds the warehouse, and keeps
   writers out until the copy is done, so every mart comes from the same build);
2. copy each published relation with one `create table ... as select *` in one
   transaction, then checkpoint and close the copy;
3. open the copy read-only and compare its tables and row counts with the marts of the
   warehouse (a copy that does not open or does not match is deleted, never published);
4. mark it read-only (mode 0444) and `os.replace` it over the published path, then fsync
   the directory. A reader that has the old copy open keeps reading the old inode; the
   next connection sees the new file. Nobody ever sees a half-written file.

A write that fails (a full disk: DuckDB's IOException or FatalException, or an OSError)
is a PublishError of one line; the temporary file is deleted and the published copy stays
as it was. A temporary file a killed publish left (`.<name>.*.tmp`) is deleted by the next
publish into that folder (publishes run under the pipeline lock, one at a time).

The copy keeps the file name of the warehouse (default `<warehouse dir>/bi/<name>`), so
`current_database()` and anything qualified with it are the same in both files.
"""

from __future__ import annotations

import glob
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .project import resolve_path

BI_PATH_ENV = "CHATBOT_BI_DUCKDB_PATH"
DEFAULT_SCHEMA = "main"
# Marts are named fct_/dim_/mart_ (README, Layout); raw text marts end in _restricted.
PUBLISHED_NAME = re.compile(r"^(fct|dim|mart)_")
RESTRICTED_SUFFIX = "_restricted"
SOURCE_ALIAS = "warehouse"


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
    withheld: int  # relations of the warehouse left out (raw, staging, intermediate, restricted)


def default_bi_path(warehouse_path: Path) -> Path:
    """`CHATBOT_BI_DUCKDB_PATH` if set (relative: to the project, like CHATBOT_DUCKDB_PATH),
    else `<warehouse dir>/bi/<warehouse file name>`."""
    configured = os.environ.get(BI_PATH_ENV)
    if configured:
        return resolve_path(configured).resolve()
    return warehouse_path.parent / "bi" / warehouse_path.name


def bi_path_problem(warehouse_path: Path, bi_path: Path) -> str | None:
    """Why `bi_path` cannot take the BI copy of `warehouse_path` (None: it can)."""
    target = bi_path.resolve()
    if target == warehouse_path.resolve():
        return f"the BI copy must not be the warehouse file itself ({target})"
    if target.is_dir():
        return f"the BI copy {target} is a directory: give the path of a file"
    for ancestor in target.parents:  # the nearest existing one must be a directory
        if ancestor.exists():
            return None if ancestor.is_dir() else f"{ancestor} is a file, so the BI copy {target} cannot be written"
    return None


def is_published(name: str) -> bool:
    """True for a mart Metabase may read: fct_/dim_/mart_ and not *_restricted."""
    return bool(PUBLISHED_NAME.match(name)) and not name.endswith(RESTRICTED_SUFFIX)


def _quote(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def table_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every base table of the open database, keyed `schema.table`."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and not internal order by schema_name, table_name"
    ).fetchall()
    return {
        f"{schema}.{table}": int(con.execute(f"select count(*) from {_quote(schema, table)}").fetchone()[0]) for schema, table in tables
    }


def warehouse_relations(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    """(schema, name) of every table and view of an attached database."""
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and not internal "
        "union all select schema_name, view_name from duckdb_views() where database_name = ? and not internal "
        "order by 1, 2",
        [database, database],
    ).fetchall()


def _attach_reader(con: duckdb.DuckDBPyConnection, path: Path, lock_timeout_s: float) -> None:
    literal = "'" + str(path).replace("'", "''") + "'"
    deadline = time.monotonic() + lock_timeout_s
    while True:
        try:
            con.execute(f"attach {literal} as {SOURCE_ALIAS} (read_only)")
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise PublishError(f"cannot open {path} to publish it: {exc}") from None
            time.sleep(0.5)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_problem(target: Path, exc: BaseException) -> str:
    """One line for a copy that could not be written: DuckDB's message (an IOException or,
    on a full disk, a FatalException) on one line, or the system's reason of an OSError."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = " ".join(str(exc).split())
        # "... Could not write file "...": No space left on device": the reason at the end.
        for known in ("No space left on device", "Disk quota exceeded", "File too large", "Read-only file system", "Permission denied"):
            if known in reason:
                reason = f"{known} ({reason})"
                break
    return f"cannot write the BI copy {target}: {reason}"


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete the temporary copies (and their WALs) a killed publish left next to `target`
    (`.<name>.*.tmp`): nothing else ever deletes them. Call only while no other publish
    into that folder runs (under the pipeline lock); returns what was deleted."""
    removed = []
    for pattern in (f".{glob.escape(target.name)}.*.tmp", f".{glob.escape(target.name)}.*.tmp.wal"):
        for stale in target.parent.glob(pattern):
            try:
                if stale.is_file() and not stale.is_symlink():
                    stale.unlink()
                    removed.append(stale)
            except OSError:  # gone meanwhile, or not ours to delete: not this publish's problem
                pass
    return removed


def _write_copy(source: Path, tmp: Path, schema: str, lock_timeout_s: float) -> tuple[dict[str, int], int]:
    """Write the published marts of `source` into the new file `tmp`; return their row
    counts (keyed `schema.table`) and how many relations were withheld."""
    con = duckdb.connect(str(tmp))
    try:
        _attach_reader(con, source, lock_timeout_s)
        relations = warehouse_relations(con, SOURCE_ALIAS)
        published = [name for rel_schema, name in relations if rel_schema == schema and is_published(name)]
        if not published:
            raise PublishError(f"{source} has no marts in schema {schema!r} (fct_*, dim_*, mart_*): build it first")
        expected: dict[str, int] = {}
        con.execute("begin")
        con.execute(f"create schema if not exists {_quote(schema)}")
        for name in published:
            con.execute(f"create table {_quote(schema, name)} as select * from {_quote(SOURCE_ALIAS, schema, name)}")
            expected[f"{schema}.{name}"] = int(con.execute(f"select count(*) from {_quote(SOURCE_ALIAS, schema, name)}").fetchone()[0])
        con.execute("commit")
        con.execute(f"detach {SOURCE_ALIAS}")
        con.execute("checkpoint")
    finally:
        con.close()
    return expected, len(relations) - len(expected)


def publish_bi_copy(
    warehouse_path: Path, bi_path: Path | None = None, *, schema: str = DEFAULT_SCHEMA, lock_timeout_s: float = 300.0
) -> PublishResult:
    """Write the warehouse's published marts to `bi_path` (atomic replace) and return what was published."""
    started = time.monotonic()
    source = warehouse_path.resolve()
    if not source.exists():
        raise PublishError(f"warehouse file {source} does not exist: build it first")
    target = (bi_path or default_bi_path(source)).resolve()
    problem = bi_path_problem(source, target)
    if problem:  # before the copy is built, not when it is renamed over a directory
        raise PublishError(problem)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(target)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise PublishError(f"cannot write the BI copy {target}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file; an empty one is not a database
    wal = tmp.with_name(tmp.name + ".wal")
    try:
        expected, withheld = _write_copy(source, tmp, schema, lock_timeout_s)
        _fsync(tmp)

        check = duckdb.connect(str(tmp), read_only=True)
        try:
            actual = table_row_counts(check)
        finally:
            check.close()
        if actual != expected:
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            differing = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
            raise PublishError(
                f"the copy does not match the warehouse (missing: {missing[:5]}, unexpected: {extra[:5]}, different counts: {differing[:5]})"
            )

        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, target)
        _fsync(target.parent)
    except (OSError, duckdb.Error) as exc:  # a write (a full disk), the rename or the fsync failed: nothing was replaced
        tmp.unlink(missing_ok=True)
        raise PublishError(_write_problem(target, exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        wal.unlink(missing_ok=True)
    return PublishResult(
        source=source,
        published=target,
        tables=len(expected),
        rows=sum(expected.values()),
        bytes=target.stat().st_size,
        seconds=time.monotonic() - started,
        withheld=withheld,
    )
