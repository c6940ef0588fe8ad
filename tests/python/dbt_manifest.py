"""`dbt parse` into a private target path and read the manifest (for the docs-coverage,
Metabase-sync and schedule tests). A private target path keeps a concurrent `dbt build`
in the project's target/ undisturbed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from conftest import PROJECT_DIR

DBT = PROJECT_DIR / ".venv" / "bin" / "dbt"


def dbt_env(duckdb_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DBT_PROFILES_DIR": str(PROJECT_DIR / "profiles"),
            "CHATBOT_TARGET": "duckdb",
            "CHATBOT_DUCKDB_PATH": str(duckdb_path),
        }
    )
    env.update(extra)
    return env


def parse_manifest(work_dir: Path) -> dict[str, Any]:
    """Run `dbt parse` with target and log paths under work_dir; return manifest.json."""
    target_path = work_dir / "target"
    completed = subprocess.run(
        [str(DBT), "parse", "--target-path", str(target_path), "--log-path", str(work_dir / "logs")],
        cwd=PROJECT_DIR,
        env=dbt_env(work_dir / "parse.duckdb"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(f"dbt parse failed (exit {completed.returncode}):\n{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
    with open(target_path / "manifest.json", encoding="utf-8") as handle:
        return json.load(handle)


def mart_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Model nodes under models/marts/, by name."""
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].replace("\\", "/").startswith("models/marts/")
    }


def metabase_meta(column: dict[str, Any]) -> dict[str, Any]:
    """A column's Metabase settings, written either `metabase.display_name: ...` or nested
    `metabase: {display_name: ...}` (dbt-metabase reads both)."""
    meta = dict(column.get("meta") or {})
    out = dict(meta.get("metabase") or {}) if isinstance(meta.get("metabase"), dict) else {}
    for key, value in meta.items():
        if key.startswith("metabase."):
            out[key.removeprefix("metabase.")] = value
    return out
