"""The hourly pipeline as one command (cron); the Airflow DAG runs the same steps.

    python scripts/run_pipeline.py [--date D | --start D --end D] [--landing DIR]
                                   [--target NAME] [--steps land,validate,...]
                                   [--report-dir DIR] [--bi-path PATH] [--wait-lock SECONDS]

Steps, in order (each one only after the previous one succeeded):

  land      land new files of the landing folder (default: env CHATBOT_LANDING_DIR, else
            warehouse/landing): each file once, tracked by path, size and modification
            time in raw.load_batches (chatwh.landing.land_folder). A file that cannot be read
            at all (a CSV without a header, say) is printed with the reason and marks
            the step PARTIAL, after every other file has landed: the run goes on with
            what did land (one bad file must not freeze the dashboards; it stays in
            the folder and every run tries it again), and exits 1 at the end naming it.
            --unreadable-json FILE writes those files as JSON (the Airflow land task's
            hand-over). Any other land failure (the warehouse's, Ctrl-C) stops the run
  validate  scripts/validate_sources.py, when present: the source checks gate the build
            (Data Docs next to a DuckDB file: <warehouse dir>/data_docs)
  dbt       dbt build with the run's dbt vars (chatwh.schedule.dbt_vars_for), without
            the test that fails on an open error-level alert: the alerts step judges
            those (chatwh.schedule.ALERT_GATE_TESTS)
  publish   a read-only copy of the DuckDB file's marts for BI tools (no raw, staging,
            intermediate or *_restricted tables), atomically replaced (DuckDB targets
            only; scripts/chatwh/publish.py)
  alerts    scripts/alerts.py, when present
  report    scripts/report.py --date D for every day of the run, when present; the
            HTML and Markdown land in --report-dir (default: env CHATBOT_REPORT_DIR,
            else warehouse/reports, like `make report`)

The run's day: `--date D` (default: the reporting day of the hour that just ended,
local date of now - 1 h, dbt var reporting_utc_offset_hours). A backfill
is `--start S --end E`: the same steps once, the dbt vars cover the range and a report
is written for every day of it. The model comparison window (dbt vars, from
chatwh.schedule.dbt_vars_for) ends on the run's last day for an explicit --date or range,
and on the last complete day for the default one (the hour that just ended is part of a
day that is not over yet, except at local midnight).

The BI copy is published right after a successful build, before alerts and the report,
so a failing report never holds back fresh dashboards. Firing alerts are a finding, not
a failure: when alerts.py exits 1 (an error-level alert fires) the pipeline still
writes the report, then exits 3 so cron mails it.

Exit codes: 0 every step ok; 1 a step failed (the steps after it did not run, and the
BI copy keeps the last good build), or landing files could not be read (every other
step ran on what did land: the last line starts `run_pipeline: exit 1: N landing
file(s) could not be read` and names them; it adds `error-level alerts fire as well`
when alerts.py said so, which alone would be exit 3); 2 bad arguments (a report folder,
BI copy path - --bi-path or CHATBOT_BI_DUCKDB_PATH - or --unreadable-json that cannot be
written too, a --wait-lock that is not a finite number of seconds), a missing landing
folder or an unknown target; 3 every step ok but error-level alerts fire; 4
another pipeline run holds the lock for this warehouse (the flock
<warehouse>.pipeline.lock, chatwh.schedule.pipeline_lock, which the Airflow DAG's dbt
tasks take too, through scripts/locked_dbt.sh), at once or after --wait-lock SECONDS. An unreadable file is exit 1,
not a code of its own: like a failed step it needs someone to act (fix or remove the
file), and a cron wrapper that treats 1 as broken stays right; the last line tells the
two apart.

The lock is shared with the steps' children (dbt, validate_sources.py, alerts.py,
report.py: chatwh.schedule.run_child), so it stays held while one of them still runs,
even when this process was killed. SIGTERM (a timeout, `kill`) is passed on to the
running child; the pipeline exits (by SIGTERM) once it has stopped. Before dbt starts,
the DuckDB file is waited for (CHATBOT_DUCKDB_LOCK_TIMEOUT_S, as the land step does): a
report, a kpis session or anything else holding it would fail dbt at once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from rich.markup import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import iso_date, output_dir, output_dir_problem, output_file, output_file_problem, write_problem  # noqa: E402
from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.dbt import run_dbt, wait_for_duckdb_file  # noqa: E402
from chatwh.display import make_console, table  # noqa: E402
from chatwh.landing import land_folder  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, load_target, resolve_path  # noqa: E402
from chatwh.publish import BI_PATH_ENV, DEFAULT_SCHEMA, PublishError, bi_path_problem, default_bi_path, publish_bi_copy  # noqa: E402
from chatwh.schedule import (  # noqa: E402
    ALERT_GATE_TESTS,
    EXIT_LOCKED,
    LockWaitError,
    current_report_date,
    days,
    dbt_vars_for,
    forward_sigterm,
    lock_wait_value,
    pipeline_lock,
    run_child,
)

STEPS = ("land", "validate", "dbt", "publish", "alerts", "report")
LANDING_ENV = "CHATBOT_LANDING_DIR"
DEFAULT_LANDING = "warehouse/landing"
REPORT_DIR_ENV = "CHATBOT_REPORT_DIR"
DEFAULT_REPORT_DIR = "warehouse/reports"
EXIT_OK, EXIT_STEP_FAILED, EXIT_USAGE, EXIT_ALERTS = 0, 1, 2, 3  # 4: EXIT_LOCKED (chatwh.schedule)

console = make_console()


class StepFailed(RuntimeError):
    """A step did not succeed; the message says which and why."""


class StepPartial(StepFailed):
    """A step did its work except for what the message names (landing files that cannot
    be read): the run goes on and exits 1 at the end."""


@dataclass
class RunPlan:
    start: date
    end: date
    landing: Path
    target: str | None
    report_dir: Path
    bi_path: Path | None
    steps: tuple[str, ...]
    unreadable_json: Path | None = None
    # A scheduled run (no --date/--start): when it started. Its comparison window ends on
    # the last complete day at that time (chatwh.schedule.dbt_vars_for); None = explicit.
    as_of: datetime | None = None
    # Seconds to wait for another run's lock before exit 4 (--wait-lock; cron: 0).
    wait_lock_s: float = 0.0

    @property
    def days(self) -> list[date]:
        return days(self.start, self.end)


@dataclass
class RunState:
    timings: list[tuple[str, str, float, str]] = field(default_factory=list)
    alerts_firing: bool = False
    # Landing files that could not be read (path, reason): landed nothing, run went on.
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def _script(name: str) -> Path:
    return PROJECT_DIR / "scripts" / name


def _run_script(name: str, args: list[str], plan: RunPlan) -> int:
    command = [sys.executable, str(_script(name)), *args]
    if plan.target:
        command += ["--target", plan.target]
    console.print(f"[dim]$ {' '.join(command)}[/dim]")
    # A child that shares the pipeline lock and gets our SIGTERM (chatwh.schedule.run_child).
    return run_child(command, cwd=PROJECT_DIR)


def _target_type(target: str | None) -> str:
    return load_target(target).type


def _duckdb_file(target: str | None) -> Path | None:
    settings = load_target(target)
    if settings.type != "duckdb":
        return None
    return resolve_path(str(settings.settings.get("path", "warehouse/chatbot.duckdb"))).resolve()


def _model_schema(target: str | None) -> str:
    return str(load_target(target).settings.get("schema") or DEFAULT_SCHEMA)


# -- steps ----------------------------------------------------------------------------
def step_land(plan: RunPlan, state: RunState) -> str:
    with connect(plan.target) as warehouse:
        # land_folder also creates the empty raw table of a kind whose first file has not
        # arrived yet, so `dbt build` runs on what there is. check=False: an unreadable
        # file must not hold back the others, nor the build of what landed (below).
        report = land_folder(warehouse, plan.landing, skip_landed=True, check=False)
    state.unreadable = list(report.failed)
    if plan.unreadable_json is not None:
        problems = [{"file": str(path), "reason": reason} for path, reason in report.failed]
        try:
            plan.unreadable_json.write_text(json.dumps(problems, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise StepFailed(write_problem(plan.unreadable_json, exc)) from None
    for result in report.results:
        shown = _shown(Path(result.source_file), plan.landing)
        console.print(f"  landed {shown}: read={result.rows_read:,} loaded={result.rows_loaded:,} rejected={result.rows_rejected:,}")
    for line in report.failure_lines():
        # One unwrapped line each, the path and reason as they are (no markup in them).
        console.print(f"  [red]{escape(line)}[/red]", highlight=False, soft_wrap=True)
    summary = f"{len(report.results)} new files, {len(report.skipped)} already landed; loaded {report.rows_loaded:,} rows, rejected {report.rows_rejected:,}"
    if report.failed:
        # The file stays in the landing folder and is tried (and fails) again every run
        # until it is fixed or removed. Stopping here froze the dashboards for as long:
        # the run goes on with what landed and flags the file at the end (exit 1).
        names = _shown_names(report.failed, plan.landing)
        raise StepPartial(
            f"{len(report.failed)} file(s) could not be read and were not landed: {names} ({summary}); the run goes on with what landed"
        )
    return summary


def _shown(path: Path, landing: Path) -> Path:
    """A landed file's path as the log shows it: relative to the landing folder."""
    return path.relative_to(landing) if path.is_relative_to(landing) else path


def _shown_names(files: list[tuple[Path, str]], landing: Path) -> str:
    """The files of (path, reason) pairs as one comma-separated list, as they are shown."""
    return ", ".join(str(_shown(path, landing)) for path, _ in files)


def step_validate(plan: RunPlan, state: RunState) -> str:
    if not _script("validate_sources.py").exists():
        return "skipped: scripts/validate_sources.py is not in this checkout"
    # Data Docs of a DuckDB warehouse go next to its file (warehouse/data_docs for the
    # default one), so a scratch or test warehouse keeps its docs to itself.
    duckdb_file = _duckdb_file(plan.target)
    args = ["--docs-dir", str(duckdb_file.parent / "data_docs")] if duckdb_file else []
    code = _run_script("validate_sources.py", args, plan)
    if code != 0:
        why = "the landed sources fail an error-level check" if code == 1 else "it could not run (its reason is above)"
        raise StepFailed(f"validate_sources.py exited {code}: {why}, so nothing is built")
    return "sources pass"


def step_dbt(plan: RunPlan, state: RunState) -> str:
    dbt_vars = dbt_vars_for(plan.start, plan.end, as_of=plan.as_of)
    # dbt-duckdb fails at once when anything else has the file open (a manual report or
    # kpis session, say): wait for it as the land step does (WarehouseError: step failed).
    wait_for_duckdb_file(plan.target)
    # Without the open-alert test: the alerts step judges open alerts (exit 3), after the
    # BI copy is published and before the report (chatwh.schedule.ALERT_GATE_TESTS).
    code = run_dbt(["build", "--exclude", *ALERT_GATE_TESTS], target=plan.target, dbt_vars=dbt_vars, check=False)
    if code != 0:
        raise StepFailed(f"dbt build exited {code}")
    return f"dbt build ok, vars {dbt_vars}"


def step_publish(plan: RunPlan, state: RunState) -> str:
    source = _duckdb_file(plan.target)
    if source is None:
        return f"skipped: target is {_target_type(plan.target)}; BI tools read it directly"
    try:
        result = publish_bi_copy(source, plan.bi_path, schema=_model_schema(plan.target))
    except PublishError as exc:
        raise StepFailed(str(exc)) from None
    return (
        f"{result.published} ({result.tables} marts, {result.rows:,} rows, {result.bytes / 1e6:.1f} MB; "
        f"{result.withheld} raw, intermediate and restricted relations withheld)"
    )


def step_alerts(plan: RunPlan, state: RunState) -> str:
    if not _script("alerts.py").exists():
        return "skipped: scripts/alerts.py is not in this checkout"
    code = _run_script("alerts.py", [], plan)
    if code == 1:
        state.alerts_firing = True
        return "error-level alerts fire (alerts.py exited 1); the run goes on and exits 3"
    if code != 0:
        raise StepFailed(f"alerts.py exited {code}")
    return "no error-level alerts"


def step_report(plan: RunPlan, state: RunState) -> str:
    if not _script("report.py").exists():
        return "skipped: scripts/report.py is not in this checkout"
    try:
        plan.report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # what the check before the run could not foresee
        raise StepFailed(f"report folder: {write_problem(plan.report_dir, exc)}") from None
    written = []
    for day in plan.days:
        html = plan.report_dir / f"report_{day.isoformat()}.html"
        markdown = plan.report_dir / f"report_{day.isoformat()}.md"
        code = _run_script("report.py", ["--date", day.isoformat(), "--out", str(html), "--markdown", str(markdown)], plan)
        if code != 0:
            raise StepFailed(f"report.py --date {day} exited {code}")
        written.append(str(html))
    return ", ".join(written)


STEP_FUNCTIONS = {
    "land": step_land,
    "validate": step_validate,
    "dbt": step_dbt,
    "publish": step_publish,
    "alerts": step_alerts,
    "report": step_report,
}


def run(plan: RunPlan) -> int:
    state = RunState()
    status = EXIT_OK
    failed_step = None
    for name in plan.steps:
        console.rule(f"[bold]{name}")
        started = time.monotonic()
        try:
            note = STEP_FUNCTIONS[name](plan, state)
            state.timings.append((name, "ok", time.monotonic() - started, note))
            console.print(f"{name}: {note}")
        except StepPartial as exc:
            state.timings.append((name, "PARTIAL", time.monotonic() - started, str(exc)))
            console.print(f"[red]{name} failed:[/red] {escape(str(exc))}", soft_wrap=True)
        except (StepFailed, WarehouseError, subprocess.CalledProcessError) as exc:
            state.timings.append((name, "FAILED", time.monotonic() - started, str(exc)))
            console.print(f"[red]{name} failed:[/red] {exc}")
            status = EXIT_STEP_FAILED
            failed_step = name
            break
    console.print(
        table(
            f"run_pipeline {plan.start}" + (f" … {plan.end}" if plan.end != plan.start else ""),
            ["step", "state", "seconds", "note"],
            [[n, s, f"{secs:.1f}", note] for n, s, secs, note in state.timings],
            right_from=2,
        )
    )
    if state.unreadable:
        # The last line of the log, one unwrapped line: what cron mails, what to grep.
        count = len(state.unreadable)
        names = _shown_names(state.unreadable, plan.landing)
        line = f"run_pipeline: exit 1: {count} landing {'file' if count == 1 else 'files'} could not be read and {'was' if count == 1 else 'were'} not landed: {names}"
        if failed_step is not None:
            line += f"; and the {failed_step} step failed (see above)"
        else:
            them = "it" if count == 1 else "them"
            line += f" (every other step ran on the files that did land; fix or remove {them}, every run tries {them} again)"
        if state.alerts_firing:
            line += "; error-level alerts fire as well (exit 3 on their own)"
        console.print(escape(line), style="red", soft_wrap=True)
        return EXIT_STEP_FAILED
    if status == EXIT_OK and state.alerts_firing:
        console.print("[yellow]error-level alerts fire: exit 3[/yellow]")
        return EXIT_ALERTS
    return status


def wait_lock_seconds(text: str) -> float:
    """argparse type of --wait-lock: a finite number of seconds, 0 or more."""
    try:
        return lock_wait_value(text)
    except LockWaitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_plan(argv: list[str] | None) -> RunPlan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--date", type=iso_date, help="reporting day YYYY-MM-DD (default: the day of the hour that just ended)")
    when.add_argument("--start", type=iso_date, help="first day of a backfill (with --end)")
    parser.add_argument("--end", type=iso_date, help="last day of a backfill (with --start)")
    parser.add_argument("--landing", type=Path, default=None, help=f"landing folder (default: ${LANDING_ENV} or {DEFAULT_LANDING})")
    parser.add_argument("--target", default=None, help="profiles.yml target (default: the profile's default)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)} (run in that order)")
    parser.add_argument(
        "--report-dir", type=output_dir, default=None, help=f"where report.py writes (default: ${REPORT_DIR_ENV} or {DEFAULT_REPORT_DIR})"
    )
    parser.add_argument(
        "--bi-path",
        type=output_file,
        default=None,
        help="published BI copy (default: $CHATBOT_BI_DUCKDB_PATH or <warehouse dir>/bi/<file>)",
    )
    parser.add_argument(
        "--unreadable-json",
        type=output_file,
        default=None,
        help='the land step writes the files it could not read here: [{"file": ..., "reason": ...}] ([] when none)',
    )
    parser.add_argument(
        "--wait-lock",
        type=wait_lock_seconds,
        default=0.0,
        metavar="SECONDS",
        help="when another run holds this warehouse's lock, wait up to this long for it before exit 4 (default 0: exit 4 at once)",
    )
    args = parser.parse_args(argv)

    if (args.start is None) != (args.end is None):
        parser.error("--start and --end go together")
    as_of = None  # an explicit day or range: compared over exactly its days
    if args.start is not None:
        start, end = args.start, args.end
        if end < start:
            parser.error("--end is before --start")
    else:
        as_of = None if args.date else datetime.now(UTC)
        start = end = args.date or current_report_date(as_of)
    requested = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    unknown = [s for s in requested if s not in STEPS]
    if unknown or not requested:
        parser.error(f"unknown steps {unknown}; choose from {', '.join(STEPS)}")
    steps = tuple(s for s in STEPS if s in requested)
    # --landing is relative to where the command runs; the env var and the default are
    # relative to the project, like the warehouse path in profiles.yml.
    landing = args.landing.resolve() if args.landing else resolve_path(os.environ.get(LANDING_ENV) or DEFAULT_LANDING)
    if "land" in steps and not landing.is_dir():
        parser.error(f"landing folder {landing} {'is not a folder' if landing.exists() else 'does not exist'}")
    report_dir = args.report_dir.resolve() if args.report_dir else resolve_path(os.environ.get(REPORT_DIR_ENV) or DEFAULT_REPORT_DIR)
    problem = output_dir_problem(report_dir) if "report" in steps and not args.report_dir else None
    if problem:  # the env var's or the default folder: checked before any step runs, as --report-dir is
        parser.error(f"report folder: {problem}")
    return RunPlan(
        start=start,
        end=end,
        landing=landing.resolve(),
        target=args.target,
        report_dir=report_dir,
        bi_path=args.bi_path.resolve() if args.bi_path else None,
        steps=steps,
        unreadable_json=args.unreadable_json.resolve() if args.unreadable_json else None,
        as_of=as_of,
        wait_lock_s=args.wait_lock,
    )


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    try:
        load_target(plan.target)
        source = _duckdb_file(plan.target)
    except ProfileError as exc:
        print(f"run_pipeline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if source is not None and "publish" in plan.steps:
        # --bi-path, else CHATBOT_BI_DUCKDB_PATH (relative: to the project) or the default:
        # checked before any step runs, not after the build.
        bi_path = plan.bi_path or default_bi_path(source)
        problem = bi_path_problem(source, bi_path) or output_file_problem(bi_path)
        if problem:
            where = "--bi-path" if plan.bi_path is not None else (f"BI copy ({BI_PATH_ENV})" if os.environ.get(BI_PATH_ENV) else "BI copy")
            print(f"run_pipeline: {where}: {problem}", file=sys.stderr)
            return EXIT_USAGE
    # SIGTERM reaches the running child first (dbt, a script), which shares the lock.
    forward_sigterm()
    with pipeline_lock(plan.target, plan.wait_lock_s, who="run_pipeline") as acquired:
        if not acquired:
            waited = f" (waited {plan.wait_lock_s:.0f} s)" if plan.wait_lock_s else ""
            print(f"run_pipeline: another pipeline run holds the lock for this warehouse{waited}; try again later", file=sys.stderr)
            return EXIT_LOCKED
        return run(plan)


if __name__ == "__main__":
    sys.exit(main())
