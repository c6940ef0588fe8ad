"""Feedback marts on the hand-written fixture (tests/fixtures/feedback), built by the
shared `fixture_warehouse`. The answer reactions of 2025-06-01 (local time):

  fu1 like    m1 12:00                       fu2 like m1 12:01, dislike m1 12:05 [2.3, 2.5] + expect
  fu3 like    m4 12:10, dislike m4 13:00 ["2.5"] + expect   (switched)
  fu4 dislike m2 12:20 [9.9] (unknown code), empty expect
  fu5 dislike m3 12:30 (no bhv_value)        device 860…01 dislike m5 12:40 [3.1, 2.1, 3.1] + expect
  fu7 like    m2 12:15 item_type doc         fu1 like unknown-rn-001 12:50 (never logged)
  fu8 like    m6 20:30 (b_chat / glm-4)      + two goods events of the document (click, like)

m1, m2, m3, m4, m5 are b_learn / qwen-7b answers; m6 is b_chat / glm-4.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import query, query_dicts, scratch_env

from chatwh.project import copy_dbt_project

D1 = date(2025, 6, 1)
Z = 1.959963984540054
MARTS_OF_THIS_ISSUE = (
    "mart_answer_quality",
    "mart_response_time",
    "mart_input_categories",
    "mart_activity_by_hour",
    "mart_top_questions",
    "mart_low_quality",
    "mart_feedback_",
    "mart_alerts",
)


def wilson(successes: int, trials: int) -> tuple[float, float]:
    p = successes / trials
    centre = (p + Z * Z / (2 * trials)) / (1 + Z * Z / trials)
    half = Z * math.sqrt(p * (1 - p) / trials + Z * Z / (4 * trials * trials)) / (1 + Z * Z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def daily(db: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = query_dicts(db, "select * from main.mart_feedback_daily where report_date = ?", [D1])
    return {(r["bot_id"], r["model_name"], r["item_type"]): r for r in rows}


def test_latest_reaction_per_user_answer_and_item_type(fixture_warehouse: Path) -> None:
    rows = daily(fixture_warehouse)
    assert set(rows) == {
        ("b_learn", "qwen-7b", "text_response"),
        ("b_learn", "qwen-7b", "doc"),
        ("b_chat", "glm-4", "text_response"),
        ("unmatched", "unmatched", "text_response"),
    }
    row = rows[("b_learn", "qwen-7b", "text_response")]
    # latest: fu1 like m1, fu2 dislike m1, fu3 dislike m4, fu4 dislike m2, fu5 dislike m3, device dislike m5
    assert (row["reactions"], row["likes"], row["dislikes"], row["users"], row["answers_reacted_to"]) == (6, 1, 5, 6, 5)
    assert row["like_rate"] == pytest.approx(1 / 6)
    assert row["dislike_rate"] == pytest.approx(5 / 6)
    low, high = wilson(5, 6)
    assert (row["dislike_rate_wilson_lower"], row["dislike_rate_wilson_upper"]) == (pytest.approx(low), pytest.approx(high))
    # fu2 and fu3 switched like -> dislike: 8 events behind 6 reactions
    assert (row["reaction_events"], row["superseded_events"], row["switched_reactions"]) == (8, 2, 2)
    assert (row["dislikes_with_codes"], row["dislikes_with_expect"], row["unmatched_reactions"]) == (4, 3, 0)
    assert (rows[("b_learn", "qwen-7b", "doc")]["likes"], rows[("b_chat", "glm-4", "text_response")]["likes"]) == (1, 1)


def test_feedback_on_unlogged_answers_is_counted_not_dropped(fixture_warehouse: Path) -> None:
    row = daily(fixture_warehouse)[("unmatched", "unmatched", "text_response")]
    assert (row["reactions"], row["likes"], row["unmatched_reactions"], row["like_rate"]) == (1, 1, 1, 1.0)
    low, high = wilson(0, 1)
    assert (row["dislike_rate"], row["dislike_rate_wilson_lower"], row["dislike_rate_wilson_upper"]) == (
        0.0,
        pytest.approx(low),
        pytest.approx(high),
    )


def test_problem_code_distribution_with_chinese_labels(fixture_warehouse: Path) -> None:
    rows = query_dicts(
        fixture_warehouse,
        "select problem_code, label_zh, category_zh, dislikes_citing, dislikes, share_of_dislikes from main.mart_feedback_problem_codes "
        "where report_date = ? and bot_id = 'b_learn' and item_type = 'text_response' order by problem_code",
        [D1],
    )
    # fu2 [2.3, 2.5]; fu3 [2.5]; fu4 [9.9] -> other; fu5 no code -> other; device [2.1, 3.1]
    assert [(r["problem_code"], r["label_zh"], r["dislikes_citing"]) for r in rows] == [
        ("2.1", "存在编造内容", 1),
        ("2.3", "存在重复", 1),
        ("2.5", "回答不全面", 2),
        ("3.1", "敏感", 1),
        ("other", "其他问题", 2),
    ]
    assert {r["category_zh"] for r in rows} == {"回答质量", "有害信息", "其他问题"}
    assert all(r["dislikes"] == 5 for r in rows)
    assert [r["share_of_dislikes"] for r in rows] == [pytest.approx(x) for x in (0.2, 0.2, 0.4, 0.2, 0.4)]
    # fu3's earlier like carried no code and does not count; only latest dislikes do
    assert query(fixture_warehouse, "select sum(dislikes_citing) from main.mart_feedback_problem_codes") == [(7,)]


def test_expect_texts_for_review(fixture_warehouse: Path) -> None:
    rows = query_dicts(fixture_warehouse, "select * from main.mart_feedback_expect_texts_restricted order by rn")
    assert [(r["rn"], r["expect_text"], r["problem_codes_mapped"]) for r in rows] == [
        ("m1", "希望给出具体的部署步骤和命令", "2.3|2.5"),
        ("m4", "应该说明可以去哪里查天气", "2.5"),
        ("m5", "不应该建议删除系统文件", "2.1|3.1"),
    ]
    assert rows[1]["problem_labels_zh"] == "回答不全面"
    assert rows[1]["user_input"] == "今天天气怎么样" and rows[1]["quality_rating"] == "fair"


def test_other_item_types_are_counted_apart(fixture_warehouse: Path) -> None:
    rows = query(
        fixture_warehouse,
        "select report_date, biz_id, item_type, bhv_type, events from main.mart_feedback_other_events_daily order by report_date",
    )
    # the document's commit example (goods like, 2019) and push example (goods click, 2023)
    assert rows == [(date(2019, 8, 22), 1365378, "goods", "like", 1), (date(2023, 11, 27), 1365378, "goods", "click", 1)]
    assert query(fixture_warehouse, "select count(*) from main.mart_feedback_daily where item_type = 'goods'") == [(0,)]


def test_no_identifier_or_location_reaches_a_mart(fixture_warehouse: Path) -> None:
    # Column names of every mart are checked by the dbt test assert_no_identifiers_in_marts;
    # here this issue's marts are also scanned for the fixture's raw identifier values.
    marts = [
        r[0]
        for r in query(
            fixture_warehouse, "select table_name from information_schema.tables where table_schema = 'main' and table_name like 'mart_%'"
        )
    ]
    marts = [m for m in marts if m.startswith(MARTS_OF_THIS_ISSUE)]
    assert len(marts) == 11, marts
    forbidden_columns = {"user_id", "imei", "ip", "mac", "phone_md5", "longitude", "latitude", "device_id"}
    raw_values = [
        "fu1",
        "fu2",
        "860000000000001",
        "10.1.2.3",
        "AA:BB:CC:DD:EE:FF",
        "e10adc3949ba59abbe56e057f20f883e",
        "121.47",
        "u1",
        "1120021255",
    ]
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        for mart in marts:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'main' and table_name = ?", [mart]
            ).fetchall()
            assert not forbidden_columns & {c for c, _ in columns}, mart
            text_columns = [c for c, t in columns if t == "VARCHAR"]
            values = ", ".join("?" for _ in raw_values)
            condition = " or ".join(f'"{c}" in ({values})' for c in text_columns)
            hits = con.execute(f'select count(*) from main."{mart}" where {condition}', raw_values * len(text_columns)).fetchone()
            assert hits == (0,), mart


def _privacy_test(project: Path, warehouse: Path, target_path: Path) -> subprocess.CompletedProcess[str]:
    """`dbt test` of assert_no_identifiers_in_marts on a copy of the project."""
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), "test", "--target", "duckdb", "--target-path", str(target_path), "--no-partial-parse",
         "--select", "assert_no_identifiers_in_marts"],
        cwd=project, env=scratch_env(warehouse), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_privacy_test_fails_on_an_identifier_or_an_unlisted_mart(fixture_warehouse: Path, tmp_path: Path) -> None:
    """assert_no_identifiers_in_marts runs after every mart (all are its parents, so it
    never inspects a table another thread is rebuilding). It must fail when a mart
    carries a raw identifier, and when a mart is not one of its parents."""
    project = copy_dbt_project(tmp_path / "project")
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(fixture_warehouse, warehouse)

    passing = _privacy_test(project, warehouse, tmp_path / "t1")
    assert passing.returncode == 0, passing.stdout[-3000:]

    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table main.mart_top_questions add column phone_md5 varchar")
    leaking = _privacy_test(project, warehouse, tmp_path / "t2")
    assert leaking.returncode != 0 and "Got 1 result" in leaking.stdout, leaking.stdout[-3000:]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table main.mart_top_questions drop column phone_md5")

    test_sql = project / "tests" / "feedback" / "assert_no_identifiers_in_marts.sql"
    text = test_sql.read_text(encoding="utf-8")
    unlisted = text.replace("{{ ref('mart_alerts') }}, ", "")
    assert unlisted != text
    test_sql.write_text(unlisted, encoding="utf-8")
    unlisted_run = _privacy_test(project, warehouse, tmp_path / "t3")
    assert unlisted_run.returncode != 0 and "Got 1 result" in unlisted_run.stdout, unlisted_run.stdout[-3000:]
