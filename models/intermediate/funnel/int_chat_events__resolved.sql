-- Events with the serving model resolved: the event's own model_name, else the bot's
-- default model. Events of bots missing from the catalogue are kept with model 'unknown'
-- (the loader rejects them, so this only guards hand-edited raw tables).
-- Incremental: rewrites the reporting days of newly loaded events and every day of a bot
-- whose catalogue row changed (macros/incremental/incremental.sql).
-- No delete of some rebuilt days first: an event keeps its day between runs (a loaded
-- event_id is rejected when loaded again), so every rebuilt day keeps rows and
-- delete+insert replaces it; a second delete over the largest table would cost without
-- changing a row. A run that rebuilds every day (a changed fingerprint) deletes every
-- stored day first: a changed reporting_utc_offset_hours moves events to other days, and
-- a day left with no event would keep its old rows, each such event then stored twice.
{{ config(**chatbot_analytics.incremental_config(
    unique_key='report_date',
    watermark_from_self=true,
    delete_rebuilt_days='every_day_only',
)) }}
{%- set plan = chatbot_analytics.resolved_rebuild_plan() %}
{%- set rebuild_dates = plan.dates %}
{{ chatbot_analytics.rebuilt_days_comment(rebuild_dates, newest_load=plan.newest_load) }}

with events as (

    select * from {{ ref('stg_chat_platform__chat_events') }}
    where {{ chatbot_analytics.on_rebuilt_days(rebuild_dates, time_column='event_time') }}

),

bots as (

    select
        bot_id,
        default_model_name,
        loaded_at
    from {{ ref('stg_chat_platform__bots') }}

)

select
    events.event_id,
    events.event_time,
    events.report_date,
    events.user_id,
    events.bot_id,
    coalesce(events.event_model_name, bots.default_model_name, 'unknown') as model_name,
    events.event_type,
    events.session_id,
    events.is_message,
    events.platform,
    -- What this row was built from was loaded by then: the event, or its bot's catalogue
    -- row if that came later (a new default model re-resolves the bot's events).
    case
        when bots.loaded_at > events.loaded_at then bots.loaded_at
        else events.loaded_at
    end as loaded_at
from events
left join bots
    on events.bot_id = bots.bot_id
