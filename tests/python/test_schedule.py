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


# -- the DAG itself (parsed by Airflow's own virtualenv) -----------------------------------
AIRFLOW_PYTHON = PROJECT_DIR / ".venv-airflow" / "bin" / "python"
LOCKED_DBT = PROJECT_DIR / "scripts" / "locked_dbt.sh"
needs_airflow = pytest.mark.skipif(not AIRFLOW_PYTHON.exists(), reason=".venv-airflow is missing (make airflow-env)")

# Run by .venv-airflow's Python: imports the DAG file, prints one JSON line describing
# every task, what the plan task plans for a few runs, and the commands (and outcome per
# exit code) of the validate and alerts tasks, with run_pipeline.py replaced by a fake.
DAG_DUMP = r"""
import importlib.util, inspect, json, sys
from datetime import UTC, datetime
from types import SimpleNamespace

spec = importlib.util.spec_from_file_location("chatbot_analytics_dag", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.Variable.get = staticmethod(lambda key, default=None: default)  # no metadata DB here

def text(value):
    return value if value is None or isinstance(value, str) else " ".join(map(str, value))

tasks = {}
for t in module.dag.tasks:
    tasks[t.task_id] = {
        "type": type(t).__name__,
        "retries": t.retries,
        "timeout_s": t.execution_timeout.total_seconds() if t.execution_timeout else None,
        "dbt_executable_path": str(getattr(t, "dbt_executable_path", "") or ""),
        "base_cmd": list(getattr(t, "base_cmd", None) or []),
        "select": text(getattr(t, "select", None)),
        "exclude": text(getattr(t, "exclude", None)),
        "indirect_selection": getattr(t, "indirect_selection", None),
        "upstream": sorted(t.upstream_task_ids),
    }

plan_callable = module.dag.get_task("plan").python_callable
accepted = set(inspect.signature(plan_callable).parameters)
def plan(**kwargs):
    return plan_callable(**{k: v for k, v in kwargs.items() if k in accepted})
def utc(*args):
    return datetime(*args, tzinfo=UTC)
plans = {
    "scheduled_morning": plan(params={}, data_interval_start=utc(2025, 6, 3, 0), data_interval_end=utc(2025, 6, 3, 1)),
    "scheduled_last_hour": plan(params={}, data_interval_start=utc(2025, 6, 2, 15), data_interval_end=utc(2025, 6, 2, 16)),
    "manual_after_midnight": plan(params={}, data_interval_start=None, dag_run=SimpleNamespace(run_after=utc(2025, 6, 2, 16, 5))),
    "manual_morning": plan(params={}, data_interval_start=None, dag_run=SimpleNamespace(run_after=utc(2025, 6, 3, 1, 5))),
    "backfill_range": plan(params={"start_date": "2025-06-01", "end_date": "2025-06-07"}, data_interval_start=utc(2025, 6, 9, 0)),
    "backfill_day": plan(params={"start_date": "2025-06-03", "end_date": "2025-06-03"}, data_interval_start=utc(2025, 6, 9, 0)),
}

class FakeRun:
    code = 0
    commands = []
    def __init__(self, command, **kwargs):
        FakeRun.commands.append(command)
        self.stdout = iter(())
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def wait(self):
        return FakeRun.code

module.subprocess.Popen = FakeRun
steps = {}
for step in ("validate", "alerts"):
    call = module.dag.get_task(step).python_callable
    outcome = {}
    for code in (0, 3, 4):
        FakeRun.code, FakeRun.commands = code, []
        try:
            call(plans["scheduled_morning"])
            result = "ok"
        except Exception as exc:
            result = type(exc).__name__ + ": " + str(exc)
        outcome[str(code)] = {"result": result, "commands": FakeRun.commands}
    steps[step] = outcome
print("DAG_DUMP " + json.dumps({"tasks": tasks, "plans": plans, "steps": steps, "lock_wait_s": getattr(module, "LOCK_WAIT_S", 0)}, default=str))
"""


def dump_dag(work: Path, **env: str) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    environment = {
        **dbt_env(work / "dag.duckdb"),
        "AIRFLOW_HOME": str(work / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__ENABLE_CACHE": "False",  # its cache is an Airflow Variable: no DB here
        "CHATBOT_PROJECT_DIR": str(PROJECT_DIR),
        "CHATBOT_DUCKDB_PATH": str(work / "dag.duckdb"),
        "CHATBOT_TARGET": "duckdb",
        **env,
    }
    environment.pop("CHATBOT_LOCK_WAIT_S", None)
    environment.update({k: v for k, v in env.items() if k == "CHATBOT_LOCK_WAIT_S"})
    completed = subprocess.run(
        [str(AIRFLOW_PYTHON), "-c", DAG_DUMP, str(PROJECT_DIR / "dags" / "chatbot_analytics.py")],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("DAG_DUMP ")]
    assert completed.returncode == 0 and lines, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("DAG_DUMP "))


@pytest.fixture(scope="module")
def layer_dag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return dump_dag(tmp_path_factory.mktemp("layer_dag"), CHATBOT_DBT_TASKS="layer")


@pytest.fixture(scope="module")
def model_dag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return dump_dag(tmp_path_factory.mktemp("model_dag"), CHATBOT_DBT_TASKS="model")


def dbt_tasks(dag: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {task_id: t for task_id, t in dag["tasks"].items() if t["dbt_executable_path"]}


@needs_airflow
@pytest.mark.parametrize("mode", ["layer", "model"])
def test_every_dbt_task_runs_dbt_through_the_pipeline_lock(mode: str, request: pytest.FixtureRequest) -> None:
    # cron's run_pipeline.py takes <warehouse>.pipeline.lock; a cosmos task that ran
    # .venv/bin/dbt directly wrote the warehouse under a cron run (a DuckDB lock error,
    # exit 1 instead of 4) and always used the DuckDB venv's dbt whatever the target.
    dag = request.getfixturevalue(f"{mode}_dag")
    tasks = dbt_tasks(dag)
    assert len(tasks) >= (4 if mode == "layer" else 80)
    wrong = {task_id: t["dbt_executable_path"] for task_id, t in tasks.items() if Path(t["dbt_executable_path"]) != LOCKED_DBT}
    assert not wrong, f"dbt tasks not run through scripts/locked_dbt.sh: {sorted(wrong.items())[:5]}"
    for task_id, t in tasks.items():
        assert t["timeout_s"] >= 45 * 60 + dag["lock_wait_s"], f"{task_id}: the lock wait is not on top of its timeout"


@needs_airflow
def test_validate_and_alerts_wait_for_a_cron_run_instead_of_failing(layer_dag: dict[str, Any]) -> None:
    # Both have no retries: exit 4 (a cron run holds the lock) used to fail validate (the
    # whole run) or the alerts task (= "an alert fires") at once.
    wait = layer_dag["lock_wait_s"]
    assert wait >= 60
    for step in ("validate", "alerts"):
        task = layer_dag["tasks"][step]
        assert task["retries"] == 0
        command = layer_dag["steps"][step]["0"]["commands"][0]
        assert "--wait-lock" in command, command
        assert float(command[command.index("--wait-lock") + 1]) == wait
        assert task["timeout_s"] >= wait + 10 * 60
        assert layer_dag["steps"][step]["0"]["result"] == "ok"
        busy = layer_dag["steps"][step]["4"]["result"]
        assert busy.startswith("AirflowException") and "held the lock" in busy, busy
    # An open error-level alert fails the alerts task at once, for good (no retry).
    assert layer_dag["steps"]["alerts"]["3"]["result"].startswith("AirflowFailException")
    assert len(layer_dag["steps"]["alerts"]["3"]["commands"]) == 1


@needs_airflow
def test_plan_ends_a_scheduled_runs_window_on_the_last_complete_day(layer_dag: dict[str, Any]) -> None:
    plans = layer_dag["plans"]

    def planned(name: str) -> tuple[str, str, dict[str, str]]:
        return plans[name]["start"], plans[name]["end"], plans[name]["dbt_vars"]

    # 08:00-09:00 local on June 3: June 3 is not over; the last complete day is June 2.
    assert planned("scheduled_morning") == ("2025-06-03", "2025-06-03", {"comparison_end": "2025-06-02"})
    # 23:00-24:00 local: the run's day ends with its interval.
    assert planned("scheduled_last_hour") == ("2025-06-02", "2025-06-02", {"comparison_end": "2025-06-02"})
    assert planned("manual_after_midnight") == ("2025-06-02", "2025-06-02", {"comparison_end": "2025-06-02"})
    assert planned("manual_morning") == ("2025-06-03", "2025-06-03", {"comparison_end": "2025-06-02"})
    # A backfill keeps its explicit window, a range or one day.
    assert planned("backfill_range") == ("2025-06-01", "2025-06-07", {"comparison_start": "2025-06-01", "comparison_end": "2025-06-07"})
    assert planned("backfill_day") == ("2025-06-03", "2025-06-03", {"comparison_end": "2025-06-03"})


def test_dbt_vars_of_a_scheduled_run_end_on_the_last_complete_day() -> None:
    from datetime import UTC, date, datetime

    from chatwh.schedule import dbt_vars_for, last_complete_day

    day = date(2025, 6, 3)
    # UTC+8: 01:00 UTC is 09:00 local on June 3 (partial); 16:00 UTC June 2 is local midnight.
    assert last_complete_day(datetime(2025, 6, 3, 1, tzinfo=UTC)) == date(2025, 6, 2)
    assert last_complete_day(datetime(2025, 6, 2, 16, tzinfo=UTC)) == date(2025, 6, 2)
    assert dbt_vars_for(day, day, as_of=datetime(2025, 6, 3, 1, tzinfo=UTC)) == {"comparison_end": "2025-06-02"}
    assert dbt_vars_for(day, day) == {"comparison_end": "2025-06-03"}  # explicit --date: that day


def _buildable(selected: set[str], parents: dict[str, list[str]], sources: set[str], candidates: dict[str, list[str]]) -> set[str]:
    """The tests `dbt build --indirect-selection buildable` adds to `selected` (dbt's
    NodeSelector.expand_selection): a test with a selected parent whose every parent is
    selected, an ancestor of a selected node, or a source."""
    ancestors: set[str] = set()
    todo = list(selected)
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in ancestors:
                ancestors.add(parent)
                todo.append(parent)
    allowed = selected | ancestors | sources
    return {uid for uid, deps in candidates.items() if set(deps) & selected and set(deps) <= allowed}


@needs_airflow
def test_model_mode_runs_every_test(model_dag: dict[str, Any], layers: tuple[dict[str, Any], set[str], dict[str, set[str]]]) -> None:
    # Per model (TestBehavior.BUILD, BUILDABLE) a test with parents in separate branches
    # (relationships between marts, assert_no_identifiers_in_marts, the reconcile tests)
    # is selected by no model's task: it needs a task of its own after all its parents.
    manifest = layers[0]
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    parents = {uid: n["depends_on"].get("nodes", []) for uid, n in nodes.items() if n["resource_type"] not in ("test", "unit_test")}
    tests = {uid: n["depends_on"].get("nodes", []) for uid, n in nodes.items() if n["resource_type"] in ("test", "unit_test")}
    by_fqn = {".".join(n["fqn"]): uid for uid, n in nodes.items()}
    by_name: dict[str, set[str]] = {}
    for uid, n in nodes.items():
        by_name.setdefault(n["name"], set()).add(uid)
    sources = set(manifest.get("sources", {}))
    task_of: dict[str, list[str]] = {}
    for task_id, t in dbt_tasks(model_dag).items():
        selected: set[str] = set()
        for token in (t["select"] or "").split():
            uid = by_fqn.get(token.removeprefix("fqn:")) if token.startswith("fqn:") else None
            found = {uid} if uid else by_name.get(token, set())
            assert found, f"{task_id}: selector {token!r} not understood by this test"
            selected |= found
        excluded = set().union(*(by_name.get(token, set()) for token in (t["exclude"] or "").split()))
        assert t["indirect_selection"] == INDIRECT_SELECTION
        run = selected | (_buildable(selected, parents, sources, tests) if t["base_cmd"] == ["build"] else set())
        for uid in run - excluded:
            task_of.setdefault(uid, []).append(task_id)
    gate = {uid for uid in tests if nodes[uid]["name"] in ALERT_GATE_TESTS}
    never = sorted(uid for uid in tests if uid not in task_of and uid not in gate)
    assert never == [], f"{len(never)} tests no task of the per-model DAG runs: {never[:12]}"
    # A test in a task of its own runs after the tasks that build each of its parents.
    builder = {uid: ids[0] for uid, ids in task_of.items() if uid in parents}
    late = []
    for task_id, t in dbt_tasks(model_dag).items():
        if t["base_cmd"] == ["test"]:
            for uid in set().union(*(by_name[name] for name in t["select"].split())):
                late += [f"{task_id} not after {builder[p]}" for p in tests[uid] if p in builder and builder[p] not in t["upstream"]]
    assert not late, late[:5]
    assert any(t["select"] == "assert_no_identifiers_in_marts" for t in dbt_tasks(model_dag).values())


def test_locked_dbt_takes_the_pipeline_lock_and_waits_a_bounded_time(tmp_path: Path) -> None:
    import fcntl
    import threading

    env = {**dbt_env(tmp_path / "wh.duckdb"), "CHATBOT_DUCKDB_PATH": str(tmp_path / "wh.duckdb"), "CHATBOT_TARGET": "duckdb"}
    lock = tmp_path / "wh.duckdb.pipeline.lock"  # run_pipeline.py's lock of that warehouse
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a cron run holds it
        busy = subprocess.run(
            [str(LOCKED_DBT), "debug"],
            cwd=PROJECT_DIR,
            env={**env, "CHATBOT_LOCK_WAIT_S": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert busy.returncode == 4, busy.stdout + busy.stderr
        assert "dbt did not run" in busy.stderr and "waiting up to 1 s" in busy.stderr
        unlocked = subprocess.run(
            [str(LOCKED_DBT), "--version"],
            cwd=PROJECT_DIR,
            env={**env, "CHATBOT_LOCK_WAIT_S": "0"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert unlocked.returncode == 0 and "lock" not in unlocked.stderr  # --version opens no warehouse: no lock
        threading.Timer(2.0, lambda: fcntl.flock(handle, fcntl.LOCK_UN)).start()  # the cron run ends
        proceeded = subprocess.run(
            [str(LOCKED_DBT), "debug", "--target", "duckdb"],
            cwd=PROJECT_DIR,
            env={**env, "CHATBOT_LOCK_WAIT_S": "60"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert "waiting up to 60 s" in proceeded.stderr and "holding the pipeline lock" in proceeded.stderr, proceeded.stderr
    assert str(PROJECT_DIR / ".venv" / "bin" / "dbt") in proceeded.stderr  # the duckdb target's dbt (chatwh.dbt)
    assert "dbt version" in proceeded.stdout.lower() or "dbt version" in proceeded.stderr.lower(), proceeded.stdout[-2000:]
