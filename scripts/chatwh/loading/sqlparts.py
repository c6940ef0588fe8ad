"""SQL expression builders the kinds share (DuckDB dialect, used only in the parse step).

Keeping them here means "what counts as a timestamp" or "a missing field" is written
once for every kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..project import reporting_offset_hours

# The time forms the input contract accepts (README "Time"); anything else is NULL
# (a bad_timestamp reject). ISO-8601 date and time, 'T' or a space between them, seconds
# and fractions optional; a four-digit year in STORED_YEARS, so every warehouse can
# hold the result (MySQL DATETIME, Spark TIMESTAMP) and nothing overflows.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
# With an explicit offset or Z, e.g. 2025-06-01T10:00:00+08:00 (+08, +0800 too). Only
# offsets that exist, -14:00 to +14:00 with minutes 00-59: DuckDB would read +25:00 or
# +08:60 as a shift of that much, moving the time silently.
_OFFSET = r"[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?"
_WITH_OFFSET = rf"^{_DATE}{_TIME}(Z|{_OFFSET})$"
# Naive: a date and time, or a date alone (its midnight), both in the reporting timezone.
_NAIVE = rf"^{_DATE}({_TIME})?$"
_EPOCH = r"^-?[0-9]+(\.[0-9]+)?$"
# Years a stored time may have: the epoch-seconds window (0 .. 32503680000 s).
STORED_YEARS = (1970, 2999)
# Values a text or id field may not hold: JSON objects, arrays and booleans (numbers
# are fine: ids arrive as numbers from JSON and Parquet, e.g. sample_id 1, biz_id).
_NOT_TEXT_TYPES = "('OBJECT', 'ARRAY', 'BOOLEAN')"
# A number written in JSON or as text: finite (1e400, NaN, Infinity are not numbers here).
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
_INTEGER = r"^-?[0-9]+(\.0+)?$"


def field(path: str, doc: str = "doc") -> str:
    """Text of a JSON field, trimmed; empty text counts as missing (NULL)."""
    return nonblank(f"json_extract_string({doc}, '$.{path}')")


def nonblank(text_expr: str) -> str:
    """Text trimmed of leading and trailing spaces; empty text counts as missing (NULL)."""
    return f"nullif({trimmed(text_expr)}, '')"


def trimmed(text_expr: str) -> str:
    """`trim(text)` (leading and trailing spaces), computed only for the values that have
    any: trim copies every value it touches, a third of a clean file's parse time."""
    return f"(case when starts_with({text_expr}, ' ') or ends_with({text_expr}, ' ') then trim({text_expr}) else {text_expr} end)"


def ts_utc(text_expr: str, *, naive_is_local: bool = True) -> str:
    """Parse ISO-8601 (with or without offset) or epoch seconds to a UTC TIMESTAMP.

    Naive times (and a date alone, at its midnight) are in the reporting timezone (var
    reporting_utc_offset_hours) and are shifted to UTC, so every stored time means the
    same instant. NULL for any other text (a zone name, trailing words, 'infinity',
    'epoch' ...) and for a year outside STORED_YEARS. The connection runs with
    TimeZone=UTC, which the offset-aware branch relies on.
    """
    offset_seconds = int(round(reporting_offset_hours() * 3600)) if naive_is_local else 0
    first, last = STORED_YEARS
    return f"""(case
        when regexp_matches({text_expr}, '{_EPOCH}')
            then case when try_cast({text_expr} as double) between 0 and 32503680000
                      then make_timestamp(cast(round(try_cast({text_expr} as double) * 1000000) as bigint)) end
        when left({text_expr}, 4) not between '{first}' and '{last}' then null
        when regexp_matches({text_expr}, '{_WITH_OFFSET}')
            then cast(try_cast({text_expr} as timestamptz) as timestamp)
        when regexp_matches({text_expr}, '{_NAIVE}')
            then try_cast({text_expr} as timestamp) - to_seconds({offset_seconds})
    end)"""


def epoch_seconds_utc(text_expr: str) -> str:
    """Epoch seconds only (as the feedback schema states); NULL for anything else."""
    return f"""(case when regexp_matches({text_expr}, '{_EPOCH}')
                      and try_cast({text_expr} as double) between 0 and 32503680000
                 then make_timestamp(cast(round(try_cast({text_expr} as double) * 1000000) as bigint)) end)"""


def number(text_expr: str) -> str:
    """A finite DOUBLE from a number's text; NULL for anything else (1e400 overflows to
    infinity, which is not a number a measure may hold)."""
    return f"""(case when regexp_matches({text_expr}, '{_NUMBER}') and isfinite(try_cast({text_expr} as double))
                 then try_cast({text_expr} as double) end)"""


def integer(text_expr: str) -> str:
    """A BIGINT from an integer's text ('12', '12.0'); NULL for anything else, including
    integers BIGINT cannot hold (never an error: one bad value must not fail a file)."""
    return f"(case when regexp_matches({text_expr}, '{_INTEGER}') then try_cast(split_part({text_expr}, '.', 1) as bigint) end)"


def not_text(text_expr: str, path: str, doc: str = "doc") -> str:
    """Condition: the field whose extracted text is `text_expr` holds a JSON object, array
    or boolean at JSON `path`, not text or a number.

    json_type runs only for text that could be one of those (starting with '{' or '[',
    or true/false), so a clean record pays a string test, not another JSON parse."""
    return (
        f"((starts_with({text_expr}, '{{') or starts_with({text_expr}, '[') or {text_expr} in ('true', 'false'))"
        f" and json_type({doc}, '$.{path}') in {_NOT_TEXT_TYPES})"
    )


def wrong_type_field(columns: Mapping[str, tuple[str, ...]] | Sequence[str], doc: str = "doc") -> str:
    """SQL: the JSON path of the first text/id field holding an object, array or boolean,
    else NULL. `columns` are text columns extracted earlier in the same SELECT list, the
    one that reads `doc` (DuckDB resolves an alias of the same list), each with the JSON
    paths it may have been read from (a plain name: the column is the field of that
    name). Select it as `wrong_type_field` and add WRONG_TYPE to the checks. Do not
    carry `doc` into a later CTE to check it there: that copies every record's text once
    more (measured: conversation logs took twice as long to load)."""
    pairs = columns.items() if isinstance(columns, Mapping) else ((name, (name,)) for name in columns)
    branches = " ".join(f"when {not_text(column, path, doc)} then {quoted(path)}" for column, paths in pairs for path in paths)
    return f"(case {branches} end)"


# What a list of texts may not hold: what a text field may not, and null (an entry that
# says nothing; dropping it would silently change what the list says).
_NOT_TEXT_ENTRY_TYPES = "('OBJECT', 'ARRAY', 'BOOLEAN', 'NULL')"


def wrong_type_list_entry(path: str, doc: str = "doc") -> str:
    """SQL: why the list of texts at JSON `path` holds a wrong type, as `<path>[i] must
    be ...` for its first object, array, boolean or null entry, or `<path> must be ...`
    when the field itself is an object or boolean; else NULL. A single string or number
    in place of the list is fine (one entry), as is a missing or null field (none).

    `path` may go through one array of objects, written `[*]`
    (`predicted_values[*].value_list`): each object's list is checked and named by the
    object's position. JSON numbers are entries like text (their JSON text), as numbers
    are in text fields (see wrong_type_field)."""
    # The record is read only by json_extract(doc, '$.<field>') with a plain path, which
    # the loader's one-parse rewrite (runner.single_parse_sql) answers from its single
    # parse; the entries are then taken from that value, not from the record.
    outer, through, inner = path.partition("[*].")
    if not through:
        return _wrong_type_in_list(f"json_extract({doc}, '$.{path}')", quoted(path))
    # one problem per object of the outer array (NULL for a good one); the first is named
    label = f"{quoted(outer + '[')} || (__i - 1) || {quoted('].' + inner)}"
    per_object = _wrong_type_in_list(f"json_extract(__object, '$.{inner}')", label)
    objects = f"json_extract(json_extract({doc}, '$.{outer}'), '$[*]')"
    problems = f"list_transform({objects}, lambda __object, __i: {per_object})"
    return f"list_filter({problems}, lambda __problem: __problem is not null)[1]"


def wrong_type_list_entries(paths: Sequence[str], doc: str = "doc") -> str:
    """SQL: the first wrong_type_list_entry of the lists at `paths`, else NULL. Select it
    as `wrong_type_entry` and put WRONG_TYPE_ENTRY first among the checks (a wrong type
    explains a later failure: the Python step of the eval kinds may trip on it)."""
    return f"coalesce({', '.join(wrong_type_list_entry(path, doc) for path in paths)})"


def _wrong_type_in_list(list_json: str, label_sql: str) -> str:
    """wrong_type_list_entry for one list, `list_json` its JSON value (NULL when the field
    is missing): `label_sql` names it in the reason."""
    field_type = f"json_type({list_json})"
    entry_types = f"list_transform(json_extract({list_json}, '$[*]'), lambda __entry: json_type(__entry))"
    # 0-based like the JSON path; NULL (no position) makes the whole text NULL
    position = f"(list_position(list_transform({entry_types}, lambda __type: __type in {_NOT_TEXT_ENTRY_TYPES}), true) - 1)"
    return f"""(case
        when {field_type} in ('OBJECT', 'BOOLEAN')
            then {label_sql} || ' must be a list of strings or numbers, not an object or boolean'
        when {field_type} = 'ARRAY'
            then {label_sql} || '[' || {position} || '] must be a string or a number, not an object, array, boolean or null'
    end)"""


def sorted_keys_json(json_expr: str, depth: int = 4) -> str:
    """The JSON text of `json_expr` (a JSON value) with the keys of every object sorted,
    down to `depth` levels of objects and arrays; deeper objects keep their order. Text
    already in that order comes back unchanged (DuckDB writes JSON without spaces), so
    a key over it changes only for values whose keys arrive in another order. An object
    with a repeated key (which no map holds) is kept as written, never an error.

    Lambdas over the entries, so the text doubles per level: 4 levels are ~7 KB of SQL
    (no measurable planning time), evaluated only on the rows a CASE around it lets
    through."""
    if depth == 0:
        return f"cast({json_expr} as varchar)"
    entry, element = f"__e{depth}", f"__v{depth}"
    nested_entry = sorted_keys_json(f"{entry}.value", depth - 1)
    nested_element = sorted_keys_json(element, depth - 1)
    entries = f"list_sort(map_entries(try_cast({json_expr} as map(varchar, json))))"
    return f"""(case json_type({json_expr})
        when 'OBJECT' then coalesce(
            cast(to_json(map_from_entries(list_transform({entries},
                lambda {entry}: {{'key': {entry}.key, 'value': cast({nested_entry} as json)}}))) as varchar),
            cast({json_expr} as varchar))
        when 'ARRAY' then cast(to_json(list_transform(cast({json_expr} as json[]), lambda {element}: cast({nested_element} as json))) as varchar)
        else cast({json_expr} as varchar) end)"""


def first_failure(*checks: tuple[str, str]) -> str:
    """CASE that names the first failing check: pairs of (condition that is bad, reason)."""
    branches = "\n        ".join(f"when {condition} then {reason}" for condition, reason in checks)
    return f"(case\n        {branches}\n    end)"


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reason(code: str, detail_sql: str | None = None) -> str:
    """A reject reason `code: detail` where the detail may quote the bad value."""
    if detail_sql is None:
        return quoted(code)
    return f"{quoted(code + ': ')} || left(coalesce({detail_sql}, 'NULL'), 120)"


# The check that goes with wrong_type_field (first: a wrong type explains any later failure).
WRONG_TYPE = (
    "wrong_type_field is not null",
    reason("wrong_type", "wrong_type_field || ' must be a string or a number, not an object, array or boolean'"),
)
WRONG_TYPE_ENTRY = ("wrong_type_entry is not null", reason("wrong_type", "wrong_type_entry"))
