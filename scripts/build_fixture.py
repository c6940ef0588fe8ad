"""Build the hand-written fixture warehouse for a target: land every fixture folder, then
`dbt seed` and `dbt build` (models, data tests and, on dbt 1.11, unit tests).

    python scripts/build_fixture.py --target duckdb [--keep] [--select SELECTOR]

Fixture folders are tests/fixtures/<domain>/<kind>/<files>; vars come from
tests/fixtures/dbt_vars.yml. Without --keep the target's warehouse starts empty.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402

from chatwh.connection import connect  # noqa: E402
from chatwh.dbt import run_dbt  # noqa: E402
from chatwh.landing import land_folder  # noqa: E402
from chatwh.project import PROJECT_DIR  # noqa: E402

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
console = Console(highlight=False)


def fixture_vars() -> dict[str, object]:
    with open(FIXTURES / "dbt_vars.yml", encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle) or {})


def fixture_folders() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def land_fixtures(target: str | None, *, fresh: bool) -> None:
    with connect(target) as warehouse:
        if fresh:
            warehouse.reset()
        for folder in fixture_folders():
            # Fixtures are clean by design: an unreadable file raises LandingError, naming it.
            report = land_folder(warehouse, folder, skip_landed=False)
            console.print(
                f"landed {folder.name}: files={len(report.results)} read={report.rows_read} "
                f"loaded={report.rows_loaded} rejected={report.rows_rejected}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default=None)
    parser.add_argument("--keep", action="store_true", help="do not empty the warehouse first")
    parser.add_argument("--select", default=None, help="dbt selector for the build (default: everything)")
    parser.add_argument("--no-build", action="store_true", help="only land the fixture files")
    args = parser.parse_args()
    land_fixtures(args.target, fresh=not args.keep)
    if args.no_build:
        return 0
    dbt_vars = fixture_vars()
    run_dbt(["seed", "--full-refresh"], target=args.target, dbt_vars=dbt_vars)
    build = ["build", "--full-refresh"] + (["--select", args.select] if args.select else [])
    run_dbt(build, target=args.target, dbt_vars=dbt_vars)
    return 0


if __name__ == "__main__":
    sys.exit(main())
