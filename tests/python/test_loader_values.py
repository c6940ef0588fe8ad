"""Bad values inside otherwise well-formed records, for every loader kind.

The input contract (README "Landing raw files"): a malformed value is a reject with a
reason in raw.load_rejects, read = loaded + rejected, and one bad value never fails the
whole file. Covered here:

* times: only the documented forms (ISO-8601 naive, with an offset or Z, a date alone,
  epoch seconds); a zone name, trailing words, 'infinity', 'epoch' or a year outside
  1970-2999 is `bad_timestamp`; a date alone is naive (reporting-local midnight), like
  a date with 00:00:00;
* numbers: an integer BIGINT cannot hold and a non-finite number (1e400, NaN,
  Infinity) are `bad_number` (`bad_value` for the eval kinds), never a cast error;
* time ranges that leave the calendar (最近1000000天, 过去3000年) are
  `unresolvable_time_range`, and scripts/time_range.py exits 3 with one line;
* JSON objects, arrays and booleans in id or text fields are `wrong_type` (JSON
  numbers are ids too: sample_id 1 in the eval seeds, Parquet integer columns).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import query, run_script
from test_bad_input import (
    CASES,
    _landed_lines,
    _rejects,
    _summary,
    bot,
    chat_event,
    eval_result,
    eval_sample,
    feedback_event,
    judgement,
    log_line,
    similarity,
)

from chatwh.kinds import all_kinds

Record = dict[str, Any]


def _write(path: Path, records: list[Record | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load(kind: str, path: Path, env: dict[str, str], db: Path, good: int, bad: int) -> dict[int, str]:
    """Load one file; it must not fail as a whole, and its counts must reconcile.
    Returns {line: reason} of its rejects."""
    done = run_script("load.py", kind, str(path), env=env)
    assert done.stderr.strip() == ""
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read={good + bad} loaded={good} rejected={bad}"
    batches = query(db, "select rows_read, rows_loaded, rows_rejected from raw.load_batches where source_file = ?", [str(path)])
    assert batches == [(good + bad, good, bad)]
    return dict(query(db, "select line_number, reason from raw.load_rejects where source_file = ? order by 1", [str(path)]))


# -- times --------------------------------------------------------------------------

BAD_TIMES = (
    "2025-06-01 10:00:00 UTC",
    "2025-06-01 10:00:00 America/New_York",
    "2025-06-01 10:00:00 foo",
    "2025-06-01T10:00:00+08:00 x",
    "infinity",
    "-infinity",
    "epoch",
    "now",
    "today",
    "290309-12-22 (BC) 00:00:00",
    "294247-01-10 04:00:54",
    "0001-01-01 00:00:00",
    "1969-12-31 00:00:00",
    "3000-01-01T00:00:00Z",
    "2025-06-01T10:00:00+25:00:00",
    "2025/06/01 10:00:00",
    # offsets no place has (beyond +-14:00, minutes past 59): read, they shifted the time
    "2025-06-01T10:00:00+25:00",
    "2025-06-01T10:00:00-99:99",
    "2025-06-01T10:00:00+08:60",
    "2025-06-01T10:00:00+14:01",
    "2025-06-01T10:00:00-1500",
    "2025-06-01T10:00:00+15",
)
# (text, UTC time stored) with the default reporting offset of +8 hours.
GOOD_TIMES = (
    ("2025-06-01", datetime(2025, 5, 31, 16)),
    ("2025-06-01 00:00:00", datetime(2025, 5, 31, 16)),
    ("2025-06-01T10:00:00", datetime(2025, 6, 1, 2)),
    ("2025-06-01T10:00", datetime(2025, 6, 1, 2)),
    ("2025-06-01T10:00:00.5", datetime(2025, 6, 1, 2, 0, 0, 500000)),
    ("2025-06-01T10:00:00Z", datetime(2025, 6, 1, 10)),
    ("2025-06-01 10:00:00+08:00", datetime(2025, 6, 1, 2)),
    ("2025-06-01T10:00:00+0800", datetime(2025, 6, 1, 2)),
    ("2025-06-01T10:00:00-05", datetime(2025, 6, 1, 15)),
    ("2025-06-01T10:00:00+14:00", datetime(2025, 5, 31, 20)),
    ("2025-06-01T10:00:00-1400", datetime(2025, 6, 2, 0)),
    ("2025-06-01T10:00:00+05:45", datetime(2025, 6, 1, 4, 15)),
    ("2025-06-01T10:00:00-09:30", datetime(2025, 6, 1, 19, 30)),
    ("1748772000", datetime(2025, 6, 1, 10)),
)


def test_only_documented_time_forms_are_read_and_the_rest_is_rejected(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    CASES["chat-events"].setup(env)
    records = [{**chat_event(i), "event_time": text} for i, (text, _) in enumerate(GOOD_TIMES)]
    records += [{**chat_event(100 + i), "event_time": text} for i, text in enumerate(BAD_TIMES)]
    path = _write(tmp_path / "times.jsonl", records)
    rejects = _load("chat-events", path, env, db, len(GOOD_TIMES), len(BAD_TIMES))
    first_bad = len(GOOD_TIMES) + 1
    assert rejects == {first_bad + i: f"bad_timestamp: {text}" for i, text in enumerate(BAD_TIMES)}
    stored = dict(query(db, "select event_id, event_time from raw.chat_events"))
    assert stored == {f"e{i}": expected for i, (_, expected) in enumerate(GOOD_TIMES)}


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("bots", lambda text: {**bot(1), "created_at": text}),
        ("conversation-logs", lambda text: {**log_line(1), "timestamp": text}),
        ("quality-judgements", lambda text: {**judgement(1), "judged_at": text}),
        ("eval-results", lambda text: {**eval_result(1), "run_at": text}),
        ("similarity", lambda text: {**similarity(1), "scored_at": text}),
    ],
)
def test_every_kind_rejects_zone_names_and_out_of_range_years(kind: str, make, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    CASES[kind].setup(env)
    bad = ("2025-06-01 10:00:00 UTC", "infinity", "290309-12-22 (BC) 00:00:00", "2025-06-01T10:00:00+25:00")
    path = _write(tmp_path / f"times_{kind}.jsonl", [make(text) for text in bad])
    rejects = _load(kind, path, env, db, 0, len(bad))
    assert rejects == {i + 1: f"bad_timestamp: {text}" for i, text in enumerate(bad)}


# -- numbers ------------------------------------------------------------------------


def _meta(i: int, **changes: Any) -> Record:
    line = log_line(i)
    return {**line, "metadata": {**line["metadata"], **changes}}


def test_a_number_out_of_range_rejects_its_record_not_the_file(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    records: list[Record | str] = [
        log_line(1),
        _meta(2, token_count="99999999999999999999"),
        _meta(3, token_count=99999999999999999999),
        '{"timestamp": "2025-06-01T10:00:00", "user_input": "a", "model_response": "b",'
        ' "metadata": {"message_id": "m4", "response_time": 1e400}}',
        '{"timestamp": "2025-06-01T10:00:00", "user_input": "a", "model_response": "b",'
        ' "metadata": {"message_id": "m5", "response_time": NaN}}',
        '{"timestamp": "2025-06-01T10:00:00", "user_input": "a", "model_response": "b",'
        ' "metadata": {"message_id": "m6", "response_time": Infinity}}',
        _meta(7, response_time="1e400"),
        {**log_line(8), "input_length": 1e30},
        {**log_line(9), "response_length": "-99999999999999999999"},
        '{"timestamp": "2025-06-01T10:00:00", "user_input": "a", "model_response": "b", "confidence_score": 1e400,'
        ' "metadata": {"message_id": "m10", "response_time": 1}}',
        _meta(11, token_count=9223372036854775807),
    ]
    path = _write(tmp_path / "numbers.jsonl", records)
    rejects = _load("conversation-logs", path, env, db, 2, 9)
    assert {line: reason.split(":")[0] for line, reason in rejects.items()} == {line: "bad_number" for line in range(2, 11)}
    assert "token_count" in rejects[2] and "99999999999999999999" in rejects[2]
    assert "response_time" in rejects[4] and "1e400" in rejects[4]
    landed = query(db, "select message_id, response_time_s, token_count from raw.conversation_logs order by 1")
    assert landed == [("m1", 1.5, 3), ("m11", 1.5, 9223372036854775807)]


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (
            "quality-judgements",
            judgement(1),
            '{"message_id": "m2", "judge_model": "j", "quality_rating": "good", '
            '"judged_at": "2025-06-02T10:00:00", "confidence_score": 1e400}',
        ),
        ("similarity", similarity(1), '{"run_id": "r", "sample_id": "s2", "scorer": "x", "score": NaN}'),
        (
            "eval-results",
            eval_result(1),
            json.dumps({**eval_result(2), "evaluation_metrics": {"value_accuracy": 1}}).replace(
                '"value_accuracy": 1', '"value_accuracy": 1e400'
            ),
        ),
        (
            "eval-results",
            eval_result(1),
            json.dumps({**eval_result(2), "evaluation_metrics": {"matched_fields_count": 1}}).replace(
                '"matched_fields_count": 1', '"matched_fields_count": 99999999999999999999'
            ),
        ),
    ],
)
def test_non_finite_and_oversized_numbers_are_rejected_in_every_kind(kind: str, good: Record, bad: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = _write(tmp_path / f"numbers_{kind}.jsonl", [good, bad])
    rejects = _load(kind, path, env, db, 1, 1)
    assert list(rejects) == [2] and rejects[2].split(":")[0] in ("bad_number", "bad_value")
    table = all_kinds()[kind].table
    assert _landed_lines(db, table, path) == [1]


def test_a_predicted_value_beyond_double_is_kept_as_text_without_a_number(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    record = eval_result(1)
    record["predicted_result"]["predicted_values"][0]["value_list"] = ["1e400", "64"]
    path = _write(tmp_path / "predicted.jsonl", [record])
    _load("eval-results", path, env, db, 1, 0)
    rows = query(db, "select value_text, value_number from raw.chatbi_predicted_values order by value_position")
    assert rows == [("1e400", None), ("64", 64.0)]


# -- time ranges --------------------------------------------------------------------


def test_time_ranges_beyond_the_calendar_are_rejected_per_sample(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    ranges = ["最近1000000天", "过去3000年", "未来9000年"]
    records: list[Record | str] = [eval_sample(1)]
    for i, text in enumerate(ranges, start=2):
        sample = eval_sample(i)
        records.append({**sample, "expected_result": {**sample["expected_result"], "expected_time_range": [text]}})
    records.append({**eval_sample(9), "reference_date": "0001-01-15"})  # 上个月 of January, year 1
    path = _write(tmp_path / "ranges.jsonl", records)
    rejects = _load("eval-dataset", path, env, db, 1, 4)
    assert {line: reason.split(":")[0] for line, reason in rejects.items()} == {line: "unresolvable_time_range" for line in (2, 3, 4, 5)}
    assert "最近1000000天" in rejects[2] and "invalid_date" in rejects[2]


@pytest.mark.parametrize("expression", ["最近1000000天", "过去3000年"])
def test_time_range_script_rejects_a_range_beyond_the_calendar_in_one_line(expression: str, scratch_db) -> None:
    _, env = scratch_db
    done = run_script("time_range.py", expression, "--reference-date", "2025-05-20", env=env, check=False)
    assert done.returncode == 3, done.stderr
    assert done.stderr == "" and len(done.stdout.strip().splitlines()) == 1
    assert json.loads(done.stdout)["error"] == "invalid_date"


# -- JSON types in id and text fields ------------------------------------------------

# kind -> (records, {line: field named by the wrong_type reject}); numbers as ids load.
WRONG_TYPES: dict[str, tuple[list[Record], dict[int, str]]] = {
    "bots": (
        [bot(1), {**bot(2), "bot_id": {"a": 1}}, {**bot(3), "tags": ["学习", "情感"]}, {**bot(4), "bot_id": 4}],
        {2: "bot_id", 3: "tags"},
    ),
    "chat-events": (
        [
            chat_event(1),
            {**chat_event(2), "event_id": {"a": 1}},
            {**chat_event(3), "event_id": ["x", "y"]},
            {**chat_event(4), "event_id": True},
            {**chat_event(5), "user_id": {"id": 5}},
            {**chat_event(6), "platform": False},
            {**chat_event(7), "event_id": 7, "user_id": 5},
        ],
        {2: "event_id", 3: "event_id", 4: "event_id", 5: "user_id", 6: "platform"},
    ),
    "conversation-logs": (
        [
            log_line(1),
            {**log_line(2), "user_input": {"q": 1}},
            _meta(3, session_id=["s"]),
            {**log_line(4), "model_response": True},
            {**log_line(5), "error": {"code": 500}},
            _meta(6, message_id=6, session_id=60),
        ],
        {2: "user_input", 3: "metadata.session_id", 4: "model_response", 5: "error"},
    ),
    "feedback": (
        [feedback_event(1), {**feedback_event(2), "os": {"a": 1}}, {**feedback_event(3), "rn": True}, {**feedback_event(4), "user_id": 4}],
        {2: "os", 3: "rn"},
    ),
    "quality-judgements": ([judgement(1), {**judgement(2), "judge_model": ["j"]}, {**judgement(3), "message_id": 3}], {2: "judge_model"}),
    "eval-dataset": ([eval_sample(1), {**eval_sample(2), "sample_id": {"a": 1}}, {**eval_sample(3), "sample_id": 3}], {2: "sample_id"}),
    "eval-results": ([eval_result(1), {**eval_result(2), "run_id": {"x": 1}}, {**eval_result(3), "sample_id": 3}], {2: "run_id"}),
    "similarity": (
        [similarity(1), {**similarity(2), "sample_id": True}, {**similarity(3), "scorer": {"n": 1}}, {**similarity(4), "sample_id": 4}],
        {2: "sample_id", 3: "scorer"},
    ),
}


def test_every_kind_has_a_wrong_type_case() -> None:
    assert sorted(WRONG_TYPES) == sorted(all_kinds())


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
def test_objects_arrays_and_booleans_in_id_and_text_fields_are_wrong_type(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    CASES[kind].setup(env)
    records, wrong = WRONG_TYPES[kind]
    path = _write(tmp_path / f"types_{kind}.jsonl", records)
    rejects = _load(kind, path, env, db, len(records) - len(wrong), len(wrong))
    assert {line: reason.split(":")[0] for line, reason in rejects.items()} == {line: "wrong_type" for line in wrong}
    for line, name in wrong.items():
        assert rejects[line].startswith(f"wrong_type: {name} "), rejects[line]
    assert _rejects(db, path) == {line: "wrong_type" for line in wrong}
    assert _landed_lines(db, all_kinds()[kind].table, path) == [line for line in range(1, len(records) + 1) if line not in wrong]


def test_numeric_ids_land_as_their_text(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    CASES["chat-events"].setup(env)
    path = _write(tmp_path / "numeric_ids.jsonl", [{**chat_event(1), "event_id": 12, "user_id": 5}])
    _load("chat-events", path, env, db, 1, 0)
    assert query(db, "select event_id, user_id from raw.chat_events") == [("12", "5")]
