"""Number the rows read from a file by their physical line, rejected records included.

DuckDB's `read_csv` with `store_rejects` returns the good rows in file order and the
rejected records by DuckDB's own line number. `read_with_rejects` turns the two into
`__input(line_number, doc, read_error)`, every row on the line it starts on in the
file, however records span lines, blank lines sit between them or line ends are mixed.
"""

from __future__ import annotations

import bisect
import mmap
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from .input_file import REJECT_TEXT_CHARS
from .sqlparts import quoted

# DuckDB's error type of a rejected record, as the reason the rejects table gives.
_READ_ERROR_REASONS = {
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "LINE SIZE OVER MAXIMUM": "record_too_large",
    "TOO MANY COLUMNS": "wrong_column_count",
    "MISSING COLUMNS": "wrong_column_count",
    "UNQUOTED VALUE": "malformed_csv",
    "CAST ERROR": "malformed_csv",
}


def read_with_rejects(
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
               left(raw_line, {REJECT_TEXT_CHARS}) as doc,
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
def mapped(file_path: str) -> Iterator[bytes]:
    """The file's bytes, memory-mapped (b"" for an empty file, which mmap refuses)."""
    with open(file_path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data  # type: ignore[misc]


def lines_at(data: bytes, offsets: list[int]) -> list[int]:
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
# character to DuckDB (`we"b` reads as we"b), so it starts nothing here either. A value
# whose quote is never closed runs to the end of the file, as DuckDB reads it; only then
# is group 1 (the closing quote) None.
QUOTED_VALUE = re.compile(rb'(?<![^,\n])"(?:[^"]|"")*(")?')


def spans_lines(data: bytes, match: re.Match[bytes]) -> bool:
    return data.find(b"\n", match.start(), match.end()) >= 0


def _spanning_quoted_values(data: bytes) -> list[tuple[int, int]]:
    """The byte ranges of the quoted values that span lines, in file order. Python steps
    through every quoted value (about 1.5 s per 30 MB when every value is quoted)."""
    return [match.span() for match in QUOTED_VALUE.finditer(data) if spans_lines(data, match)]


def _blank_lines(con: duckdb.DuckDBPyConnection, file_path: str, first_data_line: int, *, values_span_lines: bool) -> int:
    """`__read_blank(line_number)`: the blank lines among a CSV's records, which DuckDB
    skips; returns how many. A blank line inside a quoted value, or inside the text of a
    record DuckDB rejected, is part of that record, not one of them. One regex pass over
    the file at C speed finds the blank lines (usually none: about 15 ms per 30 MB).
    Only when there are any, and some good row's values span lines
    (`values_span_lines`), does a second pass find those values
    (`_spanning_quoted_values`)."""
    blank: list[int] = []
    with mapped(file_path) as data:
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
            for start, line in zip(starts, lines_at(data, starts), strict=True):
                if line >= first_data_line and not inside(quoted_values, start) and not inside(rejected, start):
                    blank.append(line)
    con.execute("create or replace temp table __read_blank (line_number bigint)")
    if blank:
        con.executemany("insert into __read_blank values (?)", [(line,) for line in blank])
    return len(blank)


def holder_of(ranges: list[tuple[int, int]], position: int) -> tuple[int, int] | None:
    """The one of `ranges` (sorted, not overlapping) that `position` lies inside, if any."""
    holder = bisect.bisect_right(ranges, (position, position)) - 1
    if holder >= 0 and ranges[holder][0] < position < ranges[holder][1]:
        return ranges[holder]
    return None


def inside(ranges: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` lies inside one of `ranges` (sorted, not overlapping)."""
    return holder_of(ranges, position) is not None


def _lines_from_bytes(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    """Set each rejected record's line_number to its physical line, counted from its byte
    position (`lines_at`): the rejected records' numbers are all Python handles."""
    positions = con.execute(
        "select byte_position, length(lead) - length(replace(lead, chr(10), '')) from __read_bad"
        " where byte_position is not null order by byte_position"
    ).fetchall()
    if not positions:
        return  # nothing rejected (only blank lines, or only mixed line ends): nothing to fix
    with mapped(file_path) as data:
        starts = lines_at(data, [int(byte_position) - 1 for byte_position, _ in positions])  # DuckDB's positions count from 1
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
