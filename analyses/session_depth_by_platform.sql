-- Ad-hoc: chat depth by client platform: do web users talk longer than app users?
with sessions as (

    select
        sessions.session_id,
        sessions.user_turns,
        coalesce(events.platform, 'unknown') as platform
    from {{ ref('int_chat_sessions__sessionized') }} as sessions
    left join {{ ref('int_chat_events__resolved') }} as events
        on
            sessions.session_id = events.session_id
            and sessions.session_start = events.event_time
            and events.is_message = 1

)

select
    platform,
    count(distinct session_id) as sessions,
    sum(user_turns) as user_turns,
    {{ safe_divide('sum(user_turns)', 'count(distinct session_id)') }} as avg_turns_per_session
from sessions
where user_turns > 0
group by platform
order by sessions desc
