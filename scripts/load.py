"""Land raw files into the source tables of a warehouse.

    python scripts/load.py KIND PATH... [--target NAME]

Each file is validated set-based in DuckDB; good rows go to the raw table, bad rows to
raw.load_rejects with file, line and reason; counts are printed (read = loaded +
rejected). Each file is one transaction: a crash leaves the warehouse as before it.
Exit codes: 0 every file was processed, 2 a file could not be read at all, an option's
value is unusable (e.g. `--run-at` not a time) or the warehouse could not be reached,
1 `--fail-on-reject` and some row was rejected, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.kinds import all_kinds  # noqa: E402
from chatwh.loading.input_file import InputError  # noqa: E402
from chatwh.loading.runner import LoadResult, load_file  # noqa: E402
from chatwh.project import ProfileError  # noqa: E402

console = Console(stderr=False, highlight=False)


def _error(message: str) -> None:
    """One plain line on stderr (no wrapping, no traceback): schedulers log it as is."""
    print(" ".join(message.split()), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    kinds = all_kinds()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(kinds), help="what the files hold")
    parser.add_argument("paths", nargs="+", help="files to load (JSONL, JSON, CSV or Parquet, as the kind accepts)")
    parser.add_argument("--target", help="profiles.yml target (default: the profile's default target)")
    parser.add_argument("--fail-on-reject", action="store_true", help="exit 1 when any row was rejected")
    parser.add_argument("--quiet", action="store_true", help="print only the totals line")
    # Options a kind declares for itself (e.g. eval-results --run-id); other kinds ignore them.
    kind_options: dict[str, list[str]] = {}
    for kind_name in sorted(kinds):
        for option in kinds[kind_name].options:
            kind_options.setdefault(option.flag, []).append(kind_name)
    for flag, names in kind_options.items():
        help_text = next(o.help for k in names for o in kinds[k].options if o.flag == flag)
        parser.add_argument(flag, help=f"{help_text} (kinds: {', '.join(names)})")
    args = parser.parse_args(argv)
    kind = kinds[args.kind]
    options = {o.dest: getattr(args, o.dest) for o in kind.options if getattr(args, o.dest) is not None}
    for flag, names in kind_options.items():
        if kind.name not in names and getattr(args, flag.lstrip("-").replace("-", "_")) is not None:
            parser.error(f"{flag} does not apply to kind {kind.name} (only: {', '.join(names)})")
    for option in kind.options:
        problem = option.check(options[option.dest]) if option.check and option.dest in options else None
        if problem:  # before any file is read: a bad value would reject every record it fills in
            _error(f"load: {option.flag} {options[option.dest]!r}: {problem}")
            return 2

    try:
        warehouse = connect(args.target)
    except (ProfileError, WarehouseError) as exc:
        _error(f"load: {exc}")
        return 2

    results: list[LoadResult] = []
    failed = False
    with warehouse:
        for path in args.paths:
            try:
                results.append(load_file(warehouse, kind, path, options))
            except InputError as exc:
                _error(f"load: {exc}")
                failed = True
            except KeyboardInterrupt:
                _error(f"load: interrupted while loading {path}; that file was rolled back")
                return 130
            except Exception as exc:  # one clear line, not a traceback, for a scheduler log
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                _error(f"load: {path}: {type(exc).__name__}: {message}; the file was rolled back")
                failed = True

    _print(results, kind.name, args.quiet)
    if failed:
        return 2
    if args.fail_on_reject and any(r.rows_rejected for r in results):
        return 1
    return 0


def _print(results: list[LoadResult], kind: str, quiet: bool) -> None:
    if not quiet and results:
        table = Table(title=f"load {kind}", show_lines=False)
        for column in ("file", "read", "loaded", "rejected", "reasons", "seconds"):
            table.add_column(column, justify="right" if column in ("read", "loaded", "rejected", "seconds") else "left")
        for r in results:
            reasons = ", ".join(f"{code} {count}" for code, count in r.reasons.items()) or r.note or "-"
            table.add_row(
                Path(r.source_file).name, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_rejected:,}", reasons, f"{r.seconds:.2f}"
            )
        console.print(table)
    read = sum(r.rows_read for r in results)
    loaded = sum(r.rows_loaded for r in results)
    rejected = sum(r.rows_rejected for r in results)
    derived: dict[str, int] = {}
    for r in results:  # child rows some kinds derive from accepted records (not records themselves)
        for table, rows in r.derived_rows.items():
            derived[table] = derived.get(table, 0) + rows
    extra = (" derived: " + ", ".join(f"{table}={rows}" for table, rows in derived.items())) if derived else ""
    console.print(f"{kind}: files={len(results)} read={read} loaded={loaded} rejected={rejected}{extra}", soft_wrap=True)


if __name__ == "__main__":
    sys.exit(main())
