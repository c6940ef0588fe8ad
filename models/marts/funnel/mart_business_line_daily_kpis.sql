-- One row per reporting day × business line × serving model; users counted distinct
-- per business line. A bot counts under its current business line on every day (the
-- catalogue as it is now, like the tag marts): a bot moved to another line takes its
-- history along.
-- Incremental: rebuilds whole reporting days that new loads touched
-- (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date', fingerprint_vars=['confidence_z'])) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with aggregated as (

    select
        f.report_date,
        bots.business_line,
        f.model_name,
        count(distinct f.bot_id) as bots,
        {{ funnel_aggregates('f') }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    inner join {{ ref('stg_chat_platform__bots') }} as bots
        on
            f.bot_id = bots.bot_id
            and bots.is_current = 1
    where {{ chatbot_analytics.in_report_dates('f.report_date', rebuild_dates) }}
    group by
        f.report_date,
        bots.business_line,
        f.model_name

)

select
    a.report_date,
    a.business_line,
    a.model_name,
    a.bots,
    {{ funnel_columns('a') }}
from aggregated as a
