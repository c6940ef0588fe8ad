"""`make demo`: generate the demo data set, land it, build the warehouse, show the KPIs.

    python scripts/demo.py [--out DIR] [--days N] [--scale S] [--seed K] [--target NAME]

The DuckDB file starts empty each time (a demo is reproducible); then it prints a KPI
table for yesterday and where everything is.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import output_dir_problem, positive_float, positive_int  # noqa: E402
from chatwh.connection import DuckDBWarehouse, WarehouseError, connect  # noqa: E402
from chatwh.dbt import run_dbt  # noqa: E402
from chatwh.display import fmt, make_console, table  # noqa: E402
from chatwh.landing import land_folder  # noqa: E402
from chatwh.loading.input_file import InputError  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, reporting_offset_hours  # noqa: E402
from chatwh.schedule import ALERT_GATE_TESTS  # noqa: E402

console = make_console()


def yesterday() -> date:
    local_now = datetime.now(UTC) + timedelta(hours=reporting_offset_hours())
    return local_now.date() - timedelta(days=1)


def step(title: str) -> float:
    console.rule(f"[bold]{title}")
    return time.monotonic()


class StepFailed(Exception):
    """A step's command failed; it printed its own reason above."""


def run_step(command: list[str], what: str) -> None:
    completed = subprocess.run(command)
    if completed.returncode != 0:
        raise StepFailed(f"{what} failed (exit {completed.returncode}); its output is above")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="warehouse/demo_data")
    # Checked here, not first by the generator's own parser, so a bad value is one usage line.
    parser.add_argument("--days", type=positive_int, default=28)
    parser.add_argument("--scale", type=positive_float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", default=None)
    args = parser.parse_args(argv)
    problem = output_dir_problem(PROJECT_DIR / args.out)  # the generator's folder, before anything runs
    if problem:
        parser.error(f"--out: {problem}")
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ndemo: interrupted; the demo warehouse is incomplete, run `make demo` again", file=sys.stderr)
        return 130
    except StepFailed as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:  # dbt (chatwh.dbt.run_dbt): its own output is above
        print(f"demo: {' '.join(str(a) for a in exc.cmd[:2])} ... failed (exit {exc.returncode}); its output is above", file=sys.stderr)
        return 1
    except (ProfileError, WarehouseError, InputError) as exc:  # InputError includes LandingError
        print(f"demo: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ProfileError | WarehouseError) else 1


def run(args: argparse.Namespace) -> int:
    out = (PROJECT_DIR / args.out).resolve()
    end = yesterday()
    timings: list[tuple[str, float]] = []

    t0 = step(f"1/4 generate {args.days} days ending {end} into {out}")
    run_step(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_demo_data.py"),
            "--out",
            str(out),
            "--days",
            str(args.days),
            "--end-date",
            end.isoformat(),
            "--scale",
            str(args.scale),
            "--seed",
            str(args.seed),
        ],
        "generate_demo_data.py",
    )
    timings.append(("generate", time.monotonic() - t0))

    t0 = step("2/4 land the files (scripts/load.py for every kind)")
    with connect(args.target) as warehouse:
        warehouse.reset()
        # The demo's data is generated clean: an unreadable file raises LandingError (check
        # is on by default), naming it, after the rest landed.
        report = land_folder(warehouse, out, skip_landed=False)
        warehouse_path = warehouse.path if isinstance(warehouse, DuckDBWarehouse) else None
    console.print(f"files={len(report.results)} read={report.rows_read:,} loaded={report.rows_loaded:,} rejected={report.rows_rejected:,}")
    timings.append(("load", time.monotonic() - t0))

    validate = PROJECT_DIR / "scripts" / "validate_sources.py"
    if validate.exists():
        t0 = step("3/4 validate the landed sources (Great Expectations)")
        run_step([sys.executable, str(validate)] + (["--target", args.target] if args.target else []), "validate_sources.py")
        timings.append(("validate", time.monotonic() - t0))

    t0 = step("4/4 dbt seed + dbt build")
    run_dbt(["seed", "--full-refresh"], target=args.target)
    # Without the alert gate (as run_pipeline): generated data may leave an error alert
    # open; that is a finding for `scripts/alerts.py`, not a failed demo.
    run_dbt(["build", "--full-refresh", "--exclude", *ALERT_GATE_TESTS], target=args.target)
    timings.append(("dbt build", time.monotonic() - t0))

    with connect(args.target, read_only=True) as warehouse:
        columns, rows = warehouse.fetch_table(
            f"select tag, model_name, exposures, clicks, ctr, chat_starts, chat_start_rate, avg_turns_per_session, active_users"
            f" from {warehouse.model('mart_tag_daily_kpis')} where report_date = :day order by tag, model_name",
            {"day": end},
        )
    console.print(
        table(
            f"Yesterday ({end}) by interest tag and model — mart_tag_daily_kpis",
            ["tag", "model", "exposures", "clicks", "CTR", "chat starts", "start rate", "turns/session", "active users"],
            [
                [str(r[0]), str(r[1]), fmt(r[2]), fmt(r[3]), fmt(r[4], "pct"), fmt(r[5]), fmt(r[6], "pct"), fmt(r[7], "num"), fmt(r[8])]
                for r in rows
            ],
            right_from=2,
        )
    )

    # Yesterday's daily report (scripts/report.py): one self-contained HTML file + Markdown.
    t0 = step(f"report for {end}")
    report_html = PROJECT_DIR / "warehouse" / "reports" / f"report_{end.isoformat()}.html"
    report_md = report_html.with_suffix(".md")
    run_step(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "report.py"),
            "--date",
            end.isoformat(),
            "--out",
            str(report_html),
            "--markdown",
            str(report_md),
        ]
        + (["--target", args.target] if args.target else []),
        "report.py",
    )
    timings.append(("report", time.monotonic() - t0))
    console.print(f"Daily report: [bold]{report_html}[/bold] (Markdown: {report_md})")
    console.print(table("Step timings", ["step", "seconds"], [[name, f"{secs:.1f}"] for name, secs in timings], right_from=1))
    if warehouse_path:
        console.print(f"DuckDB warehouse: [bold]{warehouse_path}[/bold] (marts in schema main, raw files in schema raw)")
    console.print(f"Demo files: {out}")
    week_start = max(end - timedelta(days=6), end - timedelta(days=args.days - 1))
    console.print(
        f"Next: `.venv/bin/python scripts/kpis.py --start {week_start} --end {end} --by tag`,"
        " `.venv/bin/python scripts/compare_tag.py --tag 学习辅导`",
        soft_wrap=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
