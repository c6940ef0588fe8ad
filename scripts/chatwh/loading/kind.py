"""What a loader kind declares: its raw table, columns, key and the SQL that sorts rows.

A kind never loops over rows in Python. Its `parse_sql` is one DuckDB SELECT over the
relation `__records(line_number, doc)` — `doc` is each readable record as JSON — and
returns `line_number`, the typed columns and `reject_reason` (NULL for a good row). The
runner adds the checks every kind shares (read errors, invalid JSON, duplicate keys).
References are available to the SQL as temp tables `__ref_<name>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Neutral column types; each warehouse maps them to its own DDL (see sinks.py).
COLUMN_TYPES = {"text", "long_text", "bigint", "double", "boolean", "timestamp", "date"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Reference:
    """A small table the parse step needs from the warehouse (e.g. known bot ids)."""

    name: str
    raw_table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class DerivedTable:
    """Child rows a kind derives from each accepted record (e.g. one row per expected
    metric of an eval sample), landed in their own raw table in the same transaction.

    `parse_sql` is one DuckDB SELECT over `__accepted(line_number, doc)` — only records
    that were accepted — returning `line_number` and every column. Derived rows are not
    records: read = loaded + rejected still counts the file's records.
    """

    table: str
    columns: tuple[Column, ...]
    parse_sql: str
    key: tuple[str, ...] = ()
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


@dataclass(frozen=True)
class KindOption:
    """A `load.py` option only some kinds read (e.g. --run-id); passed to `prepare`."""

    flag: str
    help: str
    # What is wrong with a value (None: nothing). load.py checks it before reading any
    # file: a mistyped option would otherwise reject every record it applies to.
    check: Callable[[str], str | None] | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


# prepare(records, options, source_file) -> records, where records in are
# (line_number, JSON object text) and out (line_number, JSON object text) or
# (line_number, JSON object text, the record's text as read or None). It may enrich
# records with fields SQL cannot compute, or expand one wrapper object into its
# elements (new line numbers). The text as read is what a reject of the record keeps
# (load_rejects.raw_record), not the enriched JSON.
PrepareHook = Callable[[list[tuple[int, str]], Mapping[str, Any], str], list[tuple[int, str]] | list[tuple[int, str, str | None]]]


@dataclass(frozen=True)
class LoadKind:
    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    parse_sql: str
    formats: tuple[str, ...] = ("jsonl", "json", "csv", "parquet")
    references: tuple[Reference, ...] = field(default=())
    description: str = ""
    # Folders are landed in this order, so references exist first (bots before events).
    load_order: int = 100
    # Optional Python step over the file's readable JSON objects before parse_sql, for
    # the few kinds whose records need parsing SQL cannot do (small files only).
    prepare: PrepareHook | None = None
    derived: tuple[DerivedTable, ...] = ()
    options: tuple[KindOption, ...] = ()
    # A kind whose rows are versions of an entity (the bot catalogue: a file is a
    # snapshot): the column naming the entity. A row counts as already loaded only when
    # it equals the entity's latest version, so putting a bot back to an earlier version
    # (model m1 → m2 → m1) lands as a new version instead of an `already_loaded` reject;
    # or, for a file loaded before, the version that stood after its last load (a
    # reload of an old snapshot changes nothing: landed_rows).
    versioned_by: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def record_fields(self) -> tuple[str, ...]:
        """The columns a record names itself, in column order: those parse_sql reads as
        a field (`sqlparts.field`, `'$.name'`), not those it computes (bots'
        record_hash); every column if it reads none by name. A CSV header must name at
        least one (input_file.inspect_input)."""
        read = tuple(name for name in self.column_names if f"'$.{name}'" in self.parse_sql)
        return read or tuple(self.column_names)

    def landed_rows(self, relation: str, reloaded_as_of: datetime | None = None) -> str:
        """What a new row's key is checked against: every landed row, or for a
        versioned kind each entity's latest version (staging's own order: load, then
        line). Plain SQL that DuckDB, MySQL/MariaDB and Spark all run.

        `reloaded_as_of` (versioned kinds): when the file being loaded was loaded before,
        the time of its last load that landed rows (Sink.last_load). Each entity's
        version as it stood right after that load counts as landed too: the file said
        so then, so saying it again is a reload, not a change back. Without
        it, touching (or reloading by hand) an older snapshot file put every bot it
        names back to that file's version. A new file, or a file rewritten with a row
        that differs from what stood after its last load, is still checked against the
        latest versions only (m1 → m2 → m1 in a new file lands as a new version)."""
        if self.versioned_by is None:
            return relation
        keys = ", ".join(self.key)
        latest = self._latest_versions(relation, "")
        if reloaded_as_of is None:
            return latest
        # A timestamp literal (no parameter: the caller embeds this in its own query);
        # datetime's isoformat holds nothing to escape.
        as_of = f"timestamp '{reloaded_as_of.isoformat(sep=' ')}'"
        then = self._latest_versions(relation, f"where _loaded_at <= {as_of}")
        return f"""(select {keys} from {latest} as now_landed
        union all
        select {keys} from {then} as landed_then)"""

    def _latest_versions(self, relation: str, where: str) -> str:
        """Each entity's latest version among the rows of `relation` that `where` keeps."""
        keys = ", ".join(self.key)
        return f"""(select {keys} from (
            select {keys}, row_number() over (
                partition by {self.versioned_by} order by _loaded_at desc, _line_number desc) as version_rank
            from {relation} {where}) as versions
        where version_rank = 1)"""
