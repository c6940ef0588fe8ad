"""What a loader kind declares: its raw table, columns, key and the SQL that sorts rows.

A kind never loops over rows in Python. Its `parse_sql` is one DuckDB SELECT over the
relation `__records(line_number, doc)` — `doc` is each readable record as JSON — and
returns `line_number`, the typed columns and `reject_reason` (NULL for a good row). The
runner adds the checks every kind shares (read errors, invalid JSON, duplicate keys).
References are available to the SQL as temp tables `__ref_<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]
