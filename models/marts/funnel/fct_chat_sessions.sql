-- One row per chat session, keyed by session_id. The user appears only as user_key,
-- a salted hash: the raw id stays in the restricted raw tables.
-- Incremental: rewrites the days new loads touched, every session starting on them
-- (macros/incremental/incremental.sql); keyed by day like its source, so a session that
-- moved to the day before leaves no row on the day it left.
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date')) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

select
    session_id,
    report_date,
    bot_id,
    model_name,
    {{ user_key('user_id') }} as user_key,
    session_start,
    session_end,
    duration_seconds,
    messages,
    user_turns,
    bot_turns,
    is_chat_start,
    depth_bucket,
    crosses_midnight
from {{ ref('int_chat_sessions__sessionized') }}
where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}
{{ chatbot_analytics.storage_order('report_date') }}
