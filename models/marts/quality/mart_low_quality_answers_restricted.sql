-- RESTRICTED. One row per logged answer that needs a human look: rated poor, an error
-- (empty answer or logged error) or flagged with a safety issue. It carries the raw
-- question and answer texts, which no other mart does; grant it only to reviewers.
-- Incremental by reporting day: rebuilds the days of newly logged or newly judged
-- answers (macros/incremental/incremental.sql, rated_mart_rebuild_dates).
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from='int_conversations__rated',
)) }}
{%- set rebuild_dates = chatbot_analytics.rated_mart_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with rated as (

    select * from {{ ref('int_conversations__rated') }}
    where
        (
            is_poor = 1
            or is_error = 1
            or has_safety_issue = 1
        )
        and {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

texts as (

    select
        message_id,
        user_input,
        model_response
    from {{ ref('int_conversation_logs__deduplicated') }}
    where {{ chatbot_analytics.on_rebuilt_days(rebuild_dates, time_column='logged_at') }}

)

select
    r.message_id,
    r.logged_at,
    r.report_date,
    r.bot_id,
    r.model_name,
    r.session_id,
    r.user_key,
    r.input_category,
    r.quality_rating,
    r.rating_source,
    r.confidence_score,
    r.heuristic_rating,
    r.heuristic_rule_id,
    r.is_poor,
    r.is_error,
    r.is_empty_answer,
    r.has_logged_error,
    r.has_safety_issue,
    case
        when r.has_safety_issue = 1 then 'safety_issue'
        when r.is_error = 1 then 'error'
        else 'poor_rating'
    end as review_reason,
    r.response_time_s,
    r.input_chars,
    r.answer_chars,
    r.error_message,
    t.user_input,
    t.model_response
from rated as r
inner join texts as t
    on r.message_id = t.message_id
{{ chatbot_analytics.storage_order('report_date') }}
