-- One row per reporting day × bot × model: volume, response times (exact percentiles),
-- slow answers, tokens, lengths in characters, the quality rating mix, errors and
-- safety issues of the logged answers.
-- Incremental by reporting day: rebuilds the days of newly logged or newly judged
-- answers (macros/incremental/incremental.sql, rated_mart_rebuild_dates).
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from='int_conversations__rated',
)) }}
{%- set rebuild_dates = chatbot_analytics.rated_mart_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with rated as (

    select
        rated.*,
        row_number() over (
            partition by report_date, bot_id, model_name
            order by response_time_s, message_id
        ) as response_time_rank,
        count(*) over (partition by report_date, bot_id, model_name) as group_messages
    from {{ ref('int_conversations__rated') }} as rated
    where {{ chatbot_analytics.in_report_dates('rated.report_date', rebuild_dates) }}

),

aggregated as (

    select
        report_date,
        bot_id,
        model_name,
        count(*) as messages,
        count(distinct session_id) as sessions,
        count(distinct user_key) as users,
        avg({{ cast_double('response_time_s') }}) as response_time_mean_s,
        {{ interpolated_percentile('response_time_s', 'response_time_rank', 'group_messages', 50) }}
            as response_time_p50_s,
        {{ interpolated_percentile('response_time_s', 'response_time_rank', 'group_messages', 95) }}
            as response_time_p95_s,
        max(response_time_s) as response_time_max_s,
        {{ cast_bigint("sum(is_slow)") }} as slow_answers,
        count(token_count) as messages_with_token_count,
        {{ cast_bigint("sum(token_count)") }} as tokens_total,
        avg({{ cast_double('token_count') }}) as tokens_mean,
        {{ cast_bigint("sum(input_chars)") }} as input_chars_total,
        avg({{ cast_double('input_chars') }}) as input_chars_mean,
        {{ cast_bigint("sum(answer_chars)") }} as answer_chars_total,
        avg({{ cast_double('answer_chars') }}) as answer_chars_mean,
        {{ cast_bigint("sum(case when quality_rating = 'excellent' then 1 else 0 end)") }} as excellent_answers,
        {{ cast_bigint("sum(case when quality_rating = 'good' then 1 else 0 end)") }} as good_answers,
        {{ cast_bigint("sum(case when quality_rating = 'fair' then 1 else 0 end)") }} as fair_answers,
        {{ cast_bigint("sum(is_poor)") }} as poor_answers,
        {{ cast_bigint("sum(case when rating_source = 'llm_judge' then 1 else 0 end)") }} as rated_by_llm_judge,
        {{ cast_bigint("sum(case when rating_source = 'logged' then 1 else 0 end)") }} as rated_by_log,
        {{ cast_bigint("sum(case when rating_source = 'heuristic' then 1 else 0 end)") }} as rated_by_heuristic,
        avg(confidence_score) as confidence_score_mean,
        {{ cast_bigint("sum(has_refusal_phrase)") }} as refusal_answers,
        {{ cast_bigint("sum(has_safety_issue)") }} as safety_issues,
        {{ cast_bigint("sum(is_empty_answer)") }} as empty_answers,
        {{ cast_bigint("sum(has_logged_error)") }} as logged_errors,
        {{ cast_bigint("sum(is_error)") }} as errors
    from rated
    group by
        report_date,
        bot_id,
        model_name

)

select
    report_date,
    bot_id,
    model_name,
    messages,
    sessions,
    users,
    response_time_mean_s,
    response_time_p50_s,
    response_time_p95_s,
    response_time_max_s,
    slow_answers,
    {{ safe_divide('slow_answers', 'messages') }} as slow_answer_rate,
    messages_with_token_count,
    tokens_total,
    tokens_mean,
    input_chars_total,
    input_chars_mean,
    answer_chars_total,
    answer_chars_mean,
    excellent_answers,
    good_answers,
    fair_answers,
    poor_answers,
    {{ safe_divide('excellent_answers', 'messages') }} as excellent_rate,
    {{ safe_divide('good_answers', 'messages') }} as good_rate,
    {{ safe_divide('fair_answers', 'messages') }} as fair_rate,
    {{ safe_divide('poor_answers', 'messages') }} as poor_answer_rate,
    rated_by_llm_judge,
    rated_by_log,
    rated_by_heuristic,
    confidence_score_mean,
    refusal_answers,
    safety_issues,
    empty_answers,
    logged_errors,
    errors,
    {{ safe_divide('errors', 'messages') }} as error_rate
from aggregated
{{ chatbot_analytics.storage_order('report_date') }}
