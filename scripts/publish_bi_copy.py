"""Publish a read-only copy of the DuckDB warehouse's marts for BI tools (Metabase).

    python scripts/publish_bi_copy.py [--target NAME] [--out PATH]

Writes the marts of a DuckDB target (fct_*, dim_*, mart_* of its model schema, not the
*_restricted ones) to PATH (default: env CHATBOT_BI_DUCKDB_PATH, else
`<warehouse dir>/bi/<file name>`) through a temporary file in the same directory,
fsync and an atomic rename, after checking that the copy opens read-only and holds
exactly those tables with the same row counts (see scripts/chatwh/publish.py). Raw,
staging and intermediate tables never leave the warehouse. `run_pipeline.py` and the
Airflow DAG call it after every successful build.
Exit codes: 0 published, 1 the copy failed (nothing was replaced), 2 bad arguments (an
--out that is a directory, the warehouse file itself or cannot be created too) or the
target is not a DuckDB file.
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

console = make_console()


def warehouse_file(target_name: str | None) -> tuple[Path, str]:
    """The DuckDB file a target points at (relative paths are relative to the project) and
    its model schema."""
    target = load_target(target_name)
    if target.type != "duckdb":
        raise ProfileError(f"target {target.name!r} is {target.type}, not a DuckDB file: BI tools read that warehouse directly")
    path = resolve_path(str(target.settings.get("path", "warehouse/chatbot.duckdb"))).resolve()
    return path, str(target.settings.get("schema") or DEFAULT_SCHEMA)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default=None, help="profiles.yml target (a DuckDB one)")
    parser.add_argument("--out", type=output_file, default=None, help="where to publish the copy (a file)")
    args = parser.parse_args(argv)
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
