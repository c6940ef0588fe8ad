"""`feedback`: user behaviour events (like / dislike on an answer, and any other event).

The schema is the behaviour-feedback document (../shared/seeds/llm_feedback_events.txt).
Two shapes, both accepted in `.json` and `.jsonl` files:

* its bulk push form: a JSON array of `{"cmd": "add", "fields": {...}}` (`cmd` in any
  case; the array position is the line number), also one such wrapper per line;
* one event object per line.

Required: `user_id` or `imei` (not both empty), `biz_id` (an integer), `trace_id`, `rn`,
`item_type`, `bhv_type`, `bhv_time` and `reach_time` (epoch seconds). `bhv_value` is
JSON — an object, or a string holding one — with `code` (a list of problem codes such
as 2.3, or one code; a list nested in the list, [[2.3], [2.5]], is flattened; a text
holding several, "2.3,2.5", is split on , ， ; ； 、 and |, and a code that is a decimal
number as text, "2.30", is that number, '2.3'; at most MAX_CODES codes) and `expect`
(the answer the user wanted); `bhv_detail` is `key=value{,key=value}`. Every optional field of the schema is kept: the device and
network fields (ip, mac, imei, phone_md5, longitude, latitude) are restricted and go no
further than this raw table (staging drops them).

Events carry no id: the key is an md5 over every field, so the same event pushed twice
(in either shape, numbers as numbers or as strings, the other keys of bhv_value in any
order) lands once: biz_id and the times enter it typed, the coordinates as the number
they write (116.40, "116.40" and 1.164e2 are one longitude; the row keeps the text as
sent), item_id, an id, as text ("0100" is not "100"; a JSON number as JSON writes it).
"""

from __future__ import annotations

from ..loading.kind import Column, LoadKind
from ..loading.sqlparts import WRONG_TYPE, epoch_seconds_utc, first_failure, nonblank, quoted, reason, sorted_keys_json, wrong_type_field

# Every field of the schema, in the document's order (ID 1 ... 36), and its column type.
# bhv_value, bhv_time, biz_id and reach_time are typed separately below.
SCHEMA_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("app_version", "text", "Version of the site or app"),
    ("sdk_type", "text", "SDK that reported the event (e.g. opensearch_sdk)"),
    ("sdk_version", "text", "Version of that SDK"),
    ("login", "text", "0 = not logged in, 1 = logged in"),
    ("user_id", "text", "Restricted: raw user id (user_id or imei is required)"),
    ("imei", "text", "Restricted: device id (imei, device_id or idfa)"),
    ("biz_id", "bigint", "Numeric business id (one search application)"),
    ("trace_id", "text", "Result provider (Alibaba for OpenSearch)"),
    ("trace_info", "long_text", "ops_request_misc of the search result, passed back verbatim"),
    ("rn", "text", "Request id of the answer; joins to the conversation log's message_id"),
    ("item_id", "text", "Index of the item acted on (schema default 0)"),
    ("item_type", "text", "all | text_response | image_response | doc | question, or another type (goods ...)"),
    ("bhv_type", "text", "like | dislike, or another behaviour (click, expose ...)"),
    ("bhv_value", "long_text", "The bhv_value JSON as sent"),
    ("bhv_time", "timestamp", "UTC time of the behaviour (sent as epoch seconds)"),
    ("bhv_detail", "long_text", "key=value{,key=value} details"),
    ("ip", "text", "Restricted: client IP"),
    ("longitude", "text", "Restricted: location longitude"),
    ("latitude", "text", "Restricted: location latitude"),
    ("session_id", "text", "User session id"),
    ("spm", "text", "Page position a.b.c.d (site, page, module, position)"),
    ("report_src", "text", "1 OpenSearch SDK, 2 mobile SDK, 3 OpenSearch API"),
    ("mac", "text", "Restricted: device MAC address"),
    ("brand", "text", "Device brand"),
    ("device_model", "text", "Device model"),
    ("resolution", "text", "Screen resolution"),
    ("carrier", "text", "Mobile carrier"),
    ("access", "text", "Network (wifi, 4g ...)"),
    ("access_subtype", "text", "Network subtype"),
    ("os", "text", "Operating system"),
    ("os_version", "text", "Operating system version"),
    ("language", "text", "Device language"),
    ("phone_md5", "text", "Restricted: md5 of the phone number"),
    ("reserve1", "text", "Reserved"),
    ("reserve2", "text", "Reserved"),
    ("reach_time", "timestamp", "UTC time the event reached the server (sent as epoch seconds)"),
)
_PLAIN_TEXT = tuple(name for name, kind, _ in SCHEMA_FIELDS if kind in ("text", "long_text") and name != "bhv_value")
_SHORT_TEXT = tuple(name for name, kind, _ in SCHEMA_FIELDS if kind == "text")
MAX_CODES = 20
_INTEGER = r"^-?[0-9]+$"
# key=value{,key=value}: keys are non-empty and hold no '=' or ','; values hold no ','.
_DETAIL = r"^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$"


# The text fields read from each event, all in one parse (json_extract_string with a
# list of paths parses the event once; one call per field would parse it forty times).
# bhv_value is read as text too: an object comes back as its JSON text, a string as
# its content, and either is accepted when that text is a JSON object.
_TEXT_FIELDS = (*_PLAIN_TEXT, "biz_id", "bhv_time", "reach_time", "bhv_value")
_TEXT_PATHS = ", ".join(f"'$.{name}'" for name in _TEXT_FIELDS)


def _f(name: str) -> str:
    return nonblank(f"texts[{_TEXT_FIELDS.index(name) + 1}]")


# bhv_value (trimmed text) as a JSON object, or NULL.
_BHV_VALUE_JSON = "(case when json_valid(bhv_value) and json_type(bhv_value) = 'OBJECT' then cast(bhv_value as json) end)"

# A list nested in the code list ([[2.3, 2.5]], ["2.3", ["2.5"]]) is flattened: each
# step replaces every list entry by its entries, as many steps as bhv_value holds '['
# beyond the first (no list is nested deeper), at most MAX_CODE_NESTING steps (a list nested
# deeper stays its JSON text, an unknown code). Only a bhv_value holding two '[' takes
# this path, and the entries it ends with are written as the flat path writes them
# (an object entry as its JSON text, null as NULL), so flat lists keep their codes and hashes.
MAX_CODE_NESTING = 32
_FLAT_CODE_ENTRIES = f"""list_transform(
            list_reduce(range(least(code_brackets - 1, {MAX_CODE_NESTING})),
                        lambda entries, step: flatten(list_transform(entries,
                            lambda e: case when json_type(e) = 'ARRAY' then json_extract(e, '$[*]') else [e] end)),
                        json_extract(bhv_value_json, '$.code[*]')),
            lambda e: json_extract_string(e, '$'))"""
# The entries of bhv_value.code as text: a list's entries (nested lists flattened), or
# the one value sent (a single code is a list of one). Numbers are written by JSON
# (2.30 -> '2.3').
_CODE_ENTRIES = f"""(case
        when bhv_value_json is null then cast([] as varchar[])
        when json_type(bhv_value_json, '$.code') = 'ARRAY' and code_brackets > 1 then {_FLAT_CODE_ENTRIES}
        when json_type(bhv_value_json, '$.code') = 'ARRAY' then json_extract_string(bhv_value_json, '$.code[*]')
        when json_type(bhv_value_json, '$.code') = 'NULL' or json_type(bhv_value_json, '$.code') is null then cast([] as varchar[])
        else [json_extract_string(bhv_value_json, '$.code')]
    end)"""
# The document sends a list ([2.3, 2.5]), but clients also send one text holding several
# codes ("2.3,2.5", "2.3，2.5", "2.3; 2.5", "2.3；2.5", "2.3、2.5", "2.3|2.5"): every entry
# is split on those separators, so each code is one code (counted, and held to MAX_CODES),
# and no code keeps a '|' that would break the '|'-joined problem_codes. The model
# int_feedback__problem_codes splits the codes of rows landed before on the same ones.
_CODE_SEPARATORS = "[,\uff0c;\uff1b\u3001|]"
# A code that is a plain decimal number as text ("2.30", "02.3") is the number it
# writes: read as JSON (leading zeros dropped first, JSON allows none) and written back,
# as a number code is, so "2.30" and 2.30 are both '2.3' (a known code, not 'other').
# Only text that JSON could write otherwise is read (a leading 0 or '-', a trailing 0,
# more than 15 characters); '2.3', as numbers arrive, is already written so: reading
# every code doubled the cost of the codes.
_PLAIN_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_AS_NUMBER = f"""(case when (starts_with(c, '0') or starts_with(c, '-') or ends_with(c, '0') or length(c) > 15)
                           and regexp_matches(c, '{_PLAIN_DECIMAL}')
                      then json_extract_string(cast(regexp_replace(c, '^(-?)0+([0-9])', '\\1\\2') as json), '$')
                      else c end)"""
# Problem codes as text ('2.3'): split, trimmed, numbers normalised, distinct, sorted.
_CODES = f"""list_sort(list_distinct(list_transform(
        list_filter(list_transform(flatten(list_transform({_CODE_ENTRIES}, lambda e: string_split_regex(e, '{_CODE_SEPARATORS}'))),
                                   lambda c: trim(c)),
                    lambda c: c is not null and c <> ''),
        lambda c: {_AS_NUMBER})))"""


_COORDINATES = ("longitude", "latitude")


def _number_text(name: str) -> str:
    """SQL: a text field holding a number, as the number it writes (as DuckDB reads a JSON
    number: 116.4, 116 for 116.0 or "0116"); text that is no number, as it is. Text so
    written already (as JSON numbers arrive) is itself, so its hash is the one it had."""
    number = f"try_cast({name} as double)"
    return f"""(case when {number} is null then {name}
                     when {number} = trunc({number}) and abs({number}) < 1e15 then cast(cast({number} as bigint) as varchar)
                     else cast({number} as varchar) end)"""


def _hash_sql() -> str:
    parts = [f"coalesce({_number_text(name) if name in _COORDINATES else name}, chr(30))" for name in _PLAIN_TEXT]
    parts += [
        "coalesce(cast(biz_id as varchar), chr(30))",
        "coalesce(problem_codes, chr(30))",
        "coalesce(expect_text, chr(30))",
        "coalesce(bhv_value_extra, chr(30))",
        "coalesce(cast(bhv_time as varchar), chr(30))",
        "coalesce(cast(reach_time as varchar), chr(30))",
    ]
    return "md5(concat_ws(chr(31), " + ", ".join(parts) + "))"


PARSE_SQL = f"""
-- cmd and fields read in one parse of the record; a pushed event's fields are read from
-- the fields object, a plain event's from the record itself.
with top_level as (
    select line_number, doc, json_extract(doc, ['$.cmd', '$.fields']) as top
    from __records
),
unwrapped as (
    select line_number,
           lower(nullif(trim(json_extract_string(top[1], '$')), '')) as cmd,
           top[1] is not null as has_cmd,
           json_type(top[2]) as fields_type,
           case when json_type(top[2]) = 'OBJECT' then top[2] else doc end as f
    from top_level
),
extracted as (
    select line_number, cmd, has_cmd, fields_type,
           json_extract_string(f, [{_TEXT_PATHS}]) as texts,
           f
    from unwrapped
),
fields as (
    select line_number, cmd, has_cmd, fields_type,
           {", ".join(f"{_f(name)} as {name}" for name in _PLAIN_TEXT)},
           {_f("biz_id")} as biz_id_text,
           {_f("bhv_time")} as bhv_time_text,
           {_f("reach_time")} as reach_time_text,
           -- The value as sent: an object is kept as its JSON text.
           nullif(trim(texts[{len(_TEXT_FIELDS)}]), '') as bhv_value,
           -- checked in this list, where the record is read (see wrong_type_field)
           {wrong_type_field(_PLAIN_TEXT, doc="f")} as wrong_type_field
    from extracted
),
valued as (
    select *, {_BHV_VALUE_JSON} as bhv_value_json,
           -- how deep a list in it can be nested, at most (see _FLAT_CODE_ENTRIES)
           length(bhv_value) - length(replace(bhv_value, '[', '')) as code_brackets
    from fields
),
typed as (
    select *,
           case when regexp_matches(biz_id_text, '{_INTEGER}') then try_cast(biz_id_text as bigint) end as biz_id,
           {epoch_seconds_utc("bhv_time_text")} as bhv_time,
           {epoch_seconds_utc("reach_time_text")} as reach_time,
           {_CODES} as code_list,
           nullif(trim(json_extract_string(bhv_value_json, '$.expect')), '') as expect_text,
           -- Anything else inside bhv_value (other keys) still distinguishes two events.
           cast(json_merge_patch(bhv_value_json, '{{"code": null, "expect": null}}') as varchar) as bhv_value_unsorted_extra
    from valued
),
extras as (
    -- The other keys sorted (in nested objects too, 4 levels down), so their order does
    -- not make another event. Without other keys ('{{}}', or no bhv_value) nothing changes, nor does
    -- text already sorted: the hashes of events landed before sorting stay the same.
    select *,
           case when bhv_value_unsorted_extra = '{{}}' then bhv_value_unsorted_extra
                else {sorted_keys_json("cast(bhv_value_unsorted_extra as json)")} end as bhv_value_extra
    from typed
),
coded as (
    select *,
           nullif(array_to_string(code_list, '|'), '') as problem_codes,
           len(code_list) as problem_code_count
    from extras
)
select line_number,
       {_hash_sql()} as event_hash,
       coalesce(cmd, 'none') as cmd,
       {", ".join(_PLAIN_TEXT)},
       biz_id, bhv_value, problem_codes, problem_code_count, expect_text, bhv_time, reach_time,
       {
    first_failure(
        ("has_cmd and cmd is null", reason("missing_field", "'cmd (empty)'")),
        ("has_cmd and cmd <> 'add'", reason("unsupported_cmd", "cmd || ' (only add is accepted)'")),
        ("has_cmd and fields_type is null", reason("missing_field", "'fields'")),
        ("has_cmd and fields_type <> 'OBJECT'", reason("bad_value", "'fields must be an object, got ' || fields_type")),
        WRONG_TYPE,
        ("user_id is null and imei is null", reason("missing_field", "'user_id or imei (both empty)'")),
        ("biz_id_text is null", reason("missing_field", "'biz_id'")),
        ("biz_id is null", reason("bad_number", "'biz_id=' || biz_id_text")),
        ("trace_id is null", reason("missing_field", "'trace_id'")),
        ("rn is null", reason("missing_field", "'rn'")),
        ("item_type is null", reason("missing_field", "'item_type'")),
        ("bhv_type is null", reason("missing_field", "'bhv_type'")),
        ("bhv_time_text is null", reason("missing_field", "'bhv_time'")),
        ("bhv_time is null", reason("bad_timestamp", "'bhv_time (epoch seconds)=' || bhv_time_text")),
        ("reach_time_text is null", reason("missing_field", "'reach_time'")),
        ("reach_time is null", reason("bad_timestamp", "'reach_time (epoch seconds)=' || reach_time_text")),
        ("bhv_value is not null and bhv_value_json is null", reason("bad_bhv_value", "'not a JSON object: ' || bhv_value")),
        (f"problem_code_count > {MAX_CODES}", reason("bad_bhv_value", f"'more than {MAX_CODES} codes: ' || bhv_value")),
        (
            f"bhv_detail is not null and not regexp_matches(bhv_detail, '{_DETAIL}')",
            reason("bad_bhv_detail", "'expected key=value{,key=value}: ' || bhv_detail"),
        ),
        ("login is not null and login not in ('0', '1')", reason("bad_value", "'login (0 or 1)=' || login")),
        ("report_src is not null and report_src not in ('1', '2', '3')", reason("bad_value", "'report_src (1, 2 or 3)=' || report_src")),
        *[(f"length({name}) > 255", reason("value_too_long", quoted(f"{name} (max 255 characters)"))) for name in _SHORT_TEXT],
        ("length(problem_codes) > 255", reason("value_too_long", "'bhv_value.code'")),
    )
} as reject_reason
from coded
"""

_COLUMN_TYPES = {name: (kind, desc) for name, kind, desc in SCHEMA_FIELDS}

KIND = LoadKind(
    name="feedback",
    table="feedback_events",
    description="Behaviour events of the feedback schema: like/dislike on answers with problem codes, plus any other item type.",
    columns=(
        Column("event_hash", "text", "md5 over every field: the dedupe key (events carry no id)"),
        Column("cmd", "text", "Push command, lower-cased ('add'); 'none' for a plain event object"),
        *(Column(name, *_COLUMN_TYPES[name]) for name in _PLAIN_TEXT),
        Column("biz_id", "bigint", _COLUMN_TYPES["biz_id"][1]),
        Column("bhv_value", "long_text", _COLUMN_TYPES["bhv_value"][1]),
        Column("problem_codes", "text", "bhv_value.code as text (a text of several codes split), '|'-separated, distinct, sorted"),
        Column("problem_code_count", "bigint", "Number of distinct codes in bhv_value.code (after splitting)"),
        Column("expect_text", "long_text", "Restricted: bhv_value.expect, the answer the user wanted (free text)"),
        Column("bhv_time", "timestamp", _COLUMN_TYPES["bhv_time"][1]),
        Column("reach_time", "timestamp", _COLUMN_TYPES["reach_time"][1]),
    ),
    key=("event_hash",),
    formats=("jsonl", "json"),
    parse_sql=PARSE_SQL,
    load_order=50,
)
