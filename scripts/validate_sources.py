"""Validate the landed source tables with Great Expectations before `dbt build`.

    python scripts/validate_sources.py [--target NAME] [--docs-dir DIR] [--var NAME=VALUE ...]

Runs one checkpoint over every raw table of the warehouse the target points at (the
tables of every loader kind, load_batches and load_rejects): keys, enumerations, ranges,
future timestamps, null shares, daily volume against the trailing 7-day median and the
share of rejected rows per file. Suites are code (scripts/chatwh/quality/); thresholds
are the dbt vars `dq_*` (dbt_project.yml), overridable with --var. Writes Data Docs to
DIR/index.html (default warehouse/data_docs) and DIR/last_run.json, prints a summary.

Exit codes: 0 no error-level expectation failed (warnings are printed only), 1 an
error-level expectation failed, 2 usage error (an unusable --docs-dir too), the warehouse
could not be read or the Data Docs could not be written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import output_dir, write_problem  # noqa: E402
from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.display import make_console, table  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, var  # noqa: E402
from chatwh.quality.framework import SuiteContext, Thresholds, now_utc, source_tables  # noqa: E402

DEFAULT_DOCS_DIR = PROJECT_DIR / "warehouse" / "data_docs"


def _error(message: str) -> None:
    print("validate_sources: " + " ".join(str(message).split()), file=sys.stderr)


def _parse_var(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("dq_"):
        raise argparse.ArgumentTypeError(f"expected dq_NAME=VALUE, got {text!r}")
    try:
        var(name)
    except KeyError:
        raise argparse.ArgumentTypeError(f"unknown threshold {name!r} (see the dq_* vars in dbt_project.yml)") from None
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="profiles.yml target (default: the profile's default target)")
    parser.add_argument(
        "--docs-dir",
        type=output_dir,
        default=DEFAULT_DOCS_DIR,
        help=f"Data Docs directory (default {DEFAULT_DOCS_DIR.relative_to(PROJECT_DIR)})",
    )
    parser.add_argument(
        "--var", dest="overrides", action="append", type=_parse_var, default=[], help="override a dq_* threshold for this run"
    )
    parser.add_argument("--quiet", action="store_true", help="print only failures and the totals line")
    args = parser.parse_args(argv)
    try:
        thresholds = Thresholds.from_vars(dict(args.overrides))
    except ValueError as exc:  # one line, exit 2: a threshold that is not a number or out of range
        _error(str(exc))
        return 2
    ctx = SuiteContext(thresholds=thresholds, now_utc=now_utc())
    console = make_console()
    started = time.monotonic()

    from chatwh.quality.checkpoint import run_gate  # GX is slow to import: only after argparse

    try:
        with connect(args.target, read_only=True) as warehouse:
            result = run_gate(warehouse, source_tables(), ctx, args.docs_dir)
    except KeyboardInterrupt:
        _error("interrupted; nothing was changed (the checks only read)")
        return 130
    except (ProfileError, WarehouseError) as exc:
        _error(str(exc))
        return 2
    except ImportError as exc:
        _error(f"this target needs a driver that is not installed here: {exc}")
        return 2
    except OSError as exc:  # the Data Docs could not be written (what the check of --docs-dir could not foresee)
        _error(write_problem(exc.filename or args.docs_dir, exc))
        return 2

    if not args.quiet:
        console.print(
            table(
                "Source tables (Great Expectations checkpoint source_tables)",
                ["suite", "rows", "expectations", "passed", "errors", "warnings"],
                [
                    [s.suite, "-" if s.rows is None else f"{s.rows:,}", str(s.evaluated), str(s.passed), str(s.errors), str(s.warnings)]
                    for s in result.suites
                ],
                right_from=1,
            )
        )
    if result.failures:
        console.print(
            table(
                "Failed expectations",
                ["severity", "suite", "expectation", "column", "observed"],
                [
                    [f.severity.upper(), f.suite, f.expectation, f.column, f.observed]
                    for f in sorted(result.failures, key=lambda f: (f.severity != "error", f.suite))
                ],
                right_from=5,
            )
        )
    if result.rejecting_files:
        console.print(
            table(
                f"Files with more than {thresholds.max_reject_share:.0%} of their rows rejected (reasons: raw.load_rejects)",
                ["kind", "file", "rejected", "judged"],
                [[k, f, f"{share:.1%}", "error (recent)" if recent else "warn (older)"] for k, f, share, recent in result.rejecting_files],
                right_from=2,
            )
        )
    if result.not_landed:
        console.print(f"Not landed yet (no raw table, nothing to check): {', '.join(result.not_landed)}")
    verdict = "FAILED" if result.errors else "passed"
    console.print(
        f"validate_sources: {verdict}: suites={len(result.suites)} errors={result.errors} warnings={result.warnings} "
        f"seconds={time.monotonic() - started:.1f}"
    )
    # summary.html works offline; GX's own index.html draws its tables from public CDNs.
    console.print(
        f"Data Docs: {args.docs_dir.resolve() / 'summary.html'}" + (f" (GX's own: {result.docs_index})" if result.docs_index else "")
    )
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
