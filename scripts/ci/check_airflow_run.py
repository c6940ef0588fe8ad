"""Assertions after `airflow dags test chatbot_analytics <date>` (scripts/ci/airflow_test.sh).

    python scripts/ci/check_airflow_run.py --date D --states STATES.json [--dags-test-exit N]

Reads the same environment the DAG ran with (CHATBOT_DUCKDB_PATH, CHATBOT_LANDING_DIR,
CHATBOT_BI_DUCKDB_PATH, CHATBOT_REPORT_DIR) and checks:
- every task succeeded, except `alerts`, whose state must match what scripts/alerts.py
  says about the same warehouse (failed exactly when an error-level alert fires; an
  open alert fails no dbt, publish or report task), and what --expect-alerts says;
- `unreadable_files` failed exactly when --expect-unreadable names files (the land task
  could not read them), and then the dags test log names each one; every other file
  landed, was built and published all the same;
- every landed file has one raw.load_batches row (the unreadable ones have none);
- the marts hold the date: mart_bot_daily_kpis has rows for it, and its exposures and
  clicks equal the counts of those events taken straight from raw.chat_events;
- the dbt vars reached the cosmos tasks: mart_model_comparison's window ends on
  --window-end (a scheduled hour of the date: the last complete day, the day before);
- every dbt task ran dbt through scripts/locked_dbt.sh holding the pipeline lock (its
  line in the dags test log), as run_pipeline.py's steps do;
- the BI copy is read-only, opens read-only and matches the warehouse;
- the daily report for the date was written.
Exit codes: 0 all checks pass, 1 a check failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from chatwh.landing import pending_files  # noqa: E402
from chatwh.project import PROJECT_DIR, reporting_offset_hours  # noqa: E402
from chatwh.publish import is_published  # noqa: E402

failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + what)
    if not condition:
        failures.append(what)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--states", type=Path, required=True, help="`airflow tasks states-for-dag-run -o json` output")
    parser.add_argument("--dags-test-exit", type=int, default=0)
    parser.add_argument(
        "--expect-alerts",
        choices=("success", "failed"),
        help="the alerts task must end so (failed: an open error-level alert, which must fail no other task)",
    )
    parser.add_argument(
        "--expect-unreadable",
        action="append",
        default=[],
        metavar="REL_PATH",
        help="a landing file (relative to the landing folder) the land task cannot read: unreadable_files must fail naming it",
    )
    parser.add_argument("--dags-test-log", type=Path, help="the `airflow dags test` log, searched for the unreadable files' names")
    parser.add_argument(
        "--window-end",
        type=date.fromisoformat,
        help="the day mart_model_comparison's window must end on (default --date; a scheduled run: the last complete day)",
    )
    args = parser.parse_args()
    day = args.date
    warehouse = Path(os.environ["CHATBOT_DUCKDB_PATH"])
    bi_copy = Path(os.environ["CHATBOT_BI_DUCKDB_PATH"])
    landing = Path(os.environ["CHATBOT_LANDING_DIR"])
    report_dir = Path(os.environ["CHATBOT_REPORT_DIR"])

    print("task states")
    states = {row["task_id"]: row["state"] for row in json.loads(args.states.read_text(encoding="utf-8"))}
    for task_id, state in sorted(states.items()):
        print(f"    {task_id:<28} {state}")
    alerts_exit = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "alerts.py")], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    ).returncode
    expected_alerts = {0: "success", 1: "failed"}.get(alerts_exit, f"alerts.py exit {alerts_exit}")
    check(
        states.get("alerts") == expected_alerts, f"alerts task is {states.get('alerts')}, alerts.py on the warehouse says {expected_alerts}"
    )
    if args.expect_alerts:
        check(
            expected_alerts == args.expect_alerts,
            f"alerts.py on the warehouse says {expected_alerts}, the scenario expects {args.expect_alerts}",
        )
    expected_unreadable = "failed" if args.expect_unreadable else "success"
    check(
        states.get("unreadable_files") == expected_unreadable,
        f"unreadable_files task is {states.get('unreadable_files')}, expected {expected_unreadable}",
    )
    if args.expect_unreadable and args.dags_test_log:
        log = args.dags_test_log.read_text(encoding="utf-8", errors="replace")
        for name in args.expect_unreadable:
            path = str((landing / name).resolve())
            named = any("could not be read and were not landed" in line and path in line for line in log.splitlines())
            check(named, f"the unreadable_files task names {path}")
    others = {t: s for t, s in states.items() if t not in ("alerts", "unreadable_files")}
    check(bool(others) and all(s == "success" for s in others.values()), "every other task succeeded")
    for required in ("plan", "land", "validate", "publish", "report", "unreadable_files"):
        check(required in states, f"task {required} ran")
    check(any(t.startswith("dbt_build") for t in states), "the dbt build ran as cosmos tasks")
    if args.dags_test_log:
        # cosmos logs each command it runs; every dbt command goes through the wrapper, and
        # the wrapper says when it holds the lock (cron and Airflow exclude each other).
        log = args.dags_test_log.read_text(encoding="utf-8", errors="replace")
        wrapper = str(PROJECT_DIR / "scripts" / "locked_dbt.sh")
        dbt_runs = [line for line in log.splitlines() if "Running command:" in line and ("'build'" in line or "'test'" in line)]
        held = sum("locked_dbt: holding the pipeline lock" in line for line in log.splitlines())
        check(
            bool(dbt_runs) and all(wrapper in line for line in dbt_runs) and held >= len(dbt_runs),
            f"every dbt command ran through scripts/locked_dbt.sh under the pipeline lock ({len(dbt_runs)} commands, {held} lock lines)",
        )
    if expected_alerts == "success" and not args.expect_unreadable:
        check(args.dags_test_exit == 0, f"airflow dags test exited {args.dags_test_exit}")

    print("warehouse")
    unreadable = {(landing / name).resolve() for name in args.expect_unreadable}
    files = [(kind, path) for kind, path in pending_files(landing) if path.resolve() not in unreadable]
    offset = reporting_offset_hours()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        batches = con.execute("select count(*), count(distinct source_file) from raw.load_batches").fetchone()
        check(batches == (len(files), len(files)), f"{len(files)} landed files, one load batch each (got {batches})")
        rows, exposures, clicks = con.execute(
            "select count(*), sum(exposures), sum(clicks) from main.mart_bot_daily_kpis where report_date = ?", [day]
        ).fetchone()
        check(rows > 0, f"mart_bot_daily_kpis has {rows} rows for {day}")
        raw = dict(
            con.execute(
                "select event_type, count(*) from raw.chat_events "
                "where cast(event_time + to_seconds(cast(? * 3600 as bigint)) as date) = ? group by event_type",
                [offset, day],
            ).fetchall()
        )
        check(
            exposures == raw.get("exposure") and (exposures or 0) > 0,
            f"exposures on {day}: mart {exposures}, raw events {raw.get('exposure')}",
        )
        check(clicks == raw.get("click"), f"clicks on {day}: mart {clicks}, raw events {raw.get('click')}")
        windows = con.execute("select distinct window_end from main.mart_model_comparison").fetchall()
        window_end = args.window_end or day
        check(windows == [(window_end,)], f"mart_model_comparison window ends on {window_end} (dbt vars from the plan task): {windows}")
        source_counts = con.execute("select count(*), sum(exposures) from main.mart_bot_daily_kpis").fetchone()

    print("BI copy")
    check(bi_copy.exists(), f"{bi_copy} exists")
    if bi_copy.exists():
        check(not (bi_copy.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)), "the copy is read-only (mode 0444)")
        with duckdb.connect(str(bi_copy), read_only=True) as con:
            copy_counts = con.execute("select count(*), sum(exposures) from main.mart_bot_daily_kpis").fetchone()
            tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        not_marts = [f"{schema}.{name}" for schema, name in tables if not is_published(name)]
        check(copy_counts == source_counts, f"copy matches the warehouse: {copy_counts} vs {source_counts}")
        check(not not_marts, f"the copy holds only the published marts (no raw, intermediate or restricted table): {not_marts[:5]}")

    if (PROJECT_DIR / "scripts" / "report.py").exists():
        print("report")
        html = report_dir / f"report_{day.isoformat()}.html"
        check(html.exists() and html.stat().st_size > 1000, f"{html} written")

    print(f"\n{len(failures)} failed" if failures else "\nall checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
