"""SQL expression builders the kinds share (DuckDB dialect, used only in the parse step).

Keeping them here means "what counts as a timestamp" or "a missing field" is written
once for every kind.
"""

from __future__ import annotations

from ..project import reporting_offset_hours

# ISO-8601 with an explicit offset or Z, e.g. 2025-06-01T10:00:00+08:00.
_HAS_OFFSET = r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
_EPOCH = r"^-?[0-9]+(\.[0-9]+)?$"


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

    Naive times are in the reporting timezone (var reporting_utc_offset_hours) and are
    shifted to UTC, so every stored time means the same instant. NULL when unparseable.
    The connection runs with TimeZone=UTC, which the offset-aware branch relies on.
    """
    offset_seconds = int(round(reporting_offset_hours() * 3600)) if naive_is_local else 0
    return f"""(case
        when regexp_matches({text_expr}, '{_EPOCH}')
            then case when try_cast({text_expr} as double) between 0 and 32503680000
                      then make_timestamp(cast(round(try_cast({text_expr} as double) * 1000000) as bigint)) end
        when regexp_matches({text_expr}, '{_HAS_OFFSET}')
            then cast(try_cast({text_expr} as timestamptz) as timestamp)
        else try_cast({text_expr} as timestamp) - to_seconds({offset_seconds})
    end)"""


def epoch_seconds_utc(text_expr: str) -> str:
    """Epoch seconds only (as the feedback schema states); NULL for anything else."""
    return f"""(case when regexp_matches({text_expr}, '{_EPOCH}')
                      and try_cast({text_expr} as double) between 0 and 32503680000
                 then make_timestamp(cast(round(try_cast({text_expr} as double) * 1000000) as bigint)) end)"""


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
