"""Load one file of one kind: read, parse, classify, write — all set-based.

Classification order for each record (the first that applies is its reason):
read error (encoding, stray column, oversized) → invalid JSON → not an object →
the kind's own contract checks → duplicate key inside the file → key already landed.
Every record read ends in exactly one of the raw table or `load_rejects`, so
read = loaded + rejected always holds; the batch row records all three counts.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb

from ..connection import Warehouse
from .kind import LoadKind
from .reader import InputFile, inspect_input, read_into_input
from .sinks import REJECT_COLUMNS, BatchInfo, sink_for


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

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected


def load_file(warehouse: Warehouse, kind: LoadKind, raw_path: str) -> LoadResult:
    """Load one file; raises reader.InputError for a file that cannot be read at all."""
    source = inspect_input(raw_path, kind.formats)
    started = time.monotonic()
    batch = BatchInfo(
        batch_id=uuid.uuid4().hex,
        kind=kind.name,
        source_file=str(raw_path),
        file_bytes=source.size_bytes,
        started_at=datetime.now(timezone.utc).replace(tzinfo=None),
    )
    sink = sink_for(warehouse)
    sink.ensure_tables(kind)
    pe = sink.parse_connection()
    sink.begin()
    try:
        result = _classify(pe, sink, kind, source, batch)
        sink.write(pe, kind, batch)
    except BaseException:
        sink.abort()
        raise
    finally:
        _drop_temps(pe)
    result.seconds = time.monotonic() - started
    if source.size_bytes == 0:
        result.note = "empty file: nothing to load"
    return result


def _classify(pe: duckdb.DuckDBPyConnection, sink: object, kind: LoadKind, source: InputFile, batch: BatchInfo) -> LoadResult:
    read_into_input(pe, source)
    sink.load_references(pe, kind)  # type: ignore[attr-defined]
    # Two steps on purpose: the JSON cast must only ever see text already known to be
    # valid JSON (a one-statement CASE can be rewritten by the optimizer to cast first).
    pe.execute(
        """
        create or replace temp table __checked as
        select line_number, doc, read_error is null as read_error_free,
               read_error is null and coalesce(json_valid(doc), false) as is_json
        from __input
        """
    )
    pe.execute(
        """
        create or replace temp table __records as
        select line_number, doc
        from (select line_number, cast(doc as json) as doc from __checked where is_json)
        where json_type(doc) = 'OBJECT'
        """
    )
    pe.execute(f"create or replace temp table __parsed as {kind.parse_sql}")
    key = ", ".join(kind.key)
    key_present = " and ".join(f"{k} is not null" for k in kind.key)
    pe.execute(f"create or replace temp table __candidates as select distinct {key} from __parsed where reject_reason is null and {key_present}")
    sink.mark_existing(pe, kind)  # type: ignore[attr-defined]
    on = " and ".join(f"e.{k} = p.{k}" for k in kind.key)
    columns = ", ".join(f"p.{c}" for c in kind.column_names)
    pe.execute(
        f"""
        create or replace temp table __decided as
        with ranked as (
            select p.*,
                   row_number() over (partition by {', '.join('p.' + k for k in kind.key)} order by p.line_number) as key_rank,
                   min(p.line_number) over (partition by {', '.join('p.' + k for k in kind.key)}) as first_line
            from __parsed as p
            where p.reject_reason is null
        )
        select p.line_number, {columns},
               case
                   when p.key_rank > 1 then 'duplicate_in_file: same {key} as line ' || p.first_line
                   when exists (select 1 from __existing as e where {on}) then 'already_loaded: {key} is already in the raw table'
               end as reject_reason
        from ranked as p
        """
    )
    pe.execute(
        f"""
        create or replace temp table __good as
        select {', '.join(kind.column_names)},
               $batch_id as _batch_id, $source_file as _source_file, line_number as _line_number,
               cast($started_at as timestamp) as _loaded_at
        from __decided
        where reject_reason is null
        """,
        {"batch_id": batch.batch_id, "source_file": batch.source_file, "started_at": batch.started_at},
    )
    reject_cols = ", ".join(c.name for c in REJECT_COLUMNS)
    pe.execute(
        f"""
        create or replace temp table __rejects as
        with all_rejects as (
            select line_number, read_error as reason, doc as raw_record from __input where read_error is not null
            union all
            select c.line_number,
                   case when not c.is_json then 'invalid_json: the line is not valid JSON (truncated or broken)'
                        else 'not_an_object: each record must be a JSON object' end,
                   c.doc
            from __checked as c
            where c.read_error_free and c.line_number not in (select line_number from __records)
            union all
            select p.line_number, p.reject_reason, cast(r.doc as varchar)
            from __parsed as p join __records as r on r.line_number = p.line_number
            where p.reject_reason is not null
            union all
            select d.line_number, d.reject_reason, cast(r.doc as varchar)
            from __decided as d join __records as r on r.line_number = d.line_number
            where d.reject_reason is not null
        )
        select {reject_cols} from (
            select $batch_id as batch_id, $kind as kind, $source_file as source_file, line_number,
                   split_part(reason, ':', 1) as reason_code, reason,
                   left(raw_record, 2000) as raw_record, cast($started_at as timestamp) as rejected_at
            from all_rejects
        )
        """,
        {"batch_id": batch.batch_id, "kind": kind.name, "source_file": batch.source_file, "started_at": batch.started_at},
    )
    (read,) = pe.execute("select count(*) from __input").fetchone()  # type: ignore[misc]
    (loaded,) = pe.execute("select count(*) from __good").fetchone()  # type: ignore[misc]
    reasons = dict(pe.execute("select reason_code, count(*) from __rejects group by 1 order by 2 desc").fetchall())
    rejected = sum(reasons.values())
    if read != loaded + rejected:
        raise AssertionError(f"{source.path}: read {read} != loaded {loaded} + rejected {rejected}; nothing was written")
    return LoadResult(kind=kind.name, source_file=batch.source_file, batch_id=batch.batch_id, rows_read=read, rows_loaded=loaded, rows_rejected=rejected, reasons=reasons)


def _drop_temps(pe: duckdb.DuckDBPyConnection) -> None:
    for name in ("__input", "__checked", "__records", "__parsed", "__candidates", "__existing", "__decided", "__good", "__rejects"):
        try:
            pe.execute(f"drop table if exists {name}")
        except duckdb.Error:
            pass
