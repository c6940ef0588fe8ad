"""The statistics macros (normal CDF, two-sided p-value, Wilson interval, two-proportion
z-test, difference CI) compiled by dbt and run in DuckDB, checked against scipy."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, scratch_env
from scipy import stats

Z95 = 1.959963984540054

SQL = """
select
    x,
    {{ normal_cdf('x') }} as phi,
    {{ two_sided_p_value('x') }} as p_two_sided
from (select unnest(?) as x) as t
"""

SQL_PROPORTIONS = """
select
    x_a, n_a, x_b, n_b,
    {{ wilson_lower('x_a', 'n_a') }} as wilson_lower_a,
    {{ wilson_upper('x_a', 'n_a') }} as wilson_upper_a,
    {{ two_proportion_z('x_a', 'n_a', 'x_b', 'n_b') }} as z,
    {{ difference_half_width('x_a', 'n_a', 'x_b', 'n_b') }} as half_width
from (select unnest(?) as x_a, unnest(?) as n_a, unnest(?) as x_b, unnest(?) as n_b) as t
"""


def compile_inline(sql: str, tmp_path: Path) -> str:
    env = scratch_env(tmp_path / "compile.duckdb")
    dbt = Path(PROJECT_DIR / ".venv" / "bin" / "dbt")
    done = subprocess.run(
        [str(dbt), "compile", "--quiet", "--inline", sql], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    tmp = tmp_path_factory.mktemp("compile")
    return compile_inline(SQL, tmp), compile_inline(SQL_PROPORTIONS, tmp)


def test_normal_cdf_and_p_value_match_scipy(compiled: tuple[str, str]) -> None:
    xs = [-40.0, -8.5, -7.2, -5.0, -3.1, -1.96, -1.0, -0.3, 0.0, 0.25, 1.0, 1.644853627, 1.959963985, 2.5, 3.9, 7.0, 7.1, 12.0, 40.0]
    con = duckdb.connect()
    rows = con.execute(compiled[0], [xs]).fetchall()
    assert len(rows) == len(xs)
    for x, phi, p in rows:
        assert phi == pytest.approx(stats.norm.cdf(x), rel=1e-9, abs=1e-15), x
        assert p == pytest.approx(min(1.0, 2 * stats.norm.sf(abs(x))), rel=1e-9, abs=1e-15), x


def test_wilson_and_two_proportion_test_match_scipy(compiled: tuple[str, str]) -> None:
    cases = [(1, 1, 2, 2), (45, 100, 60, 100), (0, 20, 3, 25), (120, 1000, 150, 1000), (7, 9, 7, 9), (30, 30, 29, 31), (3, 0, 2, 5)]
    con = duckdb.connect()
    rows = con.execute(compiled[1], [list(c) for c in zip(*cases)]).fetchall()
    for x_a, n_a, x_b, n_b, lo, hi, z, half in rows:
        if n_a == 0:
            assert lo is None and hi is None and z is None and half is None
            continue
        p_a, p_b = x_a / n_a, x_b / n_b
        center = (p_a + Z95**2 / (2 * n_a)) / (1 + Z95**2 / n_a)
        spread = Z95 * math.sqrt(p_a * (1 - p_a) / n_a + Z95**2 / (4 * n_a**2)) / (1 + Z95**2 / n_a)
        assert lo == pytest.approx(max(0.0, center - spread), rel=1e-12, abs=1e-15)
        assert hi == pytest.approx(min(1.0, center + spread), rel=1e-12, abs=1e-15)
        assert 0.0 <= lo <= p_a + 1e-12 and p_a - 1e-12 <= hi <= 1.0
        if x_a + x_b in (0, n_a + n_b):
            assert z is None
        else:
            # The pooled z-test is the 2x2 chi-square test without continuity correction.
            table = [[x_a, n_a - x_a], [x_b, n_b - x_b]]
            chi2_p = stats.chi2_contingency(table, correction=False).pvalue
            assert 2 * stats.norm.sf(abs(z)) == pytest.approx(chi2_p, rel=1e-9)
            assert math.copysign(1, z) == math.copysign(1, p_b - p_a) or p_a == p_b
        assert half == pytest.approx(Z95 * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b), rel=1e-12)
