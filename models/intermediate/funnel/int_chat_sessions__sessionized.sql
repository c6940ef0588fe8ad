-- One row per chat session. A session belongs to the reporting day, bot and user of its
-- first message of any type, and every session metric counts on that day, even when the
-- session runs past midnight. Its model is the one its first message naming a model
-- names: clients often log the model on the bot's replies only, and the user message
-- that opens the chat would otherwise credit the chat to the bot's default model. A
-- session with no message naming one takes its first message's (the bot's default).
-- Incremental: rebuilds every session that starts on a day new loads touched, from its
-- first message (macros/incremental/incremental.sql). Keyed by day like the other funnel
-- models: the days it rebuilds are deleted first (on Spark, their partitions dropped), so
-- a session a late earlier message moved to the day before leaves no row on the day it
-- left, even when it was that day's only session.
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date')) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates(sessions=this) %}
{%- set scan_from = chatbot_analytics.session_scan_start(rebuild_dates, sessions=this) %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with messages as (

    select
        session_id,
        event_id,
        event_time,
        report_date,
        user_id,
        bot_id,
        model_name,
        is_model_logged,
        event_type
    from {{ ref('int_chat_events__resolved') }}
    where is_message = 1
    {%- if rebuild_dates is not none %}
        -- the sessions with a message on a day being rebuilt, read from their first message
        and session_id in (
            select session_id
            from {{ ref('int_chat_events__resolved') }}
            where is_message = 1
                and {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}
        )
        {%- if scan_from is not none %}
        and event_time >= {{ chatbot_analytics.timestamp_literal(scan_from) }}
        {%- endif %}
    {%- endif %}

),

first_message as (

    -- by event_time, then event_id; the model of the first message naming one
    -- (macros/incremental/first_message.sql)
    {{ chatbot_analytics.session_first_messages('messages') }}

),

totals as (

    select
        session_id,
        max(event_time) as session_end,
        count(*) as messages,
        {{ cast_bigint("sum(case when event_type = 'user_message' then 1 else 0 end)") }} as user_turns,
        {{ cast_bigint("sum(case when event_type = 'bot_message' then 1 else 0 end)") }} as bot_turns
    from messages
    group by session_id

)

select
    first_message.session_id,
    first_message.report_date,
    first_message.bot_id,
    first_message.model_name,
    first_message.user_id,
    first_message.session_start,
    totals.session_end,
    {{ seconds_between('first_message.session_start', 'totals.session_end') }} as duration_seconds,
    totals.messages,
    totals.user_turns,
    totals.bot_turns,
    case when totals.user_turns >= 1 then 1 else 0 end as is_chat_start,
    {{ depth_bucket('totals.user_turns') }} as depth_bucket,
    case when {{ report_date('totals.session_end') }} > first_message.report_date then 1 else 0 end as crosses_midnight
from first_message
inner join totals
    on first_message.session_id = totals.session_id
where {{ chatbot_analytics.in_report_dates('first_message.report_date', rebuild_dates) }}
-- day order, so incremental runs read only the days they need
{{ chatbot_analytics.storage_order('first_message.report_date') }}
