"""Land a folder of raw files: `<folder>/<kind>/<files>`, kinds in dependency order.

Used by `make demo`, the fixture build, the cron pipeline and the Airflow DAG. A file is
landed once: a file whose path and size are already in raw.load_batches is skipped
(and even if it were loaded again, the loader's key dedupe would change nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .connection import Warehouse
from .kinds import all_kinds
from .loading.input_file import FORMATS_BY_SUFFIX
from .loading.runner import LoadResult, group_files, load_files
from .loading.sinks import sink_for
from .project import raw_schema


@dataclass
class LandingReport:
    results: list[LoadResult]
    skipped: list[Path]

    @property
    def rows_read(self) -> int:
        return sum(r.rows_read for r in self.results)

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.results)

    @property
    def rows_rejected(self) -> int:
        return sum(r.rows_rejected for r in self.results)


def pending_files(folder: Path) -> list[tuple[str, Path]]:
    """(kind, file) pairs under folder, in load order then file name order."""
    kinds = sorted(all_kinds().values(), key=lambda k: (k.load_order, k.name))
    found: list[tuple[str, Path]] = []
    for kind in kinds:
        kind_dir = folder / kind.name
        if not kind_dir.is_dir():
            continue
        for path in sorted(kind_dir.iterdir()):
            if path.is_file() and path.suffix.lower() in FORMATS_BY_SUFFIX:
                found.append((kind.name, path))
    return found


def already_landed(warehouse: Warehouse) -> set[tuple[str, int]]:
    if not warehouse.table_exists(raw_schema(), "load_batches"):
        return set()
    rows = warehouse.fetchall(f"select source_file, file_bytes from {warehouse.relation(raw_schema(), 'load_batches')}")
    return {(str(path), int(size)) for path, size in rows}


def ensure_raw_tables(warehouse: Warehouse) -> None:
    """Create every kind's raw table (empty) and the loader tables, so `dbt build` works
    for a team that lands only some kinds (no ChatBI files yet, say)."""
    sink = sink_for(warehouse)
    for kind in all_kinds().values():
        sink.ensure_tables(kind)


def land_folder(warehouse: Warehouse, folder: Path, *, skip_landed: bool = True) -> LandingReport:
    kinds = all_kinds()
    ensure_raw_tables(warehouse)
    seen = already_landed(warehouse) if skip_landed else set()
    report = LandingReport(results=[], skipped=[])
    pending: dict[str, list[str]] = {}  # kind -> files, kinds in load order
    for kind_name, path in pending_files(folder):
        key = (str(path.resolve()), path.stat().st_size)
        if key in seen:
            report.skipped.append(path)
            continue
        pending.setdefault(kind_name, []).append(str(path.resolve()))
    # Small files of a kind load together (runner.group_files): one transaction each.
    for kind_name, paths in pending.items():
        for group in group_files(warehouse, kinds[kind_name], paths):
            report.results.extend(load_files(warehouse, kinds[kind_name], group))
    return report
