"""Turn one input file into the relation `__input(line_number, doc, read_error)`.

DuckDB reads the file (no per-row Python): JSONL and CSV through `read_csv` with
`store_rejects`, so a line DuckDB cannot read (bad UTF-8, a stray column, an oversized
record) becomes a row with its reason instead of failing the whole file; a JSON document
(array or bulk-push form) through `read_blob` + `json_each`; Parquet through
`read_parquet`. `doc` is always the record as JSON text, so every kind's parse SQL is
the same whatever the file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from .sqlparts import quoted

# A record larger than this is rejected as a whole (a 10 MB field is a broken upstream,
# not a chat message); DuckDB reads it as one line and reports it, line number included.
MAX_RECORD_BYTES = 4 * 1024 * 1024

FORMATS_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
}

_READ_ERROR_REASONS = {
    "INVALID ENCODING": "invalid_encoding",
    "LINE SIZE OVER MAXIMUM": "record_too_large",
    "TOO MANY COLUMNS": "wrong_column_count",
    "MISSING COLUMNS": "wrong_column_count",
    "UNQUOTED VALUE": "malformed_csv",
    "CAST ERROR": "malformed_csv",
}


class InputError(RuntimeError):
    """The file as a whole cannot be read (missing, a directory, unknown format)."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: str
    size_bytes: int


def inspect_input(raw_path: str, allowed_formats: tuple[str, ...]) -> InputFile:
    path = Path(raw_path)
    if not path.exists():
        raise InputError(f"{raw_path}: no such file")
    if path.is_dir():
        raise InputError(f"{raw_path}: is a directory, not a file (pass the files inside it)")
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{raw_path}: unknown file type {path.suffix or '(none)'}; expected one of {', '.join(sorted(FORMATS_BY_SUFFIX))}")
    if fmt == "json" and _first_byte(path) not in (b"[", b"{", b""):
        fmt = "jsonl"
    if fmt == "json" and _looks_like_json_lines(path):
        fmt = "jsonl"
    if fmt not in allowed_formats:
        raise InputError(f"{raw_path}: format {fmt} is not accepted here (accepted: {', '.join(allowed_formats)})")
    return InputFile(path=path.resolve(), format=fmt, size_bytes=path.stat().st_size)


def _first_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096).lstrip()[:1]


def _looks_like_json_lines(path: Path) -> bool:
    """A `.json` file holding one object per line is read as JSON lines."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    first_line = head.split(b"\n", 1)[0].strip()
    return first_line.startswith(b"{") and first_line.endswith(b"}") and head.count(b"\n") > 1


def read_into_input(con: duckdb.DuckDBPyConnection, source: InputFile) -> None:
    """Create temp table __input for one file; every readable record becomes one row."""
    con.execute("drop table if exists __input")
    if source.size_bytes == 0:
        con.execute("create temp table __input (line_number bigint, doc varchar, read_error varchar)")
        return
    reader = {"jsonl": _read_jsonl, "csv": _read_csv, "json": _read_json_document, "parquet": _read_parquet}[source.format]
    reader(con, quoted(str(source.path)))


def _read_with_rejects(con: duckdb.DuckDBPyConnection, select_sql: str, first_data_line: int) -> None:
    """Run a read_csv select with store_rejects and number rows by physical line.

    Good rows come back in file order; the rejected lines are known by number, so the
    k-th good row sits on the k-th line number not taken by a rejected line. That line
    is found by an as-of join on the rejected lines (how many good rows precede each),
    not by listing and numbering every line number of the file.
    """
    con.execute("drop table if exists __read_rejects")
    con.execute("drop table if exists __read_scans")
    con.execute(f"create temp table __read_good as select row_number() over () as ordinal, * from ({select_sql})")
    (bad_lines,) = con.execute("select count(*) from __read_rejects").fetchone()  # type: ignore[misc]
    if bad_lines == 0:
        # The common case, every line read: the k-th row is on line k (after the header),
        # so the table read becomes __input in place, without copying the file's text.
        con.execute("delete from __read_good where doc is null")
        if first_data_line != 1:
            con.execute(f"update __read_good set ordinal = ordinal + {first_data_line - 1}")
        con.execute("alter table __read_good rename column ordinal to line_number")
        con.execute("alter table __read_good add column read_error varchar")
        con.execute("alter table __read_good rename to __input")
        for name in ("__read_rejects", "__read_scans"):
            con.execute(f"drop table if exists {name}")
        return
    con.execute(
        """
        create temp table __read_bad as
        select line as line_number,
               min(error_type) as error_type,
               min(csv_line) as raw_line,
               min(error_message) as error_message
        from __read_rejects
        group by line
        """
    )
    # Rejected line i (in line order) has (line - first - (i - 1)) good rows before it;
    # good row o lands after every rejected line with fewer than o good rows before it.
    con.execute(
        f"""
        create temp table __read_lines as
        select good_before, max(rank) as bad_before
        from (
            select line_number - {first_data_line} - (row_number() over (order by line_number) - 1) as good_before,
                   row_number() over (order by line_number) as rank
            from __read_bad
        )
        group by good_before
        """
    )
    line_of_ordinal = f"g.ordinal + {first_data_line - 1} + coalesce(l.bad_before, 0)"
    join = "asof left join __read_lines as l on g.ordinal > l.good_before"
    reasons = " ".join(f"when {quoted(k)} then {quoted(v)}" for k, v in _READ_ERROR_REASONS.items())
    con.execute(
        f"""
        create temp table __input as
        select {line_of_ordinal} as line_number, g.doc, cast(null as varchar) as read_error
        from __read_good as g {join}
        where g.doc is not null
        union all
        select line_number,
               left(raw_line, 2000) as doc,
               (case error_type {reasons} else 'unreadable_record' end) || ': ' || left(error_message, 300)
               || case when error_type = 'INVALID ENCODING'
                       then ' (GBK or another legacy encoding? convert the file: iconv -f GBK -t UTF-8)' else '' end as read_error
        from __read_bad
        """
    )
    for name in ("__read_good", "__read_bad", "__read_lines", "__read_rejects", "__read_scans"):
        con.execute(f"drop table if exists {name}")


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: str) -> None:
    # One VARCHAR column per line: \x01 never appears unescaped in valid JSON, so a line
    # holding it is split, reported as a stray column and rejected, as it should be.
    select_sql = f"""
        select case when line = '' or (starts_with(line, ' ') and trim(line) = '') then null else line end as doc
        from read_csv({path}, columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                      delim = '\\x01', quote = '', escape = '', new_line = '\\n', comment = '',
                      store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans',
                      max_line_size = {MAX_RECORD_BYTES}, strict_mode = false)
    """
    _read_with_rejects(con, select_sql, first_data_line=1)


def _read_csv(con: duckdb.DuckDBPyConnection, path: str) -> None:
    select_sql = f"""
        select cast(to_json(t) as varchar) as doc
        from read_csv({path}, header = true, all_varchar = true, auto_detect = true,
                      store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans',
                      max_line_size = {MAX_RECORD_BYTES}) as t
    """
    _read_with_rejects(con, select_sql, first_data_line=2)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: str) -> None:
    con.execute(
        f"""
        create temp table __input as
        select row_number() over () as line_number, cast(to_json(t) as varchar) as doc, cast(null as varchar) as read_error
        from read_parquet({path}) as t
        """
    )


def _read_json_document(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """A whole-file JSON document: an array of records, or one object (kept as one record).

    Line numbers are the 1-based position in the array. A document that is not valid
    JSON (truncated, wrong encoding) cannot be split into records and is one rejected row.
    """
    con.execute(
        f"""
        create temp table __json_file as
        -- decode(), not a cast: casting a BLOB to VARCHAR escapes every byte (\\x22 ...); NULL = not UTF-8
        select try(decode(content)) as text from read_blob({path})
        """
    )
    con.execute(
        f"""
        create temp table __input as
        with doc as (
            select text, text is not null and json_valid(text) as valid from __json_file
        ),
        elements as (
            -- the array's elements as a list, unnested with their positions: one parse
            -- of the document (json_each re-walks it per element: 80x slower at 1,000)
            select generate_subscripts(l, 1) as line_number, cast(unnest(l) as varchar) as value
            from (
                select json_extract(cast(doc.text as json), '$[*]') as l
                from doc
                where doc.valid and json_type(cast(doc.text as json)) = 'ARRAY'
            )
        ),
        arrays as (
            -- An element larger than a line may be (MAX_RECORD_BYTES) is rejected as JSON lines are.
            select line_number,
                   case when strlen(value) > {MAX_RECORD_BYTES} then left(value, 2000) else value end as doc,
                   case when strlen(value) > {MAX_RECORD_BYTES}
                        then 'record_too_large: element of ' || strlen(value) || ' bytes, more than {MAX_RECORD_BYTES}' end as read_error
            from elements
        ),
        single as (
            select 1 as line_number, text as doc, cast(null as varchar) as read_error
            from doc
            where doc.valid and json_type(cast(doc.text as json)) <> 'ARRAY'
        ),
        broken as (
            select 1 as line_number, left(coalesce(text, ''), 2000) as doc,
                   case when text is null then 'invalid_encoding: file is not UTF-8 (GBK? convert it with iconv -f GBK -t UTF-8)'
                        else 'invalid_json: the file is not one valid JSON document (truncated?)' end as read_error
            from doc
            where not doc.valid
        )
        select * from arrays
        union all select * from single
        union all select * from broken
        """
    )
    con.execute("drop table __json_file")
