-- One row per reporting day × serving model, across all bots: users are counted
-- distinct at model level, never summed from bot rows.
-- Incremental: rebuilds whole reporting days that new loads touched
-- (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date', fingerprint_vars=['confidence_z'])) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with aggregated as (

    select
        f.report_date,
        f.model_name,
        count(distinct f.bot_id) as bots,
        {{ funnel_aggregates('f') }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    where {{ chatbot_analytics.in_report_dates('f.report_date', rebuild_dates) }}
    group by
        f.report_date,
        f.model_name

)

select
    a.report_date,
    a.model_name,
    a.bots,
    {{ funnel_columns('a') }}
from aggregated as a
