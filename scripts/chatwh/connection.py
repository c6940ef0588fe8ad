"""One way for every script to reach the warehouse a dbt target points at.

Callers write SQL with named parameters as `:name` and pass a dict; each engine's
driver binds them (never string formatting), so a tag such as `x'; drop table --`
is only ever a value.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .project import Target, load_target, resolve_path

_NAMED_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class WarehouseError(RuntimeError):
    """A warehouse could not be reached or refused a statement; the message says why."""


class Warehouse:
    """Base class: `dialect`, `execute`, `fetchall`, `transaction` and relation naming."""

    dialect: str = "base"

    def __init__(self, target: Target) -> None:
        self.target = target

    # -- statements -------------------------------------------------------------
    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        raise NotImplementedError

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def fetch_table(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a query."""
        raise NotImplementedError

    def fetchone(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("begin")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- naming -----------------------------------------------------------------
    @property
    def model_schema(self) -> str:
        """The schema dbt builds models into for this target."""
        return str(self.target.settings.get("schema", "main"))

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def relation(self, schema: str, table: str) -> str:
        return f"{self.quote(schema)}.{self.quote(table)}"

    def model(self, name: str) -> str:
        return self.relation(self.model_schema, name)

    def reset(self) -> None:
        """Drop every table and view this project owns (raw and model schemas): tests and
        fixture builds start from an empty warehouse."""
        raise NotImplementedError

    def table_exists(self, schema: str, table: str) -> bool:
        row = self.fetchone(
            "select count(*) from information_schema.tables where table_schema = :schema and table_name = :table",
            {"schema": schema, "table": table},
        )
        return bool(row and row[0])

    def unbuilt_models(self, *models: str) -> str | None:
        """None when every model is built on this target, else the one-line message the
        analyst scripts print (a warehouse loaded but not built, or a failed demo)."""
        missing = [m for m in models if not self.table_exists(self.model_schema, m)]
        if not missing:
            return None
        return f"{', '.join(missing)} not in schema {self.model_schema}: has `dbt build` run on this target? (`make demo` builds the demo)"


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def __init__(self, target: Target, *, read_only: bool = False, lock_timeout_s: float | None = None) -> None:
        super().__init__(target)
        import duckdb

        if lock_timeout_s is None:
            lock_timeout_s = duckdb_lock_timeout_s()

        self.path: Path = resolve_path(str(target.settings.get("path", "warehouse/chatbot.duckdb")))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {}
        memory_limit = (target.settings.get("settings") or {}).get("memory_limit")
        if memory_limit:
            config["memory_limit"] = str(memory_limit)
        deadline = time.monotonic() + lock_timeout_s
        # DuckDB lets one process write a file; a second loader waits for the first to
        # finish rather than failing at once, then gives up with a clear message.
        while True:
            try:
                self.con = duckdb.connect(str(self.path), read_only=read_only, config=config)
                # Loaders cast offset times through TIMESTAMPTZ; UTC makes that cast exact.
                self.con.execute("set TimeZone = 'UTC'")
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise WarehouseError(f"cannot open DuckDB file {self.path}: {exc}") from None
                if time.monotonic() >= deadline:
                    holder = re.search(r"PID (\d+)", str(exc))
                    raise WarehouseError(
                        f"DuckDB file {self.path} is locked by another process"
                        f"{' (PID ' + holder.group(1) + ')' if holder else ''} (a loader or dbt run) "
                        f"for more than {lock_timeout_s:.0f}s; try again when it has finished"
                    ) from None
                time.sleep(0.5)

    def _bind(self, sql: str) -> str:
        return _NAMED_PARAM.sub(r"$\1", sql)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.con.execute(self._bind(sql), dict(params) if params else None)

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(self._bind(sql), dict(params) if params else None).fetchall()

    def fetch_table(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self.con.execute(self._bind(sql), dict(params) if params else None)
        return [column[0] for column in cursor.description], cursor.fetchall()

    def reset(self) -> None:
        relations = self.fetchall(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')"
        )
        for schema, table, table_type in relations:
            kind = "view" if "VIEW" in str(table_type).upper() else "table"
            self.execute(f"drop {kind} if exists {self.relation(schema, table)} cascade")

    def close(self) -> None:
        self.con.close()


# The session's sql_mode without NO_BACKSLASH_ESCAPES (macro
# mysql_sql_mode_without_backslash_escapes: the same expression).
SQL_MODE_WITHOUT_BACKSLASH_ESCAPES = "trim(both ',' from replace(concat(',', @@session.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))"


def duckdb_lock_timeout_s() -> float:
    """How long to wait for another process's lock on the DuckDB file (env
    CHATBOT_DUCKDB_LOCK_TIMEOUT_S, default 60 s); a value that is not a finite number of 0
    or more seconds is a WarehouseError naming the variable (it was a ValueError traceback)."""
    text = os.environ.get("CHATBOT_DUCKDB_LOCK_TIMEOUT_S", "").strip() or "60"
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise WarehouseError(f"CHATBOT_DUCKDB_LOCK_TIMEOUT_S: not a number of seconds (0 or more): {text!r}")
    return value


class MySQLWarehouse(Warehouse):
    dialect = "mysql"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        import pymysql

        settings = target.settings
        # The same keys dbt-mysql reads (server/host, port, username/user, password,
        # unix_socket). The session matches what the models' pre-hook sets for dbt
        # (macro session_settings): UTC, long group_concat, backslash escapes, binary collation for
        # literals.
        connect_args: dict[str, Any] = {
            "user": str(settings.get("username") or settings.get("user") or ""),
            "password": str(settings.get("password") or ""),
            "charset": "utf8mb4",
            "collation": str(settings.get("collation") or "utf8mb4_bin"),
            "autocommit": True,
            "local_infile": False,
            "connect_timeout": 10,
        }
        if settings.get("server") or settings.get("host") or not settings.get("unix_socket"):
            connect_args["host"] = str(settings.get("server") or settings.get("host") or "127.0.0.1")
            connect_args["port"] = int(settings.get("port") or 3306)
        else:
            connect_args["unix_socket"] = str(settings["unix_socket"])
        try:
            self.con = pymysql.connect(**connect_args)
        except pymysql.MySQLError as exc:
            where = connect_args.get("unix_socket") or f"{connect_args.get('host')}:{connect_args.get('port')}"
            raise WarehouseError(f"cannot connect to MySQL target {target.name!r} at {where}: {exc}") from None
        with self.con.cursor() as cursor:
            cursor.execute("set session time_zone = '+00:00'")
            cursor.execute("set session group_concat_max_len = 4194304")
            # As the models' pre-hook: backslashes are escapes in this session's literals.
            cursor.execute(f"set session sql_mode = {SQL_MODE_WITHOUT_BACKSLASH_ESCAPES}")

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def _bind(self, sql: str) -> str:
        return _NAMED_PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self.con.cursor() as cursor:
            cursor.execute(self._bind(sql), dict(params) if params else None)

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        with self.con.cursor() as cursor:
            cursor.executemany(self._bind(sql), [dict(row) for row in rows])

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.fetch_table(sql, params)[1]

    def fetch_table(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self.con.cursor() as cursor:
            cursor.execute(self._bind(sql), dict(params) if params else None)
            columns = [column[0] for column in cursor.description or []]
            return columns, list(cursor.fetchall())

    def reset(self) -> None:
        from .project import raw_schema

        for schema in {raw_schema(), self.model_schema}:
            self.execute(f"drop database if exists {self.quote(schema)}")
        self.execute(f"create database {self.quote(self.model_schema)} character set utf8mb4 collate utf8mb4_bin")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def connect(target_name: str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse of a profiles.yml target (default: the profile's default target)."""
    target = load_target(target_name)
    if target.type == "duckdb":
        return DuckDBWarehouse(target, read_only=read_only)
    if target.type in ("mysql", "mariadb"):
        return MySQLWarehouse(target)
    if target.type == "spark":
        from .spark import SparkWarehouse

        return SparkWarehouse(target)
    raise WarehouseError(f"target {target.name!r} has type {target.type!r}; supported: duckdb, mysql, mariadb, spark")
