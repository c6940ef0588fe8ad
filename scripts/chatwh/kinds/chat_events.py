"""`chat-events`: exposure, click and message events, one row per event_id."""

from __future__ import annotations

from ..loading.kind import Column, LoadKind, Reference
from ..loading.sqlparts import WRONG_TYPE, field, first_failure, reason, ts_utc, wrong_type_field

EVENT_TYPES = ("exposure", "click", "user_message", "bot_message")
_EVENT_TYPE_LIST = ", ".join(f"'{t}'" for t in EVENT_TYPES)
# Fields that land as text: a JSON object, array or boolean in one is a wrong_type reject.
_TEXT_FIELDS = ("event_id", "user_id", "bot_id", "event_type", "session_id", "model_name", "platform")

PARSE_SQL = f"""
with fields as (
    select line_number,
           {field("event_id")} as event_id,
           {field("event_time")} as event_time_text,
           {field("user_id")} as user_id,
           {field("bot_id")} as bot_id,
           lower({field("event_type")}) as event_type,
           {field("session_id")} as session_id,
           {field("model_name")} as model_name,
           {field("platform")} as platform,
           -- checked in this list, where the record is read once (see wrong_type_field)
           {wrong_type_field(_TEXT_FIELDS)} as wrong_type_field
    from __records
),
typed as (
    select *, {ts_utc("event_time_text")} as event_time
    from fields
)
select line_number, event_id, event_time, user_id, bot_id, event_type, session_id, model_name, platform,
       {
    first_failure(
        WRONG_TYPE,
        ("event_id is null", reason("missing_field", "'event_id'")),
        ("length(event_id) > 128", reason("value_too_long", "'event_id'")),
        ("event_time_text is null", reason("missing_field", "'event_time'")),
        ("event_time is null", reason("bad_timestamp", "event_time_text")),
        ("user_id is null", reason("missing_field", "'user_id'")),
        ("length(user_id) > 128", reason("value_too_long", "'user_id'")),
        ("bot_id is null", reason("missing_field", "'bot_id'")),
        ("event_type is null", reason("missing_field", "'event_type'")),
        (f"event_type not in ({_EVENT_TYPE_LIST})", reason("unknown_event_type", "event_type")),
        ("event_type like '%_message' and session_id is null", reason("missing_field", "'session_id (required for messages)'")),
        (
            "length(session_id) > 128 or length(model_name) > 128 or length(platform) > 128",
            reason("value_too_long", "'session_id/model_name/platform'"),
        ),
        ("bot_id not in (select bot_id from __ref_bots)", reason("unknown_bot", "bot_id")),
    )
} as reject_reason
from typed
"""

KIND = LoadKind(
    name="chat-events",
    table="chat_events",
    description="Exposure → click → message events of the bot funnel.",
    columns=(
        Column("event_id", "text"),
        Column("event_time", "timestamp", "UTC"),
        Column("user_id", "text", "Restricted: raw user id"),
        Column("bot_id", "text"),
        Column("event_type", "text"),
        Column("session_id", "text"),
        Column("model_name", "text", "Serving model for this event; NULL = the bot's default"),
        Column("platform", "text"),
    ),
    key=("event_id",),
    formats=("jsonl", "json", "csv", "parquet"),
    references=(Reference("bots", "bots", ("bot_id",)),),
    parse_sql=PARSE_SQL,
    load_order=20,
)
