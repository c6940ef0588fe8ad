"""Generate a deterministic demo landing folder for the loaders.

    python scripts/generate_demo_data.py --out DIR [--days 28] [--end-date D]
                                         [--scale 1.0] [--seed 7] [--events N] [--jobs J]

Writes DIR/bots/bots.csv and DIR/chat-events/chat_events_YYYY-MM-DD.jsonl (one file per
reporting day), then runs every other generator in scripts/chatwh/demo/ that defines
`write(ctx)` (conversation logs, feedback, eval ...). The same seed, end date, days and
scale (or events) give byte-identical files. The end date defaults to yesterday in the
reporting timezone (dbt var reporting_utc_offset_hours). `--events N` picks the scale
that yields about N chat events (for benchmarks; 10 million stream to disk a day at a
time). `--only bots,chat_events` runs just those generators. Exit codes: 0 ok, 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from chatwh.cli import STORED_YEARS, output_dir, positive_float, positive_int, stored_date, write_problem  # noqa: E402
from chatwh.demo import writers  # noqa: E402
from chatwh.demo.chat_events import count_events  # noqa: E402
from chatwh.demo.context import DemoContext, build_context  # noqa: E402
from chatwh.project import reporting_offset_hours  # noqa: E402

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def yesterday(offset_hours: float) -> date:
    now_local = datetime.now(UTC) + timedelta(hours=offset_hours)
    return now_local.date() - timedelta(days=1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--out",
        required=True,
        type=output_dir,
        help="landing folder to write (DIR/<kind>/...)",
    )
    parser.add_argument(
        "--days",
        type=positive_int,
        default=28,
        help="reporting days in the window (default 28)",
    )
    parser.add_argument(
        "--end-date",
        type=stored_date,
        help=f"last reporting day, YYYY-MM-DD in {STORED_YEARS[0]}-{STORED_YEARS[1]} (default yesterday)",
    )
    parser.add_argument(
        "--scale",
        type=positive_float,
        default=1.0,
        help="volume multiplier (default 1.0)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--events",
        type=positive_int,
        help="aim for about this many chat events (overrides --scale)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated generator modules to run (e.g. bots,chat_events); default: all",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=min(2, os.cpu_count() or 1),
        help="worker processes for formatting (default: up to 2; output is the same for any value)",
    )
    args = parser.parse_args(argv)
    if args.end_date is not None:
        problem = window_problem(args.end_date, args.days)
        if problem:
            parser.error(problem)
    return args


def window_problem(end: date, days: int) -> str | None:
    """Why `days` days ending on `end` are not all in the years the loaders store (None: they are)."""
    first = date(STORED_YEARS[0], 1, 1)
    if (end - first).days + 1 < days:
        return f"--days {days} ending {end} starts before {first}: the loaders store the years {STORED_YEARS[0]}-{STORED_YEARS[1]}"
    return None


def calibrate(ctx: DemoContext, target_events: int) -> DemoContext:
    """The context whose scale gives about `target_events` chat events.

    Expected volume is proportional to scale, so one counting pass at scale 1
    (simulation only, nothing formatted or written) fixes it to within Poisson noise.
    """
    counted = count_events(ctx.with_scale(1.0))
    return ctx.with_scale(target_events / max(counted, 1))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    available = writers()
    if args.only is not None:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        if not wanted:
            errors.print(f"generate_demo_data: --only names no generator; known: {', '.join(n for n, _ in available)}")
            return 2
        unknown = sorted(set(wanted) - {name for name, _ in available})
        if unknown:
            errors.print(f"generate_demo_data: unknown generator(s) {', '.join(unknown)}; known: {', '.join(n for n, _ in available)}")
            return 2
        available = [(name, write) for name, write in available if name in wanted]
    offset = reporting_offset_hours()
    end = args.end_date or yesterday(offset)
    problem = window_problem(end, args.days)
    if problem:
        errors.print(f"generate_demo_data: {problem}", soft_wrap=True)
        return 2
    ctx = build_context(args.out, end, args.days, args.scale, args.seed, offset, jobs=args.jobs)
    if args.events:
        ctx = calibrate(ctx, args.events)

    console.print(
        f"demo data {ctx.start_date} … {ctx.end_date} ({ctx.days} days), seed {ctx.seed}, "
        f"scale {ctx.scale:.4g}, {len(ctx.bots)} bots, {len(ctx.models)} models → {ctx.out_dir}"
    )
    table = Table(title="demo files")
    for column in ("generator", "kind", "files", "rows", "MB", "seconds", "rows/s"):
        table.add_column(column, justify="left" if column in ("generator", "kind") else "right")
    total_rows = 0
    total_files = 0
    started = time.perf_counter()
    for name, write in available:
        began = time.perf_counter()
        try:
            counts = write(ctx)
        except OSError as exc:  # what the check of --out could not foresee (a full disk, say)
            errors.print(f"generate_demo_data: {name}: {write_problem(exc.filename or ctx.out_dir, exc)}", soft_wrap=True)
            return 2
        seconds = time.perf_counter() - began
        for kind, rows in counts.items():
            files = [p for p in (ctx.out_dir / kind).glob("*") if p.is_file()] if (ctx.out_dir / kind).is_dir() else []
            size = sum(p.stat().st_size for p in files) / 1e6
            rate = f"{rows / seconds:,.0f}" if seconds > 0.05 and len(counts) == 1 else ""
            table.add_row(
                name,
                kind,
                str(len(files)),
                f"{rows:,}",
                f"{size:,.1f}",
                f"{seconds:.2f}",
                rate,
            )
            total_rows += rows
            total_files += len(files)
    elapsed = time.perf_counter() - started
    table.add_section()
    table.add_row("total", "", str(total_files), f"{total_rows:,}", "", f"{elapsed:.2f}", "")
    console.print(table)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback (make demo prints its own)
        print("generate_demo_data: interrupted; the folder is incomplete", file=sys.stderr)
        sys.exit(130)
