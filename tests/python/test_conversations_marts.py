"""Answer-quality marts on the hand-written fixture (tests/fixtures/conversations), built
by the shared `fixture_warehouse` (real loaders + dbt build). Expected values are worked
out by hand from the fixture lines; the comments say how.

b_learn / qwen-7b on 2025-06-01 has five answers:
  m1 basic     0.5 s  12 tok  "如何部署Python代码？"  long answer        heuristic good
  m2 enhanced  1.0 s  20 tok  logged good 0.8, judged fair then excellent 0.95  -> excellent (llm_judge)
  m3 basic     1.5 s   0 tok  "你好", empty answer                          heuristic poor, error
  m4 basic     3.0 s   3 tok  refusal "抱歉..."; judged fair 0.7               -> fair (llm_judge)
  m5 enhanced  4.0 s   9 tok  logged poor 0.4, safety issue                   -> poor (logged)
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import PROJECT_DIR, query, query_dicts

D1, D2 = date(2025, 6, 1), date(2025, 6, 2)
LOGS = PROJECT_DIR / "tests" / "fixtures" / "conversations" / "conversation-logs"


def one(db: Path, sql: str, params: list[Any]) -> dict[str, Any]:
    found = query_dicts(db, sql, params)
    assert len(found) == 1, found
    return found[0]


def fixture_lines(name: str) -> list[dict[str, Any]]:
    out = []
    for line in (LOGS / name).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def test_daily_quality_hand_computed(fixture_warehouse: Path) -> None:
    row = one(
        fixture_warehouse,
        "select * from main.mart_answer_quality_daily where report_date = ? and bot_id = ? and model_name = ?",
        [D1, "b_learn", "qwen-7b"],
    )
    assert row["messages"] == 5 and row["sessions"] == 5 and row["users"] == 5
    # response times sorted: 0.5 1.0 1.5 3.0 4.0
    assert row["response_time_mean_s"] == pytest.approx(2.0)
    assert row["response_time_p50_s"] == pytest.approx(1.5)  # h = 4 * 0.50 = 2 -> x[2]
    assert row["response_time_p95_s"] == pytest.approx(3.8)  # h = 4 * 0.95 = 3.8 -> 3.0 + 0.8 * (4.0 - 3.0)
    assert row["response_time_max_s"] == 4.0
    assert (row["slow_answers"], row["slow_answer_rate"]) == (2, pytest.approx(0.4))  # 3.0 and 4.0 > 2 s
    assert (row["tokens_total"], row["tokens_mean"], row["messages_with_token_count"]) == (44, pytest.approx(8.8), 5)
    assert (row["excellent_answers"], row["good_answers"], row["fair_answers"], row["poor_answers"]) == (1, 1, 1, 2)
    assert row["poor_answer_rate"] == pytest.approx(0.4)
    assert (row["rated_by_llm_judge"], row["rated_by_log"], row["rated_by_heuristic"]) == (2, 1, 2)
    assert row["confidence_score_mean"] == pytest.approx((0.95 + 0.7 + 0.4) / 3)
    assert (row["safety_issues"], row["empty_answers"], row["logged_errors"], row["errors"], row["refusal_answers"]) == (1, 1, 0, 1, 1)
    assert row["error_rate"] == pytest.approx(0.2)
    # lengths are characters of the texts (Python len), not whitespace words
    lines = [line for line in fixture_lines("conversations_2025-06-01.jsonl") if line.get("bot_id") == "b_learn" and "timestamp" in line][
        :5
    ]
    assert [line.get("metadata", {}).get("message_id", line.get("message_id")) for line in lines] == ["m1", "m2", "m3", "m4", "m5"]
    assert row["input_chars_total"] == sum(len(line["user_input"]) for line in lines) == 65
    assert row["answer_chars_mean"] == pytest.approx(sum(len(line["model_response"]) for line in lines) / 5)


def test_percentiles_match_numpy_on_every_group(fixture_warehouse: Path) -> None:
    groups: dict[tuple, list[float]] = {}
    for report_date, bot, model, seconds in query(
        fixture_warehouse, "select report_date, bot_id, model_name, response_time_s from main.int_conversations__rated"
    ):
        groups.setdefault((report_date, bot, model), []).append(seconds)
    marts = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in query(
            fixture_warehouse,
            "select report_date, bot_id, model_name, response_time_p50_s, response_time_p95_s from main.mart_answer_quality_daily",
        )
    }
    assert set(marts) == set(groups)
    for key, values in groups.items():
        assert marts[key][0] == pytest.approx(float(np.percentile(values, 50)), abs=1e-12), key
        assert marts[key][1] == pytest.approx(float(np.percentile(values, 95)), abs=1e-12), key
    # day 2: 0.6 0.9 1.1 1.2 1.8 -> p95 = 1.2 + 0.8 * 0.6
    assert marts[(D2, "b_learn", "qwen-7b")] == (pytest.approx(1.1), pytest.approx(1.68))


def test_enhanced_row_wins_and_monitor_lines_count_as_unknown(fixture_warehouse: Path) -> None:
    row = one(
        fixture_warehouse,
        "select * from main.mart_answer_quality_daily where report_date = ? and bot_id = ? and model_name = ?",
        [D2, "b_learn", "qwen-7b"],
    )
    # m9 was logged twice: the enhanced row (40 tokens, rated excellent) is the one kept
    assert (row["messages"], row["tokens_total"], row["excellent_answers"], row["rated_by_log"]) == (5, 12 + 12 + 40 + 30 + 6, 1, 1)
    unknown = one(fixture_warehouse, "select * from main.mart_answer_quality_daily where bot_id = 'unknown'", [])
    assert (unknown["model_name"], unknown["messages"], unknown["response_time_max_s"]) == ("unknown", 1, 0.8)


def test_rating_precedence_and_sources(fixture_warehouse: Path) -> None:
    rated = {r["message_id"]: r for r in query_dicts(fixture_warehouse, "select * from main.int_conversations__rated")}
    assert (rated["m2"]["quality_rating"], rated["m2"]["rating_source"], rated["m2"]["confidence_score"]) == (
        "excellent",
        "llm_judge",
        0.95,
    )
    assert rated["m2"]["logged_quality_rating"] == "good"  # judge > logged
    assert (rated["m5"]["quality_rating"], rated["m5"]["rating_source"], rated["m5"]["confidence_score"]) == ("poor", "logged", 0.4)
    assert (rated["m3"]["quality_rating"], rated["m3"]["heuristic_rule_id"], rated["m3"]["confidence_score"]) == (
        "poor",
        "empty_or_very_short",
        None,
    )
    assert (rated["m4"]["heuristic_rating"], rated["m4"]["heuristic_rule_id"]) == ("fair", "refusal_phrase")
    # 40-character question, 8-character answer: below half the question -> fair
    assert (rated["m6"]["quality_rating"], rated["m6"]["heuristic_rule_id"]) == ("fair", "too_short_for_question")
    assert rated["m1"]["heuristic_rule_id"] == "default"  # 64 chars vs 13: between 0.5x and 5x
    assert rated["m8"]["heuristic_rule_id"] == "very_long_answer"  # 64 chars vs 10: above 5x


def test_response_time_by_quality(fixture_warehouse: Path) -> None:
    rows = {
        r["quality_rating"]: r
        for r in query_dicts(
            fixture_warehouse, "select * from main.mart_response_time_by_quality where report_date = ? and bot_id = 'b_learn'", [D1]
        )
    }
    assert set(rows) == {"excellent", "good", "fair", "poor"}
    poor = rows["poor"]  # m3 1.5 s, m5 4.0 s
    assert (poor["messages"], poor["share_of_messages"]) == (2, pytest.approx(0.4))
    assert poor["response_time_mean_s"] == pytest.approx(2.75)
    assert poor["response_time_std_s"] == pytest.approx(math.sqrt(((1.5 - 2.75) ** 2 + (4.0 - 2.75) ** 2) / 1))
    assert rows["good"]["response_time_std_s"] is None  # one answer: sample std undefined


def test_input_categories_from_the_keyword_seed(fixture_warehouse: Path) -> None:
    cats = {
        r["input_category"]: r
        for r in query_dicts(
            fixture_warehouse, "select * from main.mart_input_categories_daily where report_date = ? and bot_id = 'b_learn'", [D1]
        )
    }
    # m1 部署/代码 and m5 'BUG' (lower-cased) -> technical; m2 写诗 -> creative; m3 你好 -> general; m4 -> other
    assert {k: v["messages"] for k, v in cats.items()} == {"technical": 2, "creative": 1, "general": 1, "other": 1}
    assert (cats["technical"]["poor_answers"], cats["technical"]["poor_answer_rate"], cats["technical"]["share_of_messages"]) == (
        1,
        pytest.approx(0.5),
        pytest.approx(0.4),
    )
    assert cats["creative"]["excellent_rate"] == pytest.approx(1.0)


def test_activity_by_hour_and_weekday(fixture_warehouse: Path) -> None:
    rows = query(
        fixture_warehouse,
        "select iso_weekday, hour_of_day, messages from main.mart_activity_by_hour where bot_id = 'b_learn' and messages > 0 order by 1, 2",
    )
    # 2025-06-01 is a Sunday (7): 10:00 10:05 10:10, 11:00 11:30; Monday 06-02: 00:30, 07:30, 09:00 09:30 09:45
    assert rows == [(1, 0, 1), (1, 7, 1), (1, 9, 3), (7, 10, 3), (7, 11, 2)]
    assert query(fixture_warehouse, "select count(*) from main.mart_activity_by_hour where bot_id = 'b_learn'") == [(168,)]


def test_top_questions_fold_width_case_space_and_punctuation(fixture_warehouse: Path) -> None:
    rows = query_dicts(fixture_warehouse, "select * from main.mart_top_questions order by bot_id, question_rank")
    # 如何部署Python代码？ / 如何部署 python 代码? / 如何部署ｐｙｔｈｏｎ代码 / 如何部署Python代码。 by four users;
    # every other question was asked by one person only and is not listed
    assert len(rows) == 1
    top = rows[0]
    assert (top["bot_id"], top["question_rank"], top["question_key"], top["asks"], top["askers"], top["variants"]) == (
        "b_learn",
        1,
        "如何部署python代码",
        4,
        4,
        4,
    )
    assert (top["first_asked_date"], top["last_asked_date"]) == (D1, D2)
    # each wording was typed by one person: none is shown (the alphabetically first would
    # be "如何部署 python 代码?", u7's), the folded key is
    assert top["question_text"] == "如何部署python代码"


def test_low_quality_review_mart_is_the_only_one_with_raw_text(fixture_warehouse: Path) -> None:
    rows = {r["message_id"]: r for r in query_dicts(fixture_warehouse, "select * from main.mart_low_quality_answers_restricted")}
    assert set(rows) == {"m3", "m5"}
    assert (rows["m3"]["review_reason"], rows["m3"]["model_response"]) == ("error", "")
    assert (rows["m5"]["review_reason"], rows["m5"]["user_input"]) == ("safety_issue", "How do I fix this BUG in my code?")
    text_marts = {
        r[0]
        for r in query(
            fixture_warehouse,
            "select table_name from information_schema.columns where table_schema = 'main' and column_name in ('user_input', 'model_response', 'expect_text')"
            " and (table_name like 'mart_%' or table_name like 'fct_%' or table_name like 'dim_%')",
        )
    }
    assert text_marts == {"mart_low_quality_answers_restricted", "mart_feedback_expect_texts_restricted"}
