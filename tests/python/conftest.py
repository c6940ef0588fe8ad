"""Shared pytest fixtures: paths, a scratch environment, and the fixture warehouse.

`fixture_warehouse` builds every hand-written fixture (tests/fixtures/*) into one
temporary DuckDB file once per session, through the real loaders and `dbt build`, so
every test reads the same marts a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCRIPTS_DIR = PROJECT_DIR / "scripts"
PYTHON = sys.executable

sys.path.insert(0, str(SCRIPTS_DIR))

from chatwh.connection import Warehouse, connect  # noqa: E402


def scratch_env(duckdb_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DBT_PROFILES_DIR": str(PROJECT_DIR / "profiles"),
            "CHATBOT_TARGET": "duckdb",
            "CHATBOT_DUCKDB_PATH": str(duckdb_path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def run_script(script: str, *args: str, env: dict[str, str], check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [PYTHON, str(SCRIPTS_DIR / script), *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"{script} {' '.join(args)} exited {completed.returncode}\nSTDOUT:\n{completed.stdout[-4000:]}\nSTDERR:\n{completed.stderr[-4000:]}"
        )
    return completed


@contextmanager
def duckdb_lock_held(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding `path` open for writing (as a loader or dbt run would),
    until the block ends; yields it (its pid is what a lock message names)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def scratch_db(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """An empty DuckDB warehouse path and the env that points the scripts at it."""
    path = tmp_path / "scratch.duckdb"
    yield path, scratch_env(path)


@pytest.fixture
def wh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """An open connection to an empty scratch DuckDB warehouse (the env points at it too)."""
    for name, value in scratch_env(tmp_path / "w.duckdb").items():
        monkeypatch.setenv(name, value)
    with connect() as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fixture") / "fixture.duckdb"
    run_script("build_fixture.py", "--target", "duckdb", env=scratch_env(path), timeout=900)
    return path


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def query_dicts(db: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
