"""Check a benchmark's --json output: the figures the scale issue asks for are there.

    python scripts/ci/check_bench_json.py warehouse/bench-smoke.json [--with-pandas]

The benchmark prints numbers and asserts no timing; this checks only the shape: every
required ratio is a positive number (kpi_to_pandas_ratio only with --with-pandas, else
null), peak memory is positive and every result agreed with the marts (the floor and
pandas with mart_bot_daily_kpis, the hand-written four marts with theirs). Exit codes:
0 ok, 1 a figure is missing or wrong (each one named), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PositiveFloat, ValidationError, model_validator


class BenchFigures(BaseModel):
    """The figures of scripts/bench.py --json that the scale issue names, plus the lower bounds."""

    model_config = ConfigDict(extra="allow")

    incremental_to_full_ratio: PositiveFloat
    load_to_direct_read_ratio: PositiveFloat
    kpi_to_pandas_ratio: PositiveFloat | None
    kpi_to_sql_floor_ratio: PositiveFloat
    peak_rss_mb: PositiveFloat
    dbt_start_to_full_ratio: PositiveFloat
    dbt_empty_run_to_full_ratio: PositiveFloat
    event_table_copy_to_sql_floor_ratio: PositiveFloat
    kpi_to_same_work_ratio: PositiveFloat
    results_agree: bool

    @model_validator(mode="after")
    def _agreed(self) -> BenchFigures:
        if not self.results_agree:
            raise ValueError("the floor, pandas or the hand-written marts disagree with the marts (results_agree is false)")
        return self


def problems(figures: dict[str, object], with_pandas: bool) -> list[str]:
    found: list[str] = []
    try:
        checked = BenchFigures.model_validate(figures)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc']) or 'figures'}: {e['msg']}" for e in exc.errors()]
    if with_pandas and checked.kpi_to_pandas_ratio is None:
        found.append("kpi_to_pandas_ratio: null although the run had --with-pandas")
    if not with_pandas and checked.kpi_to_pandas_ratio is not None:
        found.append("kpi_to_pandas_ratio: set although the run had no --with-pandas")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_file", type=Path)
    parser.add_argument("--with-pandas", action="store_true", help="the run had --with-pandas")
    args = parser.parse_args(argv)
    try:
        figures = json.loads(args.json_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {args.json_file}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(figures, dict):
        print(f"{args.json_file}: expected one JSON object", file=sys.stderr)
        return 1
    found = problems(figures, args.with_pandas)
    for problem in found:
        print(f"{args.json_file}: {problem}", file=sys.stderr)
    if not found:
        print(f"{args.json_file}: every required figure present")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
