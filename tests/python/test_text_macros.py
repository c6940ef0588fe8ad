"""The text and number macros whose engine functions disagree (trim(), \\s, round()),
compiled by dbt and run in DuckDB against the values they document. The same inputs
run on MariaDB in the MySQL stage (tests/engines/test_cross_db_semantics_on_engine.py);
this is DuckDB's half, which `make pytest` runs."""

from __future__ import annotations

import duckdb
import pytest
from test_stats_macros import compile_inline

VT, NEL, IDEO, NBSP = "\x0b", "\x85", "\u3000", "\u00a0"

SQL = """
select
    t,
    {{ question_key('t') }} as question_key,
    {{ trim_whitespace('t') }} as stripped,
    {{ char_length(trim_whitespace('t')) }} as stripped_chars
from (select unnest(?) as t) as texts
"""

NUMBERS_SQL = "select {{ round_half_away('x', 6) }} from (select unnest(?) as x) as numbers"

# (text, question_key): whitespace is every White_Space character, VT and NEL included.
TEXTS = [
    (f"如何部署{VT}Python代码", "如何部署python代码"),
    (f"久等了{NEL}谢谢", "久等了谢谢"),
    (f"{IDEO}{IDEO}好的{IDEO}{IDEO}", "好的"),
    (f"好的{NBSP}{NBSP}{NBSP}", "好的"),
    ("好的。\n\n", "好的"),
    (f"\t{VT} a b {NEL}", "ab"),
]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    tmp = tmp_path_factory.mktemp("compile")
    return compile_inline(SQL, tmp), compile_inline(NUMBERS_SQL, tmp)


def test_whitespace_is_pythons_on_duckdb(compiled: tuple[str, str]) -> None:
    """trim_whitespace is the article's response.strip() (its "under 5 characters after
    stripping" rule): DuckDB's trim() keeps the newlines of "好的。\\n\\n" (5 characters, not
    poor) and MySQL's keeps the no-break spaces."""
    texts = [text for text, _ in TEXTS]
    rows = duckdb.connect().execute(compiled[0], [texts]).fetchall()
    assert [(t, key) for t, key, _, _ in rows] == TEXTS
    for text, _, stripped, chars in rows:
        assert stripped == text.strip() and chars == len(text.strip()), repr(text)
    assert duckdb.connect().execute(compiled[0], [[None]]).fetchall() == [(None, None, None, None)]


def test_round_half_away_from_zero(compiled: tuple[str, str]) -> None:
    values = [2.5, 80.000008 / 16, 40.001 / 16, 0.0078125, -0.0078125, 1 / 3, None]
    rows = duckdb.connect().execute(compiled[1], [values]).fetchall()
    assert [r[0] for r in rows] == [2.5, 5.000001, 2.500063, 0.007813, -0.007813, 0.333333, None]
