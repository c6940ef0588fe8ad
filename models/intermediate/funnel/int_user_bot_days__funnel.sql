-- One row per reporting day × bot × model × user: the user's funnel counts.
-- Exposures and clicks count on their own event day; sessions, chat starts and turns
-- count on their session's day (see int_chat_sessions__sessionized). Every daily KPI
-- mart aggregates these rows, so distinct users are counted at the mart's own level.
-- Incremental: rebuilds whole reporting days that new loads touched, so distinct users
-- stay exact (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date')) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

-- One aggregation over every exposure, click and session row (not one per source and
-- another over their union): one hash table of user-days instead of two at a time,
-- which is what lets 10 million events build within DuckDB's memory limit.
with page_events as (

    select
        report_date,
        bot_id,
        model_name,
        user_id,
        case when event_type = 'exposure' then 1 else 0 end as exposures,
        case when event_type = 'click' then 1 else 0 end as clicks
    from {{ ref('int_chat_events__resolved') }}
    where
        event_type in ('exposure', 'click')
        and {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

sessions as (

    select
        report_date,
        bot_id,
        model_name,
        user_id,
        1 as sessions,
        is_chat_start as chat_starts,
        user_turns,
        {%- for bucket in depth_buckets() %}
            {%- set is_bucket = "depth_bucket = '" ~ bucket.label ~ "'" %}
            case when {{ is_bucket }} then 1 else 0 end as {{ bucket.column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_chat_sessions__sessionized') }}
    where {{ chatbot_analytics.in_report_dates('report_date', rebuild_dates) }}

),

combined as (

    select
        report_date,
        bot_id,
        model_name,
        user_id,
        exposures,
        clicks,
        0 as sessions,
        0 as chat_starts,
        0 as user_turns,
        {%- for bucket in depth_buckets() %}
            0 as {{ bucket.column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from page_events

    union all

    select
        report_date,
        bot_id,
        model_name,
        user_id,
        0 as exposures,
        0 as clicks,
        sessions,
        chat_starts,
        user_turns,
        {%- for bucket in depth_buckets() %}
            {{ bucket.column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from sessions

)

select
    report_date,
    bot_id,
    model_name,
    user_id,
    -- bigint, not the engine's widest sum type (DuckDB sums integers to a 128-bit
    -- HUGEINT): half the bytes to write and to aggregate again in every KPI mart
    {{ cast_bigint('sum(exposures)') }} as exposures,
    {{ cast_bigint('sum(clicks)') }} as clicks,
    {{ cast_bigint('sum(sessions)') }} as sessions,
    {{ cast_bigint('sum(chat_starts)') }} as chat_starts,
    {{ cast_bigint('sum(user_turns)') }} as user_turns,
    {%- for bucket in depth_buckets() %}
        {{ cast_bigint('sum(' ~ bucket.column ~ ')') }} as {{ bucket.column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from combined
group by
    report_date,
    bot_id,
    model_name,
    user_id
