"""scripts/ci/compare_engines.py: the engine-parity check must catch every kind of drift.

Two DuckDB files stand in for "reference" and "other engine"; the check itself is the
one `make test-mysql` / `make test-spark` run against MariaDB and Spark.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "ci"))

import compare_engines as ce  # noqa: E402

from chatwh.connection import DuckDBWarehouse  # noqa: E402
from chatwh.project import Target  # noqa: E402


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (3, Decimal("3"), True),  # MySQL returns SUM() as DECIMAL
        (3, 3.0, True),
        (0.1 + 0.2, 0.3, True),  # 5.5e-17 apart
        (1.0, 1.0 + 2e-9, False),  # 2e-9 relative
        (1e6, 1e6 * (1 + 5e-10), True),
        (0.0, 1e-17, True),  # the absolute floor for values that should be 0
        (0.0, 1e-9, False),
        (None, None, True),
        (None, 0, False),
        ("", None, False),
        ("Bot_A", "bot_a", False),
        ("学习辅导", "学习辅导", True),
        ("学习辅导", "学习辅导 ", False),
        ("学习辅导".encode(), "学习辅导", True),
        (date(2025, 6, 1), date(2025, 6, 1), True),
        (date(2025, 6, 1), datetime(2025, 6, 1), False),
        (datetime(2025, 6, 1, 0, 0, 0, 1), datetime(2025, 6, 1), False),
        (float("nan"), float("nan"), True),
        (True, 1, True),
    ],
)
def test_same(a: object, b: object, expected: bool) -> None:
    assert ce.same(a, b) is expected
    assert ce.same(b, a) is expected


def _warehouse(path: Path, sql: str) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(Target(name=path.stem, type="duckdb", settings={"path": str(path), "schema": "main"}))
    wh.execute("drop table if exists main.mart_x")
    wh.execute(sql)
    return wh


MART = ce.Mart("mart_x", ["report_date", "tag"], "unique_combination_of_columns")
REFERENCE_ROWS = """
create table main.mart_x as
select * from (values
    (date '2025-06-01', '学习辅导', 10, 0.25, 'a'),
    (date '2025-06-01', '情感陪伴', 4, null, 'b'),
    (date '2025-06-02', '学习辅导', 7, 1.0 / 3, 'c')
) as t(report_date, tag, clicks, ctr, note)
"""


def _compare(tmp_path: Path, other_sql: str) -> list[str]:
    reference = _warehouse(tmp_path / "ref.duckdb", REFERENCE_ROWS)
    other = _warehouse(tmp_path / "other.duckdb", other_sql)
    try:
        return ce.compare_mart(MART, reference, other, "duckdb", "mysql", max_diffs=20).differences
    finally:
        reference.close()
        other.close()


def test_identical_up_to_float_noise_and_row_order(tmp_path: Path) -> None:
    assert (
        _compare(
            tmp_path,
            """create table main.mart_x as select * from (values
                (date '2025-06-02', '学习辅导', 7, 0.33333333333333337, 'c'),
                (date '2025-06-01', '情感陪伴', 4, null, 'b'),
                (date '2025-06-01', '学习辅导', 10, 0.25, 'a')
            ) as t(report_date, tag, clicks, ctr, note)""",
        )
        == []
    )


def test_a_changed_value_names_mart_key_and_column(tmp_path: Path) -> None:
    diffs = _compare(
        tmp_path,
        """create table main.mart_x as select * from (values
            (date '2025-06-01', '学习辅导', 10, 0.2500001, 'a'),
            (date '2025-06-01', '情感陪伴', 4, 0.0, 'b'),
            (date '2025-06-02', '学习辅导', 7, 1.0 / 3, 'C')
        ) as t(report_date, tag, clicks, ctr, note)""",
    )
    assert diffs == [
        "mart_x key (report_date='2025-06-01', tag='学习辅导') column ctr: duckdb=0.25 mysql=0.2500001",
        "mart_x key (report_date='2025-06-01', tag='情感陪伴') column ctr: duckdb=NULL mysql=0",
        "mart_x key (report_date='2025-06-02', tag='学习辅导') column note: duckdb='c' mysql='C'",
    ]


def test_missing_and_extra_rows_and_columns(tmp_path: Path) -> None:
    diffs = _compare(
        tmp_path,
        """create table main.mart_x as select * from (values
            (date '2025-06-01', '学习辅导', 10, 0.25, 'a'),
            (date '2025-06-03', '学习辅导', 1, 0.5, 'd')
        ) as t(report_date, tag, clicks, ctr, note)""",
    )
    assert diffs == [
        "mart_x key (report_date='2025-06-01', tag='情感陪伴'): row on duckdb is missing on mysql",
        "mart_x key (report_date='2025-06-02', tag='学习辅导'): row on duckdb is missing on mysql",
        "mart_x key (report_date='2025-06-03', tag='学习辅导'): row on mysql is not on duckdb",
    ]
    diffs = _compare(tmp_path, "create table main.mart_x as select 1 as report_date")
    assert diffs == ["mart_x: columns differ: missing on mysql ['tag', 'clicks', 'ctr', 'note'], only on mysql []"]


def test_discover_reads_the_grain_from_the_yaml_tests(tmp_path: Path) -> None:
    area = tmp_path / "funnel"
    area.mkdir()
    for name in ("mart_a", "dim_b", "mart_c", "mart_loads"):
        (area / f"{name}.sql").write_text("select 1", encoding="utf-8")
    (area / "_funnel__models.yml").write_text(
        """
version: 2
models:
  - name: mart_a
    tests:
      - unique_combination_of_columns:
          combination_of_columns: [report_date, bot_id]
  - name: dim_b
    columns:
      - name: bot_id
        tests: [unique, not_null]
  - name: mart_c
    columns:
      - name: x
        tests: [not_null]
  - name: mart_loads
    config:
      meta:
        engine_parity: ignore
    columns:
      - name: load_date
        tests: [unique]
""",
        encoding="utf-8",
    )
    marts = {m.name: (m.key, m.key_source) for m in ce.discover_marts(tmp_path)}
    assert marts == {
        "mart_a": (["report_date", "bot_id"], "unique_combination_of_columns"),
        "dim_b": (["bot_id"], "unique"),
        "mart_c": ([], "none: whole rows"),
        "mart_loads": (["load_date"], "unique"),
    }
    # a mart built from each engine's own load times is left out of the engine comparison
    assert [m.name for m in ce.discover_marts(tmp_path) if not m.across_engines] == ["mart_loads"]


def test_the_project_marts_all_have_a_grain() -> None:
    """Every mart of the project declares its key, so parity is checked row by row."""
    marts = ce.discover_marts()
    assert marts, "no marts found under models/marts"
    assert [m.name for m in marts if not m.key] == []


def test_load_times_are_not_compared_and_column_order_is_only_noted(tmp_path: Path) -> None:
    reference = _warehouse(
        tmp_path / "ref.duckdb",
        "create table main.mart_x as select date '2025-06-01' as report_date, 'a' as tag, 1 as n, timestamp '2026-01-01 10:00:00' as first_loaded_at",
    )
    other = _warehouse(
        tmp_path / "other.duckdb",
        "create table main.mart_x as select 'a' as tag, 1 as n, timestamp '2026-01-01 10:07:00' as first_loaded_at, date '2025-06-01' as report_date",
    )
    try:
        result = ce.compare_mart(MART, reference, other, "duckdb", "spark", max_diffs=20)
    finally:
        reference.close()
        other.close()
    assert result.differences == []
    assert result.note == "column order differs on spark; not compared: first_loaded_at"
    assert ce.ignored_column("_loaded_at") and ce.ignored_column("loaded_at") and not ce.ignored_column("loaded_at_text")
    assert ce.ignored_column("x", {"engine_parity": "ignore"})
