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


# prepare(records, options, source_file) -> records, where records are
# (line_number, JSON object text). It may enrich records with fields SQL cannot
# compute, or expand one wrapper object into its elements (new line numbers).
PrepareHook = Callable[[list[tuple[int, str]], Mapping[str, Any], str], list[tuple[int, str]]]


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
    # (model m1 → m2 → m1) lands as a new version instead of an `already_loaded` reject.
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

    def landed_rows(self, relation: str) -> str:
        """What a new row's key is checked against: every landed row, or for a
        versioned kind each entity's latest version (staging's own order: load, then
        line). Plain SQL that DuckDB, MySQL/MariaDB and Spark all run."""
        if self.versioned_by is None:
            return relation
        keys = ", ".join(self.key)
        return f"""(select {keys} from (
            select {keys}, row_number() over (
                partition by {self.versioned_by} order by _loaded_at desc, _line_number desc) as version_rank
            from {relation}) as versions
        where version_rank = 1)"""
