"""What DuckDB's lenient CSV mode reads wrongly, found in the file and rejected.

A CSV that mixes LF and CRLF line ends is read with `strict_mode = false` (strict mode
fails such a file as a whole, or reads no row of it). Where strict mode rejects a record,
lenient mode reads some as good rows and loses data without a trace:

- text after a closing quote: `1,"we"b,x` reads as `1,we,x`;
- a quote never closed: the rest of the file is read into that value, and the records
  after it vanish;
- more values than the header names: the extra ones are dropped.

`reject_lenient_misreads` finds those records in the file and turns their rows of
`__input` into rejected ones, with the reason strict mode gives (malformed_csv,
wrong_column_count) and the record's text: its first line, or for a quote never closed
the rest of the file. Python steps through the file twice, on the rare file with mixed
line ends only: its quoted values by a regex (about 1.5 to 4 s per 30 MB when every value
is quoted) and its records by the csv module, which reads quotes as DuckDB does (about
0.5 s per 30 MB).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import duckdb

from .input_file import MAX_RECORD_BYTES, REJECT_TEXT_CHARS
from .line_numbers import QUOTED_VALUE, holder_of, lines_at, mapped, spans_lines

LENIENT = "(the file mixes LF and CRLF line ends, so it is read leniently)"


@dataclass(frozen=True)
class Misread:
    line_number: int  # the physical line where the record starts
    raw_line: str
    read_error: str
    # which error DuckDB may already have given the row that this one replaces
    replaces: Literal["nothing", "invalid_encoding", "any"]


def reject_lenient_misreads(con: duckdb.DuckDBPyConnection, file_path: str, columns: int, first_data_line: int) -> None:
    """Reject the rows of `__input` (a CSV read leniently) that lenient mode misread."""
    found: dict[int, Misread] = {}
    for misread in [*_misquoted(file_path), *_overlong(file_path, columns, first_data_line)]:
        found.setdefault(misread.line_number, misread)  # one reason per record: the quote's first
    if not found:
        return
    con.execute("create or replace temp table __read_misreads (line_number bigint, raw_line varchar, read_error varchar, replaces varchar)")
    con.executemany(
        "insert into __read_misreads values (?, ?, ?, ?)", [(m.line_number, m.raw_line, m.read_error, m.replaces) for m in found.values()]
    )
    con.execute(
        """
        update __input
        set doc = f.raw_line, read_error = f.read_error
        from __read_misreads as f
        where __input.line_number = f.line_number
            and (__input.read_error is null
                 or f.replaces = 'any'
                 or (f.replaces = 'invalid_encoding' and starts_with(__input.read_error, 'invalid_encoding:')))
        """
    )
    con.execute("drop table __read_misreads")


def _misquoted(file_path: str) -> list[Misread]:
    """Records with text after a closing quote, or a quote never closed. Each quoted value
    of the file (`QUOTED_VALUE`, so `""` inside one and a quote inside an unquoted value are
    read as DuckDB reads them) must end its field: a comma, a line end or the end of the
    file after it. DuckDB may cut a character after the quote in two and reject the row as
    invalid_encoding, wrongly: that reason is replaced; a value never closed may have left
    its row a column short (wrong_column_count): any reason is."""
    record_starts: list[int] = []
    rows: list[tuple[str, str, Literal["invalid_encoding", "any"]]] = []
    with mapped(file_path) as data:
        spanning: list[tuple[int, int]] = []  # quoted values that span lines, in file order
        for match in QUOTED_VALUE.finditer(data):
            start, end = match.span()
            if spans_lines(data, match):
                spanning.append((start, end))
            unterminated = match.group(1) is None
            if not unterminated and (end >= len(data) or data[end : end + 1] in (b",", b"\r", b"\n")):
                continue
            # The record starts on the line of this value, unless that line begins
            # inside an earlier value spanning lines: then on that value's line.
            record_start = data.rfind(b"\n", 0, start) + 1
            while (holder := holder_of(spanning, record_start)) is not None:
                record_start = data.rfind(b"\n", 0, holder[0]) + 1
            if record_starts and record_start == record_starts[-1]:
                continue  # a second such value in the same record
            record_starts.append(record_start)
            if unterminated:
                # DuckDB read the rest of the file into this value: all of it is the record
                text = data[record_start : record_start + MAX_RECORD_BYTES]
                rows.append((text.decode("utf-8", errors="replace"), f"malformed_csv: a quote never closed {LENIENT}", "any"))
            else:
                text = _line(data, record_start)
                reason = f"malformed_csv: text after a closing quote; quote the whole value {LENIENT}"
                rows.append((text, reason, "invalid_encoding"))
        lines = lines_at(data, record_starts)
    return [Misread(line, text, reason, replaces) for line, (text, reason, replaces) in zip(lines, rows, strict=True)]


def _overlong(file_path: str, columns: int, first_data_line: int) -> list[Misread]:
    """Records with more values than the header's `columns` (lenient mode drops the extra
    ones; strict mode rejects the row as wrong_column_count). A record csv cannot read (a
    stray CR inside an unquoted value, a quote never closed) is left to the other checks."""
    lines = _PhysicalLines(file_path)
    reader = csv.reader(lines)
    found: list[Misread] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_RECORD_BYTES + 1)
    try:
        while True:
            lines.record_start = 0
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue
            if lines.record_start >= first_data_line and len(values) > columns:
                reason = f"wrong_column_count: {len(values)} values, the header names {columns} {LENIENT}"
                found.append(Misread(lines.record_start, lines.record_text, reason, "nothing"))
    finally:
        csv.field_size_limit(limit)
        lines.close()
    return found


class _PhysicalLines:
    """The file's lines (ended by LF, a CR before it kept, as csv expects) as text for
    csv.reader, numbered as `lines_at` numbers them; `record_start` and `record_text` are
    the number and text of the first line the reader took since `record_start` was set
    to 0."""

    def __init__(self, file_path: str) -> None:
        self._handle = open(file_path, "rb")  # noqa: SIM115 - closed by close()
        self._number = 0
        self.record_start = 0
        self.record_text = ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._handle.readline()
        if not raw:
            raise StopIteration
        self._number += 1
        text = raw.decode("utf-8", errors="replace")
        if self.record_start == 0:
            self.record_start = self._number
            self.record_text = text[:REJECT_TEXT_CHARS].rstrip("\r\n")
        return text

    def close(self) -> None:
        self._handle.close()


def _line(data: bytes, start: int) -> str:
    """The line starting at byte `start` (at most REJECT_TEXT_CHARS bytes, without its line end)."""
    end = data.find(b"\n", start)
    return data[start : min(end if end >= 0 else len(data), start + REJECT_TEXT_CHARS)].rstrip(b"\r").decode("utf-8", errors="replace")
