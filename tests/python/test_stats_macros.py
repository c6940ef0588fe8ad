"""The statistics macros (normal CDF, two-sided p-value, Wilson interval, two-proportion
z-test, Newcombe difference CI) compiled by dbt and run in DuckDB, checked against scipy."""

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
    {{ difference_lower('x_a', 'n_a', 'x_b', 'n_b') }} as difference_lower,
    {{ difference_upper('x_a', 'n_a', 'x_b', 'n_b') }} as difference_upper
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


def test_normal_tail_is_relatively_exact(compiled: tuple[str, str]) -> None:
    """Relative to scipy, in the tails too: an absolute tolerance (1e-15 above) passes any
    value below 1e-15, so it cannot see the tail branch (|x| past the rational
    approximation) at all; a z of 8 has p = 1.2e-15. Up to |x| = 37, where the macro
    returns 0 (Q(37) = 6e-300)."""
    xs = [-36.9, -30.0, -20.0, -12.0, -10.0, -8.0, -7.5, -7.07, -7.0, -6.5, -6.0, -5.5, -5.01, -5.0, -4.99, -4.5, -4.0, -3.0]
    con = duckdb.connect()
    rows = con.execute(compiled[0], [xs + [-x for x in xs]]).fetchall()
    for x, phi, p in rows:
        assert phi == pytest.approx(stats.norm.cdf(x), rel=1e-9, abs=0), x
        assert p == pytest.approx(2 * stats.norm.sf(abs(x)), rel=1e-9, abs=0), x


def test_wilson_and_two_proportion_test_match_scipy(compiled: tuple[str, str]) -> None:
    cases = [
        (1, 1, 2, 2),
        (45, 100, 60, 100),
        (0, 20, 3, 25),
        (120, 1000, 150, 1000),
        (7, 9, 7, 9),
        (30, 30, 29, 31),
        (3, 0, 2, 5),
        (0, 1, 1, 1),
        (1, 1, 0, 1),
        (500_000_000, 1_000_000_000, 500_001_000, 1_000_000_000),
        (1, 1_000_000_000, 2, 1_000_000_000),
    ]
    con = duckdb.connect()
    rows = con.execute(compiled[1], [list(c) for c in zip(*cases)]).fetchall()
    for x_a, n_a, x_b, n_b, lo, hi, z, d_lo, d_hi in rows:
        if n_a == 0:
            assert lo is None and hi is None and z is None and d_lo is None and d_hi is None
            continue
        p_a, p_b = x_a / n_a, x_b / n_b
        center = (p_a + Z95**2 / (2 * n_a)) / (1 + Z95**2 / n_a)
        spread = Z95 * math.sqrt(p_a * (1 - p_a) / n_a + Z95**2 / (4 * n_a**2)) / (1 + Z95**2 / n_a)
        assert lo == pytest.approx(max(0.0, center - spread), rel=1e-12, abs=1e-15)
        assert hi == pytest.approx(min(1.0, center + spread), rel=1e-12, abs=1e-15)
        assert 0.0 <= lo <= p_a + 1e-12 and p_a - 1e-12 <= hi <= 1.0
        # and against scipy's own Wilson interval, not only the formula restated here
        wilson = stats.binomtest(x_a, n_a).proportion_ci(0.95, method="wilson")
        assert lo == pytest.approx(wilson.low, rel=1e-9, abs=1e-15) and hi == pytest.approx(wilson.high, rel=1e-9, abs=1e-15)
        if x_a + x_b in (0, n_a + n_b):
            assert z is None
        else:
            # The pooled z-test is the 2x2 chi-square test without continuity correction.
            table = [[x_a, n_a - x_a], [x_b, n_b - x_b]]
            chi2_p = stats.chi2_contingency(table, correction=False).pvalue
            assert 2 * stats.norm.sf(abs(z)) == pytest.approx(chi2_p, rel=1e-9)
            assert math.copysign(1, z) == math.copysign(1, p_b - p_a) or p_a == p_b
        # Newcombe's hybrid score interval from scipy's Wilson bounds of each arm
        wilson_b = stats.binomtest(x_b, n_b).proportion_ci(0.95, method="wilson")
        assert d_lo == pytest.approx(p_b - p_a - math.hypot(p_b - wilson_b.low, wilson.high - p_a), rel=1e-9, abs=1e-12)
        assert d_hi == pytest.approx(p_b - p_a + math.hypot(wilson_b.high - p_b, p_a - wilson.low), rel=1e-9, abs=1e-12)
        assert -1.0 <= d_lo <= p_b - p_a <= d_hi <= 1.0


# Newcombe (1998), "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Statistics in Medicine 17, Table II,
# method 10 (the hybrid score interval): p1 - p2 for x1/n1 against x2/n2, 4 decimals.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


def test_difference_interval_is_newcombes_published_one(compiled: tuple[str, str]) -> None:
    """The paper's own worked examples: the macro's b - a with b = x1/n1, a = x2/n2."""
    cases = [(x2, n2, x1, n1) for (x1, n1, x2, n2), _ in NEWCOMBE_TABLE_II]
    con = duckdb.connect()
    rows = con.execute(compiled[1], [list(c) for c in zip(*cases)]).fetchall()
    assert len(rows) == len(NEWCOMBE_TABLE_II)
    for row, (case, (low, high)) in zip(rows, NEWCOMBE_TABLE_II):
        d_lo, d_hi = row[-2:]
        assert (round(d_lo, 4), round(d_hi, 4)) == (low, high), case
