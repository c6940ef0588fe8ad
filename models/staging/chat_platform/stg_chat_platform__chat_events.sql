-- One row per event. Times are UTC; report_date is the reporting day the event counts on.
with source as (

    select * from {{ source('chat_platform', 'chat_events') }}

)

select
    event_id,
    event_time,
    {{ report_date('event_time') }} as report_date,
    user_id,
    bot_id,
    event_type,
    session_id,
    -- NULL when the event did not say which model served it: the bot's default applies.
    model_name as event_model_name,
    platform,
    case when event_type in ('user_message', 'bot_message') then 1 else 0 end as is_message,
    _batch_id as batch_id,
    -- When the file holding the event was loaded: incremental models find new rows by it.
    _loaded_at as loaded_at
from source
