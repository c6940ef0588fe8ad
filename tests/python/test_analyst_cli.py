"""The analyst's command-line tools on a hand-made warehouse: scripts/compare_tag.py,
scripts/kpis.py and scripts/demo.py's failures (one line, no traceback, a non-zero exit).

The marts are small tables written here with only the columns the scripts read, so each
expected number is visible in the test.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import duckdb_lock_held, run_script, scratch_env

WINDOW_START, WINDOW_END = date(2025, 6, 24), date(2025, 6, 30)


@pytest.fixture
def comparison_db(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Two tags: 学习辅导 served by models a and b (one pair row per metric in the built
    window), 健康养生 served by model a only (no pair row). mart_tag_daily_kpis has 10
    exposures a day for every tag × model over 14 days, 7 of them inside the window."""
    path = tmp_path / "cli.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table main.mart_model_comparison (window_start date, window_end date, tag varchar, metric varchar,"
            " model_a varchar, model_b varchar, successes_a bigint, trials_a bigint, rate_a double, rate_a_lower double,"
            " rate_a_upper double, successes_b bigint, trials_b bigint, rate_b double, rate_b_lower double, rate_b_upper double,"
            " difference double, difference_lower double, difference_upper double, z_statistic double, p_value double,"
            " is_significant integer)"
        )
        con.execute(
            "insert into main.mart_model_comparison values"
            " (?, ?, '学习辅导', 'uv_ctr', 'a', 'b', 10, 100, 0.1, 0.05, 0.17, 20, 100, 0.2, 0.13, 0.29, 0.1, 0.0, 0.2, 1.98, 0.048, 1),"
            " (?, ?, '学习辅导', 'uv_chat_start_rate', 'a', 'b', 5, 10, 0.5, 0.2, 0.8, 8, 20, 0.4, 0.2, 0.6, -0.1, -0.4, 0.2,"
            "  null, null, 0)",
            [WINDOW_START, WINDOW_END, WINDOW_START, WINDOW_END],
        )
        con.execute(
            "create table main.mart_tag_daily_kpis (report_date date, tag varchar, model_name varchar, bots bigint,"
            " exposures bigint, clicks bigint, sessions bigint, chat_starts bigint, user_turns bigint, exposed_users bigint,"
            " exposed_users_who_clicked bigint, active_users bigint, ctr double, chat_start_rate double,"
            " avg_turns_per_session double, avg_turns_per_user double, uv_ctr double, uv_ctr_lower double, uv_ctr_upper double,"
            " uv_chat_start_rate double, uv_chat_start_rate_lower double, uv_chat_start_rate_upper double)"
        )
        for offset in range(14):
            day = WINDOW_END - timedelta(days=offset)
            for tag, model in (("学习辅导", "a"), ("学习辅导", "b"), ("健康养生", "a")):
                con.execute(
                    "insert into main.mart_tag_daily_kpis (report_date, tag, model_name, bots, exposures, clicks, sessions,"
                    " chat_starts, user_turns, exposed_users, exposed_users_who_clicked, active_users)"
                    " values (?, ?, ?, 1, 10, 2, 1, 1, 3, 5, 2, 1)",
                    [day, tag, model],
                )
        con.execute("create table main.dim_bot_tags (bot_id varchar, tag varchar)")
        con.execute("insert into main.dim_bot_tags values ('b1', '学习辅导'), ('b2', '健康养生')")
    return path, scratch_env(path)


def test_a_tag_served_by_one_model_sums_its_funnel_over_the_built_window(comparison_db: tuple[Path, dict[str, str]]) -> None:
    """With no pair row for the tag, the window was None and the funnel was summed over
    every day in the mart (140 exposures for 14 days), printed as 'window None … None'."""
    _, env = comparison_db
    done = run_script("compare_tag.py", "--tag", "健康养生", env=env)
    assert f"window {WINDOW_START} … {WINDOW_END}" in done.stdout
    assert "None" not in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("│ a "))
    assert [cell.strip() for cell in row.strip("│").split("│")] == ["a", "7", "70", "14", "7", "21", "7"]


def test_a_pair_without_a_z_test_is_not_called_insignificant(comparison_db: tuple[Path, dict[str, str]]) -> None:
    _, env = comparison_db
    done = run_script("compare_tag.py", "--tag", "学习辅导", env=env)
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.startswith("│ uv_")}
    assert rows["uv_ctr"].rstrip("│ ").endswith("yes")
    assert "not tested" in rows["uv_chat_start_rate"]  # p-value NULL: fewer than comparison_min_users
    assert "│          no │" not in rows["uv_chat_start_rate"]


def test_an_unknown_tag_lists_the_known_ones(comparison_db: tuple[Path, dict[str, str]]) -> None:
    _, env = comparison_db
    done = run_script("compare_tag.py", "--tag", "不存在", env=env, check=False)
    assert done.returncode == 1
    assert "健康养生, 学习辅导" in done.stdout and "Traceback" not in done.stderr


def test_a_known_tag_without_data_in_the_window_names_the_days_it_has(comparison_db: tuple[Path, dict[str, str]]) -> None:
    """A known tag outside its data was told "has no KPIs in the window … Known tags: …,
    健康养生, …", as if misspelt. Here 健康养生 has data before the built window only."""
    path, env = comparison_db
    with duckdb.connect(str(path)) as con:
        con.execute("delete from main.mart_tag_daily_kpis where tag = '健康养生' and report_date >= ?", [WINDOW_START])
    done = run_script("compare_tag.py", "--tag", "健康养生", env=env, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    first = WINDOW_END - timedelta(days=13)
    assert (
        f"Tag '健康养生' has no data in the window {WINDOW_START} … {WINDOW_END}: its KPIs cover {first} … {WINDOW_START - timedelta(days=1)}."
        in done.stdout
    ), done.stdout
    assert "Known tags" not in done.stdout


def test_demo_rejects_bad_arguments_with_a_usage_line(tmp_path: Path) -> None:
    """`make demo DEMO_DAYS=0` printed the generator's usage, then a CalledProcessError traceback."""
    env = scratch_env(tmp_path / "demo.duckdb")
    for args in (("--days", "0"), ("--scale", "inf"), ("--scale", "x")):
        done = run_script("demo.py", "--out", str(tmp_path / "landing"), *args, env=env, check=False)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and "demo.py: error: argument" in done.stderr, done.stderr
    assert not (tmp_path / "landing").exists()


def test_demo_on_a_locked_warehouse_says_so_in_one_line(tmp_path: Path) -> None:
    """The README suggests `duckdb -readonly warehouse/chatbot.duckdb`; a second `make demo`
    while it is open waited, then died with a WarehouseError traceback."""
    db = tmp_path / "demo.duckdb"
    duckdb.connect(str(db)).close()
    env = scratch_env(db, CHATBOT_DUCKDB_LOCK_TIMEOUT_S="1")
    with duckdb_lock_held(db):
        done = run_script(
            "demo.py", "--out", str(tmp_path / "landing"), "--days", "1", "--scale", "0.05", env=env, check=False, timeout=300
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("demo: DuckDB file") and "locked" in done.stderr


def test_kpis_names_the_filter_column_and_lists_its_values(comparison_db: tuple[Path, dict[str, str]]) -> None:
    """`--by tag --only` with a misspelt tag: the known tags of the range, not a guess."""
    _, env = comparison_db
    args = ("--start", str(WINDOW_START), "--end", str(WINDOW_END), "--by", "tag")
    done = run_script("kpis.py", *args, "--only", "学习", env=env, check=False)
    assert done.returncode == 1
    assert "tag = '学习'" in done.stdout and "Known tag values in that range: 健康养生, 学习辅导." in done.stdout
    done = run_script("kpis.py", *args, "--only", "健康养生", env=env)
    assert "│ 健康养生 │ a" in done.stdout and "70" in done.stdout


def test_kpis_outside_the_data_names_the_days_the_mart_has(comparison_db: tuple[Path, dict[str, str]]) -> None:
    """A range before the data was told "Has `dbt build` run on this target?" on a built
    mart: that hint is for a mart without rows, a range outside the data names the days it has."""
    path, env = comparison_db
    first = WINDOW_END - timedelta(days=13)
    args = ("--start", "2020-01-01", "--end", "2020-01-02", "--by", "tag")
    for extra in ((), ("--only", "学习辅导")):
        done = run_script("kpis.py", *args, *extra, env=env, check=False)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "dbt build" not in done.stdout, done.stdout
        assert (
            "the range has no data" in done.stdout.lower() and f"mart_tag_daily_kpis has data from {first} to {WINDOW_END}." in done.stdout
        )
    with duckdb.connect(str(path)) as con:
        con.execute("delete from main.mart_tag_daily_kpis")
    done = run_script("kpis.py", *args, env=env, check=False)
    assert done.returncode == 1
    assert "mart_tag_daily_kpis has no rows at all. Has `dbt build` run on this target?" in done.stdout, done.stdout


def test_scripts_on_a_warehouse_without_marts_say_so_without_a_traceback(tmp_path: Path) -> None:
    """An interrupted or failed `make demo` leaves a warehouse without marts: kpis.py and
    compare_tag.py died with a DuckDB CatalogException traceback."""
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    env = scratch_env(db)
    for script, args in (
        ("kpis.py", ("--start", "2025-06-01", "--end", "2025-06-02", "--by", "tag")),
        ("compare_tag.py", ("--tag", "学习辅导")),
    ):
        done = run_script(script, *args, env=env, check=False)
        assert done.returncode == 2, (script, done.stderr)
        assert "Traceback" not in done.stderr and "has `dbt build` run on this target?" in done.stderr, done.stderr
