"""The DAG's per-layer `dbt build` tasks (chatwh.schedule.LAYERS) run the same nodes as one
`dbt build`: every model, seed, snapshot, data test and unit test in a layer (exactly one,
except a unit test dbt also picks by its YAML folder), and no node in a layer before one of
its parents' layers. Checked with `dbt ls` (dbt's
own selector engine, with the DAG's --indirect-selection) against the parsed manifest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR
from dbt_manifest import DBT, dbt_env, parse_manifest

from chatwh.schedule import ALERT_GATE_TESTS, INDIRECT_SELECTION, LAYERS

EXECUTABLE = {"model", "seed", "snapshot", "test", "unit_test"}


def dbt_ls(work: Path, *args: str) -> set[str]:
    completed = subprocess.run(
        [
            str(DBT),
            "ls",
            "--quiet",
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "resource_type",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            *args,
        ],
        cwd=PROJECT_DIR,
        env=dbt_env(work / "ls.duckdb"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    nodes = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    return {n["unique_id"] for n in nodes if n["resource_type"] in EXECUTABLE}


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], set[str], dict[str, set[str]]]:
    work = tmp_path_factory.mktemp("schedule")
    manifest = parse_manifest(work)  # also leaves a partial-parse file for the ls calls
    everything = dbt_ls(work, "--resource-type", "all")
    per_layer = {name: dbt_ls(work, "--select", *selector.split(), "--indirect-selection", INDIRECT_SELECTION) for name, selector in LAYERS}
    return manifest, everything, per_layer


def test_layers_cover_every_node_once(layers: tuple[dict[str, Any], set[str], dict[str, set[str]]]) -> None:
    _, everything, per_layer = layers
    assert len(everything) > 100
    union: set[str] = set().union(*per_layer.values())
    assert sorted(everything - union) == [], "nodes no layer runs"
    assert sorted(union - everything) == []
    names = list(per_layer)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            # dbt also selects a unit test by the folder of its YAML file (the sessionisation
            # unit test sits in models/marts/funnel/), so it may run again in a later layer:
            # harmless (fixtures in memory, no warehouse table), allowed; nothing else may.
            twice = {uid for uid in per_layer[a] & per_layer[b] if not uid.startswith("unit_test.")}
            assert not twice, f"nodes run by both {a} and {b}: {sorted(twice)[:5]}"


def test_no_node_runs_before_its_parents(layers: tuple[dict[str, Any], set[str], dict[str, set[str]]]) -> None:
    manifest, _, per_layer = layers
    position: dict[str, int] = {}
    for index, (name, _) in enumerate(LAYERS):
        for uid in per_layer[name]:
            position.setdefault(uid, index)  # the first layer that runs it
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    early: list[str] = []
    for uid, index in position.items():
        for parent in nodes[uid]["depends_on"].get("nodes", []):
            if parent in position and position[parent] > index:
                early.append(f"{uid} (layer {LAYERS[index][0]}) before {parent} (layer {LAYERS[position[parent]][0]})")
    assert not early, early[:10]
    # Sanity of the check itself: marts do depend on earlier layers.
    mart = "model.chatbot_analytics.mart_bot_daily_kpis"
    assert LAYERS[position[mart]][0] == "marts"
    assert any(position.get(p, -1) < position[mart] for p in nodes[mart]["depends_on"]["nodes"])


def test_alert_gate_tests_name_the_open_error_alert_test(layers: tuple[dict[str, Any], set[str], dict[str, set[str]]]) -> None:
    # The scheduled build excludes these by name (`--exclude`); a renamed test would match
    # nothing, stay in the build and fail it again while an error-level alert is open.
    manifest, _, per_layer = layers
    tests = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "test"}
    for name in ALERT_GATE_TESTS:
        assert name in tests, f"no dbt test named {name}"
        node = tests[name]
        assert node["config"]["severity"].lower() == "error"
        assert node["depends_on"]["nodes"] == ["model.chatbot_analytics.mart_alerts"]
        assert node["unique_id"] in per_layer["marts"]
