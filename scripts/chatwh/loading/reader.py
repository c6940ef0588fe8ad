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
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import mmap
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
    "INVALID UNICODE": "invalid_encoding",
    "LINE SIZE OVER MAXIMUM": "record_too_large",
    "TOO MANY COLUMNS": "wrong_column_count",
    "MISSING COLUMNS": "wrong_column_count",
    "UNQUOTED VALUE": "malformed_csv",
    "CAST ERROR": "malformed_csv",
}

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16
# A CSV header longer than this is not a header (the file is not the CSV it claims to be).
_MAX_HEADER_BYTES = 1 << 20


class InputError(RuntimeError):
    """The file as a whole cannot be read (missing, a directory, unknown format)."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: str
    size_bytes: int
    # CSV only: the header's column names, and the blank lines before the header.
    csv_columns: tuple[str, ...] = ()
    csv_skip: int = 0
    # Whether LF and CR line ends are mixed (read leniently: see _read_csv).
    csv_mixed_line_ends: bool = False


def inspect_input(raw_path: str, allowed_formats: tuple[str, ...]) -> InputFile:
    path = Path(raw_path)
    if not path.exists():
        raise InputError(f"{raw_path}: no such file")
    if path.is_dir():
        raise InputError(f"{raw_path}: is a directory, not a file (pass the files inside it)")
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{raw_path}: unknown file type {path.suffix or '(none)'}; expected one of {', '.join(sorted(FORMATS_BY_SUFFIX))}")
    if fmt == "json":
        fmt = _json_layout(path)
    if fmt not in allowed_formats:
        raise InputError(f"{raw_path}: format {fmt} is not accepted here (accepted: {', '.join(allowed_formats)})")
    size = path.stat().st_size
    if fmt == "csv" and size > 0:
        columns, skip = _csv_header(path)
        if not columns:
            raise InputError(f"{raw_path}: a CSV file needs a header row naming its columns; none found")
        mixed = not _uniform_line_ends(path)
        return InputFile(path=path.resolve(), format=fmt, size_bytes=size, csv_columns=columns, csv_skip=skip, csv_mixed_line_ends=mixed)
    return InputFile(path=path.resolve(), format=fmt, size_bytes=size)


def _open_after_bom(path: Path) -> BinaryIO:
    handle = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    if handle.read(3) != _BOM:
        handle.seek(0)
    return handle


def _next_line(handle: BinaryIO) -> tuple[bytes, bool, bytes] | None:
    """The next line that is not blank: (its first MAX_RECORD_BYTES + 1 bytes, whether it
    is longer than MAX_RECORD_BYTES, its last non-blank byte); None at the end of the
    file. Memory stays bounded whatever the line's length, and a line that does not start
    with `{` (a one-line array of any size) is not read to its end."""
    while True:
        head = handle.readline(MAX_RECORD_BYTES + 1)
        if not head:
            return None
        if head.strip() and head.lstrip()[:1] != b"{":
            return head.lstrip(), False, b""  # not an object's line: its end is not needed
        last = head.rstrip()[-1:]
        too_long = len(head.rstrip(b"\r\n")) > MAX_RECORD_BYTES
        chunk = head
        while not chunk.endswith(b"\n"):
            chunk = handle.readline(_CHUNK)
            if not chunk:
                break
            too_long = True
            if chunk.strip():
                last = chunk.rstrip()[-1:]
        if head.strip() or too_long:
            return head.lstrip(), too_long, last


def _is_json(text: bytes) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _json_layout(path: Path) -> str:
    """`json` (one document: an array, or one object) or `jsonl` (a record per line) for
    a `.json` file, from its first two non-blank lines (a BOM ignored), never more.

    `[` first: a document. Not `{` first: JSON lines (each line is judged on its own).
    `{` first: if the first line is a whole JSON value, the file is JSON lines when
    anything follows it (one object and more cannot be one document) and a one-object
    document otherwise. If the first line is not a whole value (a pretty-printed
    document, or JSON lines whose first record is broken or oversized): a valid document
    can break a line only between tokens, so the line before the break ends in `{ [ , :`
    or the next line starts with `, } ] :`; then it is a document, else JSON lines.
    """
    with _open_after_bom(path) as handle:
        first = _next_line(handle)
        if first is None:
            return "json"  # only blanks: one document, rejected as invalid JSON
        head, too_long, last = first
        if head[:1] == b"[":
            return "json"
        if head[:1] != b"{":
            return "jsonl"
        if not too_long and _is_json(head):
            return "jsonl" if _next_line(handle) is not None else "json"
        following = _next_line(handle)
    if following is None:
        return "json"  # one line: the same single record either way
    if (last and last in b"{[,:") or following[0][:1] in (b",", b"}", b"]", b":"):
        return "json"
    return "jsonl"


def _csv_header(path: Path) -> tuple[tuple[str, ...], int]:
    """The header's column names (blank names as `columnN`, repeats suffixed `_N`) and
    the number of blank lines before it."""
    skip = 0
    with _open_after_bom(path) as handle:
        while True:
            line = handle.readline(_MAX_HEADER_BYTES)
            if not line:
                return (), skip
            if line.strip():
                break
            skip += 1
        rest = handle.read(_MAX_HEADER_BYTES) if line.count(b'"') % 2 else b""  # a quoted newline in a name
    text = (line + rest).decode("utf-8", errors="replace")
    names = next(csv.reader(io.StringIO(text)), [])
    columns: list[str] = []
    for index, name in enumerate(names):
        name = name.strip() or f"column{index}"
        unique, n = name, 0
        while unique in columns:
            n += 1
            unique = f"{name}_{n}"
        columns.append(unique)
    return tuple(columns), skip


def _uniform_line_ends(path: Path) -> bool:
    """Whether every line ends alike (all LF, or all CRLF with no other CR): one pass over
    the file in C-speed byte counts."""
    lf = cr = crlf = 0
    previous = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            lf += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (previous == b"\r" and chunk[:1] == b"\n")
            previous = chunk[-1:]
    return cr == 0 or cr == crlf == lf


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


def read_into_input(con: duckdb.DuckDBPyConnection, source: InputFile) -> None:
    """Create temp table __input for one file; every readable record becomes one row."""
    con.execute("drop table if exists __input")
    if source.size_bytes == 0:
        con.execute("create temp table __input (line_number bigint, doc varchar, read_error varchar)")
        return
    with _literal_path(source.path) as path:
        if source.format == "jsonl":
            _read_jsonl(con, quoted(path))
        elif source.format == "csv":
            _read_csv(con, path, source)
        elif source.format == "json":
            _read_json_document(con, quoted(path))
        else:
            _read_parquet(con, quoted(path))


def _read_with_rejects(
    con: duckdb.DuckDBPyConnection, select_sql: str, first_data_line: int, file_path: str | None = None, lines_by_bytes: bool = False
) -> None:
    """Run a read_csv select with store_rejects and number rows by physical line.

    Good rows come back in file order; the rejected records are known by DuckDB's line
    number, so the k-th good row sits on the k-th line number not taken by a rejected
    record. That line is found by an as-of join on the rejected records (how many good
    rows precede each), not by listing and numbering every line number of the file.

    CSV (`file_path` given, the select also returning `nl`, the newlines inside a row's
    quoted values): DuckDB counts a record spanning several lines as one line, so each
    record's physical line is that number plus the newlines inside the records before
    it, added by a second as-of join on the few records that have any. An oversized
    record is cut in the rejects table; its newlines are counted in the file itself.

    `lines_by_bytes` (a CSV read leniently, whose line numbers DuckDB miscounts when LF
    and CRLF are mixed): a rejected record's line is counted from its byte position in
    the file instead, and the good rows are placed between them by
    `_place_by_physical_lines`.

    A CSV with blank lines between its records (`_blank_lines`): DuckDB skips them
    without a trace, so the good rows are placed the same way, the blank lines taking
    their lines as a rejected record would, but yielding no row.
    """
    spans = file_path is not None
    con.execute("drop table if exists __read_rejects")
    con.execute("drop table if exists __read_scans")
    con.execute(f"create temp table __read_good as select row_number() over () as ordinal, * from ({select_sql})")
    (bad_lines,) = con.execute("select count(*) from __read_rejects").fetchone()  # type: ignore[misc]
    (multiline,) = con.execute("select count(*) from __read_good where nl > 0").fetchone() if spans else (0,)  # type: ignore[misc]
    blank_lines = _blank_lines(con, file_path, first_data_line, values_span_lines=multiline > 0) if spans else 0
    lines_by_bytes = lines_by_bytes or blank_lines > 0
    if bad_lines == 0 and multiline == 0 and blank_lines == 0:
        # The common case, every line read: the k-th row is on line k (after the header),
        # so the table read becomes __input in place, without copying the file's text.
        con.execute("delete from __read_good where doc is null")
        if spans:
            con.execute("alter table __read_good drop column nl")
        if first_data_line != 1:
            con.execute(f"update __read_good set ordinal = ordinal + {first_data_line - 1}")
        con.execute("alter table __read_good rename column ordinal to line_number")
        con.execute("alter table __read_good add column read_error varchar")
        con.execute("alter table __read_good rename to __input")
        for name in ("__read_rejects", "__read_scans"):
            con.execute(f"drop table if exists {name}")
        return
    # DuckDB's text of a record starts with the blank lines before it: not part of it.
    record_text = "ltrim(min(csv_line), chr(10) || chr(13))"
    newlines = f"length({record_text}) - length(replace({record_text}, chr(10), ''))" if spans else "0"
    con.execute(
        f"""
        create temp table __read_bad as
        select min(line) as line_number,
               min(error_type) as error_type,
               {record_text} as raw_line,
               min(error_message) as error_message,
               min(line_byte_position) as byte_position,
               {newlines} as nl,
               -- the blank lines DuckDB puts before the record's text
               left(min(csv_line), length(min(csv_line)) - length({record_text})) as lead
        from __read_rejects
        group by {"line_byte_position" if lines_by_bytes else "line"}
        """
    )
    con.execute("alter table __read_bad add column blank boolean default false")
    if blank_lines:
        # The skipped blank lines, each a one-line entry that takes its line and yields no row.
        con.execute("insert into __read_bad (line_number, nl, blank) select line_number, 0, true from __read_blank")
    if spans:
        _count_oversized_newlines(con, file_path)  # type: ignore[arg-type]
    reasons = " ".join(f"when {quoted(k)} then {quoted(v)}" for k, v in _READ_ERROR_REASONS.items())
    bad_select = f"""
        select line_number,
               left(raw_line, 2000) as doc,
               (case error_type {reasons} else 'unreadable_record' end) || ': ' || left(error_message, 300)
               || case when error_type in ('INVALID ENCODING', 'INVALID UNICODE')
                       then ' (GBK or another legacy encoding? convert the file: iconv -f GBK -t UTF-8)' else '' end as read_error
        from __read_bad
        where not blank
    """
    if lines_by_bytes:
        _lines_from_bytes(con, file_path)  # type: ignore[arg-type]
        _place_by_physical_lines(con, first_data_line, bad_select)
        for name in ("__read_good", "__read_bad", "__read_lines", "__read_spans", "__read_rejects", "__read_scans", "__read_blank"):
            con.execute(f"drop table if exists {name}")
        return
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
    (spanning,) = con.execute("select count(*) from __read_bad where nl > 0").fetchone() if spans else (0,)  # type: ignore[misc]
    if multiline or spanning:
        # The records with newlines inside, in DuckDB's numbering, with the newlines up to
        # and including each: a record's physical line adds those of the records before it.
        con.execute(
            f"""
            create temp table __read_spans as
            select line_number, sum(nl) over (order by line_number) as newlines_through
            from (
                select {line_of_ordinal} as line_number, g.nl from __read_good as g {join} where g.nl > 0
                union all
                select line_number, nl from __read_bad where nl > 0
            )
            """
        )
        physical = "r.line_number + coalesce(s.newlines_through, 0)"
        span_join = "asof left join __read_spans as s on r.line_number > s.line_number"
    else:
        physical, span_join = "r.line_number", ""
    con.execute(
        f"""
        create temp table __input as
        select {physical} as line_number, r.doc, r.read_error
        from (
            select {line_of_ordinal} as line_number, g.doc, cast(null as varchar) as read_error
            from __read_good as g {join}
            where g.doc is not null
            union all
            {bad_select}
        ) as r {span_join}
        """
    )
    for name in ("__read_good", "__read_bad", "__read_lines", "__read_spans", "__read_rejects", "__read_scans", "__read_blank"):
        con.execute(f"drop table if exists {name}")


def _place_by_physical_lines(con: duckdb.DuckDBPyConnection, first_data_line: int, bad_select: str) -> None:
    """`__input` when the rejected records' physical lines are known (`_lines_from_bytes`).

    A good row's slot is the line it would start on if no record were rejected (its
    ordinal plus the newlines inside the good rows before it); a rejected record's slot
    is its line less the lines of the rejected records before it. A good row then moves
    down by the lines of every rejected record whose slot is not after its own.
    """
    con.execute(
        "create temp table __read_spans as select ordinal, sum(nl) over (order by ordinal) as newlines_through from __read_good where nl > 0"
    )
    con.execute(
        """
        create temp table __read_lines as
        select slot, max(lines_through) as lines_through
        from (
            select line_number - (sum(1 + nl) over (order by line_number) - (1 + nl)) as slot,
                   sum(1 + nl) over (order by line_number) as lines_through
            from __read_bad
        )
        group by slot
        """
    )
    con.execute(
        f"""
        create temp table __input as
        select g.slot + coalesce(b.lines_through, 0) as line_number, g.doc, cast(null as varchar) as read_error
        from (
            select g.ordinal + {first_data_line - 1} + coalesce(s.newlines_through, 0) as slot, g.doc
            from __read_good as g asof left join __read_spans as s on g.ordinal > s.ordinal
            where g.doc is not null
        ) as g
        asof left join __read_lines as b on g.slot >= b.slot
        union all
        {bad_select}
        """
    )


@contextmanager
def _mapped(file_path: str) -> Iterator[bytes]:
    """The file's bytes, memory-mapped (b"" for an empty file, which mmap refuses)."""
    with open(file_path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data  # type: ignore[misc]


def _line_numbers(data: bytes, offsets: list[int]) -> list[int]:
    """The 1-based line of each byte offset (ascending), counting newlines at C speed
    4 MB at a time: one pass up to the last offset, memory bounded whatever the gaps."""
    lines: list[int] = []
    newlines = position = 0
    for offset in offsets:
        offset = min(offset, len(data))
        while position < offset:
            step = min(offset, position + (1 << 22))
            newlines += data[position:step].count(b"\n")
            position = step
        lines.append(newlines + 1)
    return lines


# A newline followed by an empty line (LF or CRLF): the empty line is a blank line.
_BLANK_LINE_AHEAD = re.compile(rb"\n(?=\r?\n)")


# A quoted CSV value: a quote at the start of a field (line start or after a comma) to
# its closing quote, `""` inside it. A quote inside an unquoted value is a plain
# character to DuckDB (`we"b` reads as we"b), so it starts nothing here either.
_QUOTED_VALUE = re.compile(rb'(?<![^,\n])"(?:[^"]|"")*"')


def _spans_lines(data: bytes, match: re.Match[bytes]) -> bool:
    return data.find(b"\n", match.start(), match.end()) >= 0


def _spanning_quoted_values(data: bytes) -> list[tuple[int, int]]:
    """The byte ranges of the quoted values that span lines, in file order. Python steps
    through every quoted value (about 1.5 s per 30 MB when every value is quoted)."""
    return [match.span() for match in _QUOTED_VALUE.finditer(data) if _spans_lines(data, match)]


def _blank_lines(con: duckdb.DuckDBPyConnection, file_path: str, first_data_line: int, *, values_span_lines: bool) -> int:
    """`__read_blank(line_number)`: the blank lines among a CSV's records, which DuckDB
    skips; returns how many. A blank line inside a quoted value, or inside the text of a
    record DuckDB rejected, is part of that record, not one of them. One regex pass over
    the file at C speed finds the blank lines (usually none: about 15 ms per 30 MB).
    Only when there are any, and some good row's values span lines
    (`values_span_lines`), does a second pass find those values
    (`_spanning_quoted_values`)."""
    blank: list[int] = []
    with _mapped(file_path) as data:
        starts = [match.start() + 1 for match in _BLANK_LINE_AHEAD.finditer(data)]
        if starts:
            # Byte ranges that hold their blank lines, each list sorted and without
            # overlaps: quoted values spanning lines, and rejected records' own text
            # (DuckDB's text of a record starts with the blank lines before it, which
            # are not its own).
            quoted_values = _spanning_quoted_values(data) if values_span_lines else []
            rejected = []
            for start, text in con.execute(
                "select line_byte_position - 1, min(csv_line) from __read_rejects where line_byte_position is not null group by 1 order by 1"
            ).fetchall():
                raw = (text or "").encode("utf-8")
                rejected.append((int(start) + len(raw) - len(raw.lstrip(b"\r\n")), int(start) + len(raw)))
            for start, line in zip(starts, _line_numbers(data, starts), strict=True):
                if line >= first_data_line and not _inside(quoted_values, start) and not _inside(rejected, start):
                    blank.append(line)
    con.execute("create or replace temp table __read_blank (line_number bigint)")
    if blank:
        con.executemany("insert into __read_blank values (?)", [(line,) for line in blank])
    return len(blank)


def _inside(ranges: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` lies inside one of `ranges` (sorted, not overlapping)."""
    holder = bisect.bisect_right(ranges, (position, position)) - 1
    return holder >= 0 and ranges[holder][0] < position < ranges[holder][1]


def _lines_from_bytes(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    """Set each rejected record's line_number to its physical line, counted from its byte
    position (`_line_numbers`): the rejected records' numbers are all Python handles."""
    positions = con.execute(
        "select byte_position, length(lead) - length(replace(lead, chr(10), '')) from __read_bad"
        " where byte_position is not null order by byte_position"
    ).fetchall()
    with _mapped(file_path) as data:
        starts = _line_numbers(data, [int(byte_position) - 1 for byte_position, _ in positions])  # DuckDB's positions count from 1
    lines = [
        (byte_position, start + int(lead_newlines or 0)) for (byte_position, lead_newlines), start in zip(positions, starts, strict=True)
    ]
    con.execute("create or replace temp table __read_line_fix (byte_position bigint, physical bigint)")
    con.executemany("insert into __read_line_fix values (?, ?)", lines)
    con.execute("update __read_bad set line_number = f.physical from __read_line_fix as f where __read_bad.byte_position = f.byte_position")
    con.execute("drop table __read_line_fix")


def _count_oversized_newlines(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    """Set `nl` of each oversized record (its text in the rejects table is cut) from the
    file: its bytes, from DuckDB's 1-based position and reported size. The file is opened
    once; one bounded read per oversized record (at most a few, each over
    MAX_RECORD_BYTES), not per row."""
    oversized = con.execute(
        "select line_number, byte_position, error_message from __read_bad where error_type = 'LINE SIZE OVER MAXIMUM'"
    ).fetchall()
    if not oversized:
        return
    with open(file_path, "rb") as handle:
        for line_number, byte_position, message in oversized:
            size = re.search(r"Actual Size:\s*(\d+)", message or "")
            if byte_position is None or size is None:
                continue
            count, remaining, leading = 0, int(size.group(1)), True
            handle.seek(max(int(byte_position) - 1, 0))
            while remaining > 0:
                chunk = handle.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
                if leading:
                    chunk = chunk.lstrip(b"\r\n")
                    leading = not chunk
                count += chunk.count(b"\n")
            con.execute("update __read_bad set nl = ? where line_number = ?", [count, line_number])


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: str) -> None:
    # One VARCHAR column per line: \x01 never appears unescaped in valid JSON, so a line
    # holding it is split, reported as a stray column and rejected, as it should be.
    # (DuckDB skips a UTF-8 BOM at the start of the file.)
    select_sql = f"""
        select case when line = '' or (starts_with(line, ' ') and trim(line) = '') then null else line end as doc
        from read_csv({path}, columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                      delim = '\\x01', quote = '', escape = '', new_line = '\\n', comment = '', hive_partitioning = false,
                      store_rejects = true, rejects_table = '__read_rejects', rejects_scan = '__read_scans',
                      max_line_size = {MAX_RECORD_BYTES}, strict_mode = false)
    """
    _read_with_rejects(con, select_sql, first_data_line=1)


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
    _read_with_rejects(con, select_sql, first_data_line=source.csv_skip + 2, file_path=path, lines_by_bytes=not strict)
    if not strict:
        _reject_text_after_quotes(con, path)


def _reject_text_after_quotes(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    """Reject the rows of a leniently read CSV that have text after a closing quote.

    Strict mode rejects `1,"we"b,x` (malformed_csv); lenient mode reads it as `1,we,x`,
    silently dropping the `b`. Each quoted value of the file (`_QUOTED_VALUE`, so `""`
    inside one and a quote inside an unquoted value are read as DuckDB reads them) must
    end its field: a comma, a line end or the end of the file after it. A row with one
    that does not is turned from a good row of `__input` into a rejected one, its text
    the file's line where the record starts (DuckDB rejects some such rows itself, as
    invalid_encoding when the dropped text cuts a character in two: those get this
    reason too). Python steps through the quoted values only (about 1.5 s per 30 MB
    when every value is quoted); the rows found are usually none."""
    record_starts: list[int] = []
    texts: list[str] = []
    with _mapped(file_path) as data:
        spanning: list[tuple[int, int]] = []  # quoted values that span lines, in file order
        for match in _QUOTED_VALUE.finditer(data):
            start, end = match.span()
            if _spans_lines(data, match):
                spanning.append((start, end))
            if end >= len(data) or data[end : end + 1] in (b",", b"\r", b"\n"):
                continue
            # The record starts on the line of this value, unless that line begins
            # inside an earlier value spanning lines: then on that value's line.
            record_start = data.rfind(b"\n", 0, start) + 1
            while _inside(spanning, record_start):
                holder = bisect.bisect_right(spanning, (record_start, record_start)) - 1
                record_start = data.rfind(b"\n", 0, spanning[holder][0]) + 1
            if record_starts and record_start == record_starts[-1]:
                continue  # a second such value in the same record
            line_end = data.find(b"\n", record_start)
            record_starts.append(record_start)
            line = data[record_start : min(line_end if line_end >= 0 else len(data), record_start + 2000)]
            texts.append(line.rstrip(b"\r").decode("utf-8", errors="replace"))
        found = list(zip(_line_numbers(data, record_starts), texts, strict=True))
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
