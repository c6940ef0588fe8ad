"""Chat funnel KPIs for a date range, by bot, model, tag or business line.

    python scripts/kpis.py --start 2025-06-01 --end 2025-06-07 [--by bot|model|tag|business_line]
                           [--only VALUE] [--target NAME]

Replaces the per-KPI scripts (click_rate.py, chat_start_rate.py, chat_depth.py ...): it
reads the daily KPI marts dbt built — the same SQL as the dashboards — with the dates
and filters bound as parameters. One row per day and group, then a range total per
group: counts are summed and ratios recomputed from the sums; users are summed per day
(user-days), since the same user on two days is two daily active users.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import iso_date  # noqa: E402
from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.display import fmt, interval, make_console, table  # noqa: E402
from chatwh.project import ProfileError  # noqa: E402

LEVELS = {
    "bot": ("mart_bot_daily_kpis", ["bot_id", "bot_name", "model_name"]),
    "model": ("mart_model_daily_kpis", ["model_name"]),
    "tag": ("mart_tag_daily_kpis", ["tag", "model_name"]),
    "business_line": ("mart_business_line_daily_kpis", ["business_line", "model_name"]),
}
FILTER_COLUMN = {"bot": "bot_id", "model": "model_name", "tag": "tag", "business_line": "business_line"}
COUNTS = ["exposures", "clicks", "sessions", "chat_starts", "user_turns", "exposed_users", "exposed_users_who_clicked", "active_users"]


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=iso_date, required=True)
    parser.add_argument("--end", type=iso_date, required=True)
    parser.add_argument("--by", choices=sorted(LEVELS), default="bot")
    parser.add_argument("--only", help="keep one bot id, model, tag or business line (by the --by level)")
    parser.add_argument("--target")
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--end is before --start")

    mart, keys = LEVELS[args.by]
    params: dict[str, object] = {"start": args.start, "end": args.end}
    where = "report_date >= :start and report_date <= :end"
    if args.only is not None:
        where += f" and {FILTER_COLUMN[args.by]} = :only"
        params["only"] = args.only
    console = make_console()
    try:
        with connect(args.target, read_only=True) as wh:
            unbuilt = wh.unbuilt_models(mart)
            if unbuilt:
                print(f"kpis: {unbuilt}", file=sys.stderr)
                return 2
            columns, rows = wh.fetch_table(
                f"select report_date, {', '.join(keys)}, {', '.join(COUNTS)}, ctr, chat_start_rate, avg_turns_per_session,"
                f" avg_turns_per_user, uv_ctr, uv_ctr_lower, uv_ctr_upper, uv_chat_start_rate, uv_chat_start_rate_lower,"
                f" uv_chat_start_rate_upper from {wh.model(mart)} where {where} order by {', '.join(keys)}, report_date",
                params,
            )
            known: list[str] = []
            first = last = None
            mart_rows = 0
            if not rows:
                # The days the mart has: an empty mart (dbt build not run) is not a range
                # outside the data.
                first, last, mart_rows = wh.fetchall(f"select min(report_date), max(report_date), count(*) from {wh.model(mart)}")[0]
            if not rows and args.only is not None:
                column = FILTER_COLUMN[args.by]
                known = [
                    str(r[0])
                    for r in wh.fetchall(
                        f"select distinct {column} from {wh.model(mart)} where report_date >= :start and report_date <= :end"
                        f" and {column} is not null order by {column}",
                        {"start": args.start, "end": args.end},
                    )
                ]
    except (ProfileError, WarehouseError) as exc:
        print(f"kpis: {exc}", file=sys.stderr)
        return 2
    records = [dict(zip(columns, row)) for row in rows]
    if not records:
        if not mart_rows:
            console.print(f"No {args.by} KPIs: {mart} has no rows at all. Has `dbt build` run on this target?")
            return 1
        coverage = f"{mart} has data from {first} to {last}."
        if args.only is not None:
            shown = ", ".join(known[:30]) + (" ..." if len(known) > 30 else "")
            console.print(
                f"No {args.by} KPIs for {FILTER_COLUMN[args.by]} = {args.only!r} between {args.start} and {args.end}."
                + (f" Known {FILTER_COLUMN[args.by]} values in that range: {shown}." if known else f" The range has no data: {coverage}")
            )
        else:
            console.print(f"No {args.by} KPIs between {args.start} and {args.end}: the range has no data; {coverage}")
        return 1

    headers = [
        "date",
        *keys,
        "exposures",
        "clicks",
        "CTR",
        "chat starts",
        "start rate",
        "turns",
        "turns/session",
        "turns/user",
        "UV CTR [95% CI]",
        "UV start rate [95% CI]",
    ]
    body: list[list[str]] = []
    totals: dict[tuple, dict[str, float]] = {}
    for r in records:
        body.append(
            [
                str(r["report_date"]),
                *[fmt(r[k]) for k in keys],
                fmt(r["exposures"]),
                fmt(r["clicks"]),
                fmt(r["ctr"], "pct"),
                fmt(r["chat_starts"]),
                fmt(r["chat_start_rate"], "pct"),
                fmt(r["user_turns"]),
                fmt(r["avg_turns_per_session"], "num"),
                fmt(r["avg_turns_per_user"], "num"),
                interval(r["uv_ctr"], r["uv_ctr_lower"], r["uv_ctr_upper"]),
                interval(r["uv_chat_start_rate"], r["uv_chat_start_rate_lower"], r["uv_chat_start_rate_upper"]),
            ]
        )
        group = totals.setdefault(tuple(r[k] for k in keys), {c: 0.0 for c in COUNTS})
        for c in COUNTS:
            group[c] += float(r[c] or 0)
    console.print(table(f"Daily {args.by} KPIs {args.start} … {args.end} ({mart})", headers, body, right_from=1 + len(keys)))

    total_headers = [
        *keys,
        "exposures",
        "clicks",
        "CTR",
        "chat starts",
        "start rate",
        "turns",
        "turns/session",
        "active user-days",
        "turns/user-day",
    ]
    total_rows = [
        [
            *[fmt(k) for k in group],
            fmt(int(t["exposures"])),
            fmt(int(t["clicks"])),
            fmt(ratio(t["clicks"], t["exposures"]), "pct"),
            fmt(int(t["chat_starts"])),
            fmt(ratio(t["chat_starts"], t["clicks"]), "pct"),
            fmt(int(t["user_turns"])),
            fmt(ratio(t["user_turns"], t["chat_starts"]), "num"),
            fmt(int(t["active_users"])),
            fmt(ratio(t["user_turns"], t["active_users"]), "num"),
        ]
        for group, t in totals.items()
    ]
    console.print(table("Range totals (counts summed, ratios from the sums)", total_headers, total_rows, right_from=len(keys)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
