"""Incremental builds give the same marts as a full rebuild: build day by day, then compare.

    python scripts/ci/incremental_check.py [--target duckdb] [--days 8] [--scale 0.4]
        [--seed 11] [--data DIR] [--select SELECTOR] [--command build|run] [--keep DIR]

1. Demo data for `--days` days (scripts/generate_demo_data.py, fixed dates from
   2025-06-01), or the landing folder `--data`, is split into one landing folder per day.
   To exercise what incremental models must survive, the split also
   - lands every `--late-every`-th chat event two days late (late exposures, clicks and
     messages; a late first message moves its session to an earlier day),
   - drops model_name from every 7th event (it resolves to the default model of the bot's
     catalogue version at the event's time),
   - lands enhanced conversation logs a day after the basic logs of the same answers
     and LLM-judge ratings two days after the answers,
   - changes var slow_answer_seconds halfway (the runs from then on and the full
     refresh use the new value), and
   - lands a changed bot catalogue halfway (a new default model, name, business line
     and tag), which must rebuild every day of those bots (the business-line and tag marts
     group by the current catalogue),
   - lands the only session of a day before the window on the first day and its first
     message, sent before that midnight, on the second: the session moves to the day
     before, and the day it leaves must end up empty (not keep the session),
   - sets the var back on the last day (3 days or more): the days built with the
     changed value must be rebuilt, though the default's fingerprint was seen before,
   - drops column recorded_at of the watermark table after the first day (not on Spark,
     whose parquet tables cannot drop a column), as a table made by an older version of
     the project: the next run must add it back (the project's on-run-start hook
     does) and rebuild every day once.
2. The target's warehouse is emptied; then for each day: land that day's files, run
   `dbt <command>` (incremental after the first day). The days each run rebuilt are
   printed (from the compiled SQL of int_user_bot_days__funnel).
3. Every model under models/marts and the incremental intermediate models are read, the
   same project is rebuilt with `--full-refresh` on the same raw tables, and every table
   is compared row by row (keys from the models' YAML tests; numbers to 1e-9 relative).

The same script runs on every engine: the DuckDB CI stage runs the full length
(tests/python/test_incremental.py); the MySQL and Spark stages run a shorter one, e.g.
`--target mysql --days 3`. Run it with the python that has the target's driver (the main
.venv for DuckDB and MySQL, .venv-spark for Spark); dbt runs from the target's venv.
dbt writes to a private target/log path, so other dbt sessions are not disturbed.
Exit codes: 0 identical, 1 some difference (each printed as a DIFF line), 2 usage,
data or connection error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_engines import Mart, describe_key, discover_marts, key_of, same, show  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from chatwh.connection import Warehouse, WarehouseError, connect  # noqa: E402
from chatwh.dbt import dbt_executable  # noqa: E402
from chatwh.landing import land_folder  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, profiles_dir  # noqa: E402

console = Console(highlight=False, width=160)

START = date(2025, 6, 1)
DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
# Incremental intermediate models compared too (their grain from the YAML tests).
WATERMARKS = "int_model_watermarks__recorded"
INTERMEDIATE = (
    Mart("int_chat_events__resolved", ["event_id"], "unique"),
    Mart("int_chat_sessions__sessionized", ["session_id"], "unique"),
    Mart("int_user_bot_days__funnel", ["report_date", "bot_id", "model_name", "user_id"], "unique_combination_of_columns"),
    Mart("int_conversation_logs__deduplicated", ["message_id"], "unique"),
    Mart("int_conversations__categorized", ["message_id"], "unique"),
    Mart("int_conversations__heuristic_rated", ["message_id"], "unique"),
    Mart("int_conversations__rated", ["message_id"], "unique"),
    Mart("int_conversations__alert_firings", ["alert_id", "triggered_by_message_id"], "unique_combination_of_columns"),
)
# The value slow_answer_seconds changes to halfway: higher than the default 2, so fewer
# answers are slow and no new alert opens.
CHANGED_SLOW_ANSWER_SECONDS = 3.0
# Files that land later than their day, as they do in production: the enhanced log of
# an answer after its basic log (staging then keeps the enhanced row, so the message's
# stored row changes), and LLM-judge ratings after the answers they rate.
LATE_FILES = {("conversation-logs", "enhanced_logs_"): 1, ("quality-judgements", ""): 2}
# The day of the lone session (_lone_session), this many days before the first day.
LONE_SESSION_DAYS_BEFORE = 10
# Columns that record when something was built, not what: never compared.
VOLATILE_COLUMNS = {"invocation_id"}
COMPILED_FUNNEL = Path("compiled/chatbot_analytics/models/intermediate/funnel/int_user_bot_days__funnel.sql")
# The line rebuilt_days_comment writes into the model's SQL (macros/incremental).
REBUILT_DAYS = re.compile(r"^-- rebuilt days: (.*)$", re.MULTILINE)


# -- the day-by-day landing plan ------------------------------------------------------------
def day_of(path: Path, first_day: date) -> int:
    """0-based landing day of a file: the date in its name, else day 0."""
    match = DATE_IN_NAME.search(path.name)
    return (date.fromisoformat(match.group(1)) - first_day).days if match else 0


def plan_days(data: Path, days: int, work: Path, *, late_every: int, first_day: date) -> list[Path]:
    """Write work/day_XX/<kind>/<files>; returns the day folders in landing order."""
    folders = [work / f"day_{k:02d}" for k in range(days)]
    for kind_dir in sorted(p for p in data.iterdir() if p.is_dir()):
        for path in sorted(p for p in kind_dir.iterdir() if p.is_file()):
            k = min(max(day_of(path, first_day), 0), days - 1)
            k = min(k + _days_late(kind_dir.name, path.name), days - 1)
            target = folders[k] / kind_dir.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if kind_dir.name == "chat-events" and path.suffix == ".jsonl":
                _split_events(path, target, folders, k, late_every)
            else:
                shutil.copyfile(path, target)
    bots = data / "bots" / "bots.csv"
    if bots.exists() and days >= 2:
        changed = folders[days // 2] / "bots" / "bots_changed.csv"
        changed.parent.mkdir(parents=True, exist_ok=True)
        _change_bots(bots, changed)
        _lone_session(bots, folders, first_day - timedelta(days=LONE_SESSION_DAYS_BEFORE))
    return folders


def _days_late(kind: str, name: str) -> int:
    return next((late for (late_kind, prefix), late in LATE_FILES.items() if kind == late_kind and name.startswith(prefix)), 0)


def _split_events(source: Path, target: Path, folders: list[Path], k: int, late_every: int) -> None:
    late_day = min(k + 2, len(folders) - 1)
    on_time: list[str] = []
    late: list[str] = []
    with open(source, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i % 7 == 3 and '"model_name"' in line:
                record = json.loads(line)
                record.pop("model_name", None)
                line = json.dumps(record, ensure_ascii=False) + "\n"
            (late if late_every and late_day > k and i % late_every == late_every - 1 else on_time).append(line)
    target.write_text("".join(on_time), encoding="utf-8")
    if late:
        late_file = folders[late_day] / "chat-events" / f"late_{source.name}"
        late_file.parent.mkdir(parents=True, exist_ok=True)
        late_file.write_text("".join(late), encoding="utf-8")


def _lone_session(bots: Path, folders: list[Path], day: date) -> None:
    """The only session of `day` (before the generated window, so nothing else is on it):
    two messages just after midnight land on the first day, its first message, sent
    before midnight, a day later. The session then counts on the day before: `day` has
    no row left to write, and only a model that deletes the days it rebuilds (on Spark,
    drops their partitions) leaves it empty as a full refresh does."""
    with open(bots, encoding="utf-8", newline="") as handle:
        bot = next(csv.DictReader(handle), None)
    if bot is None:
        return
    before = day - timedelta(days=1)

    def message(event_id: str, at: str, event_type: str) -> str:
        record = {
            "event_id": event_id, "event_time": at, "user_id": "u-lone-session", "bot_id": bot["bot_id"],
            "event_type": event_type, "model_name": bot["model_name"], "session_id": "s-lone-session",
        }  # fmt: skip
        return json.dumps(record, ensure_ascii=False) + "\n"

    first = folders[0] / "chat-events" / "lone_session.jsonl"
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_text(
        message("e-lone-2", f"{day}T00:10:00+08:00", "user_message") + message("e-lone-3", f"{day}T00:11:00+08:00", "bot_message"),
        encoding="utf-8",
    )
    late = folders[1] / "chat-events" / "late_lone_session.jsonl"
    late.parent.mkdir(parents=True, exist_ok=True)
    late.write_text(message("e-lone-1", f"{before}T23:50:00+08:00", "user_message"), encoding="utf-8")


def _change_bots(source: Path, target: Path) -> None:
    """A new catalogue version of two bots: default model, name, business line and tags."""
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) < 2:
        return
    models = sorted({r["model_name"] for r in rows})
    lines = sorted({r["business_line"] for r in rows})
    first, second = dict(rows[0]), dict(rows[1])
    first["business_line"] = next((line for line in lines if line != first["business_line"]), first["business_line"])
    first["tags"] = first["tags"] + "|增量测试"
    second["model_name"] = next((m for m in models if m != second["model_name"]), second["model_name"])
    second["bot_name"] = second["bot_name"] + " v2"
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows([first, second])


def vars_on_day(dbt_vars: dict[str, Any], k: int, days: int) -> dict[str, Any]:
    """From halfway on, a threshold var changes, as an analyst would change it: the models
    that read it must rebuild every day (their fingerprint changed), not only new ones.
    With 3 days or more it goes back to its default on the last day: a change back to a
    fingerprint built with before must rebuild the days computed with the setting between."""
    changed = days // 2 <= k and not (days >= 3 and k == days - 1)
    return dict(dbt_vars, slow_answer_seconds=CHANGED_SLOW_ANSWER_SECONDS) if changed else dbt_vars


# -- dbt and the warehouse ------------------------------------------------------------------
def run_dbt(args: list[str], target: str, target_path: Path, dbt_vars: dict[str, Any] | None = None) -> float:
    command = [str(dbt_executable(target)), *args, "--target", target, "--target-path", str(target_path)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    env = dict(os.environ, DBT_PROFILES_DIR=str(profiles_dir()), DBT_LOG_PATH=str(target_path / "logs"))
    started = time.monotonic()
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-40:])
        raise RuntimeError(f"dbt {' '.join(args)} failed on target {target}:\n{tail}")
    return time.monotonic() - started


def rebuilt_days(target_path: Path) -> list[str]:
    """Days the last run of int_user_bot_days__funnel rebuilt ('all' for a full build)."""
    compiled = target_path / COMPILED_FUNNEL
    if not compiled.exists():
        return []
    match = REBUILT_DAYS.search(compiled.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"incremental_check: no '-- rebuilt days:' line in {compiled}")
    days = match.group(1).split()
    return [] if days == ["none"] else days


def snapshot(warehouse: Warehouse, marts: list[Mart]) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    tables: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    for mart in marts:
        columns, rows = warehouse.fetch_table(f"select * from {warehouse.model(mart.name)}")
        names = [c.lower() for c in columns]
        tables[mart.name] = (names, [dict(zip(names, row)) for row in rows])
    return tables


def compare(
    mart: Mart, incremental: tuple[list[str], list[dict[str, Any]]], full: tuple[list[str], list[dict[str, Any]]], max_diffs: int
) -> list[str]:
    inc_cols, inc_rows = incremental
    full_cols, full_rows = full
    if sorted(inc_cols) != sorted(full_cols):
        return [f"{mart.name}: columns differ: incremental {inc_cols} vs full {full_cols}"]
    columns = [c for c in full_cols if c not in VOLATILE_COLUMNS]
    key = [k.lower() for k in mart.key] or columns
    diffs: list[str] = []

    def index(rows: list[dict[str, Any]], build: str) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(key_of(row, key), []).append(row)
        for k, group in out.items():
            if len(group) > 1 and mart.key:
                diffs.append(f"{mart.name} key {describe_key(key, k)}: {len(group)} rows in the {build} build")
        return out

    inc, full_index = index(inc_rows, "incremental"), index(full_rows, "full")
    for k in sorted(set(full_index) - set(inc), key=repr)[:max_diffs]:
        diffs.append(f"{mart.name} key {describe_key(key, k)}: in the full build, missing from the incremental one")
    for k in sorted(set(inc) - set(full_index), key=repr)[:max_diffs]:
        diffs.append(f"{mart.name} key {describe_key(key, k)}: in the incremental build, not in the full one")
    for k in sorted(set(inc) & set(full_index), key=repr):
        a, b = inc[k][0], full_index[k][0]
        for column in columns:
            if not same(a[column], b[column]):
                diffs.append(
                    f"{mart.name} key {describe_key(key, k)} column {column}: incremental={show(a[column])} full={show(b[column])}"
                )
                if len(diffs) >= max_diffs:
                    return diffs + [f"{mart.name}: stopped after {max_diffs} differences"]
    return diffs


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="duckdb", help="profiles.yml target (default duckdb); its warehouse is emptied")
    parser.add_argument("--days", type=int, default=8, help="days landed one run each (default 8; at least 2)")
    parser.add_argument("--scale", type=float, default=0.4, help="demo data volume (default 0.4, ~3,000 events a day)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", type=Path, help="a landing folder to use instead of generated demo data")
    parser.add_argument("--first-day", type=date.fromisoformat, default=START, help="first day of --data (default 2025-06-01)")
    parser.add_argument("--select", default=None, help="dbt selector for every build (default: the whole project)")
    parser.add_argument("--command", choices=("build", "run"), default="build", help="dbt command per day (default build)")
    parser.add_argument("--late-every", type=int, default=40, help="land every N-th chat event two days late (0: none)")
    parser.add_argument("--keep", type=Path, help="keep the day folders and dbt output here (default: a temp dir)")
    parser.add_argument("--max-diffs", type=int, default=20)
    args = parser.parse_args(argv)
    if args.days < 2:
        parser.error("--days must be at least 2")
    if args.data is not None and not args.data.is_dir():
        parser.error(f"--data {args.data}: not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="incremental-check-"))
    work.mkdir(parents=True, exist_ok=True)
    target_path = work / "dbt-target"
    selector = ["--select", args.select] if args.select else []
    # The model comparison over the whole data window, so it is not empty.
    last_day = args.first_day + timedelta(days=args.days - 1)
    dbt_vars = {"comparison_start": args.first_day.isoformat(), "comparison_end": last_day.isoformat(), "comparison_min_users": 1}
    try:
        data = args.data
        if data is None:
            data = work / "data"
            shutil.rmtree(data, ignore_errors=True)
            subprocess.run(
                [sys.executable, str(PROJECT_DIR / "scripts" / "generate_demo_data.py"), "--out", str(data), "--days", str(args.days),
                 "--end-date", last_day.isoformat(), "--scale", str(args.scale), "--seed", str(args.seed), "--jobs", "1"],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        shutil.rmtree(work / "landing", ignore_errors=True)  # a --keep folder from an earlier run
        folders = plan_days(data, args.days, work / "landing", late_every=args.late_every, first_day=args.first_day)
        with connect(args.target) as warehouse:
            warehouse.reset()
        run_dbt(["seed", "--full-refresh"], args.target, target_path)

        progress = Table(title=f"incremental check on {args.target}: one dbt {args.command} per landed day")
        for column in ("day", "files", "rows loaded", "rejected", "dbt seconds", "funnel days rebuilt"):
            progress.add_column(column, justify="left" if column in ("day", "funnel days rebuilt") else "right")
        for k, folder in enumerate(folders):
            with connect(args.target) as warehouse:
                report = land_folder(warehouse, folder)
            seconds = run_dbt([args.command, *selector], args.target, target_path, vars_on_day(dbt_vars, k, args.days))
            days = rebuilt_days(target_path)
            if k == 0 and args.target != "spark":
                with connect(args.target) as warehouse:
                    warehouse.execute(f"alter table {warehouse.model(WATERMARKS)} drop column recorded_at")
            progress.add_row(
                str(args.first_day + timedelta(days=k)), str(len(report.results)), f"{report.rows_loaded:,}", f"{report.rows_rejected:,}",
                f"{seconds:.1f}", "all" if days == ["all"] else (", ".join(d[5:] for d in days) or "none"),
            )  # fmt: skip
        console.print(progress)

        with connect(args.target) as warehouse:
            # with --select only the selected models exist
            marts = [m for m in discover_marts() + list(INTERMEDIATE) if warehouse.table_exists(warehouse.model_schema, m.name)]
            incremental = snapshot(warehouse, marts)
        seconds = run_dbt(
            [args.command, "--full-refresh", *selector], args.target, target_path, vars_on_day(dbt_vars, args.days - 1, args.days)
        )
        console.print(f"full refresh: dbt {args.command} --full-refresh in {seconds:.1f} s")
        with connect(args.target) as warehouse:
            full = snapshot(warehouse, marts)
    except (ProfileError, WarehouseError) as exc:
        console.print(f"incremental_check: {exc}", style="red")
        return 2
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or str(exc)
        console.print(f"incremental_check: {detail}", style="red", markup=False)
        return 2
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    summary = Table(title=f"incremental vs --full-refresh on {args.target}")
    for column in ("model", "grain", "rows incremental", "rows full", "result"):
        summary.add_column(column, justify="right" if column.startswith("rows") else "left")
    failures: list[str] = []
    for mart in marts:
        diffs = compare(mart, incremental[mart.name], full[mart.name], args.max_diffs)
        failures += diffs
        rows_full = len(full[mart.name][1])
        status = "[green]identical[/green]" if not diffs else f"[red]{len(diffs)} differences[/red]"
        if not rows_full:
            status += " (empty)"
        summary.add_row(mart.name, ", ".join(mart.key) or "whole rows", f"{len(incremental[mart.name][1]):,}", f"{rows_full:,}", status)
    console.print(summary)
    for line in failures:
        console.print(f"DIFF {line}", style="red", markup=False)
    identical = sum(1 for m in marts if not compare(m, incremental[m.name], full[m.name], 1))
    console.print(
        f"incremental_check: {len(marts)} tables, {identical} identical, {len(marts) - identical} different ({args.days} days on {args.target})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
