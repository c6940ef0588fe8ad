"""Every var that can change an incremental model's rows is in its fingerprint.

An incremental model rebuilds its whole history when its fingerprint changes
(macros/incremental/incremental.sql: the SQL of it and of everything upstream, the seeds,
the project's macros, `reporting_utc_offset_hours` and the `fingerprint_vars` of it and
of every model upstream). A var the fingerprint leaves out leaves the old days as they
were built: after `confidence_z` changed, the funnel marts kept their old intervals on
every day but the new ones while the table marts took the new z.

The vars are found where dbt reads them: `var('x')` and the project's typed readers
(`number_var('x')`, `date_var('x')`, ...) in the model's SQL, in every model upstream
and in every project macro any of them reaches (transitively, through the macros'
own calls).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from dbt_manifest import parse_manifest

PROJECT = "chatbot_analytics"
VAR_READ = re.compile(r"""\b[a-z_]*var\(\s*['"]([a-z_0-9]+)['"]""")

# Vars that never change which rows a day holds, only where or which days are built.
ROWS_UNCHANGED = {
    "raw_schema": "where the raw tables are, not what they hold",
    "incremental_lookback_days": "which days a run rebuilds, not their rows",
    "user_key_salt_env_var": "the salt itself is in the fingerprint (user_key_salt)",
}
ALWAYS = {"reporting_utc_offset_hours"}  # in every fingerprint


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return parse_manifest(tmp_path_factory.mktemp("fingerprint-manifest"))


def _macro_closure(manifest: dict[str, Any], macro_ids: list[str]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    queue = list(macro_ids)
    while queue:
        macro_id = queue.pop()
        macro = manifest["macros"].get(macro_id)
        if macro_id in seen or macro is None or macro["package_name"] != PROJECT:
            continue
        seen[macro_id] = macro
        queue.extend(macro["depends_on"]["macros"])
    return list(seen.values())


def _vars_read(manifest: dict[str, Any], node: dict[str, Any]) -> set[str]:
    texts = [node["raw_code"]] + [m["macro_sql"] for m in _macro_closure(manifest, node["depends_on"]["macros"])]
    return {name for text in texts for name in VAR_READ.findall(text)}


def _upstream_models(manifest: dict[str, Any], unique_id: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    queue = [unique_id]
    while queue:
        node_id = queue.pop()
        node = manifest["nodes"].get(node_id)
        if node_id in seen or node is None or node["resource_type"] != "model":
            continue
        seen[node_id] = node
        queue.extend(node["depends_on"]["nodes"])
    return list(seen.values())


def test_every_var_that_changes_an_incremental_models_rows_is_in_its_fingerprint(manifest: dict[str, Any]) -> None:
    incremental = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
    ]
    assert len(incremental) > 10
    missing: list[str] = []
    for node in incremental:
        chain = _upstream_models(manifest, node["unique_id"])
        fingerprinted = ALWAYS | {v for n in chain for v in (n["config"].get("fingerprint_vars") or [])}
        read = {v for n in chain for v in _vars_read(manifest, n)}
        for name in sorted(read - fingerprinted - ROWS_UNCHANGED.keys()):
            missing.append(f"{node['name']} reads var {name} (add it to fingerprint_vars, or to ROWS_UNCHANGED with a reason)")
    assert not missing, "\n".join(missing)


def test_the_var_reader_finds_the_vars_the_models_read(manifest: dict[str, Any]) -> None:
    """The scan is not blind: the vars known to be read where they are."""
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert "slow_answer_seconds" in _vars_read(manifest, nodes["int_conversations__rated"])
    assert "confidence_z" in _vars_read(manifest, nodes["mart_bot_daily_kpis"])  # through funnel_ratios -> wilson
    assert "reporting_utc_offset_hours" in {
        v for n in _upstream_models(manifest, nodes["mart_bot_daily_kpis"]["unique_id"]) for v in _vars_read(manifest, n)
    }
