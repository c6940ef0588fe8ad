"""Inspect one input file before it is read: its format, and a CSV's header and line ends.

The inspection reads as little as it needs (a `.json` file's first two non-blank lines,
a CSV's header row, one byte-count pass for the line ends), so a file that cannot be
read as a whole fails here, with its name in the message, before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

# A record larger than this is rejected as a whole (a 10 MB field is a broken upstream,
# not a chat message); DuckDB reads it as one line and reports it, line number included.
MAX_RECORD_BYTES = 4 * 1024 * 1024

# How much of a rejected record's text the rejects table keeps (`raw_record`): enough to
# see what was wrong, not a copy of a 4 MiB line. Characters in SQL, bytes in Python.
REJECT_TEXT_CHARS = 2000

FORMATS_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
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
    # os.stat's st_mtime_ns, taken with the size before the file is read (a rewrite while
    # it is read gives a newer mtime, so the next landing loads it again).
    mtime_ns: int
    # CSV only: the header's column names, and the blank lines before the header.
    csv_columns: tuple[str, ...] = ()
    csv_skip: int = 0
    # Whether LF and CR line ends are mixed (read leniently: see reader._read_csv).
    csv_mixed_line_ends: bool = False
    # JSON lines only: whether lines end in CRLF (all or some) and no CR stands alone
    # (read with CRLF line ends: see reader._read_jsonl).
    jsonl_crlf: bool = False
    # The path as the caller gave it (a later InputError names the file as typed).
    given_path: str = ""

    @property
    def name_given(self) -> str:
        return self.given_path or str(self.path)


def inspect_input(raw_path: str, allowed_formats: tuple[str, ...], *, csv_fields: Sequence[str] = (), kind_name: str = "") -> InputFile:
    """The file's format and, for a CSV, its header. `csv_fields` are the fields the
    kind reads (LoadKind.record_fields): a CSV whose first line names none of them has
    no header (its first line is a record), which is an InputError, not a file whose
    first record disappears and whose other records are all missing_field rejects.

    Any OSError on the way (no read permission, a file removed or replaced while it is
    inspected, an I/O error) is an InputError too, naming the file and the reason: a
    caller handles one exception for "this file cannot be read" (land_folder lists the
    file as failed and lands the rest), not a traceback."""
    try:
        return replace(_inspect(raw_path, allowed_formats, csv_fields=csv_fields, kind_name=kind_name), given_path=raw_path)
    except OSError as exc:
        raise InputError(f"{raw_path}: cannot be read: {os_reason(exc)}") from exc


def os_reason(exc: OSError) -> str:
    """An OSError's reason in a few lower-case words ('permission denied'), without the
    path and errno the exception's own text repeats."""
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def _inspect(raw_path: str, allowed_formats: tuple[str, ...], *, csv_fields: Sequence[str], kind_name: str) -> InputFile:
    path = Path(raw_path)
    if not path.exists():
        raise InputError(f"{raw_path}: no such file")
    if path.is_dir():
        raise InputError(f"{raw_path}: is a directory, not a file (pass the files inside it)")
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{raw_path}: unknown file type {path.suffix or '(none)'}; expected one of {', '.join(sorted(FORMATS_BY_SUFFIX))}")
    # Size and mtime before anything is read (a rewrite while it is read gives a newer
    # mtime, so the next landing loads it again).
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        # A pipe would block the read below for as long as nobody writes to it.
        raise InputError(f"{raw_path}: not a regular file (a pipe, socket or device)")
    # Opened once here whatever the format: a Parquet file is not read before DuckDB
    # reads it, whose error would not name the file's problem (or be an InputError).
    with open(path, "rb") as handle:
        head = handle.read(4)
    if fmt != "parquet":
        _refuse_utf16(raw_path, head)
    if fmt == "json":
        fmt = _json_layout(path)
    if fmt not in allowed_formats:
        raise InputError(f"{raw_path}: format {fmt} is not accepted here (accepted: {', '.join(allowed_formats)})")
    size, mtime = info.st_size, info.st_mtime_ns
    if fmt == "csv" and size > 0:
        try:
            columns, skip = _csv_header(path)
        except csv.Error:
            raise InputError(
                f'{raw_path}: the header has an unterminated quote (a `"` opened in the first line is never closed): a CSV file needs a header row'
            ) from None
        if not columns:
            raise InputError(f"{raw_path}: a CSV file needs a header row naming its columns; none found")
        if csv_fields and not _names_any(columns, csv_fields):
            shown = ", ".join(csv_fields[:4]) + (", ..." if len(csv_fields) > 4 else "")
            raise InputError(
                f"{raw_path}: the first line is not a header naming the {kind_name or 'expected'} columns ({shown}): a CSV file needs a header row"
            )
        mixed = not _uniform_line_ends(path)
        return InputFile(
            path=path.resolve(), format=fmt, size_bytes=size, mtime_ns=mtime, csv_columns=columns, csv_skip=skip, csv_mixed_line_ends=mixed
        )
    if fmt == "jsonl" and _has_cr(path):
        _, cr, crlf = _line_end_counts(path)
        return InputFile(path=path.resolve(), format=fmt, size_bytes=size, mtime_ns=mtime, jsonl_crlf=cr == crlf)
    return InputFile(path=path.resolve(), format=fmt, size_bytes=size, mtime_ns=mtime)


# Byte order marks of the UTF-16 and UTF-32 encodings (UTF-32 LE's starts with UTF-16
# LE's, so it is tested first). Read as UTF-8, such a file is a NUL after every
# character: each record a misleading reject, a CSV "not a header".
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32", "FF FE 00 00"),
    (b"\x00\x00\xfe\xff", "UTF-32", "00 00 FE FF"),
    (b"\xff\xfe", "UTF-16", "FF FE"),
    (b"\xfe\xff", "UTF-16", "FE FF"),
)


def _refuse_utf16(raw_path: str, head: bytes) -> None:
    """An InputError for a text file in UTF-16 or UTF-32 (known by its byte order mark):
    the loader reads UTF-8, and says how to convert it."""
    for bom, encoding, shown in _WIDE_BOMS:
        if head.startswith(bom):
            path = Path(raw_path)
            target = path.with_name(f"{path.stem}.utf8{path.suffix}")
            raise InputError(f"{raw_path}: {encoding} encoded (BOM {shown}); convert: iconv -f {encoding} -t UTF-8 {raw_path} > {target}")


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
    document, or JSON lines whose first record is broken or oversized): when the second
    line is a whole value and the third is too, or there is none, JSON lines (in a
    document a whole value on a line is followed by `, } ]`, which starts the next line,
    and a document of two lines cannot end in a whole value after an unfinished one).
    Else a valid document can break a line only between tokens, so the line before the
    break ends in `{ [ , :` or the next line starts with `, } ] :`; then it is a
    document, else JSON lines. At most three non-blank lines are read.
    """
    with _open_after_bom(path) as handle:
        first = _next_line(handle)
        if first is None:
            return "json"  # only blanks: one document, rejected as invalid JSON
        head, _, last = first
        if head[:1] == b"[":
            return "json"
        if head[:1] != b"{":
            return "jsonl"
        if _is_whole_line(first):
            return "jsonl" if _next_line(handle) is not None else "json"
        following = _next_line(handle)
        if following is None:
            return "json"  # one line: the same single record either way
        if _is_whole_line(following) and ((third := _next_line(handle)) is None or _is_whole_line(third)):
            return "jsonl"  # a broken first record
    if (last and last in b"{[,:") or following[0][:1] in (b",", b"}", b"]", b":"):
        return "json"
    return "jsonl"


def _is_whole_line(line: tuple[bytes, bool, bytes]) -> bool:
    """Whether a line of _next_line is one whole JSON value (never one over MAX_RECORD_BYTES)."""
    head, too_long, _ = line
    return not too_long and _is_json(head)


def _csv_header(path: Path) -> tuple[tuple[str, ...], int]:
    """The header's column names (blank names as `columnN`, repeats suffixed `_N`) and
    the number of blank lines before it. Raises csv.Error for a header whose quote is
    never closed."""
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
    # strict: a quote opened in the header and never closed is csv.Error (the caller's
    # InputError), not one column name holding every record of the file. Other quoting
    # slips (text after a closing quote) are read leniently, as before.
    try:
        names = next(csv.reader(io.StringIO(text), strict=True), [])
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise
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


def _names_any(columns: Sequence[str], fields: Sequence[str]) -> bool:
    """Whether a header names at least one of the fields, in any letter case (a header
    in the wrong case is still a header: its rows are missing_field rejects, as a
    header lacking a required column)."""
    known = {name.casefold() for name in fields}
    return any(name.casefold() in known for name in columns)


def _uniform_line_ends(path: Path) -> bool:
    """Whether every line ends alike (all LF, or all CRLF with no other CR)."""
    lf, cr, crlf = _line_end_counts(path)
    return cr == 0 or cr == crlf == lf


def _line_end_counts(path: Path) -> tuple[int, int, int]:
    """The file's LF, CR and CRLF counts: one pass over the file in C-speed byte counts
    (about 0.35 s per 200 MB)."""
    lf = cr = crlf = 0
    previous = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            lf += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (previous == b"\r" and chunk[:1] == b"\n")
            previous = chunk[-1:]
    return lf, cr, crlf


def _has_cr(path: Path) -> bool:
    """Whether the file holds a CR anywhere: a memchr-speed pass (about 30 ms per 200 MB),
    so a JSON lines file with LF line ends, the usual one, is not counted through."""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            if b"\r" in chunk:
                return True
    return False
