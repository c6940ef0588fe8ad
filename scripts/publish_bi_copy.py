"""Publish a read-only copy of the DuckDB warehouse's marts for BI tools (Metabase).

    python scripts/publish_bi_copy.py [--target NAME] [--out PATH] [--wait-lock SECONDS]

Writes the marts of a DuckDB target (fct_*, dim_*, mart_* of its model schema, not the
*_restricted ones) to PATH (default: env CHATBOT_BI_DUCKDB_PATH, relative to the project,
else `<warehouse dir>/bi/<file name>`) through a temporary file in the same directory,
fsync and an atomic rename, after checking that the copy opens read-only and holds
exactly those tables with the same row counts (see scripts/chatwh/publish.py). Raw,
staging and intermediate tables never leave the warehouse. `run_pipeline.py` and the
Airflow DAG call it after every successful build.

It takes the warehouse's pipeline lock (chatwh.schedule.pipeline_lock) like a pipeline
run: while it reads the warehouse no cron or Airflow dbt starts (it would fail on the
open file), and a run holding the lock is waited for, up to --wait-lock SECONDS (default:
env CHATBOT_LOCK_WAIT_S, else 1800, as the Airflow tasks wait).
Exit codes: 0 published, 1 the copy failed (nothing was replaced), 2 bad arguments (an
--out that is a directory, the warehouse file itself or cannot be created too, a lock wait
that is not a finite number of seconds) or the target is not a DuckDB file, 4 a pipeline
run held the lock for all of the wait.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import output_file, output_file_problem  # noqa: E402
from chatwh.display import make_console  # noqa: E402
from chatwh.project import ProfileError, load_target, resolve_path  # noqa: E402
from chatwh.publish import DEFAULT_SCHEMA, PublishError, bi_path_problem, default_bi_path, publish_bi_copy  # noqa: E402
from chatwh.schedule import EXIT_LOCKED, LOCK_WAIT_ENV, LockWaitError, lock_wait_seconds, lock_wait_value, pipeline_lock  # noqa: E402

console = make_console()


def warehouse_file(target_name: str | None) -> tuple[Path, str]:
    """The DuckDB file a target points at (relative paths are relative to the project) and
    its model schema."""
    target = load_target(target_name)
    if target.type != "duckdb":
        raise ProfileError(f"target {target.name!r} is {target.type}, not a DuckDB file: BI tools read that warehouse directly")
    path = resolve_path(str(target.settings.get("path", "warehouse/chatbot.duckdb"))).resolve()
    return path, str(target.settings.get("schema") or DEFAULT_SCHEMA)


def wait_lock_seconds(text: str) -> float:
    """argparse type of --wait-lock: a finite number of seconds, 0 or more."""
    try:
        return lock_wait_value(text)
    except LockWaitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default=None, help="profiles.yml target (a DuckDB one)")
    parser.add_argument("--out", type=output_file, default=None, help="where to publish the copy (a file)")
    parser.add_argument(
        "--wait-lock",
        type=wait_lock_seconds,
        default=None,
        metavar="SECONDS",
        help=f"wait up to this long for a pipeline run holding the warehouse's lock, then exit 4 (default: ${LOCK_WAIT_ENV} or 1800)",
    )
    args = parser.parse_args(argv)
    try:
        wait_s = args.wait_lock if args.wait_lock is not None else lock_wait_seconds()
    except LockWaitError as exc:
        parser.error(str(exc))
    try:
        source, schema = warehouse_file(args.target)
    except ProfileError as exc:
        print(f"publish: {exc}", file=sys.stderr)
        return 2
    out = args.out.resolve() if args.out else default_bi_path(source)
    # Checked before the copy is built: a bad destination is a usage error (2), not a failed copy.
    problem = bi_path_problem(source, out) or output_file_problem(out)
    if problem:
        print(f"publish: {'--out: ' if args.out else ''}{problem}", file=sys.stderr)
        return 2
    with pipeline_lock(args.target, wait_s, who="publish") as acquired:
        if not acquired:
            print(
                f"publish: a pipeline run held the lock for this warehouse for {wait_s:.0f} s; nothing was published: exit 4",
                file=sys.stderr,
            )
            return EXIT_LOCKED
        try:
            result = publish_bi_copy(source, out, schema=schema)
        except PublishError as exc:
            print(f"publish: {exc}", file=sys.stderr)
            return 1
    console.print(
        f"published {result.published} ({result.tables} marts, {result.rows:,} rows, "
        f"{result.bytes / 1e6:.1f} MB) from {result.source} in {result.seconds:.1f}s; "
        f"withheld {result.withheld} raw, staging, intermediate and restricted relations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
