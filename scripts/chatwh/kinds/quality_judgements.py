"""`quality-judgements`: answer-quality ratings written by an LLM judge script.

One JSON object per line: `message_id` (the conversation log's message id), `judge_model`,
`quality_rating` (excellent | good | fair | poor), optional `confidence_score` (0-1),
`judged_at` (ISO time, naive = reporting-local, or epoch seconds) and optional
`rationale`. A judged rating outranks the rating logged by the app and the SQL
heuristics (see int_conversations__rated); when a message is judged more than once the
latest judgement counts. Key: (message_id, judge_model, judged_at).
"""

from __future__ import annotations

from ..loading.kind import Column, LoadKind
from ..loading.sqlparts import WRONG_TYPE, field, first_failure, number, quoted, reason, ts_utc, wrong_type_field
from .conversation_logs import QUALITY_RATINGS

_RATING_LIST = ", ".join(quoted(r) for r in QUALITY_RATINGS)

PARSE_SQL = f"""
with fields as (
    select line_number,
           {field("message_id")} as message_id,
           {field("judge_model")} as judge_model,
           lower({field("quality_rating")}) as quality_rating,
           {field("confidence_score")} as confidence_score_text,
           {field("judged_at")} as judged_at_text,
           {field("rationale")} as rationale,
           {wrong_type_field(("message_id", "judge_model", "quality_rating", "rationale"))} as wrong_type_field
    from __records
),
typed as (
    select *,
           {ts_utc("judged_at_text")} as judged_at,
           {number("confidence_score_text")} as confidence_score
    from fields
)
select line_number, message_id, judge_model, quality_rating, confidence_score, judged_at, rationale,
       {
    first_failure(
        WRONG_TYPE,
        ("message_id is null", reason("missing_field", "'message_id'")),
        ("judge_model is null", reason("missing_field", "'judge_model'")),
        ("quality_rating is null", reason("missing_field", "'quality_rating'")),
        (f"quality_rating not in ({_RATING_LIST})", reason("unknown_quality_rating", "quality_rating")),
        (
            "confidence_score_text is not null and (confidence_score is null or confidence_score < 0 or confidence_score > 1)",
            reason("bad_number", "'confidence_score (0-1)=' || confidence_score_text"),
        ),
        ("judged_at_text is null", reason("missing_field", "'judged_at'")),
        ("judged_at is null", reason("bad_timestamp", "judged_at_text")),
        (
            "length(message_id) > 128 or length(judge_model) > 128",
            reason("value_too_long", "'message_id/judge_model (max 128 characters)'"),
        ),
    )
} as reject_reason
from typed
"""

KIND = LoadKind(
    name="quality-judgements",
    table="quality_judgements",
    description="LLM-judge answer ratings, one row per judgement of a logged message.",
    columns=(
        Column("message_id", "text", "The judged conversation log message"),
        Column("judge_model", "text", "Model (or prompt version) that judged"),
        Column("quality_rating", "text", "excellent | good | fair | poor"),
        Column("confidence_score", "double", "Judge's confidence, 0-1"),
        Column("judged_at", "timestamp", "UTC"),
        Column("rationale", "long_text", "Judge's explanation (may quote the conversation: restricted)"),
    ),
    key=("message_id", "judge_model", "judged_at"),
    formats=("jsonl", "json"),
    parse_sql=PARSE_SQL,
    load_order=45,
)
