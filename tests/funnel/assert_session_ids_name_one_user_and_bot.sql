-- A session is its session_id: every model groups its messages by that id alone. A client
-- that reuses ids per user or per bot (s1 for u1 and again for u2) would have two people's
-- chats merged into one session, on the first one's day, bot and user: the second user
-- would count as no chat start and their turns as the first user's. The loader cannot see
-- this (the messages land in different files and hours), so the build says it: a warning
-- (the marts still build) listing each such session. Ids only, no user ids.
{{ config(severity='warn') }}

with messages as (

    select
        session_id,
        user_id,
        bot_id
    from {{ ref('int_chat_events__resolved') }}
    where is_message = 1 and session_id is not null

)

select
    session_id,
    count(*) as messages,
    case when min(user_id) <> max(user_id) then 1 else 0 end as has_several_users,
    case when min(bot_id) <> max(bot_id) then 1 else 0 end as has_several_bots
from messages
group by session_id
having min(user_id) <> max(user_id) or min(bot_id) <> max(bot_id)
