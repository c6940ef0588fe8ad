"""Load files of one kind: read, parse, classify, write — all set-based.

Classification order for each record (the first that applies is its reason):
read error (encoding, stray column, oversized) → invalid JSON → not an object →
the kind's own contract checks → duplicate key inside the file → key already landed
(before this load, or by an earlier file of the same load).
Every record read ends in exactly one of the raw table or `load_rejects`, so
read = loaded + rejected always holds; each file's batch row records all three counts.

Several small files of a kind are loaded together (`load_files`): one parse, one set of
checks and one transaction for all of them, each file still with its own batch row,
line numbers and reject rows. A file's fixed cost (planning a kind's parse query alone
takes tens of milliseconds) is then paid once per load, not once per file; the result
is the same as loading the files one after another, in order.
"""

from __future__ import annotations

import os
import re
import stat
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from ..connection import Warehouse
from .input_file import REJECT_TEXT_CHARS, InputFile, inspect_input
from .kind import LoadKind
from .reader import read_into_input
from .sinks import BATCH_COLUMNS, REJECT_COLUMNS, BatchInfo, Sink, duckdb_type, sink_for
from .sqlparts import quoted

# Blanks a JSON text may start with (JSON's whitespace), as SQL.
_OBJECT_LEAD = "' ' || chr(9) || chr(10) || chr(13)"
# SQL condition on a read line's text `doc`: it is a JSON object. json_valid never
# raises; valid JSON whose first non-blank character is '{' is an object, and json_type
# decides the rare rest behind a try_cast (never an error, whatever order the optimizer
# evaluates things in). Starts_with first: ltrim copies the line, and almost every line
# starts with a brace. The parse views choose their records by this test on the text,
# not by a filter on a cast or extracted column: DuckDB pushes such a filter down into
# the subquery and casts or extracts every record twice (measured: a third of the parse).
_IS_JSON_OBJECT = f"""coalesce(json_valid(doc), false)
    and case when starts_with(doc, '{{') or starts_with(ltrim(doc, {_OBJECT_LEAD}), '{{') then true
             else coalesce(json_type(try_cast(doc as json)) = 'OBJECT', false) end"""


# A key repeated in a record's top-level object ({"event_id": "a", "event_id": "b"}) is
# valid JSON (RFC 8259: names SHOULD be unique): the first copy counts, as DuckDB's
# extraction reads it (the ChatBI kinds' Python parse keeps the first copy too). A
# reject would cost json_keys over every record: 0.2-0.35 s per million records in a
# micro-benchmark, about a tenth of the chat-events load.

# The id of a record within one load: file index × FILE_STRIDE + line number. The
# working tables key records by it (their `line_number` column), so the files of one
# load need no other column; rejects and lineage get each file's own line back from it.
FILE_STRIDE = 1 << 32


def _file_of(line_number: str) -> str:
    """SQL: the file index of a record id."""
    return f"({line_number} // {FILE_STRIDE})"


_FILE = _file_of("line_number")
_LINE = f"(line_number % {FILE_STRIDE})"

# Files smaller than ALONE_FROM_BYTES load together, up to MAX_BYTES_PER_LOAD a load.
# DuckDB parses a working table on as many threads as it has row groups (122,880
# rows), so a load must hold several of them: 64 MB of 600-byte log lines is one row
# group, and loaded that way the conversation logs took twice as long (measured at 10
# million events: 11.0 s in loads of 64 MB, 5.5 s in loads of 256 MB). A larger file
# fills the threads alone, and copying it into a shared working table costs more than
# sharing the load saves. 256 MB stays a fraction of DuckDB's memory limit.
ALONE_FROM_BYTES = 64 * 1024 * 1024
MAX_BYTES_PER_LOAD = 256 * 1024 * 1024


@dataclass
class LoadResult:
    kind: str
    source_file: str
    batch_id: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""
    # Rows landed in the kind's derived tables (table -> rows); not part of read/loaded.
    derived_rows: dict[str, int] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected


def load_file(warehouse: Warehouse, kind: LoadKind, raw_path: str, options: Mapping[str, Any] | None = None) -> LoadResult:
    """Load one file; raises input_file.InputError for a file that cannot be read at all.

    `options` are the kind's own load.py options (KindOption), given to its prepare step.
    """
    return load_files(warehouse, kind, [raw_path], options)[0]


def group_files(warehouse: Warehouse, kind: LoadKind, raw_paths: Sequence[str]) -> list[list[str]]:
    """The loads for these files, in order: consecutive files smaller than
    ALONE_FROM_BYTES together, up to MAX_BYTES_PER_LOAD. Alone: a larger file, files of
    a kind with a prepare step or derived tables (their Python and child rows work per
    file) and every file on a sink that writes file by file (Spark: no transaction
    spans several inserts), and files of a versioned kind (each file's rows are checked
    against the versions landed before it, so a change back in a later file lands)."""
    if kind.prepare is not None or kind.derived or kind.versioned_by or not sink_for(warehouse).loads_files_together:
        return [[path] for path in raw_paths]
    groups: list[list[str]] = []
    size = 0  # bytes of the last group
    open_group = False  # whether the last group takes more files (it holds no large one)
    for path in raw_paths:
        path_bytes = _file_bytes(path)
        small = path_bytes < ALONE_FROM_BYTES
        if open_group and small and size + path_bytes <= MAX_BYTES_PER_LOAD:
            groups[-1].append(path)
            size += path_bytes
        else:
            groups.append([path])
            size, open_group = path_bytes, small
    return groups


def _file_bytes(raw_path: str) -> int:
    """A file's size for grouping; 0 when it is no regular file or cannot be stat'ed
    (inspect_input then fails it, naming the reason)."""
    try:
        info = os.stat(raw_path)
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def load_files(
    warehouse: Warehouse, kind: LoadKind, raw_paths: Sequence[str], options: Mapping[str, Any] | None = None
) -> list[LoadResult]:
    """Load files in one transaction (all or none of them), one LoadResult per file.

    Raises input_file.InputError, before anything is written, when one cannot be read at
    all. Use group_files to split a folder's files into loads.
    """
    if not raw_paths:
        return []
    sources = [inspect_input(path, kind.formats, csv_fields=kind.record_fields, kind_name=kind.name) for path in raw_paths]
    if len(sources) > 1 and (kind.prepare is not None or kind.derived):
        raise ValueError(f"{kind.name}: files of a kind with a prepare step or derived tables load one at a time")
    started = time.monotonic()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    # The file is recorded by its resolved absolute path (InputFile.path), never as typed:
    # `rel/r.jsonl` from two working directories are two files, and a file loaded by
    # hand is the same file to land_folder's already-landed check (which resolves too).
    batches = [
        BatchInfo(
            batch_id=uuid.uuid4().hex,
            kind=kind.name,
            source_file=str(source.path),
            file_bytes=source.size_bytes,
            started_at=started_at,
            file_mtime_ns=source.mtime_ns,
        )
        for source in sources
    ]
    sink = sink_for(warehouse)
    sink.ensure_tables(kind)
    pe = sink.parse_connection()
    sink.begin()
    try:
        results = _classify(pe, sink, kind, sources, batches, options or {})
        sink.write(pe, kind)
    except BaseException as exc:
        sink.abort()
        if _interrupted(exc):
            raise KeyboardInterrupt from exc
        raise
    finally:
        _drop_temps(pe, kind)
    # The load's time, shared out by file size (what each file would have cost alone
    # is not measured: that is the point of loading them together).
    seconds = time.monotonic() - started
    total_bytes = sum(b.file_bytes for b in batches)
    for result, batch, source in zip(results, batches, sources, strict=True):
        result.seconds = seconds * (batch.file_bytes / total_bytes if total_bytes else 1 / len(batches))
        if source.size_bytes == 0:
            result.note = "empty file: nothing to load"
    return results


def _interrupted(exc: BaseException) -> bool:
    """Whether `exc` is DuckDB's form of Ctrl-C. DuckDB catches the SIGINT that arrives
    while a query runs and raises its own error instead of KeyboardInterrupt
    (InterruptException, or a RuntimeError "Query interrupted" from some statements): a
    caller that handles errors per file would log it as one file's failure and go on to
    the next. (A KeyboardInterrupt raised by Python itself passes through as it is.)"""
    if isinstance(exc, duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and str(exc).startswith("Query interrupted")


def _read_inputs(pe: duckdb.DuckDBPyConnection, sources: Sequence[InputFile]) -> None:
    """`__input` of all the files, each record's line_number its id within the load."""
    if len(sources) == 1:
        read_into_input(pe, sources[0])
        return
    pe.execute("drop table if exists __load_input")
    pe.execute("create temp table __load_input (line_number bigint, doc varchar, read_error varchar)")
    for index, source in enumerate(sources):
        read_into_input(pe, source)
        pe.execute(f"insert into __load_input select line_number + {index * FILE_STRIDE}, doc, read_error from __input")
        pe.execute("drop table __input")
    pe.execute("alter table __load_input rename to __input")


def _per_file(batches: Sequence[BatchInfo], value: str) -> str:
    """SQL for a batch's `value` (batch_id, source_file) of the record's file: a literal
    for one file, else a CASE on the file index (literals: the views take no parameters)."""
    literals = [quoted(str(getattr(b, value))) for b in batches]
    if len(literals) == 1:
        return literals[0]
    branches = " ".join(f"when {index} then {literal}" for index, literal in enumerate(literals))
    return f"(case {_FILE} {branches} end)"


def _classify(
    pe: duckdb.DuckDBPyConnection,
    sink: Sink,
    kind: LoadKind,
    sources: Sequence[InputFile],
    batches: Sequence[BatchInfo],
    options: Mapping[str, Any],
) -> list[LoadResult]:
    _read_inputs(pe, sources)
    if kind.prepare is not None:
        _prepare(pe, kind, options, batches[0].source_file)
    sink.load_references(pe, kind)
    # The read lines that are JSON objects (_IS_JSON_OBJECT). A view: the kind's parse
    # reads it in the same pass, so the file's text is not copied once more. Lines it
    # drops are classified in __rejects (read lines without a __parsed row).
    pe.execute(
        f"""
        create or replace temp view __records as
        select line_number, try_cast(doc as json) as doc
        from __input
        where read_error is null and {_IS_JSON_OBJECT}
        """
    )
    _parse(pe, kind)
    key = ", ".join(kind.key)
    key_present = " and ".join(f"{k} is not null" for k in kind.key)
    # Every key of the valid records, per file, with its count and first line: one hash
    # aggregate answers the three key questions (landed before? twice in a file? in an
    # earlier file of this load?) without another pass over the records.
    pe.execute(
        f"""
        create or replace temp table __key_counts as
        select {key}, {_FILE} as file_index, count(*) as records, min(line_number) as first_line
        from __parsed
        where reject_reason is null
        group by {key}, {_FILE}
        """
    )
    # A key may repeat across files here: every sink's lookup takes distinct keys or semi-joins.
    pe.execute(f"create or replace temp view __candidates as select {key} from __key_counts where {key_present}")
    # A versioned kind loads one file at a time (group_files): a file loaded before is
    # checked against the versions that stood after its last load too (landed_rows).
    reloaded_as_of = sink.last_load(kind, batches[0].source_file) if kind.versioned_by and len(batches) == 1 else None
    sink.mark_existing(pe, kind, reloaded_as_of)
    on = " and ".join(f"e.{k} = p.{k}" for k in kind.key)
    dupes_on = " and ".join(f"d.{k} is not distinct from p.{k}" for k in kind.key)
    earlier_on = " and ".join(f"f.{k} is not distinct from p.{k}" for k in kind.key)
    columns = ", ".join(f"p.{c}" for c in kind.column_names)
    # Only the few rows this rejects are materialised (__key_rejects); the good rows are
    # never copied (__good is a view the sink reads once). __decided (a view) is every contract-valid record
    # with its key verdict, for the kinds that derive child rows from accepted records.
    pe.execute(
        f"""
        create or replace temp table __dupes as
        -- keys seen more than once in a file
        select {key}, file_index, first_line from __key_counts where records > 1
        """
    )
    # Keys in several files of this load: the first file lands the key, later files
    # find it already loaded, as if the files were loaded one after another.
    pe.execute(
        f"""
        create or replace temp table __earlier as
        select {key}, min(file_index) as first_file
        from __key_counts
        where {"true" if len(batches) > 1 else "false"}
        group by {key}
        having min(file_index) < max(file_index)
        """
    )
    (dupes,) = pe.execute("select count(*) from __dupes").fetchone()  # type: ignore[misc]
    (existing,) = pe.execute("select count(*) from __existing").fetchone()  # type: ignore[misc]
    (earlier,) = pe.execute("select count(*) from __earlier").fetchone()  # type: ignore[misc]
    pe.execute(
        f"""
        create or replace temp table __key_rejects as
        with decided as (
            select p.line_number, {columns},
                   case
                       when p.line_number > d.first_line then 'duplicate_in_file: same {key} as line ' || (d.first_line % {FILE_STRIDE})
                       when {_file_of("p.line_number")} > f.first_file
                           then 'already_loaded: {key} is in an earlier file of the same load'
                       when exists (select 1 from __existing as e where {on}) then 'already_loaded: {key} is already in the raw table'
                   end as reject_reason
            from __parsed as p
            left join __dupes as d
                on {dupes_on} and d.file_index = {_file_of("p.line_number")}
            left join __earlier as f
                on {earlier_on}
            where p.reject_reason is null
                and {"true" if dupes or existing or earlier else "false"}  -- no duplicate, nothing landed before: nothing to look up
        )
        select * from decided where reject_reason is not null
        """
    )
    pe.execute(
        f"""
        create or replace temp view __decided as
        select line_number, {", ".join(kind.column_names)}, cast(null as varchar) as reject_reason
        from __parsed
        where reject_reason is null and line_number not in (select line_number from __key_rejects)
        union all
        select * from __key_rejects
        """
    )
    # A view (the sink reads the good rows once, straight from __parsed): so the values
    # of the batch are literals, a view takes no parameters.
    started_at = f"cast({quoted(str(batches[0].started_at))} as timestamp)"
    pe.execute(
        f"""
        create or replace temp view __good as
        select {", ".join(kind.column_names)},
               {_per_file(batches, "batch_id")} as _batch_id, {_per_file(batches, "source_file")} as _source_file,
               {_LINE} as _line_number, {started_at} as _loaded_at
        from __parsed
        where reject_reason is null and line_number not in (select line_number from __key_rejects)
        """
    )
    reject_cols = ", ".join(c.name for c in REJECT_COLUMNS)
    # Lines read but not parsed (not JSON, not an object): an anti-join over every line,
    # done only when there are any.
    (unparsed,) = pe.execute("select (select count(*) from __input where read_error is null) - (select count(*) from __parsed)").fetchone()  # type: ignore[misc]
    if kind.prepare is not None:
        as_read, text_join = "coalesce(t.doc, r.doc)", "left join __input_text as t on t.line_number = {alias}.line_number"
    else:
        as_read, text_join = "r.doc", ""
    pe.execute(
        f"""
        create or replace temp table __rejects as
        with all_rejects as (
            select line_number, read_error as reason, doc as raw_record from __input where read_error is not null
            union all
            -- a read line the kind's parse never saw was not a JSON object
            select c.line_number,
                   case when not coalesce(json_valid(c.doc), false) then 'invalid_json: the line is not valid JSON (truncated or broken)'
                        else 'not_an_object: each record must be a JSON object' end,
                   c.doc
            from __input as c
            where {"true" if unparsed else "false"} and c.read_error is null and c.line_number not in (select line_number from __parsed)
            union all
            -- the record as read (a JSON cast keeps the text as it was; a prepared
            -- record's text before the prepare step: __input_text)
            select p.line_number, p.reject_reason, {as_read}
            from __parsed as p join __input as r on r.line_number = p.line_number {text_join.format(alias="p")}
            where p.reject_reason is not null
            union all
            select d.line_number, d.reject_reason, {as_read}
            from __key_rejects as d join __input as r on r.line_number = d.line_number {text_join.format(alias="d")}
        )
        select {reject_cols} from (
            select {_per_file(batches, "batch_id")} as batch_id, {quoted(kind.name)} as kind,
                   {_per_file(batches, "source_file")} as source_file, {_LINE} as line_number,
                   split_part(reason, ':', 1) as reason_code, reason,
                   left(raw_record, {REJECT_TEXT_CHARS}) as raw_record, {started_at} as rejected_at
            from all_rejects
        )
        """
    )
    derived_rows = _derive(pe, kind, batches[0]) if len(batches) == 1 else {}
    return _count(pe, kind, sources, batches, derived_rows)


def _count(
    pe: duckdb.DuckDBPyConnection,
    kind: LoadKind,
    sources: Sequence[InputFile],
    batches: Sequence[BatchInfo],
    derived_rows: dict[str, int],
) -> list[LoadResult]:
    """Each file's counts, checked to reconcile, and its batch row (`__batch_rows`,
    which the sink writes to load_batches)."""
    read = dict(pe.execute(f"select {_FILE}, count(*) from __input group by 1").fetchall())
    loaded = dict(pe.execute("select _batch_id, count(*) from __good group by 1").fetchall())
    reasons: dict[str, dict[str, int]] = {}
    for batch_id, code, rows in pe.execute(
        "select batch_id, reason_code, count(*) from __rejects group by 1, 2 order by 1, 3 desc, 2"
    ).fetchall():
        reasons.setdefault(batch_id, {})[code] = rows
    results = []
    for index, (source, batch) in enumerate(zip(sources, batches, strict=True)):
        result = LoadResult(
            kind=kind.name,
            source_file=batch.source_file,
            batch_id=batch.batch_id,
            rows_read=read.get(index, 0),
            rows_loaded=loaded.get(batch.batch_id, 0),
            rows_rejected=sum(reasons.get(batch.batch_id, {}).values()),
            reasons=reasons.get(batch.batch_id, {}),
            derived_rows=derived_rows,
        )
        if not result.reconciles:
            raise AssertionError(
                f"{source.path}: read {result.rows_read} != loaded {result.rows_loaded} + rejected {result.rows_rejected};"
                " nothing was written"
            )
        results.append(result)
    pe.execute("drop table if exists __batch_rows")
    # load_batches' columns but finished_at, which the sink sets when it writes them
    columns = [c for c in BATCH_COLUMNS if c.name != "finished_at"]
    pe.execute(f"create temp table __batch_rows ({', '.join(f'{c.name} {duckdb_type(c)}' for c in columns)})")
    batch_rows = []
    for b, r in zip(batches, results, strict=True):
        values = {
            "batch_id": b.batch_id,
            "kind": b.kind,
            "source_file": b.source_file,
            "file_bytes": b.file_bytes,
            "rows_read": r.rows_read,
            "rows_loaded": r.rows_loaded,
            "rows_rejected": r.rows_rejected,
            "started_at": b.started_at,
            "file_mtime_ns": b.file_mtime_ns,
        }
        batch_rows.append(tuple(values[c.name] for c in columns))
    if batch_rows:  # DuckDB's executemany refuses an empty list
        pe.executemany(f"insert into __batch_rows values ({', '.join('?' for _ in columns)})", batch_rows)
    return results


# The JSON functions of a kind's parse SQL that read one path of the record.
_PATH = r"'(\$\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)'"
_RECORD_CALL = re.compile(r"\b(json_extract_string|json_extract|json_exists|json_type)\(doc, " + _PATH + r"\)")


def single_parse_sql(parse_sql: str) -> tuple[str, list[str], str] | None:
    """The kind's SQL with every path read from one parse of the record, or None.

    A JSON function parses the whole record on every call, so twenty field reads parse
    each record twenty times. DuckDB's list forms read many paths in one parse:
    `json_extract_string(doc, [paths])` when the SQL only reads text, else
    `json_extract(doc, [paths])` (the values as JSON, NULL where the path is missing),
    from which each call is answered without touching the record again:
    `json_extract_string(v, '$')`, `v is not null` (json_exists), `json_type(v)`, `v`.
    The values are the same as the calls', only the parsing is shared. Returns
    (list function, paths, rewritten SQL over the view `__records_fields`); None when
    `doc` is used in another way too, or fewer than two paths are read.

    When every other call reads text, a `json_type(doc, path)` call reads the record
    itself (`__doc` in the view) instead of turning every read into a JSON value: the
    kinds use json_type only behind a cheap test of the text read (sqlparts.not_text),
    so it parses the few records that look like an object, array or boolean, and the
    rest keep the cheaper string list.
    """
    calls = _RECORD_CALL.findall(parse_sql)
    if re.search(r"\b__(fields|records_fields|doc)\b", parse_sql):
        return None
    text_only = all(function in ("json_extract_string", "json_type") for function, _ in calls)
    read = [(function, path) for function, path in calls if not (text_only and function == "json_type")]
    paths = list(dict.fromkeys(path for _, path in read))
    if len(paths) < 2:
        return None

    def replace(match: re.Match[str]) -> str:
        if text_only and match.group(1) == "json_type":
            return f"json_type(__doc, '{match.group(2)}')"
        value = f"__fields[{paths.index(match.group(2)) + 1}]"
        if text_only:
            return value
        return {
            "json_extract_string": f"json_extract_string({value}, '$')",
            "json_extract": value,
            "json_exists": f"({value} is not null)",
            "json_type": f"json_type({value})",
        }[match.group(1)]

    rewritten = _RECORD_CALL.sub(replace, parse_sql)
    if re.search(r"\bdoc\b", rewritten):
        return None
    function = "json_extract_string" if text_only else "json_extract"
    return function, paths, re.sub(r"\b__records\b", "__records_fields", rewritten)


def _parse(pe: duckdb.DuckDBPyConnection, kind: LoadKind) -> None:
    """`__parsed` = the kind's parse SQL over `__records`, reading each record once, with
    the control-character check applied in the same pass."""
    plan = single_parse_sql(kind.parse_sql)
    if plan is not None:
        function, paths, sql = plan
        listing = ", ".join("'" + p + "'" for p in paths)
        # Straight from __input, the same rows as __records (_IS_JSON_OBJECT): cheaper
        # than a cast to JSON before the extraction. The CASE keeps the extraction away
        # from text that is not JSON whatever order the optimizer puts the filters in
        # (it raises on such text).
        pe.execute(
            f"""
            create or replace temp view __records_fields as
            select line_number,
                   case when coalesce(json_valid(doc), false) then {function}(doc, [{listing}]) end as __fields,
                   doc as __doc
            from __input
            where read_error is null and {_IS_JSON_OBJECT}
            """
        )
        pe.execute(f"create or replace temp table __parsed as {_with_control_character_check(pe, kind, sql)}")
        pe.execute("drop view __records_fields")
    else:
        pe.execute(f"create or replace temp table __parsed as {_with_control_character_check(pe, kind, kind.parse_sql)}")


def _with_control_character_check(pe: duckdb.DuckDBPyConnection, kind: LoadKind, parse_sql: str) -> str:
    """A JSON escape (\\u0000, \\u0007 ...) can smuggle control characters into a value that
    is otherwise valid. Ids and names (text) must hold none; free text (long_text) may hold
    tabs and newlines but never NUL, which C clients and some engines cut strings at.
    A row the kind's own checks passed gets this reject reason, naming the column.

    Valid JSON holds no raw control character but DEL (the others must be escaped), and
    every record reaches the parse as JSON text (CSV and Parquet rows through to_json,
    which escapes them): a value can only hold one if its record has a backslash or a
    DEL. When no record read has either, the check is left out (a regex a row saved)."""
    (suspect,) = pe.execute(
        "select count(*) from __input where read_error is null and (contains(doc, '\\') or contains(doc, chr(127)))"
    ).fetchone()  # type: ignore[misc]
    if not suspect:
        return parse_sql
    checks = [(f"regexp_matches({c.name}, '[[:cntrl:]]')", c.name) for c in kind.columns if c.type == "text"]
    checks += [(f"strpos({c.name}, chr(0)) > 0", c.name) for c in kind.columns if c.type == "long_text"]
    if not checks:
        return parse_sql
    branches = " ".join(
        f"when {condition} then 'control_characters: {name} holds a control character (e.g. NUL)'" for condition, name in checks
    )
    # Which rows: the same test over the columns joined (concat skips NULLs), one regex a
    # row instead of one a column; the CASE then names the column.
    text = [c.name for c in kind.columns if c.type == "text"]
    long_text = [c.name for c in kind.columns if c.type == "long_text"]
    any_bad = [f"regexp_matches(concat({', '.join(text)}), '[[:cntrl:]]')"] if text else []
    any_bad += [f"strpos(concat({', '.join(long_text)}), chr(0)) > 0"] if long_text else []
    return f"""
        select * replace (
            case when reject_reason is null and ({" or ".join(any_bad)}) then case {branches} end
                 else reject_reason end as reject_reason
        )
        from ({parse_sql}) as __kind_parsed
    """


def _prepare(pe: duckdb.DuckDBPyConnection, kind: LoadKind, options: Mapping[str, Any], source_file: str) -> None:
    """Replace the file's readable JSON objects in `__input` by what kind.prepare returns.

    Rows with read errors, invalid JSON or non-objects stay as they are (rejected later
    with the usual reasons); the prepared records take the objects' place.
    """
    import pyarrow as pa

    # Materialised first: json_type must only ever see text known to be valid JSON.
    pe.execute(
        "create or replace temp table __prepare_json as select line_number, doc from __input where read_error is null and coalesce(json_valid(doc), false)"
    )
    pe.execute(
        "create or replace temp table __prepare_objects as select line_number, doc from __prepare_json where json_type(cast(doc as json)) = 'OBJECT'"
    )
    records = pe.execute("select line_number, doc from __prepare_objects order by line_number").fetchall()
    prepared = kind.prepare(records, options, source_file)  # type: ignore[misc]
    # The hook's third value (if any) is the record's text as read: what a reject shows,
    # not the prepared JSON with its `_prepared` object.
    table = pa.table(
        {
            "line_number": pa.array([r[0] for r in prepared], pa.int64()),
            "doc": pa.array([r[1] for r in prepared], pa.string()),
            "raw": pa.array([r[2] if len(r) > 2 else None for r in prepared], pa.string()),
        }
    )
    pe.register("__prepared_arrow", table)
    try:
        pe.execute(
            """
            create or replace temp table __input_prepared as
            select line_number, doc, read_error from __input where line_number not in (select line_number from __prepare_objects)
            union all
            select line_number, doc, cast(null as varchar) from __prepared_arrow
            """
        )
        pe.execute(
            "create or replace temp table __input_text as select line_number, raw as doc from __prepared_arrow where raw is not null"
        )
    finally:
        pe.unregister("__prepared_arrow")
    pe.execute("drop table __input")
    pe.execute("alter table __input_prepared rename to __input")


def _derive(pe: duckdb.DuckDBPyConnection, kind: LoadKind, batch: BatchInfo) -> dict[str, int]:
    """Build `__derived_<table>` for each derived table from the accepted records."""
    if not kind.derived:
        return {}
    pe.execute(
        """
        create or replace temp table __accepted as
        select line_number, doc from __records
        where line_number in (select line_number from __decided where reject_reason is null)
        """
    )
    counts: dict[str, int] = {}
    for derived in kind.derived:
        pe.execute(
            f"""
            create or replace temp table __derived_{derived.table} as
            select {", ".join(derived.column_names)},
                   $batch_id as _batch_id, $source_file as _source_file, line_number as _line_number,
                   cast($started_at as timestamp) as _loaded_at
            from ({derived.parse_sql})
            """,
            {"batch_id": batch.batch_id, "source_file": batch.source_file, "started_at": batch.started_at},
        )
        (counts[derived.table],) = pe.execute(f"select count(*) from __derived_{derived.table}").fetchone()  # type: ignore[misc]
    return counts


_PREPARE_TEMPS = ("__prepare_json", "__prepare_objects", "__input_prepared", "__input_text", "__accepted")


def _drop_temps(pe: duckdb.DuckDBPyConnection, kind: LoadKind | None = None) -> None:
    derived = tuple(f"__derived_{d.table}" for d in kind.derived) if kind is not None else ()
    for view in ("__decided", "__good", "__candidates", "__records_fields", "__records"):
        try:
            pe.execute(f"drop view if exists {view}")
        except duckdb.Error:
            pass
    for name in (
        "__input",
        "__checked",
        "__parsed",
        "__key_counts",
        "__existing",
        "__dupes",
        "__earlier",
        "__key_rejects",
        "__batch_rows",
        "__load_input",
        "__rejects",
        *_PREPARE_TEMPS,
        *derived,
    ):
        try:
            pe.execute(f"drop table if exists {name}")
        except duckdb.Error:
            pass
