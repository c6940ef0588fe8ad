"""The report's reads: one function per question, each over the marts dbt built.

Every query binds the day as a parameter (`:day`, `:prev`, `:start`) through
chatwh.connection; only relation names, which come from `Warehouse.model`, are put into
the SQL text. A mart that does not exist (not built yet on this target) makes the
function return `None`, which the section builder turns into a "no data" note; a mart
that exists but fails to answer (a renamed column) is an error and is raised.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..connection import Warehouse

Row = dict[str, Any]


class MartReader:
    """Reads marts of one warehouse, remembering which marts exist."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse
        self._exists: dict[str, bool] = {}

    def exists(self, *models: str) -> bool:
        for model in models:
            if model not in self._exists:
                self._exists[model] = self.wh.table_exists(self.wh.model_schema, model)
            if not self._exists[model]:
                return False
        return True

    def missing(self, *models: str) -> list[str]:
        return [model for model in models if not self.exists(model)]

    def rows(self, models: tuple[str, ...], sql: str, params: dict[str, Any] | None = None) -> list[Row] | None:
        """Run `sql` with `{name}` placeholders replaced by the quoted relations of `models`."""
        if not self.exists(*models):
            return None
        relations = {model: self.wh.model(model) for model in models}
        columns, rows = self.wh.fetch_table(sql.format(**relations), params or {})
        return [dict(zip([c.lower() for c in columns], row, strict=True)) for row in rows]


def day_params(day: date) -> dict[str, Any]:
    return {"day": day, "prev": day - timedelta(days=1)}


# -- 1. overview tiles --------------------------------------------------------------------
def funnel_totals(r: MartReader, day: date) -> list[Row] | None:
    """Funnel counts of the day and the day before, summed over models (each event has
    exactly one serving model, so the sums are exact); active users distinct per day."""
    return r.rows(
        ("mart_model_daily_kpis", "fct_chat_sessions"),
        """
        with kpis as (
            select
                report_date,
                sum(exposures) as exposures,
                sum(clicks) as clicks,
                sum(chat_starts) as chat_starts,
                sum(user_turns) as user_turns
            from {mart_model_daily_kpis}
            where report_date = :day or report_date = :prev
            group by report_date
        ),
        users as (
            select
                report_date,
                count(distinct user_key) as active_users
            from {fct_chat_sessions}
            where (report_date = :day or report_date = :prev)
                and is_chat_start = 1
            group by report_date
        )
        select
            k.report_date,
            k.exposures,
            k.clicks,
            k.chat_starts,
            k.user_turns,
            coalesce(u.active_users, 0) as active_users
        from kpis as k
        left join users as u
            on k.report_date = u.report_date
        """,
        day_params(day),
    )


def quality_totals(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_answer_quality_daily",),
        """
        select
            report_date,
            sum(messages) as messages,
            sum(response_time_mean_s * messages) as response_time_weighted_sum,
            sum(slow_answers) as slow_answers,
            sum(poor_answers) as poor_answers,
            sum(errors) as errors
        from {mart_answer_quality_daily}
        where report_date = :day or report_date = :prev
        group by report_date
        """,
        day_params(day),
    )


def feedback_totals(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_feedback_daily",),
        """
        select
            report_date,
            sum(likes) as likes,
            sum(dislikes) as dislikes,
            sum(reactions) as reactions
        from {mart_feedback_daily}
        where report_date = :day or report_date = :prev
        group by report_date
        """,
        day_params(day),
    )


def alert_totals(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_alerts",),
        """
        select
            fired_report_date as report_date,
            count(*) as alerts,
            sum(case when severity = 'error' then 1 else 0 end) as error_alerts
        from {mart_alerts}
        where fired_report_date = :day or fired_report_date = :prev
        group by fired_report_date
        """,
        day_params(day),
    )


def daily_trend(r: MartReader, day: date, days: int = 14) -> tuple[list[Row] | None, list[Row] | None]:
    """Chat starts per day and answers logged per day over the `days` days ending on `day`."""
    params = {"start": day - timedelta(days=days - 1), "day": day}
    funnel = r.rows(
        ("mart_model_daily_kpis",),
        """
        select report_date, sum(clicks) as clicks, sum(chat_starts) as chat_starts
        from {mart_model_daily_kpis}
        where report_date >= :start and report_date <= :day
        group by report_date
        order by report_date
        """,
        params,
    )
    answers = r.rows(
        ("mart_answer_quality_daily",),
        """
        select report_date, sum(messages) as messages, sum(poor_answers) as poor_answers
        from {mart_answer_quality_daily}
        where report_date >= :start and report_date <= :day
        group by report_date
        order by report_date
        """,
        params,
    )
    return funnel, answers


# -- 2. funnel per tag --------------------------------------------------------------------
def tag_funnel(r: MartReader, day: date) -> list[Row] | None:
    """Per tag, summed over serving models. Users are not summed (a user seen under two
    models would count twice); the per-model user rates stay in mart_tag_daily_kpis."""
    return r.rows(
        ("mart_tag_daily_kpis",),
        """
        select
            tag,
            sum(exposures) as exposures,
            sum(clicks) as clicks,
            sum(chat_starts) as chat_starts,
            sum(user_turns) as user_turns,
            count(*) as models
        from {mart_tag_daily_kpis}
        where report_date = :day
        group by tag
        order by sum(exposures) desc, tag
        """,
        {"day": day},
    )


# -- 3. model comparison ------------------------------------------------------------------
def model_comparison(r: MartReader) -> list[Row] | None:
    return r.rows(
        ("mart_model_comparison",),
        """
        select
            window_start, window_end, tag, metric, model_a, model_b,
            successes_a, trials_a, rate_a, rate_a_lower, rate_a_upper,
            successes_b, trials_b, rate_b, rate_b_lower, rate_b_upper,
            difference, difference_lower, difference_upper, z_statistic, p_value, is_significant
        from {mart_model_comparison}
        order by tag, metric, model_a, model_b
        """,
    )


# -- 4. latency and quality mix -----------------------------------------------------------
def answer_quality(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_answer_quality_daily",),
        """
        select
            bot_id, model_name, messages,
            response_time_mean_s, response_time_p50_s, response_time_p95_s, response_time_max_s,
            slow_answers, slow_answer_rate,
            excellent_answers, good_answers, fair_answers, poor_answers, poor_answer_rate,
            rated_by_llm_judge, rated_by_log, rated_by_heuristic,
            errors, error_rate, safety_issues
        from {mart_answer_quality_daily}
        where report_date = :day
        order by bot_id, model_name
        """,
        {"day": day},
    )


def response_time_by_quality(r: MartReader, day: date) -> list[Row] | None:
    """The article's groupby(quality_rating).response_time.agg(mean, std, count), pooled
    over bots and models: the pooled mean is the message-weighted mean of the marts'
    means; the std is not poolable from per-group stds alone, so it is left per group."""
    return r.rows(
        ("mart_response_time_by_quality",),
        """
        select
            quality_rating,
            min(quality_rank) as quality_rank,
            sum(messages) as messages,
            sum(response_time_mean_s * messages) / sum(messages) as response_time_mean_s,
            max(response_time_max_s) as response_time_max_s
        from {mart_response_time_by_quality}
        where report_date = :day
        group by quality_rating
        order by min(quality_rank)
        """,
        {"day": day},
    )


def input_categories(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_input_categories_daily",),
        """
        select
            input_category,
            sum(messages) as messages,
            sum(poor_answers) as poor_answers,
            sum(fair_answers) as fair_answers
        from {mart_input_categories_daily}
        where report_date = :day
        group by input_category
        order by sum(messages) desc, input_category
        """,
        {"day": day},
    )


# -- 5. top questions ---------------------------------------------------------------------
def top_questions(r: MartReader, day: date) -> list[Row] | None:
    """The most asked normalised questions first asked on or before the day (the mart
    counts over every logged day, not per day)."""
    return r.rows(
        ("mart_top_questions",),
        """
        select bot_id, question_rank, question_text, asks, askers, variants,
               first_asked_date, last_asked_date, poor_answers, poor_answer_rate
        from {mart_top_questions}
        where first_asked_date <= :day
        order by asks desc, askers desc, bot_id, question_rank
        """,
        {"day": day},
    )


def top_questions_counted_to(r: MartReader) -> date | None:
    """The newest day mart_top_questions counts (its latest last_asked_date, over every
    row): the build's newest logged ask, whatever the report day."""
    rows = r.rows(("mart_top_questions",), "select max(last_asked_date) as counted_to from {mart_top_questions}")
    value = rows[0]["counted_to"] if rows else None
    if value is None:
        return None
    return date.fromisoformat(str(value)[:10])  # a date, a datetime or text, by engine


# -- 6. feedback --------------------------------------------------------------------------
def feedback(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_feedback_daily",),
        """
        select
            bot_id, model_name, item_type, reactions, likes, dislikes, like_rate, dislike_rate,
            dislike_rate_wilson_lower, dislike_rate_wilson_upper, users, switched_reactions,
            dislikes_with_codes, dislikes_with_expect, unmatched_reactions
        from {mart_feedback_daily}
        where report_date = :day
        order by bot_id, model_name, item_type
        """,
        {"day": day},
    )


def problem_codes(r: MartReader, day: date) -> list[Row] | None:
    """Problem codes cited by the day's latest dislikes, over all bots, models and item types."""
    return r.rows(
        ("mart_feedback_problem_codes",),
        """
        select
            problem_code,
            min(category_zh) as category_zh,
            min(label_zh) as label_zh,
            sum(dislikes_citing) as dislikes_citing
        from {mart_feedback_problem_codes}
        where report_date = :day
        group by problem_code
        order by sum(dislikes_citing) desc, problem_code
        """,
        {"day": day},
    )


# -- 8. alerts ----------------------------------------------------------------------------
def alerts(r: MartReader, day: date) -> list[Row] | None:
    """Alerts that fired on the day, one row per rule × bot × model (the mart has one row
    per firing clock hour): how many hours it fired, the worst value, open or not."""
    return r.rows(
        ("mart_alerts",),
        """
        select
            alert_id,
            min(metric) as metric,
            min(severity) as severity,
            bot_id,
            model_name,
            min(window_label) as window_label,
            count(*) as hours_fired,
            sum(suppressed_repeats) as suppressed_repeats,
            max(metric_value) as worst_value,
            min(threshold) as threshold,
            min(fired_at) as first_fired_at,
            max(fired_at) as last_fired_at,
            max(is_open) as is_open,
            max(evaluated_as_of) as evaluated_as_of
        from {mart_alerts}
        where fired_report_date = :day
        group by alert_id, bot_id, model_name
        order by
            case when min(severity) = 'error' then 0 else 1 end,
            max(is_open) desc,
            count(*) desc,
            alert_id, bot_id, model_name
        """,
        {"day": day},
    )


# -- 9. suggestions -----------------------------------------------------------------------
def low_quality_answers(r: MartReader, day: date) -> list[Row] | None:
    """The day's answers to review, most serious first (one day's list is short; the
    caller shows the first few and says how many there are)."""
    return r.rows(
        ("mart_low_quality_answers_restricted",),
        """
        select
            message_id, logged_at, bot_id, model_name, review_reason, quality_rating,
            rating_source, response_time_s, user_input, model_response
        from {mart_low_quality_answers_restricted}
        where report_date = :day
        order by
            case review_reason when 'safety_issue' then 0 when 'error' then 1 else 2 end,
            logged_at,
            message_id
        """,
        {"day": day},
    )


def low_quality_counts(r: MartReader, day: date) -> list[Row] | None:
    return r.rows(
        ("mart_low_quality_answers_restricted",),
        """
        select review_reason, count(*) as answers
        from {mart_low_quality_answers_restricted}
        where report_date = :day
        group by review_reason
        order by review_reason
        """,
        {"day": day},
    )
