"""scripts/ci/check_bench_json.py: the shape check of the benchmark's --json output.

`make bench-smoke` runs it on the smoke's figures; here it must pass a complete object
and name each figure that is missing, null where it must be a number, or inconsistent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "ci"))

import check_bench_json as cbj  # noqa: E402

COMPLETE = {
    "incremental_to_full_ratio": 0.41,
    "load_to_direct_read_ratio": 0.54,
    "kpi_to_pandas_ratio": 0.17,
    "kpi_to_sql_floor_ratio": 16.5,
    "peak_rss_mb": 1777.0,
    "dbt_start_to_full_ratio": 0.095,
    "dbt_empty_run_to_full_ratio": 0.22,
    "event_table_copy_to_sql_floor_ratio": 5.8,
    "kpi_to_same_work_ratio": 1.6,
    "results_agree": True,
    "steps": {},
}


def test_a_complete_object_passes() -> None:
    assert cbj.problems(COMPLETE, with_pandas=True) == []
    assert cbj.problems(COMPLETE | {"kpi_to_pandas_ratio": None}, with_pandas=False) == []


@pytest.mark.parametrize(
    ("change", "with_pandas", "named"),
    [
        ({"incremental_to_full_ratio": None}, True, "incremental_to_full_ratio"),
        ({"peak_rss_mb": 0}, True, "peak_rss_mb"),
        ({"kpi_to_sql_floor_ratio": "fast"}, True, "kpi_to_sql_floor_ratio"),
        ({"kpi_to_same_work_ratio": None}, True, "kpi_to_same_work_ratio"),
        ({"kpi_to_pandas_ratio": None}, True, "kpi_to_pandas_ratio"),
        ({}, False, "kpi_to_pandas_ratio"),
        ({"results_agree": False}, True, "disagree"),
    ],
)
def test_each_problem_is_named(change: dict[str, object], with_pandas: bool, named: str) -> None:
    found = cbj.problems(COMPLETE | change, with_pandas=with_pandas)
    assert found and any(named in problem for problem in found), found


def test_a_missing_figure_is_named() -> None:
    figures = {k: v for k, v in COMPLETE.items() if k != "dbt_empty_run_to_full_ratio"}
    assert any("dbt_empty_run_to_full_ratio" in p and "required" in p for p in cbj.problems(figures, with_pandas=True))


def test_exit_codes(tmp_path: Path) -> None:
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(COMPLETE), encoding="utf-8")
    bad.write_text(json.dumps(COMPLETE | {"load_to_direct_read_ratio": None}), encoding="utf-8")
    broken.write_text("{not json", encoding="utf-8")
    assert cbj.main([str(good), "--with-pandas"]) == 0
    assert cbj.main([str(bad), "--with-pandas"]) == 1
    assert cbj.main([str(broken)]) == 2
