-- One row per reporting day × interest tag × serving model. A bot with two tags counts
-- in both tags, and once inside each; users are counted distinct per tag.
-- Incremental: rebuilds whole reporting days that new loads touched
-- (macros/incremental/incremental.sql).
{{ config(**chatbot_analytics.incremental_config(unique_key='report_date', fingerprint_vars=['confidence_z'])) }}
{%- set rebuild_dates = chatbot_analytics.funnel_rebuild_dates() %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}

with aggregated as (

    select
        f.report_date,
        tags.tag,
        f.model_name,
        count(distinct f.bot_id) as bots,
        {{ funnel_aggregates('f') }}
    from {{ ref('int_user_bot_days__funnel') }} as f
    inner join {{ ref('int_bot_tags__split') }} as tags
        on f.bot_id = tags.bot_id
    where {{ chatbot_analytics.in_report_dates('f.report_date', rebuild_dates) }}
    group by
        f.report_date,
        tags.tag,
        f.model_name

)

select
    a.report_date,
    a.tag,
    a.model_name,
    a.bots,
    {{ funnel_columns('a') }}
from aggregated as a
