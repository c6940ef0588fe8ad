"""Print the conversation-quality alerts dbt computed, for a schedule to act on.

    python scripts/alerts.py [--target NAME] [--all] [--limit N]

Reads mart_alerts (one row per firing alert, de-duplicated to once per rule, bot, model
and hour, evaluated as of the latest log time). By default it lists the open alerts —
those that fired within var alert_open_minutes before the latest log time; --all lists
every firing in the mart, newest first.

Exit codes: 0 no open alert at error level (warn-level alerts are printed, not fatal),
1 at least one open error-level alert, 2 usage error or the warehouse / mart cannot be
read (has `dbt build` run on this target?).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.display import fmt, make_console, table  # noqa: E402
from chatwh.project import ProfileError, reporting_offset_hours, var  # noqa: E402

COLUMNS = (
    "severity",
    "alert_id",
    "metric",
    "bot_id",
    "model_name",
    "window_label",
    "rows_in_window",
    "metric_value",
    "threshold",
    "fired_at",
    "suppressed_repeats",
    "is_open",
    "evaluated_as_of",
)
RATE_METRICS = {"error_rate", "poor_answer_rate", "slow_answer_rate"}


def metric_text(metric: str, value: Any) -> str:
    if value is None:
        return "–"
    return fmt(value, "pct") if metric in RATE_METRICS else f"{float(value):.2f} s"


def local_text(value: Any) -> str:
    """A UTC timestamp from the mart as reporting-local time, the clock the users read."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value + timedelta(hours=reporting_offset_hours())).strftime("%Y-%m-%d %H:%M:%S")


def fetch_alerts(target: str | None, include_closed: bool) -> list[dict[str, Any]]:
    with connect(target, read_only=True) as wh:
        where = "" if include_closed else "where is_open = 1"
        columns, rows = wh.fetch_table(
            f"select {', '.join(COLUMNS)} from {wh.model('mart_alerts')} {where} "
            "order by is_open desc, case when severity = 'error' then 0 else 1 end, fired_at desc, alert_id, bot_id, model_name"
        )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def open_error_count(records: list[dict[str, Any]]) -> int:
    return sum(1 for r in records if int(r["is_open"] or 0) == 1 and r["severity"] == "error")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="profiles.yml target (default: the profile's default target)")
    parser.add_argument("--all", action="store_true", help="list every firing in the mart, not only the open ones")
    parser.add_argument("--limit", type=int, default=200, help="print at most this many rows (default 200)")
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1")

    console = make_console()
    try:
        records = fetch_alerts(args.target, args.all)
    except (ProfileError, WarehouseError) as exc:
        print(f"alerts: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the mart is missing or unreadable: one clear line for the scheduler log
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"alerts: cannot read mart_alerts ({type(exc).__name__}: {first}); has `dbt build` run on this target?", file=sys.stderr)
        return 2

    errors = open_error_count(records)
    shown = records[: args.limit]
    scope = "all firings" if args.all else f"open alerts (fired within {var('alert_open_minutes')} min of the latest log)"
    if not records:
        console.print("No firings in mart_alerts." if args.all else f"No {scope}.")
        return 0
    headers = [
        "severity",
        "alert",
        "bot",
        "model",
        "window",
        "rows",
        "value",
        "threshold",
        f"fired at (UTC{reporting_offset_hours():+g})",
        "repeats",
        "open",
    ]
    body = [
        [
            str(r["severity"]).upper(),
            str(r["alert_id"]),
            str(r["bot_id"]),
            str(r["model_name"]),
            str(r["window_label"]),
            fmt(r["rows_in_window"]),
            metric_text(str(r["metric"]), r["metric_value"]),
            metric_text(str(r["metric"]), r["threshold"]),
            local_text(r["fired_at"]),
            fmt(r["suppressed_repeats"]),
            "yes" if int(r["is_open"] or 0) == 1 else "no",
        ]
        for r in shown
    ]
    as_of = local_text(records[0]["evaluated_as_of"])
    console.print(table(f"Conversation alerts — {scope}, evaluated as of {as_of} (latest log)", headers, body, right_from=5))
    if len(records) > len(shown):
        console.print(f"… {len(records) - len(shown)} more (raise --limit)")
    warn = sum(1 for r in records if int(r["is_open"] or 0) == 1 and r["severity"] == "warn")
    console.print(f"open: {errors} error, {warn} warn")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
