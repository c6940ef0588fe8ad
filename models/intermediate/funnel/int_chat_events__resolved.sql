-- Events with the serving model resolved: the event's own model_name, else the default
-- model of the bot's catalogue version serving at the event's time (a model switch moves
-- the events after it only, not the bot's history). Events of bots missing from the
-- catalogue are kept with model 'unknown' (the loader rejects them, so this only guards
-- hand-edited raw tables).
-- Incremental: rewrites the reporting days of newly loaded events and every day of a bot
-- with a new catalogue version (the business-line and tag marts downstream group by its
-- current business line and tags) (macros/incremental/incremental.sql).
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
        valid_from,
        valid_to,
        max(loaded_at) over (partition by bot_id) as catalogue_loaded_at
    from {{ ref('stg_chat_platform__bots') }}

)

select
    events.event_id,
    events.event_time,
    events.report_date,
    events.user_id,
    events.bot_id,
    coalesce(events.event_model_name, bots.default_model_name, 'unknown') as model_name,
    -- 1 when the event named its model: a session takes the model its first such message
    -- names (a user message often names none; the bot's reply names the model answering)
    case when events.event_model_name is null then 0 else 1 end as is_model_logged,
    events.event_type,
    events.session_id,
    events.is_message,
    events.platform,
    -- What this row was built from was loaded by then: the event, or its bot's latest
    -- catalogue version if that came later (every day of the bot is then new downstream).
    case
        when bots.catalogue_loaded_at > events.loaded_at then bots.catalogue_loaded_at
        else events.loaded_at
    end as loaded_at
from events
left join bots
    on
        events.bot_id = bots.bot_id
        and (bots.valid_from is null or events.event_time >= bots.valid_from)
        and (bots.valid_to is null or events.event_time < bots.valid_to)
