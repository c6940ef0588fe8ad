"""Turn one input file into the relation `__input(line_number, doc, read_error)`.

DuckDB reads the file (no per-row Python): JSONL and CSV through `read_csv` with
`store_rejects`, so a line DuckDB cannot read (bad UTF-8, a stray column, an oversized
record) becomes a row with its reason instead of failing the whole file; a JSON document
(array or bulk-push form) through `read_blob` + `json_each`; Parquet through
`read_parquet`. `doc` is always the record as JSON text, so every kind's parse SQL is
the same whatever the file format.

A path is always read literally: DuckDB reads it through a symlink with a plain name
in a fresh temporary folder, so `[`, `*`, `?` or `{` in a file name is not a glob and a
`key=value` folder adds no hive-partition column. CSV is read with a fixed dialect
(comma, `"` quotes doubled inside quotes, the file's header row): no format sniffing,
which one malformed or oversized row could throw off for the whole file.

The file is inspected before it is read (`input_file`); the rows read are numbered by
the physical line they start on, rejected records included, in `line_numbers`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .input_file import MAX_RECORD_BYTES, InputError, InputFile
from .line_numbers import QUOTED_VALUE, holder_of, lines_at, mapped, read_with_rejects, spans_lines
from .sqlparts import quoted


def read_into_input(con: duckdb.DuckDBPyConnection, source: InputFile) -> None:
    """Create temp table __input for one file; every readable record becomes one row."""
    con.execute("drop table if exists __input")
    if source.size_bytes == 0:
        con.execute("create temp table __input (line_number bigint, doc varchar, read_error varchar)")
        return
    with _literal_path(source.path) as path:
        if source.format == "jsonl":
            _read_jsonl(con, quoted(path), crlf=source.jsonl_crlf)
        elif source.format == "csv":
            _read_csv(con, path, source)
        elif source.format == "json":
            _read_json_document(con, quoted(path))
        else:
            _read_parquet(con, quoted(path))


@contextmanager
def _literal_path(path: Path) -> Iterator[str]:
    """A path DuckDB reads as exactly this file: a symlink to it with a plain name in a
    fresh temporary folder (DuckDB expands `*`, `?`, `[...]` and `{...}` in every path it
    is given, and reads `key=value` folders as hive partitions)."""
    folder = tempfile.mkdtemp(prefix="chatwh_read_")
    try:
        link = os.path.join(folder, "input" + path.suffix.lower())
        if re.search(r"[*?\[\]{}]", link):
            raise InputError(f"{path}: the temporary folder {folder} has a glob character in its name; set TMPDIR to a plain path")
        os.symlink(path, link)
        yield link
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: str, *, crlf: bool) -> None:
    # One VARCHAR column per line: \x01 never appears unescaped in valid JSON, so a line
    # holding it is split, reported as a stray column and rejected, as it should be.
    # (DuckDB skips a UTF-8 BOM at the start of the file.)
    # Read with new_line '\n', DuckDB (lenient) ends a line at a CR too, so a CRLF counts
    # as two line ends (line n of a CRLF file came out as line 2n-1); read with '\r\n', a
    # CRLF is one and a lone LF still ends a line, but a lone CR eats the byte after it.
    # So '\r\n' only for a file whose every CR is in a CRLF (`InputFile.jsonl_crlf`).
    new_line = "\\r\\n" if crlf else "\\n"
    select_sql = f"""
        select case when line = '' or (starts_with(line, ' ') and trim(line) = '') then null else line end as doc
        from read_csv({path}, columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                      delim = '\\x01', quote = '', escape = '', new_line = '{new_line}', comment = '', hive_partitioning = false,
                      store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans',
                      max_line_size = {MAX_RECORD_BYTES}, strict_mode = false)
    """
    read_with_rejects(con, select_sql, first_data_line=1)


def _read_csv(con: duckdb.DuckDBPyConnection, path: str, source: InputFile) -> None:
    """RFC 4180 CSV with the header the inspection read: comma, `"` quotes (doubled
    inside), LF or CRLF line ends, every column text. A row that does not fit (a stray or
    missing column, an unterminated quote, over MAX_RECORD_BYTES) is a rejected record.
    A file mixing LF and CRLF line ends is read in DuckDB's lenient mode: its strict mode
    fails such a file as a whole, or reads no row of it without an error. Leniently, a
    rejected record's line is counted from its byte position (DuckDB miscounts lines
    there), and text after a closing quote, which DuckDB would drop (`"we"b` reads as
    `we`), is found in the file and its row rejected (`_reject_text_after_quotes`)."""
    columns = ", ".join(f"{quoted(name)}: 'VARCHAR'" for name in source.csv_columns)
    # Newlines inside quoted values, counted only in rows whose JSON has an escaped one.
    newlines = " + ".join(
        f"coalesce(length(__row[{quoted(name)}]) - length(replace(__row[{quoted(name)}], chr(10), '')), 0)" for name in source.csv_columns
    )
    dialect = f"""columns = {{{columns}}}, header = true, skip = {source.csv_skip},
                  auto_detect = false, delim = ',', quote = '"', escape = '"', comment = '',
                  hive_partitioning = false, max_line_size = {MAX_RECORD_BYTES}"""
    strict = not source.csv_mixed_line_ends
    select_sql = f"""
        select doc, case when contains(doc, '\\n') then {newlines} else 0 end as nl
        from (
            select cast(to_json(t) as varchar) as doc, t as __row
            from read_csv({quoted(path)}, {dialect}, strict_mode = {str(strict).lower()},
                          store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans') as t
        )
    """
    read_with_rejects(con, select_sql, first_data_line=source.csv_skip + 2, file_path=path, lines_by_bytes=not strict)
    if not strict:
        _reject_text_after_quotes(con, path)


def _reject_text_after_quotes(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    """Reject the rows of a leniently read CSV that have text after a closing quote.

    Strict mode rejects `1,"we"b,x` (malformed_csv); lenient mode reads it as `1,we,x`,
    silently dropping the `b`. Each quoted value of the file (`QUOTED_VALUE`, so `""`
    inside one and a quote inside an unquoted value are read as DuckDB reads them) must
    end its field: a comma, a line end or the end of the file after it. A row with one
    that does not is turned from a good row of `__input` into a rejected one, its text
    the file's line where the record starts (DuckDB rejects some such rows itself, as
    invalid_encoding when the dropped text cuts a character in two: those get this
    reason too). Python steps through the quoted values only (about 1.5 s per 30 MB
    when every value is quoted); the rows found are usually none."""
    record_starts: list[int] = []
    texts: list[str] = []
    with mapped(file_path) as data:
        spanning: list[tuple[int, int]] = []  # quoted values that span lines, in file order
        for match in QUOTED_VALUE.finditer(data):
            start, end = match.span()
            if spans_lines(data, match):
                spanning.append((start, end))
            if end >= len(data) or data[end : end + 1] in (b",", b"\r", b"\n"):
                continue
            # The record starts on the line of this value, unless that line begins
            # inside an earlier value spanning lines: then on that value's line.
            record_start = data.rfind(b"\n", 0, start) + 1
            while (holder := holder_of(spanning, record_start)) is not None:
                record_start = data.rfind(b"\n", 0, holder[0]) + 1
            if record_starts and record_start == record_starts[-1]:
                continue  # a second such value in the same record
            line_end = data.find(b"\n", record_start)
            record_starts.append(record_start)
            line = data[record_start : min(line_end if line_end >= 0 else len(data), record_start + 2000)]
            texts.append(line.rstrip(b"\r").decode("utf-8", errors="replace"))
        found = list(zip(lines_at(data, record_starts), texts, strict=True))
    if not found:
        return
    con.execute("create or replace temp table __read_after_quote (line_number bigint, raw_line varchar)")
    con.executemany("insert into __read_after_quote values (?, ?)", found)
    con.execute(
        """
        update __input
        set doc = f.raw_line,
            read_error = 'malformed_csv: text after a closing quote (the file mixes LF and CRLF line ends,'
                         || ' so it is read leniently; quote the whole value)'
        from __read_after_quote as f
        -- DuckDB may also cut a character after the quote in two: invalid_encoding, wrongly
        where __input.line_number = f.line_number
            and (__input.read_error is null or starts_with(__input.read_error, 'invalid_encoding:'))
        """
    )
    con.execute("drop table __read_after_quote")


def _read_parquet(con: duckdb.DuckDBPyConnection, path: str) -> None:
    con.execute(
        f"""
        create temp table __input as
        select row_number() over () as line_number, cast(to_json(t) as varchar) as doc, cast(null as varchar) as read_error
        from read_parquet({path}, hive_partitioning = false) as t
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
        -- decode(), not a cast: casting a BLOB to VARCHAR escapes every byte (\\x22 ...); NULL = not UTF-8.
        -- A UTF-8 byte order mark is not part of the document.
        select case when starts_with(text, chr(65279)) then substr(text, 2) else text end as text
        from (select try(decode(content)) as text from read_blob({path}))
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
