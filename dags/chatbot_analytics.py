"""Airflow DAG `chatbot_analytics`: the hourly warehouse refresh.

Per hourly interval: plan (which reporting days, which dbt vars) -> land new files ->
validate the sources -> dbt build (rendered by astronomer-cosmos, one task per layer by
default) -> publish the read-only BI copy, run the alerts command, write the daily
report; last, `unreadable_files` fails the run when the land task could not read a file
of the landing folder (the rest was landed, built and published all the same). The
non-dbt steps run `scripts/run_pipeline.py --steps <step>` with the
project's own virtualenv, so cron (`python scripts/run_pipeline.py`) and Airflow run the
same code; dbt runs from the project's virtualenvs as well (Airflow lives in
.venv-airflow and never imports dbt), through scripts/locked_dbt.sh: the target's dbt
(chatwh.dbt.dbt_executable, as run_pipeline.py picks it) under the same pipeline lock as
run_pipeline.py, so a cron run and this DAG never write one warehouse together. Every
step that takes the lock waits for a cron run holding it (CHATBOT_LOCK_WAIT_S, default
30 min) before it gives up with exit 4. See dags/README.md for set-up, configuration and
the layer-vs-model measurement.

Backfill a date range in one run (dbt vars cover the range, a report per day):
    airflow dags trigger chatbot_analytics --conf '{"start_date": "2025-06-01", "end_date": "2025-06-07"}'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, TriggerRule, Variable, task
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from airflow.timetables.interval import CronDataIntervalTimetable
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import DbtResourceType, ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from cosmos.operators.local import DbtBuildLocalOperator, DbtTestLocalOperator

# -- configuration (environment of the scheduler and workers) ----------------------------
PROJECT_DIR = Path(os.environ.get("CHATBOT_PROJECT_DIR") or Path(__file__).resolve().parents[1]).resolve()
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from chatwh.project import resolve_path  # noqa: E402
from chatwh.schedule import (  # noqa: E402
    ALERT_GATE_TESTS,
    INDIRECT_SELECTION,
    LAYERS,
    LOCK_WAIT_ENV,
    current_report_date,
    days,
    dbt_vars_for,
    interval_report_date,
    lock_wait_seconds,
)

PROJECT_PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
# Every dbt command of the DAG (cosmos' dbt_executable_path, for running and for `dbt ls`)
# goes through this wrapper: it runs the target's dbt (chatwh.dbt.dbt_executable: .venv,
# .venv-mysql or .venv-spark) holding the pipeline lock run_pipeline.py takes, waiting up
# to LOCK_WAIT_S for a cron run (ls, deps and parse run without it). See the script.
DBT_EXECUTABLE = PROJECT_DIR / "scripts" / "locked_dbt.sh"
TARGET = os.environ.get("CHATBOT_TARGET", "duckdb")
# "layer" (default): one `dbt build` task per layer; "model": one task per model/seed.
DBT_TASKS = os.environ.get("CHATBOT_DBT_TASKS", "layer")
POOL = os.environ.get("CHATBOT_POOL", "chatbot_duckdb")
LANDING_VARIABLE = "chatbot_landing_dir"
DEFAULT_LANDING = os.environ.get("CHATBOT_LANDING_DIR", "warehouse/landing")
# How long a task waits for the pipeline lock (a cron run on the same warehouse) before
# it fails with exit 4; added to the execution_timeout of every task that takes it.
LOCK_WAIT_S = lock_wait_seconds()

# Every task gets absolute paths: cosmos runs dbt from a temporary copy of the project, so
# a relative DuckDB path would land in that copy.
TASK_ENV = {
    "CHATBOT_DUCKDB_PATH": str(resolve_path(os.environ.get("CHATBOT_DUCKDB_PATH", "warehouse/chatbot.duckdb")).resolve()),
    "DBT_PROFILES_DIR": str(PROJECT_DIR / "profiles"),
    "CHATBOT_TARGET": TARGET,
    LOCK_WAIT_ENV: f"{LOCK_WAIT_S:g}",
    "PYTHONUNBUFFERED": "1",
}

# Per-task limits: Airflow 3 has no SLAs, so every task has an execution_timeout and the
# run a dagrun_timeout; a task that hangs is killed and retried.
TIMEOUTS = {
    "plan": timedelta(minutes=2),
    "land": timedelta(minutes=30),
    "validate": timedelta(minutes=20),
    "dbt": timedelta(minutes=45),
    "publish": timedelta(minutes=15),
    "alerts": timedelta(minutes=10),
    "report": timedelta(minutes=20),
    "unreadable_files": timedelta(minutes=2),
}
# The steps that take the pipeline lock may first wait for it: that wait is on top.
for _step in ("land", "validate", "dbt", "publish", "alerts", "report"):
    TIMEOUTS[_step] += timedelta(seconds=LOCK_WAIT_S)

default_args: dict[str, Any] = {
    "owner": "analytics",
    "retries": int(os.environ.get("CHATBOT_TASK_RETRIES", "2")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    # One writer on the DuckDB file: every task that opens it takes the single slot.
    "pool": POOL,
}


def _run_step(step: str, plan: dict[str, Any], extra: tuple[str, ...] = ()) -> int:
    """`run_pipeline.py --steps <step>` for the planned range; output goes to the task log.
    A cron run that holds the pipeline lock is waited for (--wait-lock, LOCK_WAIT_S) rather
    than failing the task at once: validate and alerts have no retries."""
    command = [str(PROJECT_PYTHON), str(PROJECT_DIR / "scripts" / "run_pipeline.py"), "--steps", step]
    command += ["--start", plan["start"], "--end", plan["end"], "--target", TARGET, "--wait-lock", f"{LOCK_WAIT_S:g}", *extra]
    if step == "land":
        command += ["--landing", plan["landing"]]
    env = {**os.environ, **TASK_ENV}
    print("$", " ".join(command), flush=True)
    with subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line.rstrip(), flush=True)
        return proc.wait()


def _step_ok(step: str, plan: dict[str, Any]) -> None:
    _check_exit(step, _run_step(step, plan))


def _check_exit(step: str, code: int) -> None:
    if code == 2:  # bad input (e.g. a missing landing folder): a retry fails the same way
        raise AirflowFailException(f"run_pipeline.py --steps {step}: bad input (exit 2), see the log above")
    if code == 4:  # a cron run held the lock for all of LOCK_WAIT_S: retried where retries are set
        raise AirflowException(f"run_pipeline.py --steps {step}: another pipeline run held the lock for {LOCK_WAIT_S:g} s (exit 4)")
    if code != 0:  # 1 = the step failed: Airflow retries
        raise AirflowException(f"run_pipeline.py --steps {step} exited {code}, see the log above")


with DAG(
    dag_id="chatbot_analytics",
    description="Hourly: land chat files, validate, dbt build (cosmos), BI copy, alerts, daily report",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=default_args,
    # Native rendering so the planned dbt vars reach cosmos as a dict, not a string.
    render_template_as_native_obj=True,
    params={
        "start_date": Param(None, type=["null", "string"], format="date", description="backfill: first reporting day"),
        "end_date": Param(None, type=["null", "string"], format="date", description="backfill: last reporting day"),
    },
    tags=["chatbot", "dbt", "duckdb"],
    doc_md=__doc__,
) as dag:

    @task(execution_timeout=TIMEOUTS["plan"], retries=0)
    def plan(
        params: dict[str, Any] | None = None,
        data_interval_start: datetime | None = None,
        data_interval_end: datetime | None = None,
        dag_run: Any = None,
    ) -> dict[str, Any]:
        """The run's reporting days: a backfill range from params/conf, else the local day
        of the hour this interval covers (a manual run without a logical date, Airflow 3's
        default for the UI's Trigger and `airflow dags trigger`, has no interval: the hour
        that ended before it was triggered, as cron does); the dbt vars follow from them.
        A backfill compares the models over its days; a scheduled run's day is still
        partial (but for its last hour), so its window ends on the last complete day."""
        params = params or {}
        start_text, end_text = params.get("start_date"), params.get("end_date")
        if start_text or end_text:
            start = date.fromisoformat(start_text or end_text)
            end = date.fromisoformat(end_text or start_text)
            if end < start:
                raise AirflowFailException(f"end_date {end} is before start_date {start}")
            as_of = None  # explicit days: compared over exactly those
        elif data_interval_start is not None:
            start = end = interval_report_date(data_interval_start)
            as_of = data_interval_end or data_interval_start + timedelta(hours=1)
        elif dag_run is not None and getattr(dag_run, "run_after", None) is not None:
            start = end = current_report_date(dag_run.run_after)
            as_of = dag_run.run_after
        else:
            raise AirflowFailException("no data interval, no run_after and no start_date/end_date given")
        landing = Variable.get(LANDING_VARIABLE, default=DEFAULT_LANDING)
        result = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": [d.isoformat() for d in days(start, end)],
            "dbt_vars": dbt_vars_for(start, end, as_of=as_of),
            "landing": str(resolve_path(landing).resolve()),
        }
        print(f"plan: {result}")
        return result

    @task(execution_timeout=TIMEOUTS["land"])
    def land(plan: dict[str, Any]) -> list[str]:
        """New files of the landing folder, each once (tracked in raw.load_batches). A file
        that cannot be read (`could not land <path>: <reason>` in the log) does not fail
        this task: what did land is validated, built and published, and the task returns
        the unreadable files (`<path>: <reason>`, its XCom) for `unreadable_files`, which
        fails the run naming them. Any other failure fails the task, as before."""
        with tempfile.TemporaryDirectory(prefix="chatbot-land-") as tmp:
            listed = Path(tmp) / "unreadable.json"
            code = _run_step("land", plan, ("--unreadable-json", str(listed)))
            # Written only once the folder was landed: absent after any other failure.
            problems = json.loads(listed.read_text(encoding="utf-8")) if listed.exists() else []
        if code == 1 and problems:
            unreadable = [f"{p['file']}: {p['reason']}" for p in problems]
            print(f"{len(unreadable)} file(s) could not be read; the run goes on with what landed and fails in unreadable_files")
            return unreadable
        _check_exit("land", code)
        return []

    @task(execution_timeout=TIMEOUTS["validate"], retries=0)
    def validate(plan: dict[str, Any]) -> None:
        """Source checks (scripts/validate_sources.py); a failure stops the build. No
        retry: the landed data a check failed on is the same on a retry. A cron run that
        holds the pipeline lock is waited for (up to LOCK_WAIT_S), not a failure."""
        _step_ok("validate", plan)

    @task(execution_timeout=TIMEOUTS["publish"])
    def publish(plan: dict[str, Any]) -> None:
        """Read-only copy of the DuckDB file for Metabase (atomic replace)."""
        _step_ok("publish", plan)

    @task(execution_timeout=TIMEOUTS["alerts"], retries=0)
    def alerts(plan: dict[str, Any]) -> None:
        """scripts/alerts.py. An error-level alert fails this task (no retry: the data will
        not change), which marks the run failed for whoever watches it; the report and
        the BI copy do not depend on this task. A cron run that holds the pipeline lock is
        waited for (up to LOCK_WAIT_S): a busy warehouse is not an alert."""
        code = _run_step("alerts", plan)
        if code == 3:
            raise AirflowFailException("error-level alerts fire: see the table above")
        _check_exit("alerts", code)

    @task(execution_timeout=TIMEOUTS["report"])
    def report(plan: dict[str, Any]) -> None:
        """scripts/report.py for every day of the run (reports/report_<day>.html and .md)."""
        _step_ok("report", plan)

    @task(execution_timeout=TIMEOUTS["unreadable_files"], retries=0, trigger_rule=TriggerRule.ALL_DONE)
    def unreadable_files(ti: Any = None) -> None:
        """Fails, naming them, when the land task could not read files of the landing
        folder (its XCom). Runs after `publish` whatever its state (all_done), so the
        files are named even when the build failed too; it is a leaf, so its failure marks
        the run failed while the dashboards are fresh. No retry: the file stays broken
        until someone fixes or removes it, and every run tries it again."""
        problems = ti.xcom_pull(task_ids="land") if ti is not None else None
        if problems:
            raise AirflowFailException(
                f"{len(problems)} landing file(s) could not be read and were not landed (every other file was landed, "
                "built and published; fix or remove them, every run tries them again): " + "; ".join(problems)
            )
        print("every new landing file was readable")

    planned = plan()
    landed = land(planned)
    validated = validate(planned)

    profile_config = ProfileConfig(
        profile_name="chatbot_analytics",
        target_name=TARGET,
        profiles_yml_filepath=PROJECT_DIR / "profiles" / "profiles.yml",
    )
    dbt_operator_args: dict[str, Any] = {
        "vars": "{{ ti.xcom_pull(task_ids='plan')['dbt_vars'] }}",
        "env": TASK_ENV,
        "append_env": True,
        "install_deps": False,
        # The open error-level alert test stays out of the scheduled build: the alerts task
        # fails on those alerts after the BI copy is published (chatwh.schedule.ALERT_GATE_TESTS).
        "exclude": list(ALERT_GATE_TESTS),
        "execution_timeout": TIMEOUTS["dbt"],
        "pool": POOL,
    }

    if DBT_TASKS == "model":
        # One task per model and seed (`dbt build --select <node>`: the model, then its
        # tests), rendered from `dbt ls`. Slower on a 2-core machine: see dags/README.md.
        dbt_build = DbtTaskGroup(
            group_id="dbt_build",
            project_config=ProjectConfig(dbt_project_path=PROJECT_DIR),
            profile_config=profile_config,
            execution_config=ExecutionConfig(
                execution_mode=ExecutionMode.LOCAL,
                invocation_mode=InvocationMode.SUBPROCESS,
                dbt_executable_path=DBT_EXECUTABLE,
                # A test with several parents runs with the last of them, not the first
                # (on a fresh warehouse the others would not exist yet).
                test_indirect_selection=TestIndirectSelection.BUILDABLE,
            ),
            render_config=RenderConfig(
                load_method=LoadMode.DBT_LS,
                invocation_mode=InvocationMode.SUBPROCESS,
                test_behavior=TestBehavior.BUILD,
                # A test with several parents gets its own task after all of them (`dbt
                # test`): under BUILD + BUILDABLE no parent's task selects it (its other
                # parents are not that model's ancestors), so relationships between marts,
                # the privacy and reconcile tests never ran.
                should_detach_multiple_parents_tests=True,
                dbt_executable_path=DBT_EXECUTABLE,
                env_vars=TASK_ENV,
            ),
            operator_args=dbt_operator_args,
        )
        dbt_first = dbt_last = dbt_build
        # Tests no model's task selects: those on sources only (cosmos renders no task for
        # a source) and singular tests with no parent (checks of macros). One task runs
        # them before the models, as the staging layer runs the source tests.
        unattached = sorted(
            {
                node.unique_id.split(".")[2]
                for node in dbt_build.dbt_graph.filtered_nodes.values()
                if node.resource_type == DbtResourceType.TEST and all(parent.startswith("source.") for parent in node.depends_on)
            }
            - set(ALERT_GATE_TESTS)
        )
        if unattached:
            dbt_first = DbtTestLocalOperator(
                task_id="dbt_test_sources_and_standalone",
                project_dir=str(PROJECT_DIR),
                profile_config=profile_config,
                dbt_executable_path=str(DBT_EXECUTABLE),
                invocation_mode=InvocationMode.SUBPROCESS,
                select=unattached,
                indirect_selection=TestIndirectSelection.BUILDABLE.value,
                **dbt_operator_args,
            )
            dbt_first >> dbt_build
    else:
        # One `dbt build` per layer (chatwh.schedule.LAYERS), run by cosmos' local
        # operator: four dbt invocations an hour instead of one per model.
        layer_tasks = [
            DbtBuildLocalOperator(
                task_id=f"dbt_build_{name}",
                project_dir=str(PROJECT_DIR),
                profile_config=profile_config,
                dbt_executable_path=str(DBT_EXECUTABLE),
                invocation_mode=InvocationMode.SUBPROCESS,
                select=selector.split(),
                indirect_selection=INDIRECT_SELECTION,
                **dbt_operator_args,
            )
            for name, selector in LAYERS
        ]
        for upstream, downstream in zip(layer_tasks, layer_tasks[1:], strict=False):
            upstream >> downstream
        dbt_first, dbt_last = layer_tasks[0], layer_tasks[-1]

    planned >> landed >> validated >> dbt_first
    published = publish(planned)
    alerted = alerts(planned)
    reported = report(planned)
    dbt_last >> published >> [alerted, reported]
    published >> unreadable_files()
