"""SparkWarehouse: the loaders' and checks' view of a dbt-spark `method: session` target.

dbt-spark's session method builds its SparkSession as
`SparkSession.builder.enableHiveSupport()` + `.config(k, v)` for every entry of the
target's `server_side_parameters`, then `getOrCreate()`. This module builds the same
session from the same profile entry, so a loader and dbt see one Derby metastore and one
warehouse directory. Derby (embedded) lets one process open the metastore at a time:
run the loader, then dbt, never both at once (the error says so when it happens).

Relative paths in the parameters are relative to the project directory (where dbt
runs); they are made absolute here so a script started from elsewhere finds the same
files. Named parameters `:name` are bound by Spark itself (`spark.sql(sql, args=...)`),
never formatted into the SQL text. Spark has no multi-statement transactions:
`transaction()` only groups statements; SparkSink makes each file's write a single
INSERT instead (see loading/spark_sink.py).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .connection import Warehouse, WarehouseError
from .project import PROJECT_DIR, Target

# Every timestamp in the warehouse is UTC; Python-side conversions follow the process
# time zone, so the session and the process both run in UTC.
SESSION_TIME_ZONE = "UTC"

_DERBY_HOME = re.compile(r"(-Dderby\.system\.home=)(\S+)")


def _absolute(path: str) -> str:
    candidate = Path(path).expanduser()
    return str(candidate if candidate.is_absolute() else (PROJECT_DIR / candidate).resolve())


def session_parameters(target: Target) -> dict[str, str]:
    """The target's server_side_parameters with relative paths made absolute."""
    params = {str(k): str(v) for k, v in (target.settings.get("server_side_parameters") or {}).items()}
    zone = params.setdefault("spark.sql.session.timeZone", SESSION_TIME_ZONE)
    if zone.upper() not in ("UTC", "ETC/UTC", "Z", "+00:00"):
        raise WarehouseError(
            f"target {target.name!r} sets spark.sql.session.timeZone={zone}; the project stores UTC and needs the session in UTC"
        )
    if "spark.sql.warehouse.dir" in params and "://" not in params["spark.sql.warehouse.dir"]:
        params["spark.sql.warehouse.dir"] = _absolute(params["spark.sql.warehouse.dir"])
    options = params.get("spark.driver.extraJavaOptions")
    if options:
        params["spark.driver.extraJavaOptions"] = _DERBY_HOME.sub(lambda m: m.group(1) + _absolute(m.group(2)), options)
    return params


def derby_home(params: Mapping[str, str]) -> Path | None:
    match = _DERBY_HOME.search(params.get("spark.driver.extraJavaOptions", ""))
    return Path(match.group(2)) if match else None


def _use_utc_in_process() -> None:
    # pyspark turns TIMESTAMP values into naive datetimes in the process's local zone.
    if os.environ.get("TZ") != "UTC":
        os.environ["TZ"] = "UTC"
        if hasattr(time, "tzset"):
            time.tzset()


def shutdown_spark_jvm(spark: Any, timeout_s: float = 30.0) -> None:
    """Stop a SparkSession and end the JVM pyspark launched for it (a later session in the
    same process launches a new one)."""
    from pyspark import SparkContext

    try:
        spark.stop()
    except Exception:  # noqa: BLE001 - closing must not mask the caller's error
        pass
    gateway = SparkContext._gateway
    if gateway is None:
        return
    proc = getattr(gateway, "proc", None)
    try:
        gateway.shutdown()
    except Exception:  # noqa: BLE001
        pass
    if proc is not None:
        # The gateway JVM exits when its stdin closes (pyspark's own shutdown signal).
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=timeout_s)
        except Exception:  # noqa: BLE001
            proc.kill()
            proc.wait(timeout=timeout_s)
    SparkContext._gateway = None
    SparkContext._jvm = None


class SparkWarehouse(Warehouse):
    dialect = "spark"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        method = str(target.settings.get("method", "session"))
        if method != "session":
            raise WarehouseError(
                f"target {target.name!r} uses dbt-spark method {method!r}; the loaders reach Spark through a local "
                "session (method: session) only. On a cluster, land files with a session target that shares the "
                "cluster's metastore, or write parquet the cluster reads."
            )
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise WarehouseError(
                "pyspark is not installed in this Python: run the Spark scripts with .venv-spark/bin/python (make spark-env)"
            ) from None
        _use_utc_in_process()
        self.params = session_parameters(target)
        home = derby_home(self.params)
        if home is not None:
            home.mkdir(parents=True, exist_ok=True)
        builder = SparkSession.builder.enableHiveSupport()
        for key, value in self.params.items():
            builder = builder.config(key, value)
        try:
            self.spark = builder.getOrCreate()
            # The first metastore call opens Derby: fail here, with the reason, not later.
            self.spark.catalog.listDatabases()
        except Exception as exc:  # py4j / pyspark errors carry a long Java trace
            text = str(exc)
            if "XSDB6" in text or "Failed to start database" in text or "another instance of Derby" in text:
                raise WarehouseError(
                    f"the Spark metastore under {home} is open in another process (a dbt run or a loader); "
                    "Derby allows one process at a time: wait for it to finish"
                ) from None
            raise WarehouseError(f"cannot start the Spark session for target {target.name!r}: {text.splitlines()[0]}") from None
        self.spark.sparkContext.setLogLevel("ERROR")

    # -- statements -------------------------------------------------------------
    def _sql(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        try:
            return self.spark.sql(sql, args=dict(params)) if params else self.spark.sql(sql)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WarehouseError(f"Spark refused a statement: {first}") from exc

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        # DDL and DML run eagerly in spark.sql(); a query is run and its rows dropped.
        frame = self._sql(sql, params)
        if frame is not None and frame.columns and sql.lstrip().lower().startswith(("select", "with")):
            frame.collect()

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.fetch_table(sql, params)[1]

    def fetch_table(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        frame = self._sql(sql, params)
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # No multi-statement transactions in Spark: callers make each unit one statement.
        yield

    def close(self) -> None:
        """Stop the session AND its JVM: the embedded Derby metastore stays locked while the
        JVM lives, and the next user is usually another process (dbt right after a load)."""
        shutdown_spark_jvm(self.spark)

    # -- naming -----------------------------------------------------------------
    @property
    def model_schema(self) -> str:
        return str(self.target.settings.get("schema", "default"))

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def table_exists(self, schema: str, table: str) -> bool:
        if not self.schema_exists(schema):
            return False
        return bool(self.spark.catalog.tableExists(f"{self.quote(schema)}.{self.quote(table)}"))

    def schema_exists(self, schema: str) -> bool:
        return bool(self.spark.catalog.databaseExists(schema))

    def reset(self) -> None:
        from .project import raw_schema

        for schema in {raw_schema(), self.model_schema}:
            self.execute(f"drop database if exists {self.quote(schema)} cascade")
