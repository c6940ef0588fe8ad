"""Compare the models serving one interest tag: is model B really better than model A?

    python scripts/compare_tag.py --tag 学习辅导 [--start D --end D] [--target NAME]

The seeds' by_tag(tag=...) as a command. Prints, for the tag, each model's funnel over
the window (from mart_tag_daily_kpis) and every model pair's UV click rate and UV chat
start rate with Wilson 95 % intervals, the difference with its CI and the z-test p-value.
Without --start/--end it reads mart_model_comparison (the window dbt built); with them it
compiles that same model for the new window (dbt compile, dates validated by the model's
own var checks) and runs it with the tag bound as a parameter.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import iso_date  # noqa: E402
from chatwh.connection import Warehouse, WarehouseError, connect  # noqa: E402
from chatwh.dbt import compiled_model_sql  # noqa: E402
from chatwh.display import fmt, interval, make_console, table  # noqa: E402
from chatwh.project import ProfileError, var  # noqa: E402
from chatwh.schedule import interval_report_date  # noqa: E402

PAIR_COLUMNS = (
    "window_start, window_end, tag, metric, model_a, model_b, successes_a, trials_a, rate_a, rate_a_lower, rate_a_upper,"
    " successes_b, trials_b, rate_b, rate_b_lower, rate_b_upper, difference, difference_lower, difference_upper,"
    " z_statistic, p_value, is_significant"
)


def default_window() -> tuple[date, date]:
    """The window mart_model_comparison's SQL picks when built now: vars comparison_start /
    comparison_end, else the 7 complete reporting days ending yesterday."""
    today = interval_report_date(datetime.now(UTC))  # the local reporting day of now
    end_var, start_var = var("comparison_end"), var("comparison_start")
    end = date.fromisoformat(str(end_var)) if end_var else today - timedelta(days=1)
    start = date.fromisoformat(str(start_var)) if start_var else end - timedelta(days=6)
    return start, end


def built_window(wh: Warehouse) -> tuple[date, date]:
    """The window of the mart_model_comparison dbt built (the same on every row), or the
    model's default window when the mart has no row at all."""
    row = wh.fetchall(f"select min(window_start), max(window_end) from {wh.model('mart_model_comparison')}")
    if row and row[0][0] is not None:
        start, end = (value if isinstance(value, date) else date.fromisoformat(str(value)) for value in row[0])
        return start, end
    return default_window()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", required=True, help="interest tag, e.g. 学习辅导")
    parser.add_argument("--start", type=iso_date)
    parser.add_argument("--end", type=iso_date)
    parser.add_argument("--target")
    args = parser.parse_args(argv)
    if (args.start is None) != (args.end is None):
        parser.error("give both --start and --end, or neither")
    if args.start and args.end < args.start:
        parser.error("--end is before --start")
    console = make_console()

    try:
        compiled = None
        if args.start is not None:
            # Compiled before connecting: dbt opens the warehouse itself (DuckDB: one writer).
            compiled = compiled_model_sql(
                "mart_model_comparison",
                target=args.target,
                dbt_vars={"comparison_start": args.start.isoformat(), "comparison_end": args.end.isoformat()},
            )
        with connect(args.target, read_only=True) as wh:
            unbuilt = wh.unbuilt_models("mart_model_comparison", "mart_tag_daily_kpis", "dim_bot_tags")
            if unbuilt:
                print(f"compare_tag: {unbuilt}", file=sys.stderr)
                return 2
            source = wh.model("mart_model_comparison") if compiled is None else f"({compiled}) as comparison"
            columns, rows = wh.fetch_table(
                f"select {PAIR_COLUMNS} from {source} where tag = :tag order by metric, model_a, model_b", {"tag": args.tag}
            )
            pairs = [dict(zip(columns, row)) for row in rows]
            if pairs:
                window_start, window_end = pairs[0]["window_start"], pairs[0]["window_end"]
            elif args.start is not None:
                window_start, window_end = args.start, args.end
            else:
                # No pair for this tag (one model serves it): the window dbt built is on
                # every other tag's rows; the funnel is summed over that window, never
                # over the whole history.
                window_start, window_end = built_window(wh)
            funnel_cols, funnel_rows = wh.fetch_table(
                f"select model_name, sum(bots) as bot_days, sum(exposures), sum(clicks), sum(chat_starts), sum(user_turns), sum(active_users)"
                f" from {wh.model('mart_tag_daily_kpis')} where tag = :tag and report_date >= :start and report_date <= :end"
                " group by model_name order by model_name",
                {"tag": args.tag, "start": window_start, "end": window_end},
            )
            known_tags: list[str] = []
            tag_days: tuple[object, object] = (None, None)
            if not funnel_rows:
                known_tags = [str(r[0]) for r in wh.fetchall(f"select distinct tag from {wh.model('dim_bot_tags')} order by tag")]
                # The days the tag has KPIs on, whatever the window.
                tag_days = wh.fetchall(
                    f"select min(report_date), max(report_date) from {wh.model('mart_tag_daily_kpis')} where tag = :tag",
                    {"tag": args.tag},
                )[0]
    except (ProfileError, WarehouseError, RuntimeError) as exc:
        print(f"compare_tag: {exc}", file=sys.stderr)
        return 2

    if not funnel_rows:
        first, last = tag_days
        if first is not None:  # a tag with data, just not in this window
            console.print(f"Tag {args.tag!r} has no data in the window {window_start} … {window_end}: its KPIs cover {first} … {last}.")
        elif args.tag in known_tags:
            console.print(f"Tag {args.tag!r} is known (dim_bot_tags) but has no KPIs in mart_tag_daily_kpis on any day.")
        else:
            console.print(
                f"Tag {args.tag!r} has no KPIs: it is not a known tag."
                + (f" Known tags: {', '.join(known_tags)}." if known_tags else " dim_bot_tags lists no tag.")
            )
        return 1
    console.print(f"Tag [bold]{args.tag}[/bold], window {window_start} … {window_end}")
    console.print(
        table(
            "Funnel per model (counts summed over the window)",
            ["model", "bot-days", "exposures", "clicks", "chat starts", "user turns", "active user-days"],
            [[str(r[0]), *[fmt(int(v or 0)) for v in r[1:]]] for r in funnel_rows],
            right_from=1,
        )
    )
    if not pairs:
        console.print("Only one model serves this tag in the window: nothing to compare.")
        return 0
    console.print(
        table(
            "Model pairs (users distinct over the window; B − A with 95 % CI; pooled z-test)",
            [
                "metric",
                "model A",
                "model B",
                "A rate [95% CI]",
                "B rate [95% CI]",
                "n A",
                "n B",
                "B − A [95% CI]",
                "p-value",
                "significant",
            ],
            [
                [
                    p["metric"],
                    p["model_a"],
                    p["model_b"],
                    interval(p["rate_a"], p["rate_a_lower"], p["rate_a_upper"]),
                    interval(p["rate_b"], p["rate_b_lower"], p["rate_b_upper"]),
                    fmt(p["trials_a"]),
                    fmt(p["trials_b"]),
                    interval(p["difference"], p["difference_lower"], p["difference_upper"]),
                    fmt(p["p_value"], "p"),
                    # no z-test when an arm has fewer than comparison_min_users users
                    "not tested" if p["p_value"] is None else ("yes" if p["is_significant"] else "no"),
                ]
                for p in pairs
            ],
            right_from=3,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
