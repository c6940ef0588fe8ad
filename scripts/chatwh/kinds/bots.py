"""`bots`: the bot catalogue (CSV or JSONL), one row per bot version.

A bot file is a snapshot: loading a changed row for a known bot_id adds a new version
(staging keeps the latest), loading a row identical to the bot's latest version again is
a duplicate. A row identical to an older version is a change back (default model m1 →
m2 → m1) and lands as the newest version (LoadKind.versioned_by). A row listing
more than MAX_TAGS tags is rejected (bad_value): the warehouse splits at most that many
per bot (models/intermediate/funnel/int_bot_tags__split.sql), and tag 21 on would be
dropped from every tag mart without a word. The bot's previous version, if any, stays.
"""

from __future__ import annotations

from ..loading.kind import Column, LoadKind
from ..loading.sqlparts import WRONG_TYPE, field, first_failure, reason, ts_utc, wrong_type_field

# Tags after the split int_bot_tags__split does: integer_spine(MAX_TAGS) there (a test
# checks the two agree). Counted after trimming and dropping empty entries, as stored; a
# tag listed twice counts twice here, as it takes two positions there.
MAX_TAGS = 20
# bot_name, model_name and business_line land in VARCHAR(255) on MySQL (loading/sinks.py,
# a `text` column): a longer value failed the whole file there ("Data too long"), or was
# cut without a word on a server without strict mode, while DuckDB kept it. They are a
# value_too_long reject on every engine.
_TAG_LIST = f"""list_filter(list_transform(string_split(replace({field("tags")}, '｜', '|'), '|'),
                                      lambda t: trim(t)), lambda t: t <> '')"""
_TAGS = f"array_to_string({_TAG_LIST}, '|')"

PARSE_SQL = f"""
with fields as (
    select line_number,
           {field("bot_id")} as bot_id,
           {field("bot_name")} as bot_name,
           {field("model_name")} as model_name,
           {field("business_line")} as business_line,
           nullif({_TAGS}, '') as tags,
           len({_TAG_LIST}) as tag_count,
           {field("created_at")} as created_at_text,
           {wrong_type_field(("bot_id", "bot_name", "model_name", "business_line", "tags"))} as wrong_type_field
    from __records
)
select line_number, bot_id, bot_name, model_name, business_line, tags,
       {ts_utc("created_at_text")} as created_at,
       md5(concat_ws(chr(31), bot_id, bot_name, model_name, business_line, tags, created_at_text)) as record_hash,
       {
    first_failure(
        WRONG_TYPE,
        ("bot_id is null", reason("missing_field", "'bot_id'")),
        ("bot_name is null", reason("missing_field", "'bot_name'")),
        ("model_name is null", reason("missing_field", "'model_name'")),
        ("business_line is null", reason("missing_field", "'business_line'")),
        ("tags is null", reason("missing_field", "'tags (at least one, |-separated)'")),
        (
            f"tag_count > {MAX_TAGS}",
            reason("bad_value", f"'tags: ' || tag_count || ' listed, at most {MAX_TAGS}: ' || tags"),
        ),
        ("length(bot_id) > 128", reason("value_too_long", "'bot_id'")),
        (
            "length(bot_name) > 255 or length(model_name) > 255 or length(business_line) > 255",
            reason("value_too_long", "'bot_name/model_name/business_line (max 255 characters)'"),
        ),
        ("created_at_text is null", reason("missing_field", "'created_at'")),
        (f"{ts_utc('created_at_text')} is null", reason("bad_timestamp", "created_at_text")),
    )
} as reject_reason
from fields
"""

KIND = LoadKind(
    name="bots",
    table="bots",
    description="Bot catalogue: id, name, default model, business line, |-separated interest tags.",
    columns=(
        Column("bot_id", "text"),
        Column("bot_name", "text"),
        Column("model_name", "text"),
        Column("business_line", "text"),
        Column("tags", "long_text"),
        Column("created_at", "timestamp"),
        Column("record_hash", "text"),
    ),
    key=("record_hash",),
    formats=("csv", "jsonl", "json"),
    parse_sql=PARSE_SQL,
    load_order=10,
    versioned_by="bot_id",
)
