"""Run dbt for a target with the right environment.

MySQL needs dbt 1.7 (dbt-mysql) from .venv-mysql and Spark its own .venv-spark; DuckDB
uses the main environment. Every script that runs dbt goes through here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .project import PROJECT_DIR, load_target, profiles_dir
from .schedule import run_child

VENV_BY_TYPE = {"mysql": ".venv-mysql", "mariadb": ".venv-mysql", "spark": ".venv-spark"}


def dbt_executable(target_name: str | None) -> Path:
    target = load_target(target_name)
    venv = VENV_BY_TYPE.get(target.type)
    if venv:
        candidate = PROJECT_DIR / venv / "bin" / "dbt"
        if not candidate.exists():
            raise FileNotFoundError(f"{candidate} is missing: run `make {venv.removeprefix('.venv-')}-env` first")
        return candidate
    local = Path(sys.executable).parent / "dbt"
    return local if local.exists() else PROJECT_DIR / ".venv" / "bin" / "dbt"


def run_dbt(args: list[str], *, target: str | None = None, dbt_vars: dict[str, Any] | None = None, check: bool = True) -> int:
    command = [str(dbt_executable(target)), *args]
    if target:
        command += ["--target", target]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars, ensure_ascii=False)]
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(profiles_dir())
    # As a child that shares the pipeline lock this process holds (if any) and gets its
    # SIGTERM (chatwh.schedule.run_child): dbt keeps the lock for as long as it runs.
    returncode = run_child(command, cwd=PROJECT_DIR, env=env)
    if check and returncode != 0:
        raise subprocess.CalledProcessError(returncode, command)
    return returncode


def wait_for_duckdb_file(target_name: str | None) -> None:
    """For a DuckDB target: wait until no other process has its file open, as the loaders
    do (up to CHATBOT_DUCKDB_LOCK_TIMEOUT_S, default 60 s, chatwh.connection.DuckDBWarehouse),
    by opening a write connection and closing it again. dbt-duckdb does not wait: a
    `make publish-bi`, a report or a read-only kpis session holding the file made the
    build fail at once. Raises WarehouseError (naming the holder's PID) when the file
    stayed busy; other targets return at once."""
    target = load_target(target_name)
    if target.type != "duckdb":
        return
    from .connection import DuckDBWarehouse

    DuckDBWarehouse(target).close()


def compiled_model_sql(model: str, *, target: str | None = None, dbt_vars: dict[str, Any] | None = None) -> str:
    """The SQL dbt compiles for one model with the given vars (same SQL as the mart).

    Compiles into a private target path, so a concurrent `dbt build` is not disturbed.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="chatbot-compile-") as target_path:
        command = [str(dbt_executable(target)), "compile", "--quiet", "--select", model, "--target-path", target_path]
        if target:
            command += ["--target", target]
        if dbt_vars:
            command += ["--vars", json.dumps(dbt_vars, ensure_ascii=False)]
        env = dict(os.environ)
        env["DBT_PROFILES_DIR"] = str(profiles_dir())
        completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"dbt compile of {model} failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
        matches = list(Path(target_path).glob(f"compiled/**/{model}.sql"))
        if not matches:
            raise RuntimeError(f"dbt compile wrote no SQL for {model}")
        return matches[0].read_text(encoding="utf-8")
