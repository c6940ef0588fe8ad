"""Loader kinds `conversation-logs` and `quality-judgements` on the hand-written fixture
(tests/fixtures/conversations): both log forms in one file, the monitor's variant,
naive local times to UTC, derived message ids, the (message_id, log_form) key, and one
reject with its reason per malformed line. In-process (no dbt): fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR

from chatwh.connection import Warehouse, connect
from chatwh.kinds import all_kinds
from chatwh.loading.runner import LoadResult, load_file

LOGS = PROJECT_DIR / "tests" / "fixtures" / "conversations" / "conversation-logs"
JUDGEMENTS = PROJECT_DIR / "tests" / "fixtures" / "conversations" / "quality-judgements"
DAY1 = LOGS / "conversations_2025-06-01.jsonl"
DAY2 = LOGS / "enhanced_logs_2025-06-02.jsonl"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR / "profiles"))
    monkeypatch.setenv("CHATBOT_TARGET", "duckdb")
    monkeypatch.setenv("CHATBOT_DUCKDB_PATH", str(tmp_path / "loader.duckdb"))
    with connect() as wh:
        yield wh


def load(wh: Warehouse, kind: str, path: Path) -> LoadResult:
    return load_file(wh, all_kinds()[kind], str(path))


def rows(wh: Warehouse, sql: str) -> list[dict[str, Any]]:
    columns, data = wh.fetch_table(sql)
    return [dict(zip(columns, row, strict=True)) for row in data]


def test_mixed_forms_and_malformed_lines(warehouse: Warehouse) -> None:
    result = load(warehouse, "conversation-logs", DAY1)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (13, 7, 6)
    rejects = warehouse.fetchall("select line_number, reason from raw.load_rejects order by line_number")
    assert rejects == [
        (8, "invalid_json: the line is not valid JSON (truncated or broken)"),
        (9, "missing_field: model_response"),
        (10, "bad_number: response_time=fast"),
        (11, "missing_field: timestamp"),
        (12, "bad_timestamp: yesterday"),
        (13, "unknown_quality_rating: great"),
    ]
    loaded = {r["message_id"]: r for r in rows(warehouse, "select * from raw.conversation_logs")}
    # basic form: facts from metadata; enhanced form: facts at top level plus the rating
    assert loaded["m1"]["log_form"] == "basic" and loaded["m1"]["response_time_s"] == 0.5 and loaded["m1"]["token_count"] == 12
    assert loaded["m1"]["model_name"] == "qwen-7b" and loaded["m1"]["session_id"] == "s1" and loaded["m1"]["quality_rating"] is None
    m5 = loaded["m5"]
    assert (m5["log_form"], m5["quality_rating"], m5["confidence_score"], m5["has_safety_issue"]) == ("enhanced", "poor", 0.4, True)
    assert (m5["input_length"], m5["response_length"], m5["model_version"]) == (33, 40, "4.1-3B")
    # an empty answer is kept ('' = the monitor's error), not rejected
    assert loaded["m3"]["model_response"] == ""


def test_naive_local_time_is_stored_as_utc(warehouse: Warehouse) -> None:
    load(warehouse, "conversation-logs", DAY1)
    load(warehouse, "conversation-logs", DAY2)
    times = dict(warehouse.fetchall("select message_id, strftime(logged_at, '%Y-%m-%d %H:%M:%S.%f') from raw.conversation_logs"))
    assert times["m1"] == "2025-06-01 02:00:00.123456"  # 10:00:00.123456 at UTC+8
    assert times["m6"] == "2025-06-01 12:15:00.000000"  # '2025-06-01 20:15:00' (space form)
    assert times["m7"] == "2025-06-01 16:30:00.000000"  # 00:30 local on 06-02 is the previous UTC day


def test_monitor_variant_gets_a_deterministic_message_id(warehouse: Warehouse, tmp_path: Path) -> None:
    load(warehouse, "conversation-logs", DAY1)
    derived = warehouse.fetchall(
        "select message_id, bot_id, model_name, response_time_s from raw.conversation_logs where message_id_derived"
    )
    assert len(derived) == 1
    message_id, bot_id, model_name, seconds = derived[0]
    assert message_id.startswith("h_") and len(message_id) == 34 and (bot_id, model_name, seconds) == (None, None, 0.8)
    # The same line in another file is recognised: same derived id, already loaded.
    line = DAY1.read_text(encoding="utf-8").splitlines()[6]
    assert json.loads(line)["user_input"] == "介绍一下你自己"
    copy = tmp_path / "copy.jsonl"
    copy.write_text(line + "\n", encoding="utf-8")
    again = load(warehouse, "conversation-logs", copy)
    assert (again.rows_loaded, again.reasons) == (0, {"already_loaded": 1})


def test_key_is_message_and_form_and_reload_is_idempotent(warehouse: Warehouse) -> None:
    first = load(warehouse, "conversation-logs", DAY2)
    # m9 was logged by both handlers: both rows land (staging keeps the enhanced one)
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (6, 6, 0)
    assert warehouse.fetchall("select log_form, token_count from raw.conversation_logs where message_id = 'm9' order by log_form") == [
        ("basic", 12),
        ("enhanced", 40),
    ]
    again = load(warehouse, "conversation-logs", DAY2)
    assert (again.rows_loaded, again.rows_rejected, again.reasons) == (0, 6, {"already_loaded": 6})
    assert warehouse.fetchone("select count(*) from raw.conversation_logs") == (6,)


def test_judgements_kind(warehouse: Warehouse) -> None:
    result = load(warehouse, "quality-judgements", JUDGEMENTS / "judgements_2025-06-02.jsonl")
    assert (result.rows_loaded, result.reasons) == (4, {"unknown_quality_rating": 1})
    assert warehouse.fetchall(
        "select quality_rating, confidence_score, strftime(judged_at, '%H:%M') from raw.quality_judgements where message_id = 'm2' order by judged_at"
    ) == [("fair", 0.6, "14:00"), ("excellent", 0.95, "00:00")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a", "metadata": {"response_time": "1,5"}},
            "bad_number: response_time=1,5",
        ),
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a", "response_time": -1},
            "bad_number: response_time is negative: -1",
        ),
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a"},
            "missing_field: response_time (top level or metadata)",
        ),
        ({"timestamp": "2025-06-01T10:00:00", "model_response": "a", "metadata": {"response_time": 1}}, "missing_field: user_input"),
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a", "response_time": 1, "confidence_score": 1.5},
            "bad_number: confidence_score (0-1)=1.5",
        ),
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a", "response_time": 1, "has_safety_issue": "maybe"},
            "bad_boolean: has_safety_issue=maybe",
        ),
        (
            {"timestamp": "2025-06-01T10:00:00", "user_input": "q", "model_response": "a", "response_time": 1, "token_count": "many"},
            "bad_number: token_count=many",
        ),
    ],
)
def test_contract_rules(warehouse: Warehouse, tmp_path: Path, line: dict[str, Any], reason: str) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    result = load(warehouse, "conversation-logs", path)
    assert result.rows_rejected == 1
    assert warehouse.fetchone("select reason from raw.load_rejects") == (reason,)
