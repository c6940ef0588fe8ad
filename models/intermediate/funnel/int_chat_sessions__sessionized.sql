-- One row per chat session. A session belongs to the reporting day, bot, model and user
-- of its first message of any type, and every session metric counts on that day, even
-- when the session runs past midnight.
with messages as (

    select
        session_id,
        event_id,
        event_time,
        report_date,
        user_id,
        bot_id,
        model_name,
        event_type
    from {{ ref('int_chat_events__resolved') }}
    where is_message = 1

),

ordered as (

    select
        messages.*,
        row_number() over (
            partition by session_id
            order by event_time, event_id
        ) as message_rank
    from messages

),

first_message as (

    select
        session_id,
        report_date,
        user_id,
        bot_id,
        model_name,
        event_time as session_start
    from ordered
    where message_rank = 1

),

totals as (

    select
        session_id,
        max(event_time) as session_end,
        count(*) as messages,
        sum(case when event_type = 'user_message' then 1 else 0 end) as user_turns,
        sum(case when event_type = 'bot_message' then 1 else 0 end) as bot_turns
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
