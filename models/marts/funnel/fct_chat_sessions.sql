-- One row per chat session, keyed by session_id. The user appears only as user_key,
-- a salted hash: the raw id stays in the restricted raw tables.
select
    session_id,
    report_date,
    bot_id,
    model_name,
    {{ user_key('user_id') }} as user_key,
    session_start,
    session_end,
    duration_seconds,
    messages,
    user_turns,
    bot_turns,
    is_chat_start,
    depth_bucket,
    crosses_midnight
from {{ ref('int_chat_sessions__sessionized') }}
