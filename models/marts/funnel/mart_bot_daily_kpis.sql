-- One row per reporting day × bot × serving model: the chat funnel.
-- Incremental: rebuilds whole reporting days that new loads touched
-- (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date', fingerprint_vars=['confidence_z'])) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with aggregated as (

    select
        f.report_date,
        f.bot_id,
        f.model_name,
        -- one funnel row per user at this grain: users are counted without a distinct count
        {{ funnel_aggregates('f', one_row_per_user=true) }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    where {{ chatbot_analytics.in_report_dates('f.report_date', rebuild_dates) }}
    group by
        f.report_date,
        f.bot_id,
        f.model_name

)

select
    a.report_date,
    a.bot_id,
    bots.bot_name,
    bots.business_line,
    a.model_name,
    {{ funnel_columns('a') }}
from aggregated as a
left join {{ ref('stg_chat_platform__bots') }} as bots
    on
        a.bot_id = bots.bot_id
        and bots.is_current = 1
