"""Land a folder of raw files: `<folder>/<kind>/<files>`, kinds in dependency order.

Used by `make demo`, the fixture build, the cron pipeline and the Airflow DAG. A file is
landed once: a file whose path, size and modification time are already in
raw.load_batches is skipped. A file rewritten in place (even at the same size) has a
new modification time and lands again: its new records load, the records it had before
are `already_loaded` rejects (the loader's key dedupe), so nothing counts twice and a
mere `touch` only costs a reload. Rows written before load_batches had the
modification time (file_mtime_ns NULL) match by path and size alone, so upgrading
reloads nothing.

A file that cannot be read at all (input_file.InputError: a CSV without a header, say)
does not stop the landing: the other files and kinds still land, and the file is
listed in LandingReport.failed. It stays in the folder and is not in raw.load_batches,
so every later run tries it again (and fails again) until someone replaces or removes it.
That is also a file the loader may not open or that vanished (a dangling link), and a
kind folder that cannot be listed.

Anything else in the folder is not landed, and said so: a folder not named after a kind
(`chat_events/`), a file of a type the loader does not read (`.txt`, `.jsonl.gz`), a
subfolder of a kind folder, a file outside a kind folder. Each is listed in
LandingReport.ignored and printed as one line on stderr; it does not fail the landing (a
stray README is harmless), but data dropped in the wrong place must not vanish
unnoticed. Names starting with `.` (.DS_Store, an upload's hidden temporary file) are
passed over silently.
"""

from __future__ import annotations

import difflib
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .connection import Warehouse
from .kinds import all_kinds
from .loading.input_file import FORMATS_BY_SUFFIX, InputError, os_reason
from .loading.kind import LoadKind
from .loading.runner import LoadResult, group_files, load_files
from .loading.sinks import sink_for
from .project import raw_schema


@dataclass
class LandingReport:
    results: list[LoadResult]
    skipped: list[Path]
    # Files that could not be read at all, with the InputError's message; nothing of
    # them was written.
    failed: list[tuple[Path, str]] = field(default_factory=list)
    # Entries of the folder that are not landed by design (FolderScan.ignored), with why.
    ignored: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(r.rows_read for r in self.results)

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.results)

    @property
    def rows_rejected(self) -> int:
        return sum(r.rows_rejected for r in self.results)

    def failure_lines(self) -> list[str]:
        """One line per failed file: its path and why it could not be read."""
        # An InputError's message starts with the file's path already; not twice.
        return [f"could not land {path}: {reason.removeprefix(f'{path}: ')}" for path, reason in self.failed]

    def ignored_lines(self) -> list[str]:
        """One line per entry of the folder that was not landed, and why."""
        return [f"ignored {path}: {reason}" for path, reason in self.ignored]


class LandingError(InputError):
    """land_folder(check=True) landed what it could, but some files could not be read.
    An InputError, so a caller that stopped on a file's InputError still stops."""

    def __init__(self, report: LandingReport) -> None:
        super().__init__("\n".join([f"{len(report.failed)} file(s) could not be landed:", *report.failure_lines()]))
        self.report = report


@dataclass
class FolderScan:
    """What a landing folder holds: the files to land and the entries that are not."""

    # (kind, file): files of an accepted type in a kind folder, in load order then name order
    files: list[tuple[str, Path]] = field(default_factory=list)
    # (entry, why): not landed by design; reported, never an error
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    # (kind folder, why): a kind folder that could not be listed; an error like an unreadable file
    unlisted: list[tuple[Path, str]] = field(default_factory=list)


# Compressed files are a common way to get data into the wrong place: say what to do.
_COMPRESSED = {".gz", ".bz2", ".xz", ".zst", ".zip", ".7z", ".tar", ".tgz"}


def scan_folder(folder: Path) -> FolderScan:
    """The landing folder's files to land and the entries it will not land (see the
    module's docstring). Paths are absolute, not resolved: a failure names the file as
    it sits in the folder (a link, not its target)."""
    kinds = sorted(all_kinds().values(), key=lambda k: (k.load_order, k.name))
    names = [k.name for k in kinds]
    scan = FolderScan()
    if not folder.is_dir():
        return scan
    folder = folder.absolute()
    for entry in _visible(folder):
        is_dir = _is_dir(entry)
        if entry.name in names and is_dir:
            continue  # scanned below, in load order
        if is_dir:
            scan.ignored.append((entry, _unknown_kind(entry.name, names)))
        else:
            scan.ignored.append((entry, f"a file outside a kind folder (files land from the kind folders: {', '.join(sorted(names))})"))
    for kind in kinds:
        kind_dir = folder / kind.name
        if not kind_dir.is_dir():
            continue
        try:
            entries = _visible(kind_dir)
        except OSError as exc:
            scan.unlisted.append((kind_dir, f"{kind_dir}: cannot list the folder: {os_reason(exc)}"))
            continue
        for path in entries:
            reason = _not_landed_because(path)
            if reason is None:
                scan.files.append((kind.name, path))
            else:
                scan.ignored.append((path, reason))
    scan.ignored.sort()
    return scan


def pending_files(folder: Path) -> list[tuple[str, Path]]:
    """(kind, file) pairs under folder, in load order then file name order."""
    return scan_folder(folder).files


def _visible(directory: Path) -> list[Path]:
    """The directory's entries in name order, hidden ones (a leading dot) left out."""
    return sorted(path for path in directory.iterdir() if not path.name.startswith("."))


def _unknown_kind(name: str, kinds: Sequence[str]) -> str:
    """Why a folder of the landing folder is not landed, with the kind it may mean."""
    close = difflib.get_close_matches(name.lower().replace("_", "-"), kinds, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"not a kind folder{hint}; the kinds are {', '.join(sorted(kinds))}"


def _not_landed_because(path: Path) -> str | None:
    """None for an entry of a kind folder that is landed, else why it is not. An entry of
    an accepted type that is not a directory is landed even when it is no regular file (a
    dangling link, a pipe): the loader then says why it cannot be read, and it fails."""
    if _is_dir(path):
        return "a subfolder of a kind folder: files in it are not landed (move them up into the kind folder)"
    suffix = path.suffix.lower()
    if suffix in FORMATS_BY_SUFFIX:
        return None
    accepted = ", ".join(sorted(FORMATS_BY_SUFFIX))
    if suffix in _COMPRESSED:
        return f"a compressed file ({suffix}) is not read: land it uncompressed ({accepted})"
    return f"unsupported file type {suffix or '(none)'} (accepted: {accepted})"


def _is_dir(path: Path) -> bool:
    """Whether path is a directory (a link to one too); False when it cannot be stat'ed."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


# Why the modification time and not a fingerprint of the content: a stat per file per
# run, where a hash would read every file of the landing folder (which keeps every file
# ever landed) on every run. Every ordinary rewrite (write in place, truncate and write,
# a new file renamed over it) sets the mtime to the time of writing, in nanoseconds. It
# can miss a change only if a producer sets an old mtime back on purpose (touch -d, cp -p
# of an older file), or rewrites within one tick of a coarse file system clock (FAT: 2 s)
# right after a landing read the file; it can see a change that is none (touch, a copy),
# which costs only a reload that changes nothing.
LandedFiles = dict[tuple[str, int], set[int | None]]


def already_landed(warehouse: Warehouse) -> LandedFiles:
    """(resolved path, size) -> the modification times (st_mtime_ns) the file was landed
    with; None for a row written before load_batches had file_mtime_ns. Call after
    ensure_raw_tables (which adds that column to an older load_batches)."""
    if not warehouse.table_exists(raw_schema(), "load_batches"):
        return {}
    rows = warehouse.fetchall(f"select source_file, file_bytes, file_mtime_ns from {warehouse.relation(raw_schema(), 'load_batches')}")
    landed: LandedFiles = {}
    for path, size, mtime in rows:
        landed.setdefault((str(path), int(size)), set()).add(None if mtime is None else int(mtime))
    return landed


def is_landed(landed: LandedFiles, path: Path) -> bool:
    """Whether this version of the file is in load_batches: same resolved path and size,
    and the same modification time or none recorded (a row from before the column)."""
    try:
        info = path.stat()
    except OSError:
        return False  # gone or not readable: the loader reports it, naming the reason
    mtimes = landed.get((str(path.resolve()), info.st_size), set())
    return None in mtimes or info.st_mtime_ns in mtimes


def ensure_raw_tables(warehouse: Warehouse) -> None:
    """Create every kind's raw table (empty) and the loader tables, so `dbt build` works
    for a team that lands only some kinds (no ChatBI files yet, say)."""
    sink = sink_for(warehouse)
    for kind in all_kinds().values():
        sink.ensure_tables(kind)


def land_folder(
    warehouse: Warehouse, folder: Path, *, skip_landed: bool = True, check: bool = True, show_ignored: bool = True
) -> LandingReport:
    """Land every file of folder that is not landed yet, kinds in load order.

    A file that cannot be read at all is recorded in the report's `failed` and the rest
    still lands. Then, with check (the default), LandingError is raised, its `report`
    holding what did land; with check=False the caller looks at report.failed itself.
    Any other error (the warehouse's, Ctrl-C) propagates at once, as before.
    Entries not landed by design are in report.ignored, and printed on stderr unless
    show_ignored is False (for a caller that prints report.ignored_lines() itself).
    """
    kinds = all_kinds()
    ensure_raw_tables(warehouse)
    seen = already_landed(warehouse) if skip_landed else {}
    scan = scan_folder(folder)
    report = LandingReport(results=[], skipped=[], failed=list(scan.unlisted), ignored=scan.ignored)
    if show_ignored:
        # Printed before anything lands, so the lines are in the log whatever happens next.
        for line in report.ignored_lines():
            print(line, file=sys.stderr, flush=True)
    pending: dict[str, list[str]] = {}  # kind -> files, kinds in load order
    for kind_name, path in scan.files:
        if is_landed(seen, path):
            report.skipped.append(path)
            continue
        # The path as it sits in the folder; the loader records it resolved (runner.load_files).
        pending.setdefault(kind_name, []).append(str(path))
    # Small files of a kind load together (runner.group_files): one transaction each.
    for kind_name, paths in pending.items():
        for group in group_files(warehouse, kinds[kind_name], paths):
            _land_group(warehouse, kinds[kind_name], group, report)
    if check and report.failed:
        raise LandingError(report)
    return report


def _land_group(warehouse: Warehouse, kind: LoadKind, group: Sequence[str], report: LandingReport) -> None:
    """Load a group in one transaction. An unreadable file fails the whole group and
    nothing of it is written (runner.load_files), so the group is loaded again file by
    file: the readable ones land and only the unreadable one is recorded as failed."""
    try:
        report.results.extend(load_files(warehouse, kind, group))
        return
    except InputError as exc:
        if len(group) == 1:
            report.failed.append((Path(group[0]), str(exc)))
            return
    for path in group:
        _land_group(warehouse, kind, [path], report)
