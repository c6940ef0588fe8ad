"""A day that loses its last row is emptied by an incremental build, on every engine.

    python scripts/ci/emptied_day_check.py [--target duckdb] [--keep DIR]

delete+insert (DuckDB, MySQL) and insert_overwrite (Spark) replace only the days present
in a run's new rows, so incremental_config gives every model keyed by its day column a
pre-hook that first deletes the days the run rebuilds (delete_rebuilt_days: a delete, or
on Spark the days' partitions dropped). This checks that hook where it runs, with two
probe models added to a copy of the project (the project itself is not touched):

1. `int_probe_days__counted` (one row a day, 2025-06-01 .. 06-03) is built in full, then
   incrementally rebuilding 2025-06-02 with no row left for it: 06-02 must be gone and
   06-01 and 06-03 kept;
2. `int_probe_days__through` (through_last_day=true, as the conversation monitor) the
   same way: every day from 06-02 on must be gone, 06-01 kept;
   `int_probe_days__every_day_only` (delete_rebuilt_days='every_day_only', as
   int_chat_events__resolved) the same way: no day deleted, all three kept;
3. all three rebuilt incrementally with every day to rebuild (as after a changed
   fingerprint or reporting_utc_offset_hours) and only 06-01 left to write: every other
   stored day must be gone;
4. the first probe without its `-- rebuilt days:` line must fail with an error that
   names it (the hook cannot know what to delete).

The probe tables are dropped afterwards (the watermark rows their post-hook recorded stay;
nothing reads them): run it on a CI or scratch warehouse. Run it with the python that has
the target's driver (the main .venv for DuckDB and MySQL, .venv-spark for Spark); dbt runs
from the target's venv. Exit codes: 0 pass, 1 a check failed, 2 usage, dbt or connection error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from string import Template

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.dbt import dbt_executable  # noqa: E402
from chatwh.project import ProfileError, Target, copy_dbt_project, load_target, profiles_dir, resolve_path  # noqa: E402
from chatwh.spark import derby_home, session_parameters  # noqa: E402

console = Console(highlight=False, width=160)

PROBE_DIR = Path("models") / "intermediate" / "probe"
DAYS = ("2025-06-01", "2025-06-02", "2025-06-03")
REBUILT_DAY = "2025-06-02"
REBUILT_DAYS_LINE = "{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}\n"

# One row a day (n = 1, 2, 3); an incremental run rebuilds var probe_rebuild_day (and, with
# through_last_day, every day after it), or every day with var probe_rebuild_all (as after
# a changed fingerprint), keeping the rows with n <= var probe_last_n.
PROBE_MODEL = Template("""\
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date'$extra)) }}
{%- set rebuild_dates = none if var('probe_rebuild_all', false) or not chatbot_analytics.incremental_run() else [var('probe_rebuild_day', '$rebuilt')] %}
${rebuilt_days_line}select report_date, n
from (
$rows
) as days
where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates, and_later_days=$through) }}
    and n <= {{ var('probe_last_n', $count) }}
""")

PROBE_ROW = Template("    select {{ chatbot_analytics.date_literal('$day') }} as report_date, $n as n")

PROBES = {
    # model name: (through_last_day, every_day_only, the days left after the emptying run)
    "int_probe_days__counted": (False, False, ["2025-06-01", "2025-06-03"]),
    "int_probe_days__through": (True, False, ["2025-06-01"]),
    "int_probe_days__every_day_only": (False, True, list(DAYS)),
}


def probe_sql(through_last_day: bool, every_day_only: bool = False, *, with_rebuilt_days_line: bool = True) -> str:
    rows = "\n    union all\n".join(PROBE_ROW.substitute(day=day, n=n) for n, day in enumerate(DAYS, start=1))
    extra = (", through_last_day=true" if through_last_day else "") + (", delete_rebuilt_days='every_day_only'" if every_day_only else "")
    return PROBE_MODEL.substitute(
        extra=extra,
        rebuilt=REBUILT_DAY,
        rebuilt_days_line=REBUILT_DAYS_LINE if with_rebuilt_days_line else "",
        rows=rows,
        through="true" if through_last_day else "false",
        count=len(DAYS),
    )


def dbt_env(target: Target) -> dict[str, str]:
    """dbt runs in the copy (it changes into its project dir): relative warehouse paths
    of the profile are made absolute, so they still mean the project's warehouse."""
    env = dict(os.environ, DBT_PROFILES_DIR=str(profiles_dir()), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    if target.type == "duckdb":
        env["CHATBOT_DUCKDB_PATH"] = str(resolve_path(str(target.settings["path"])))
    if target.type == "spark":
        home = derby_home(session_parameters(target))
        if home is not None:
            env["CHATBOT_SPARK_DIR"] = str(home)
    return env


def run_dbt(
    project: Path, target: Target, work: Path, *args: str, dbt_vars: dict[str, object] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [
        str(dbt_executable(target.name)), "run", "--select", "path:" + str(PROBE_DIR), "--target", target.name,
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"), *args,
    ]  # fmt: skip
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(command, cwd=project, env=dbt_env(target), capture_output=True, text=True, timeout=1800)


def stored_days(target: Target) -> dict[str, list[str]]:
    """The days each probe table holds (one connection: a Spark session costs seconds)."""
    days: dict[str, list[str]] = {}
    with connect(target.name) as warehouse:
        for model in PROBES:
            rows = warehouse.fetchall(f"select report_date from {warehouse.model(model)}")
            days[model] = sorted(str(day)[:10] for (day,) in rows)
    return days


def drop_probes(target: Target) -> None:
    with connect(target.name) as warehouse:
        for model in PROBES:
            warehouse.execute(f"drop table if exists {warehouse.model(model)}")


def check(target: Target, work: Path) -> list[str]:
    project = copy_dbt_project(work / "project")
    (project / PROBE_DIR).mkdir()
    for model, (through, every_day_only, _) in PROBES.items():
        (project / PROBE_DIR / f"{model}.sql").write_text(probe_sql(through, every_day_only), encoding="utf-8")
    failures: list[str] = []

    def expect_run(label: str, *args: str, dbt_vars: dict[str, object] | None = None) -> None:
        completed = run_dbt(project, target, work, *args, dbt_vars=dbt_vars)
        if completed.returncode != 0:
            raise RuntimeError(f"dbt run ({label}) failed on target {target.name}:\n{completed.stdout[-4000:]}{completed.stderr[-2000:]}")

    expect_run("full build", "--full-refresh")
    for model, days in stored_days(target).items():
        if days != list(DAYS):
            failures.append(f"{model}: the full build stored {days}, expected {list(DAYS)}")
    expect_run(f"incremental, {REBUILT_DAY} rebuilt with no row", dbt_vars={"probe_rebuild_day": REBUILT_DAY, "probe_last_n": 1})
    after = stored_days(target)
    for model, (through, every_day_only, left) in PROBES.items():
        days = after[model]
        label = " (through_last_day)" if through else " (every_day_only)" if every_day_only else ""
        console.print(f"{model}{label}: days left after emptying {REBUILT_DAY}: {', '.join(days)}")
        if days != left:
            failures.append(f"{model}: after an incremental run that emptied {REBUILT_DAY} the table holds {days}, expected {left}")

    # Every day rebuilt in an incremental run (no watermark, or a changed fingerprint), now
    # with only 2025-06-01 left to write: the other stored days must go too.
    expect_run("incremental, every day rebuilt", dbt_vars={"probe_rebuild_all": True, "probe_last_n": 1})
    for model, days in stored_days(target).items():
        console.print(f"{model}: days left after rebuilding every day with one row left: {', '.join(days)}")
        if days != [DAYS[0]]:
            failures.append(f"{model}: after an incremental run that rebuilt every day the table holds {days}, expected {[DAYS[0]]}")

    counted = next(iter(PROBES))
    (project / PROBE_DIR / f"{counted}.sql").write_text(probe_sql(False, with_rebuilt_days_line=False), encoding="utf-8")
    forgot = run_dbt(project, target, work)
    wanted = f"{counted}: delete_rebuilt_days needs exactly one rebuilt_days_comment"
    if forgot.returncode == 0 or wanted not in forgot.stdout:
        failures.append(f"{counted} without its rebuilt-days line: expected a failed run saying {wanted!r}, got exit {forgot.returncode}")
    drop_probes(target)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="duckdb", help="profiles.yml target (default duckdb)")
    parser.add_argument("--keep", type=Path, help="keep the project copy and dbt output here (default: a temp dir)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="emptied-day-check-"))
    if args.keep is not None:
        shutil.rmtree(work, ignore_errors=True)
    try:
        target = load_target(args.target)
        failures = check(target, work)
    except (ProfileError, WarehouseError, FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as exc:
        console.print(f"emptied_day_check: {exc}", style="red", markup=False)
        return 2
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        console.print(f"FAIL {failure}", style="red", markup=False)
    if failures:
        return 1
    console.print(f"emptied_day_check on {args.target}: every rebuilt day that lost its rows was emptied", style="green")
    return 0


if __name__ == "__main__":
    sys.exit(main())
