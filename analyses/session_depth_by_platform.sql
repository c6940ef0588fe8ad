-- Ad-hoc: chat depth by client platform: do web users talk longer than app users?
with sessions as (

    -- Each session once, with the platform of its first message (min: two messages sent
    -- at the session's first second would otherwise count its turns twice).
    select
        sessions.session_id,
        sessions.user_turns,
        coalesce(min(events.platform), 'unknown') as platform
    from {{ ref('int_chat_sessions__sessionized') }} as sessions
    left join {{ ref('int_chat_events__resolved') }} as events
        on
            sessions.session_id = events.session_id
            and sessions.session_start = events.event_time
            and events.is_message = 1
    group by
        sessions.session_id,
        sessions.user_turns

)

select
    platform,
    count(*) as sessions,
    sum(user_turns) as user_turns,
    {{ safe_divide('sum(user_turns)', 'count(*)') }} as avg_turns_per_session
from sessions
where user_turns > 0
group by platform
order by sessions desc
