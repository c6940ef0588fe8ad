"""The same input gives the same value on the engine as on DuckDB: cross-database macros
and loader limits where the engines' own functions disagree (not run by `make pytest`).

`scripts/engines/test_engine.sh mysql` runs it with CHATBOT_ENGINE_TARGET=mysql and its
private MariaDB running (the server's default collation case-insensitive, as in CI):

    CHATBOT_ENGINE_TARGET=mysql .venv/bin/pytest -q tests/engines

Each macro is compiled with `dbt compile --inline` for DuckDB (main .venv) and for the
engine (.venv-mysql's dbt 1.7), both queries run on the same literal inputs, and the
results must be equal to each other and to the value the macro documents. The fixtures
(tests/fixtures) never hold a VT, a U+3000 around an answer or a mean that is exactly a
half at the sixth decimal, so compare_engines.py cannot see these.

Spark is not covered here: compiling for it starts a Spark session in another process,
and the Derby metastore admits one at a time (the module skips on spark).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from chatwh.connection import Warehouse, connect  # noqa: E402
from chatwh.kinds import all_kinds  # noqa: E402
from chatwh.loading import sinks  # noqa: E402
from chatwh.loading.runner import load_file  # noqa: E402

TARGET = os.environ.get("CHATBOT_ENGINE_TARGET")
SCHEMA = "chatbot_analytics_semantics"

if not TARGET:
    raise RuntimeError("tests/engines needs CHATBOT_ENGINE_TARGET=mysql|mariadb|spark and that engine running (make test-mysql does both)")

pytestmark = pytest.mark.skipif(TARGET == "spark", reason="dbt compile for spark would start a second Spark session (one Derby metastore)")

DBT = {"duckdb": PROJECT_DIR / ".venv" / "bin" / "dbt", "mysql": PROJECT_DIR / ".venv-mysql" / "bin" / "dbt"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")

VT, NEL, IDEO, NBSP = "\x0b", "\x85", "\u3000", "\u00a0"
# (text, question_key, question_fold, trim_whitespace). '久' is E4 B9 85 in UTF-8: its
# last byte is NEL's code point, so a byte-wise pattern would cut it.
TEXTS = [
    (f"如何部署{VT}Python代码", "如何部署python代码", "如何部署 python代码", f"如何部署{VT}Python代码"),
    (f"久等了{NEL}谢谢", "久等了谢谢", "久等了 谢谢", f"久等了{NEL}谢谢"),
    (f"{IDEO}{IDEO}好的{IDEO}{IDEO}", "好的", "好的", "好的"),
    (f"好的{NBSP}{NBSP}{NBSP}", "好的", "好的", "好的"),
    ("\n\n好的。\n", "好的", "好的。", "好的。"),
    (f"\t{VT} a b {NEL}", "ab", "a b", "a b"),
    ("Ｐｙｔｈｏｎ　代码？", "python代码", "python 代码？", "Ｐｙｔｈｏｎ　代码？"),
]
# (value, round_half_away(value, 6)): halves exactly representable after the scaling.
NUMBERS = [
    ("2.5", 2.5),
    ("cast(80.000008 as double) / 16", 5.000001),  # 16 response times of 5.000008 s in all
    ("cast(40.001 as double) / 16", 2.500063),
    ("0.0078125", 0.007813),
    ("-0.0078125", -0.007813),
    ("cast(1 as double) / 3", 0.333333),
    ("cast(null as double)", None),
]


def compile_sql(sql: str, dbt_target: str, tmp_path: Path, extra_env: dict[str, str] | None = None) -> str:
    """The SQL dbt compiles `sql` to for a profiles.yml target."""
    binary = DBT["duckdb" if dbt_target == "duckdb" else "mysql"]
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR / "profiles"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(tmp_path / f"target-{dbt_target}"),
        DBT_LOG_PATH=str(tmp_path / f"logs-{dbt_target}"),
        CHATBOT_DUCKDB_PATH=str(tmp_path / "compile.duckdb"),
    )
    env.update(extra_env or {})
    done = subprocess.run(
        [str(binary), "compile", "--inline", sql, "--target", dbt_target],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = ANSI.sub("", done.stdout)
    assert done.returncode == 0, out + done.stderr
    marker = "Compiled inline node is:"
    assert marker in out, out
    return out.split(marker, 1)[1].strip()


def literal(text: str) -> str:
    assert "\\" not in text  # MySQL's literals read a backslash as an escape
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def engine() -> Iterator[Warehouse]:
    with connect(TARGET) as wh:
        yield wh


def run_both(
    sql: str, engine: Warehouse, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    import duckdb

    reference = duckdb.connect().execute(compile_sql(sql, "duckdb", tmp_path, extra_env)).fetchall()
    other = engine.fetchall(compile_sql(sql, TARGET or "", tmp_path, extra_env))
    return reference, other


def test_question_folding_and_trim_whitespace_agree_with_duckdb(engine: Warehouse, tmp_path: Path) -> None:
    """VT and NEL are whitespace on MariaDB's PCRE (\\s) but not on DuckDB's RE2, and
    DuckDB's trim() removes U+3000 / U+00A0 where MariaDB's does not: the macros spell
    the White_Space set out, so each text folds and trims alike everywhere."""
    inputs = " union all ".join(f"select {n} as n, {literal(t)} as t" for n, (t, *_rest) in enumerate(TEXTS))
    sql = (
        "select n, {{ question_key('t') }} as question_key, {{ question_fold('t') }} as question_fold, "
        "{{ trim_whitespace('t') }} as trimmed from (" + inputs + ") as inputs order by n"
    )
    reference, other = run_both(sql, engine, tmp_path)
    expected = [(n, key, fold, trimmed) for n, (_, key, fold, trimmed) in enumerate(TEXTS)]
    assert [tuple(r) for r in reference] == expected
    assert [(int(r[0]), *(str(v) for v in r[1:])) for r in other] == expected


@pytest.mark.parametrize("salt", ["ab\\c", "salt ending in a backslash\\", "it's \\' quoted"])
def test_user_key_with_backslashes_or_quotes_in_the_salt_agrees_with_duckdb(engine: Warehouse, tmp_path: Path, salt: str) -> None:
    """The salt is pasted into the SQL as a string literal: MySQL and Spark read a
    backslash in it as an escape, so 'ab\\c' hashed as 'abc' there, and a salt ending in
    a backslash did not compile. The key is sha256(salt + id) on every engine."""
    sql = "select {{ user_key(\"'u_000123'\") }} as k"
    reference, other = run_both(sql, engine, tmp_path, {"CHATBOT_USER_KEY_SALT": salt})
    expected = hashlib.sha256((salt + "u_000123").encode()).hexdigest()
    assert [str(r[0]) for r in reference] == [expected]
    assert [str(r[0]) for r in other] == [expected]


def test_round_half_away_agrees_with_duckdb(engine: Warehouse, tmp_path: Path) -> None:
    """round() of a DOUBLE is half-to-even on MariaDB: the macro is not."""
    inputs = " union all ".join(f"select {n} as n, {v} as x" for n, (v, _) in enumerate(NUMBERS))
    sql = "select n, {{ round_half_away('x', 6) }} as r from (" + inputs + ") as inputs order by n"
    reference, other = run_both(sql, engine, tmp_path)
    expected = [(n, r) for n, (_, r) in enumerate(NUMBERS)]
    for got in (reference, other):
        assert [(int(n), None if r is None else float(r)) for n, r in got] == [
            (n, None if r is None else pytest.approx(r, rel=0, abs=1e-12)) for n, r in expected
        ]
    assert [None if r is None else float(r) for _, r in reference] == [None if r is None else float(r) for _, r in other]


def test_bot_text_longer_than_the_engine_column_is_rejected(tmp_path: Path) -> None:
    """A bot's name, model or business line lands in VARCHAR(255) on MySQL: 256
    characters made the whole file fail there ("Data too long", or a silent cut on a
    server without strict mode) while DuckDB loaded it. It is a value_too_long reject
    on every engine."""
    with connect(TARGET) as wh:
        patch = pytest.MonkeyPatch()
        patch.setattr(sinks, "raw_schema", lambda: SCHEMA)
        try:
            wh.execute(f"drop database if exists {wh.quote(SCHEMA)}")
            path = tmp_path / "bots_long.csv"
            long = "长" * 256
            path.write_text(
                "bot_id,bot_name,model_name,business_line,tags,created_at\n"
                f"b_ok,{'名' * 255},qwen-7b,教育,学习辅导,2025-01-01T00:00:00Z\n"
                f"b_name,{long},qwen-7b,教育,学习辅导,2025-01-01T00:00:00Z\n"
                f"b_model,助手,{long},教育,学习辅导,2025-01-01T00:00:00Z\n"
                f"b_line,助手,qwen-7b,{long},学习辅导,2025-01-01T00:00:00Z\n",
                encoding="utf-8",
            )
            result = load_file(wh, all_kinds()["bots"], str(path))
            assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
            reasons = wh.fetchall(f"select reason_code, count(*) from {wh.relation(SCHEMA, 'load_rejects')} group by reason_code")
            assert [(str(code), int(n)) for code, n in reasons] == [("value_too_long", 3)]
            (name,) = wh.fetchall(f"select bot_name from {wh.relation(SCHEMA, 'bots')}")[0]
            assert name == "名" * 255
        finally:
            wh.execute(f"drop database if exists {wh.quote(SCHEMA)}")
            patch.undo()


def test_sessions_read_backslashes_as_escapes_whatever_the_server_mode(engine: Warehouse, tmp_path: Path) -> None:
    """Under NO_BACKSLASH_ESCAPES (CI starts the server with it) string_literal's doubled
    backslashes reach the regex engine doubled: '\\\\p{Z}' matched 'p', 'Z' and '\\\\'. The
    loaders' sessions and the models' pre-hook (macro session_settings) take it out."""
    if TARGET not in ("mysql", "mariadb"):
        pytest.skip("sql_mode is MySQL's")
    if "NO_BACKSLASH_ESCAPES" in os.environ.get("CHATBOT_MARIADB_SQL_MODE", ""):
        assert "NO_BACKSLASH_ESCAPES" in str(engine.fetchall("select @@global.sql_mode")[0][0])
    assert "NO_BACKSLASH_ESCAPES" not in str(engine.fetchall("select @@session.sql_mode")[0][0])
    hook = compile_sql("{{ session_settings() }}", TARGET, tmp_path)
    before = str(engine.fetchall("select @@session.sql_mode")[0][0])
    try:
        engine.execute("set session sql_mode = concat(@@session.sql_mode, ',NO_BACKSLASH_ESCAPES')")
        engine.execute(hook)
        mode = str(engine.fetchall("select @@session.sql_mode")[0][0])
        assert "NO_BACKSLASH_ESCAPES" not in mode and set(mode.split(",")) == set(before.split(","))
        folded = engine.fetchall(compile_sql("select {{ question_key(\"'如何部署 Python？'\") }} as k", TARGET, tmp_path))
        assert [str(r[0]) for r in folded] == ["如何部署python"]
    finally:
        engine.execute(f"set session sql_mode = {literal(before)}")
