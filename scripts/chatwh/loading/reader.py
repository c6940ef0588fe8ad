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

from .input_file import MAX_RECORD_BYTES, REJECT_TEXT_CHARS, InputError, InputFile
from .lenient_csv import reject_lenient_misreads
from .line_numbers import read_with_rejects
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
            _read_parquet(con, path, source)


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


# A blank line of JSON lines (skipped, not a record): only spaces, tabs and CRs. Only a
# line below '!' (it starts with a space, tab, CR or another control character) is
# trimmed: one byte comparison per line, where three starts_with and chr() calls made
# the 10M-event load about 10 % slower. The tab and CR are literal characters.
_BLANK_CHARACTERS = " \t\r"
_IS_BLANK = f"(line < '!' and trim(line, '{_BLANK_CHARACTERS}') = '')"


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
        select case when line = '' or {_IS_BLANK} then null else line end as doc
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
    there), and the records lenient mode misreads (text after a closing quote, a quote
    never closed, extra values) are found in the file and rejected (lenient_csv)."""
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
            select cast(to_json(__row) as varchar) as doc, __row
            from (
                -- the row as a struct of its columns (struct_pack, not the table alias: a
                -- column with the alias's name would stand for the row)
                select struct_pack(*columns(*)) as __row
                from read_csv({quoted(path)}, {dialect}, strict_mode = {str(strict).lower()},
                              store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans')
            )
        )
    """
    first_data_line = source.csv_skip + 2
    read_with_rejects(con, select_sql, first_data_line=first_data_line, file_path=path, lines_by_bytes=not strict)
    if not strict:
        reject_lenient_misreads(con, path, len(source.csv_columns), first_data_line)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: str, source: InputFile) -> None:
    """A Parquet file, read whole. One it cannot read (truncated, corrupt, not Parquet)
    is an InputError naming the file, not the temporary link DuckDB read it through:
    Parquet has no records to reject one by one, so the file as a whole fails."""
    try:
        con.execute(
            f"""
            create temp table __input as
            select row_number() over () as line_number, cast(to_json(struct_pack(*columns(*))) as varchar) as doc,
                cast(null as varchar) as read_error
            from read_parquet({quoted(path)}, hive_partitioning = false)
            """
        )
    except (duckdb.InterruptException, duckdb.OutOfMemoryException):
        raise  # Ctrl-C, or the machine, not the file
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = re.sub(r"^[A-Za-z ]*Error: ", "", message.replace(path, source.name_given))
        raise InputError(f"{source.name_given}: cannot be read as Parquet (truncated or corrupt?): {message}") from None


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
                   case when strlen(value) > {MAX_RECORD_BYTES} then left(value, {REJECT_TEXT_CHARS}) else value end as doc,
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
            select 1 as line_number, left(coalesce(text, ''), {REJECT_TEXT_CHARS}) as doc,
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
