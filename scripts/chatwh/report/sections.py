"""Build the report's sections from the marts (queries.py) for one reporting day.

Each builder returns a Section; when its marts are missing or have no rows for the day
the section carries a `no_data` reason instead of tiles, charts and tables. Sections
follow the article's daily report (基础统计, 响应质量, 热门问题, 改进建议) with the funnel,
model comparison, feedback, eval and alert sections of the warehouse in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..connection import Warehouse
from ..project import reporting_offset_hours, var
from . import charts, evals, queries
from . import formats as f
from .model import Report, Section, table
from .queries import MartReader, Row

RATINGS = ("excellent", "good", "fair", "poor")


@dataclass(frozen=True)
class ReportOptions:
    top_questions: int = 10
    review_limit: int = 10
    include_texts: bool = False  # raw question/answer texts: for reviewers only (--with-texts)
    trend_days: int = 14


def _missing_note(reader: MartReader, *models: str) -> str:
    missing = reader.missing(*models)
    return f"No data: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not built on this target (run `dbt build`)."


def _no_rows(day: date, model: str) -> str:
    return f"No data: {model} has no rows for {day.isoformat()}."


def _by_day(rows: list[Row] | None, day: date) -> tuple[Row | None, Row | None]:
    """(the day's row, the previous day's row) of a two-day query."""
    if rows is None:
        return None, None
    index = {row["report_date"]: row for row in rows}
    return index.get(day), index.get(day - timedelta(days=1))


def _get(row: Row | None, key: str) -> Any:
    return None if row is None else row.get(key)


def _weighted_mean(row: Row | None) -> float | None:
    if row is None:
        return None
    return f.ratio(row["response_time_weighted_sum"], row["messages"])


# -- 1. 基础统计 -------------------------------------------------------------------------------
def overview(reader: MartReader, day: date, options: ReportOptions) -> Section:
    section = Section(
        key="overview",
        title="1. 基础统计 · Daily overview",
        intro=f"Key figures of {day.isoformat()} with the change from the day before ({(day - timedelta(days=1)).isoformat()}).",
        sources=["mart_model_daily_kpis", "fct_chat_sessions", "mart_answer_quality_daily", "mart_feedback_daily", "mart_alerts"],
    )
    funnel_now, funnel_prev = _by_day(queries.funnel_totals(reader, day), day)
    quality_now, quality_prev = _by_day(queries.quality_totals(reader, day), day)
    feedback_now, feedback_prev = _by_day(queries.feedback_totals(reader, day), day)
    alert_rows = queries.alert_totals(reader, day)
    alerts_now, alerts_prev = _by_day(alert_rows, day)

    if funnel_now is not None or funnel_prev is not None:
        src = "mart_model_daily_kpis"
        section.tiles += [
            f.tile("曝光 Exposures", _get(funnel_now, "exposures"), _get(funnel_prev, "exposures"), "count", better="up", source=src),
            f.tile("点击 Clicks", _get(funnel_now, "clicks"), _get(funnel_prev, "clicks"), "count", better="up", source=src),
            f.tile(
                "点击率 CTR",
                f.ratio(_get(funnel_now, "clicks"), _get(funnel_now, "exposures")),
                f.ratio(_get(funnel_prev, "clicks"), _get(funnel_prev, "exposures")),
                "rate",
                better="up",
                source=src,
            ),
            f.tile("开聊 Chat starts", _get(funnel_now, "chat_starts"), _get(funnel_prev, "chat_starts"), "count", better="up", source=src),
            f.tile(
                "开聊率 Chat start rate",
                f.ratio(_get(funnel_now, "chat_starts"), _get(funnel_now, "clicks")),
                f.ratio(_get(funnel_prev, "chat_starts"), _get(funnel_prev, "clicks")),
                "rate",
                better="up",
                source=src,
            ),
            f.tile(
                "活跃用户 Active users",
                _get(funnel_now, "active_users"),
                _get(funnel_prev, "active_users"),
                "count",
                better="up",
                source="fct_chat_sessions",
            ),
        ]
    if quality_now is not None or quality_prev is not None:
        src = "mart_answer_quality_daily"
        section.tiles += [
            f.tile(
                "总对话数 Answers logged", _get(quality_now, "messages"), _get(quality_prev, "messages"), "count", better=None, source=src
            ),
            f.tile(
                "平均响应时间 Mean response",
                _weighted_mean(quality_now),
                _weighted_mean(quality_prev),
                "seconds",
                better="down",
                source=src,
            ),
            f.tile(
                "慢回答 Slow answers",
                f.ratio(_get(quality_now, "slow_answers"), _get(quality_now, "messages")),
                f.ratio(_get(quality_prev, "slow_answers"), _get(quality_prev, "messages")),
                "rate",
                better="down",
                source=src,
            ),
            f.tile(
                "低质量率 Poor answers",
                f.ratio(_get(quality_now, "poor_answers"), _get(quality_now, "messages")),
                f.ratio(_get(quality_prev, "poor_answers"), _get(quality_prev, "messages")),
                "rate",
                better="down",
                source=src,
            ),
        ]
    if feedback_now is not None or feedback_prev is not None:

        def like_rate(row: Row | None) -> float | None:
            return None if row is None else f.ratio(row["likes"], (row["likes"] or 0) + (row["dislikes"] or 0))

        section.tiles.append(
            f.tile("点赞率 Like rate", like_rate(feedback_now), like_rate(feedback_prev), "rate", better="up", source="mart_feedback_daily")
        )
    if alert_rows is not None and (section.tiles or alert_rows):
        # No row for a day means no alert fired that day (0), not unknown; on a day with
        # no data at all a lone "0 alerts" tile would only mislead, so it is left out.
        section.tiles.append(
            f.tile(
                "告警 Alert firings (hourly)",
                _get(alerts_now, "alerts") or 0,
                _get(alerts_prev, "alerts") or 0,
                "count",
                better="down",
                source="mart_alerts",
            )
        )

    funnel_trend, answer_trend = queries.daily_trend(reader, day, options.trend_days)
    if funnel_trend or answer_trend:
        days = [day - timedelta(days=options.trend_days - 1 - i) for i in range(options.trend_days)]
        series: dict[str, list[float | None]] = {}
        if funnel_trend:
            by_day = {row["report_date"]: row for row in funnel_trend}
            series["点击 clicks"] = [float(by_day[d]["clicks"]) if d in by_day else None for d in days]
            series["开聊 chat starts"] = [float(by_day[d]["chat_starts"]) if d in by_day else None for d in days]
        if answer_trend:
            by_day = {row["report_date"]: row for row in answer_trend}
            series["回答 answers logged"] = [float(by_day[d]["messages"]) if d in by_day else None for d in days]
        section.charts.append(charts.block("chart-trend", f"Last {options.trend_days} days", charts.trend(days, series)))

    if not section.tiles:
        section.mark_no_data(f"No data: none of the overview marts has rows for {day.isoformat()}.")
    elif funnel_now is None and quality_now is None:
        section.notes.append(f"The funnel and answer marts have no rows for {day.isoformat()}.")
    return section


# -- 2. funnel per tag -----------------------------------------------------------------------
def funnel(reader: MartReader, day: date) -> Section:
    section = Section(
        key="funnel",
        title="2. 漏斗 · Funnel per tag (exposure → click → chat start)",
        intro="Per interest tag, summed over serving models. A bot with two tags counts in both.",
        sources=["mart_tag_daily_kpis"],
    )
    rows = queries.tag_funnel(reader, day)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_tag_daily_kpis"))
    if not rows:
        return section.mark_no_data(_no_rows(day, "mart_tag_daily_kpis"))
    tags = [str(r["tag"]) for r in rows]
    section.charts.append(
        charts.block(
            "chart-funnel",
            "Exposure → click → chat start per tag",
            charts.funnel_by_tag(
                tags,
                {
                    "曝光 exposures": [float(r["exposures"] or 0) for r in rows],
                    "点击 clicks": [float(r["clicks"] or 0) for r in rows],
                    "开聊 chat starts": [float(r["chat_starts"] or 0) for r in rows],
                },
            ),
        )
    )
    section.tables.append(
        table(
            "Funnel per tag",
            ["tag", "exposures", "clicks", "CTR", "chat starts", "chat start rate", "user turns", "turns / chat"],
            [
                [
                    str(r["tag"]),
                    f.count(r["exposures"]),
                    f.count(r["clicks"]),
                    f.pct(f.ratio(r["clicks"], r["exposures"])),
                    f.count(r["chat_starts"]),
                    f.pct(f.ratio(r["chat_starts"], r["clicks"])),
                    f.count(r["user_turns"]),
                    f.number(f.ratio(r["user_turns"], r["chat_starts"])),
                ]
                for r in rows
            ],
        )
    )
    return section


# -- 3. model comparison ---------------------------------------------------------------------
METRIC_LABELS = {"uv_ctr": "UV CTR", "uv_chat_start_rate": "UV chat start rate"}
CHART_PAIRS = 12
SIGNIFICANT_BULLETS = 6


def model_comparison(reader: MartReader, day: date) -> Section:
    section = Section(
        key="models",
        title="3. 模型对比 · Model comparison (95% confidence intervals)",
        intro="Per tag, user-level rates of each model pair over the comparison window, with Wilson bounds, the difference B − A with its CI and a two-proportion z-test.",
        sources=["mart_model_comparison"],
    )
    rows = queries.model_comparison(reader)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_model_comparison"))
    if not rows:
        return section.mark_no_data("No data: mart_model_comparison has no model pairs (fewer than two models per tag in its window).")
    start, end = rows[0]["window_start"], rows[0]["window_end"]
    section.notes.append(f"Comparison window: {start} … {end} (dbt vars comparison_start / comparison_end).")
    if end == day - timedelta(days=1):
        # what every hourly build does: its own day is not complete yet
        section.notes.append("The window ends on the last complete day before the report date.")
    elif end != day:
        section.notes.append(
            f"The window does not end on the report date {day.isoformat()}; rebuild with `--vars '{{comparison_end: {day.isoformat()}}}'` to align it."
        )
    # Most telling first: significant pairs, then by p-value (pairs without a test last).
    rows.sort(
        key=lambda r: (
            0 if r["is_significant"] else 1,
            2.0 if r["p_value"] is None else float(r["p_value"]),
            str(r["tag"]),
            str(r["metric"]),
        )
    )
    charted = [r for r in rows if r["difference"] is not None][:CHART_PAIRS]
    labels = [f"{r['tag']} · {METRIC_LABELS.get(r['metric'], r['metric'])} · {r['model_b']} − {r['model_a']}" for r in charted]
    if charted:
        section.charts.append(
            charts.block(
                "chart-model-diff",
                f"Rate difference B − A with 95% CI ({len(charted)} of {len(rows)} pairs, smallest p-values)",
                charts.difference_forest(
                    labels,
                    [r["difference"] for r in charted],
                    [r["difference_lower"] for r in charted],
                    [r["difference_upper"] for r in charted],
                    [bool(r["is_significant"]) for r in charted],
                ),
            )
        )
    section.tables.append(
        table(
            "Model pairs (significant first, then by p-value)",
            [
                "tag",
                "metric",
                "model A",
                "rate A [95% CI]",
                "users A",
                "model B",
                "rate B [95% CI]",
                "users B",
                "B − A [95% CI]",
                "p-value",
                "significant",
            ],
            [
                [
                    str(r["tag"]),
                    METRIC_LABELS.get(r["metric"], str(r["metric"])),
                    str(r["model_a"]),
                    f.interval(r["rate_a"], r["rate_a_lower"], r["rate_a_upper"]),
                    f.count(r["trials_a"]),
                    str(r["model_b"]),
                    f.interval(r["rate_b"], r["rate_b_lower"], r["rate_b_upper"]),
                    f.count(r["trials_b"]),
                    f"{f.signed_pct_points(r['difference'])} [{f.signed_pct_points(r['difference_lower'])}, {f.signed_pct_points(r['difference_upper'])}]",
                    f.p_value(r["p_value"]),
                    significance(r),
                ]
                for r in rows
            ],
            align="lllrrlrrrrl",
            collapsed=len(rows) > 12,
        )
    )
    significant = [r for r in rows if r["is_significant"]]
    for r in significant[:SIGNIFICANT_BULLETS]:
        b_wins = float(r["difference"]) > 0
        winner, loser = (r["model_b"], r["model_a"]) if b_wins else (r["model_a"], r["model_b"])
        win_rate, lose_rate = (r["rate_b"], r["rate_a"]) if b_wins else (r["rate_a"], r["rate_b"])
        section.bullets.append(
            f"{r['tag']} · {METRIC_LABELS.get(r['metric'], r['metric'])}: {winner} {f.pct(win_rate)} vs {loser} {f.pct(lose_rate)} "
            f"(p = {f.p_value(r['p_value'])})."
        )
    if len(significant) > SIGNIFICANT_BULLETS:
        section.bullets.append(f"… and {len(significant) - SIGNIFICANT_BULLETS} more significant pairs (see the table).")
    if not significant:
        section.bullets.append("No model pair differs significantly (p < 0.05) in the window.")
    section.notes.extend(untested_pair_notes(rows, int(var("comparison_min_users"))))
    return section


def significance(row: dict[str, Any]) -> str:
    """A pair without a p-value was not tested (see untested_pair_notes), which is not
    "not significant": the same words as scripts/compare_tag.py."""
    if row["p_value"] is None:
        return "not tested"
    return "yes" if row["is_significant"] else "no"


def untested_pair_notes(rows: list[dict[str, Any]], min_users: int) -> list[str]:
    """Why pairs have no p-value, each cause counted on its own: an arm below the minimum,
    or both arms at 0 % or both at 100 % (the pooled z-test is undefined there)."""
    untested = [r for r in rows if r["p_value"] is None]
    small = sum(1 for r in untested if min(int(r["trials_a"] or 0), int(r["trials_b"] or 0)) < min_users)
    notes = []
    if small:
        notes.append(f"{small} pairs have no p-value: an arm has fewer users than var comparison_min_users ({min_users}).")
    if len(untested) - small:
        notes.append(f"{len(untested) - small} pairs have no p-value: both arms are at 0 % or both at 100 %, where the test is undefined.")
    return notes


# -- 4. 响应质量 -------------------------------------------------------------------------------
def quality(reader: MartReader, day: date) -> Section:
    slow_seconds = float(var("slow_answer_seconds"))
    section = Section(
        key="quality",
        title="4. 响应质量 · Latency percentiles and quality mix",
        intro=f"Per bot × model: exact response-time percentiles, answers slower than {slow_seconds:g} s, and the quality rating mix (LLM judge > logged rating > heuristics).",
        sources=["mart_answer_quality_daily", "mart_response_time_by_quality", "mart_input_categories_daily"],
    )
    rows = queries.answer_quality(reader, day)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_answer_quality_daily"))
    if not rows:
        return section.mark_no_data(_no_rows(day, "mart_answer_quality_daily"))
    groups = [f"{r['bot_id']} · {r['model_name']}" for r in rows]
    section.charts.append(
        charts.block(
            "chart-latency",
            "Response time percentiles",
            charts.latency_bars(
                groups,
                [r["response_time_p50_s"] for r in rows],
                [r["response_time_p95_s"] for r in rows],
                [r["response_time_max_s"] for r in rows],
                slow_seconds,
            ),
        )
    )
    section.charts.append(
        charts.block(
            "chart-quality-mix",
            "Quality rating mix",
            charts.quality_mix(groups, {rating: [float(r[f"{rating}_answers"] or 0) for r in rows] for rating in RATINGS}),
        )
    )
    section.tables.append(
        table(
            "Latency per bot × model",
            ["bot", "model", "answers", "mean", "p50", "p95", "max", f"slow (> {slow_seconds:g} s)", "errors"],
            [
                [
                    str(r["bot_id"]),
                    str(r["model_name"]),
                    f.count(r["messages"]),
                    f.seconds(r["response_time_mean_s"]),
                    f.seconds(r["response_time_p50_s"]),
                    f.seconds(r["response_time_p95_s"]),
                    f.seconds(r["response_time_max_s"]),
                    f"{f.count(r['slow_answers'])} ({f.pct(r['slow_answer_rate'])})",
                    f"{f.count(r['errors'])} ({f.pct(r['error_rate'])})",
                ]
                for r in rows
            ],
            right_from=2,
        )
    )
    section.tables.append(
        table(
            "Quality mix per bot × model",
            ["bot", "model", "excellent", "good", "fair", "poor", "poor rate", "rated by judge / log / heuristic", "safety issues"],
            [
                [
                    str(r["bot_id"]),
                    str(r["model_name"]),
                    f.count(r["excellent_answers"]),
                    f.count(r["good_answers"]),
                    f.count(r["fair_answers"]),
                    f.count(r["poor_answers"]),
                    f.pct(r["poor_answer_rate"]),
                    f"{f.count(r['rated_by_llm_judge'])} / {f.count(r['rated_by_log'])} / {f.count(r['rated_by_heuristic'])}",
                    f.count(r["safety_issues"]),
                ]
                for r in rows
            ],
            right_from=2,
        )
    )
    by_rating = queries.response_time_by_quality(reader, day)
    if by_rating:
        section.tables.append(
            table(
                "Response time by quality rating (all bots and models)",
                ["rating", "answers", "mean response", "max response"],
                [
                    [
                        str(r["quality_rating"]),
                        f.count(r["messages"]),
                        f.seconds(r["response_time_mean_s"]),
                        f.seconds(r["response_time_max_s"]),
                    ]
                    for r in by_rating
                ],
            )
        )
    categories = queries.input_categories(reader, day)
    if categories:
        total = sum(int(r["messages"]) for r in categories)
        section.tables.append(
            table(
                "Question categories (keyword seed)",
                ["category", "questions", "share", "poor answers", "poor rate"],
                [
                    [
                        str(r["input_category"]),
                        f.count(r["messages"]),
                        f.pct(f.ratio(r["messages"], total)),
                        f.count(r["poor_answers"]),
                        f.pct(f.ratio(r["poor_answers"], r["messages"])),
                    ]
                    for r in categories
                ],
            )
        )
    return section


# -- 5. 热门问题 -------------------------------------------------------------------------------
def top_questions(reader: MartReader, day: date, options: ReportOptions) -> Section:
    section = Section(
        key="questions",
        title="5. 热门问题 · Top questions",
        intro=(
            "The most asked questions after normalising width, case, whitespace and punctuation; only questions asked by at "
            "least var top_questions_min_askers people are listed. The counts are not the report day's: mart_top_questions "
            "counts every logged day up to the build date."
        ),
        sources=["mart_top_questions"],
    )
    rows = queries.top_questions(reader, day)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_top_questions"))
    if not rows:
        return section.mark_no_data(f"No data: mart_top_questions lists no question first asked on or before {day.isoformat()}.")
    counted_to = queries.top_questions_counted_to(reader)
    build_date = counted_to.isoformat() if counted_to is not None else f.DASH
    # A backfilled report for an old day reads the same all-time counts: say so, with the day.
    later = f", days after {day.isoformat()} included" if counted_to is not None and counted_to > day else ""
    section.intro = (
        "The most asked questions after normalising width, case, whitespace and punctuation; only questions asked by at "
        "least var top_questions_min_askers people are listed, those first asked on or before the report day. The counts "
        f"are not the report day's: mart_top_questions counts every ask up to the build date ({build_date}, the newest "
        f"ask it counts){later}."
    )
    rows = rows[: options.top_questions]
    section.tables.append(
        table(
            f"Top {len(rows)} questions asked up to the build date ({build_date})",
            ["#", "bot", "question", "asks", "askers", "variants", "last asked", "poor rate"],
            [
                [
                    str(i),
                    str(r["bot_id"]),
                    f.excerpt(r["question_text"], 60),
                    f.count(r["asks"]),
                    f.count(r["askers"]),
                    f.count(r["variants"]),
                    str(r["last_asked_date"]),
                    f.pct(r["poor_answer_rate"]),
                ]
                for i, r in enumerate(rows, 1)
            ],
            right_from=3,
        )
    )
    return section


# -- 6. feedback -----------------------------------------------------------------------------
def feedback(reader: MartReader, day: date) -> Section:
    section = Section(
        key="feedback",
        title="6. 用户反馈 · Feedback rates and problem codes",
        intro="Each user's latest like or dislike per answer and item type; problem codes as cited by the day's dislikes (unknown or missing codes count as other).",
        sources=["mart_feedback_daily", "mart_feedback_problem_codes"],
    )
    rows = queries.feedback(reader, day)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_feedback_daily"))
    if not rows:
        return section.mark_no_data(_no_rows(day, "mart_feedback_daily"))
    groups = [f"{r['bot_id']} · {r['model_name']} · {r['item_type']}" for r in rows]
    section.charts.append(
        charts.block(
            "chart-dislike-rate",
            "Dislike rate with Wilson 95% CI",
            charts.rate_with_interval(
                groups,
                [r["dislike_rate"] for r in rows],
                [r["dislike_rate_wilson_lower"] for r in rows],
                [r["dislike_rate_wilson_upper"] for r in rows],
                "dislike rate",
            ),
        )
    )
    section.tables.append(
        table(
            "Likes and dislikes per bot × model × item type",
            ["bot", "model", "item type", "reactions", "likes", "dislikes", "like rate", "dislike rate [95% CI]", "switched", "unmatched"],
            [
                [
                    str(r["bot_id"]),
                    str(r["model_name"]),
                    str(r["item_type"]),
                    f.count(r["reactions"]),
                    f.count(r["likes"]),
                    f.count(r["dislikes"]),
                    f.pct(r["like_rate"]),
                    f.interval(r["dislike_rate"], r["dislike_rate_wilson_lower"], r["dislike_rate_wilson_upper"]),
                    f.count(r["switched_reactions"]),
                    f.count(r["unmatched_reactions"]),
                ]
                for r in rows
            ],
            right_from=3,
        )
    )
    likes = sum(int(r["likes"] or 0) for r in rows)
    dislikes = sum(int(r["dislikes"] or 0) for r in rows)
    section.bullets.append(f"{f.count(likes)} likes and {f.count(dislikes)} dislikes: like rate {f.pct(f.ratio(likes, likes + dislikes))}.")
    codes = queries.problem_codes(reader, day)
    if codes is None:
        section.notes.append(_missing_note(reader, "mart_feedback_problem_codes"))
    elif codes:
        labels = [f"{r['problem_code']} {r['label_zh'] or ''}".strip() for r in codes]
        section.charts.append(
            charts.block(
                "chart-problem-codes",
                "Problem codes cited by dislikes",
                charts.horizontal_counts(labels, [float(r["dislikes_citing"]) for r in codes], "dislikes citing the code"),
            )
        )
        section.tables.append(
            table(
                "Problem codes",
                ["code", "category", "label", "dislikes citing", "share of dislikes"],
                [
                    [
                        str(r["problem_code"]),
                        str(r["category_zh"] or f.DASH),
                        str(r["label_zh"] or f.DASH),
                        f.count(r["dislikes_citing"]),
                        f.pct(f.ratio(r["dislikes_citing"], dislikes)),
                    ]
                    for r in codes
                ],
                right_from=3,
                note="A dislike citing two codes counts under both, so shares can add up to more than 100%.",
            )
        )
    else:
        section.notes.append("No dislike cited a problem code on this day.")
    return section


# -- 8. alerts -------------------------------------------------------------------------------
def alerts(reader: MartReader, day: date) -> Section:
    section = Section(
        key="alerts",
        title="8. 告警 · Firing alerts",
        intro="Rules of the alert_thresholds seed that fired on the day, per bot × model (each rule fires at most once per clock hour). Open = fired within the last alert_open_minutes before the latest log time.",
        sources=["mart_alerts"],
    )
    rows = queries.alerts(reader, day)
    if rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_alerts"))
    if not rows:
        section.bullets.append(f"No alert fired on {day.isoformat()}.")
        return section
    section.tables.append(
        table(
            "Alerts fired",
            ["severity", "rule", "bot", "model", "window", "hours fired", "worst value", "threshold", "first fired", "last fired", "open"],
            [
                [
                    str(r["severity"]),
                    str(r["alert_id"]),
                    str(r["bot_id"]),
                    str(r["model_name"]),
                    str(r["window_label"]),
                    f.count(r["hours_fired"]),
                    _metric_value(r["metric"], r["worst_value"]),
                    _metric_value(r["metric"], r["threshold"]),
                    f.local_timestamp(r["first_fired_at"]),
                    f.local_timestamp(r["last_fired_at"]),
                    "yes" if r["is_open"] else "no",
                ]
                for r in rows
            ],
            right_from=5,
            note=f"Times are reporting-local (UTC{reporting_offset_hours():+g}).",
        )
    )
    errors = sum(1 for r in rows if r["severity"] == "error")
    section.bullets.append(
        f"{len(rows)} rule × bot × model combinations fired ({errors} at error level); {sum(1 for r in rows if r['is_open'])} still open."
    )
    return section


def _metric_value(metric: Any, value: Any) -> str:
    if value is None:
        return f.DASH
    if str(metric).endswith("_s"):
        return f.seconds(value)
    if str(metric).endswith("rate"):
        return f.pct(value)
    return f.number(value)


# -- 9. 改进建议 -------------------------------------------------------------------------------
def suggestions(reader: MartReader, day: date, options: ReportOptions) -> Section:
    slow_seconds = float(var("slow_answer_seconds"))
    section = Section(
        key="suggestions",
        title="9. 改进建议 · Improvement suggestions",
        intro="The article's closing checks: low-quality answers to review and the share of slow answers.",
        sources=["mart_low_quality_answers_restricted", "mart_answer_quality_daily"],
    )
    counts = queries.low_quality_counts(reader, day)
    quality_rows = queries.answer_quality(reader, day)
    if counts is None and quality_rows is None:
        return section.mark_no_data(_missing_note(reader, "mart_low_quality_answers_restricted", "mart_answer_quality_daily"))
    if quality_rows is not None and not quality_rows and not counts:
        # No answer logged that day: "no poor answers" would read as good news.
        return section.mark_no_data(_no_rows(day, "mart_answer_quality_daily"))
    if quality_rows:
        # The article's count: answers rated poor (the poor rate of section 4), not every
        # answer to review (a fair answer with a logged error is not 低质量).
        poor = sum(int(r["poor_answers"] or 0) for r in quality_rows)
        if poor:
            section.bullets.append(f"发现 {poor} 条低质量响应，建议检查相关对话 — {poor} answers rated poor.")
        else:
            section.bullets.append("没有低质量响应 — no answer rated poor on this day.")
    if counts is not None:
        by_reason = {str(r["review_reason"]): int(r["answers"]) for r in counts}
        total = sum(by_reason.values())
        if total:
            detail = ", ".join(f"{reason}: {n}" for reason, n in sorted(by_reason.items()))
            section.bullets.append(f"{total} answers to review: poor, failed or unsafe ({detail}).")
        else:
            section.bullets.append("No poor, failed or unsafe answer to review on this day.")
    else:
        section.notes.append(_missing_note(reader, "mart_low_quality_answers_restricted"))
    if quality_rows:
        messages = sum(int(r["messages"] or 0) for r in quality_rows)
        slow = sum(int(r["slow_answers"] or 0) for r in quality_rows)
        share = f.ratio(slow, messages)
        if slow:
            section.bullets.append(
                f"{slow} 条对话响应时间超过 {slow_seconds:g} 秒 ({f.pct(share)}) — {slow} of {messages} answers took longer than {slow_seconds:g} s."
            )
            # Where the most slow answers come from (count first: one slow answer of one is 100 %).
            worst = max(quality_rows, key=lambda r: (int(r["slow_answers"] or 0), float(r["slow_answer_rate"] or 0), str(r["bot_id"])))
            section.bullets.append(
                f"Most slow answers: {worst['bot_id']} · {worst['model_name']} with {f.count(worst['slow_answers'])} "
                f"({f.pct(worst['slow_answer_rate'])} of its answers, p95 {f.seconds(worst['response_time_p95_s'])})."
            )
        else:
            section.bullets.append(f"No answer took longer than {slow_seconds:g} s ({messages} answers).")
    elif quality_rows is not None:
        section.notes.append(_no_rows(day, "mart_answer_quality_daily"))
    if counts:
        review = queries.low_quality_answers(reader, day) or []
        shown = review[: options.review_limit]
        columns = ["message", "bot", "model", "reason", "rating (source)", "response"]
        if options.include_texts:
            columns += ["question", "answer"]
        body = []
        for r in shown:
            row = [
                str(r["message_id"]),
                str(r["bot_id"]),
                str(r["model_name"]),
                str(r["review_reason"]),
                f"{r['quality_rating']} ({r['rating_source']})",
                f.seconds(r["response_time_s"]),
            ]
            if options.include_texts:
                row += [f.excerpt(r["user_input"]) or "(empty)", f.excerpt(r["model_response"]) or "(empty)"]
            body.append(row)
        section.tables.append(
            table(
                f"Answers to review (first {len(shown)} of {len(review)})",
                columns,
                body,
                align="lllllr" + ("ll" if options.include_texts else ""),
                note=(
                    "From the restricted mart mart_low_quality_answers_restricted, with the question and answer texts (--with-texts): for reviewers only."
                    if options.include_texts
                    else "From the restricted mart mart_low_quality_answers_restricted; users' texts are left out (report.py --with-texts puts them in, for reviewers)."
                ),
            )
        )
    return section


# -- the report ------------------------------------------------------------------------------
def build_report(warehouse: Warehouse, day: date, *, target: str, options: ReportOptions | None = None) -> Report:
    options = options or ReportOptions()
    reader = MartReader(warehouse)
    sections = [
        overview(reader, day, options),
        funnel(reader, day),
        model_comparison(reader, day),
        quality(reader, day),
        top_questions(reader, day, options),
        feedback(reader, day),
        evals.eval_section(reader, day),
        alerts(reader, day),
        suggestions(reader, day, options),
    ]
    return Report(report_date=day, generated_at=datetime.now(UTC), target=target, dialect=warehouse.dialect, sections=sections)
