-- Events with the serving model resolved: the event's own model_name, else the bot's
-- default model. Events of bots missing from the catalogue are kept with model 'unknown'
-- (the loader rejects them, so this only guards hand-edited raw tables).
with events as (

    select * from {{ ref('stg_chat_platform__chat_events') }}

),

bots as (

    select
        bot_id,
        default_model_name
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
    events.platform
from events
left join bots
    on events.bot_id = bots.bot_id
