"""`conversation-logs`: the Chainlit JSONL audit logs, one row per logged answer.

Two shapes arrive, possibly mixed in one file (see ../shared/seeds/chainlit_log_audit.txt):

* basic — `save_conversation_log`: `timestamp`, `user_input`, `model_response` and a
  `metadata` object {session_id, message_id, response_time, token_count, model_name};
  the monitor's variant logs only `metadata.response_time`.
* enhanced — `EnhancedLogEntry.to_dict()`: the same facts at top level plus
  `input_length`, `input_category`, `response_length`, `quality_rating`,
  `confidence_score`, `has_safety_issue`, `model_version`.

Every fact is read from the top level first, then from `metadata`, so a field may sit
in either place. Optional extras: `bot_id`, `user_id`, `error` (a logged failure).
`timestamp` is `datetime.now().isoformat()`: naive local time in the reporting timezone,
stored as UTC. A line without `message_id` gets `h_` + md5 of its time, session and
texts, so reloading the same file is still recognised as already loaded. The key is
(message_id, log_form): the same answer logged by both handlers lands twice and
staging keeps the enhanced row.
"""

from __future__ import annotations

from ..loading.kind import Column, LoadKind
from ..loading.sqlparts import WRONG_TYPE, first_failure, integer, nonblank, number, quoted, reason, ts_utc, wrong_type_field

QUALITY_RATINGS = ("excellent", "good", "fair", "poor")
_RATING_LIST = ", ".join(quoted(r) for r in QUALITY_RATINGS)
_TRUE = "('true', '1', 'yes', 'y', 't')"
_FALSE = "('false', '0', 'no', 'n', 'f')"

# Fields that appear only in the enhanced form; any of them present means "enhanced".
_ENHANCED_ONLY = (
    "input_length",
    "input_category",
    "response_length",
    "quality_rating",
    "confidence_score",
    "has_safety_issue",
    "model_version",
)


# Fields that land as text (top level or in metadata): an object, array or boolean in
# one is a wrong_type reject.
_TEXT_FIELDS = (
    "user_input",
    "model_response",
    "message_id",
    "session_id",
    "user_id",
    "bot_id",
    "model_name",
    "model_version",
    "input_category",
    "quality_rating",
    "error",
)
# column -> the JSON paths it is read from (top level first, then metadata).
_COLUMN_OF = {"message_id": "logged_message_id", "error": "error_message"}
_TEXT_COLUMNS = {_COLUMN_OF.get(name, name): (name, f"metadata.{name}") for name in _TEXT_FIELDS}


def _either(name: str) -> str:
    """Top-level field, else the same field inside `metadata`; trimmed, '' = missing."""
    return nonblank(f"coalesce(json_extract_string(doc, '$.{name}'), json_extract_string(doc, '$.metadata.{name}'))")


def _text_checks(columns: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    return [(f"length({name}) > {limit}", reason("value_too_long", quoted(f"{name} (max {limit} characters)"))) for name, limit in columns]


PARSE_SQL = f"""
with fields as (
    select line_number,
           {_either("timestamp")} as timestamp_text,
           json_exists(doc, '$.user_input') as has_user_input,
           json_extract_string(doc, '$.user_input') as user_input,
           json_exists(doc, '$.model_response') as has_model_response,
           -- JSON null and '' are both an empty answer (an error for the monitor), not a missing field.
           coalesce(json_extract_string(doc, '$.model_response'), '') as model_response,
           {_either("message_id")} as logged_message_id,
           {_either("session_id")} as session_id,
           {_either("user_id")} as user_id,
           {_either("bot_id")} as bot_id,
           {_either("model_name")} as model_name,
           {_either("model_version")} as model_version,
           {_either("response_time")} as response_time_text,
           {_either("token_count")} as token_count_text,
           {_either("input_length")} as input_length_text,
           {_either("response_length")} as response_length_text,
           {_either("input_category")} as input_category,
           lower({_either("quality_rating")}) as quality_rating,
           {_either("confidence_score")} as confidence_score_text,
           lower({_either("has_safety_issue")}) as has_safety_issue_text,
           {_either("error")} as error_message,
           ({" or ".join(f"json_exists(doc, '$.{f}')" for f in _ENHANCED_ONLY)}
            or json_exists(doc, '$.response_time')) as is_enhanced,
           -- checked in this list, where the record is read once (see wrong_type_field)
           {wrong_type_field(_TEXT_COLUMNS)} as wrong_type_field
    from __records
),
typed as (
    select *,
           {ts_utc("timestamp_text")} as logged_at,
           coalesce(logged_message_id,
                    'h_' || md5(concat_ws(chr(31), timestamp_text, coalesce(session_id, ''), coalesce(user_input, ''), model_response))
           ) as message_id,
           {number("response_time_text")} as response_time_s,
           {integer("token_count_text")} as token_count,
           {integer("input_length_text")} as input_length,
           {integer("response_length_text")} as response_length,
           {number("confidence_score_text")} as confidence_score,
           case when has_safety_issue_text in {_TRUE} then true when has_safety_issue_text in {_FALSE} then false end as has_safety_issue
    from fields
)
select line_number,
       message_id,
       logged_message_id is null as message_id_derived,
       case when is_enhanced then 'enhanced' else 'basic' end as log_form,
       logged_at,
       session_id, user_id, bot_id, model_name, model_version,
       user_input, model_response,
       response_time_s, token_count, input_length, response_length,
       input_category, quality_rating, confidence_score, has_safety_issue,
       error_message,
       {
    first_failure(
        WRONG_TYPE,
        ("timestamp_text is null", reason("missing_field", "'timestamp'")),
        ("logged_at is null", reason("bad_timestamp", "timestamp_text")),
        ("not has_user_input or user_input is null", reason("missing_field", "'user_input'")),
        ("not has_model_response", reason("missing_field", "'model_response'")),
        ("response_time_text is null", reason("missing_field", "'response_time (top level or metadata)'")),
        ("response_time_s is null", reason("bad_number", "'response_time=' || response_time_text")),
        ("response_time_s < 0", reason("bad_number", "'response_time is negative: ' || response_time_text")),
        (
            "token_count_text is not null and (token_count is null or token_count < 0)",
            reason("bad_number", "'token_count=' || token_count_text"),
        ),
        (
            "input_length_text is not null and (input_length is null or input_length < 0)",
            reason("bad_number", "'input_length=' || input_length_text"),
        ),
        (
            "response_length_text is not null and (response_length is null or response_length < 0)",
            reason("bad_number", "'response_length=' || response_length_text"),
        ),
        (
            "confidence_score_text is not null and (confidence_score is null or confidence_score < 0 or confidence_score > 1)",
            reason("bad_number", "'confidence_score (0-1)=' || confidence_score_text"),
        ),
        (
            "has_safety_issue_text is not null and has_safety_issue is null",
            reason("bad_boolean", "'has_safety_issue=' || has_safety_issue_text"),
        ),
        (f"quality_rating is not null and quality_rating not in ({_RATING_LIST})", reason("unknown_quality_rating", "quality_rating")),
        *_text_checks(
            (
                ("message_id", 128),
                ("session_id", 128),
                ("user_id", 128),
                ("bot_id", 128),
                ("model_name", 128),
                ("model_version", 128),
                ("input_category", 128),
            )
        ),
    )
} as reject_reason
from typed
"""

KIND = LoadKind(
    name="conversation-logs",
    table="conversation_logs",
    description="Chainlit audit log lines (basic and enhanced forms): question, answer, timing, tokens, logged quality.",
    columns=(
        Column("message_id", "text", "Chainlit message id; 'h_' + md5(time, session, texts) when the line had none"),
        Column("message_id_derived", "boolean", "True when message_id was derived from the content"),
        Column("log_form", "text", "basic | enhanced"),
        Column("logged_at", "timestamp", "UTC (the log's naive local time shifted by the reporting offset)"),
        Column("session_id", "text", "Chainlit session id"),
        Column("user_id", "text", "Restricted: raw user id when the app logs one"),
        Column("bot_id", "text", "Bot id when the app logs one"),
        Column("model_name", "text", "Serving model"),
        Column("model_version", "text", "Model version (enhanced form)"),
        Column("user_input", "long_text", "Restricted: the user's question as typed"),
        Column("model_response", "long_text", "Restricted: the answer ('' when empty or null)"),
        Column("response_time_s", "double", "Seconds from question to answer"),
        Column("token_count", "bigint", "Token count as logged (the basic form logs a whitespace word count)"),
        Column("input_length", "bigint", "Question length as logged (enhanced form)"),
        Column("response_length", "bigint", "Answer length as logged (enhanced form)"),
        Column("input_category", "text", "Category as logged by the app (enhanced form)"),
        Column("quality_rating", "text", "Rating as logged: excellent | good | fair | poor"),
        Column("confidence_score", "double", "Logged confidence of the rating, 0-1"),
        Column("has_safety_issue", "boolean", "Logged safety flag"),
        Column("error_message", "long_text", "A logged error (`error` field), NULL when none"),
    ),
    key=("message_id", "log_form"),
    formats=("jsonl", "json"),
    parse_sql=PARSE_SQL,
    load_order=40,
)
