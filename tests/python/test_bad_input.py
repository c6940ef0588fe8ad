"""A corpus of broken inputs for every loader kind, generated here from code (nothing
binary is committed): truncated JSON, wrong types, missing required fields, unknown enum
values, duplicate ids in one file and across files, a 10 MB string, control characters
and NUL bytes, a GBK file, a CSV with a shifted column, an empty file, a directory and a
missing path.

For each: the loader prints one clear line (no traceback), read = loaded + rejected,
every valid record lands (checked by line number), and each rejected line has its
reason code in raw.load_rejects.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR, query, run_script, scratch_env

from chatwh.kinds import all_kinds

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"
TEN_MB = "x" * (10 * 1024 * 1024)

Record = dict[str, Any]


@dataclass(frozen=True)
class KindCase:
    kind: str
    good: Callable[[int], Record]  # a valid record, unique for each i
    text_field: str  # a JSON field that lands in a text column as is
    chinese_field: str  # a field that may hold Chinese (for the GBK file)
    # (label, record or raw line, expected reason_code): wrong type, missing field, bad enum ...
    bad: tuple[tuple[str, Callable[[], Record | str], str], ...]
    setup: Callable[[dict[str, str]], None] = field(default=lambda env: None)


def _without(record: Record, *names: str) -> Record:
    return {k: v for k, v in record.items() if k not in names}


def _load_bots(env: dict[str, str]) -> None:
    run_script("load.py", "bots", str(BOTS), env=env)


def bot(i: int) -> Record:
    return {
        "bot_id": f"b{i}",
        "bot_name": f"机器人{i}",
        "model_name": "glm-4",
        "business_line": "教育",
        "tags": "学习辅导|情感陪伴",
        "created_at": "2025-01-01T00:00:00+08:00",
    }


def chat_event(i: int) -> Record:
    return {
        "event_id": f"e{i}",
        "event_time": "2025-06-01T10:00:00+08:00",
        "user_id": "u1",
        "bot_id": "b_learn",
        "event_type": "click",
        "model_name": "glm-4",
        "platform": "安卓",
    }


def log_line(i: int) -> Record:
    return {
        "timestamp": "2025-06-01T10:00:00",
        "user_input": "你好",
        "model_response": "您好,请问有什么可以帮您?",
        "bot_id": "b_learn",
        "metadata": {"session_id": "s1", "message_id": f"m{i}", "response_time": 1.5, "token_count": 3, "model_name": "qwen2.5"},
    }


def feedback_event(i: int) -> Record:
    return {
        "user_id": "u1",
        "biz_id": 1,
        "trace_id": "Alibaba",
        "rn": f"r{i}",
        "item_type": "text_response",
        "bhv_type": "dislike",
        "bhv_value": {"code": [2.3], "expect": "更详细的回答"},
        "bhv_time": "1748743200",
        "reach_time": "1748743201",
        "os": "安卓",
    }


def judgement(i: int) -> Record:
    return {
        "message_id": f"m{i}",
        "judge_model": "judge-1",
        "quality_rating": "good",
        "judged_at": "2025-06-02T10:00:00",
        "rationale": "回答完整",
    }


def eval_sample(i: int) -> Record:
    return {
        "sample_id": f"s{i}",
        "query": "上个月北京草桥店的销售量",
        "reference_date": "2025-05-20",
        "expected_result": {
            "expected_time_range": ["上个月"],
            "expected_filters": ["北京草桥店"],
            "expected_metrics": ["销售量"],
            "expected_values": ["销售量 64"],
        },
    }


def eval_result(i: int) -> Record:
    return {
        "sample_id": f"s{i}",
        "run_id": "run-1",
        "model": "model-a",
        "run_at": "2025-05-21 09:00:00",
        "dataset_id": "default",
        "predicted_result": {
            "query_logic_description": "筛选出日期大于等于2025-04-01、日期小于等于2025-04-30、门店名称等于北京草桥店的数据;计算销售量求和",
            "predicted_values": [{"metric_name": "销售量", "value_unit": "Volume", "value_list": ["64"]}],
        },
    }


def similarity(i: int) -> Record:
    return {
        "run_id": "run-1",
        "dataset_id": "default",
        "sample_id": f"s{i}",
        "scorer": "tfidf-char",
        "score": 0.5,
        "expected_text": "销售量 64",
        "scored_at": "2025-05-21T10:00:00",
    }


CASES: dict[str, KindCase] = {
    case.kind: case
    for case in (
        KindCase(
            "bots",
            bot,
            "bot_id",
            "bot_name",
            (
                ("wrong type", lambda: {**bot(90), "created_at": {"date": 1}}, "bad_timestamp"),
                ("missing field", lambda: _without(bot(91), "bot_name"), "missing_field"),
                ("no usable tag", lambda: {**bot(92), "tags": " | | "}, "missing_field"),
                ("id too long", lambda: {**bot(93), "bot_id": "b" * 300}, "value_too_long"),
            ),
        ),
        KindCase(
            "chat-events",
            chat_event,
            "user_id",
            "platform",
            (
                ("wrong type", lambda: {**chat_event(90), "event_time": {"a": 1}}, "bad_timestamp"),
                ("missing field", lambda: _without(chat_event(91), "user_id"), "missing_field"),
                ("unknown enum", lambda: {**chat_event(92), "event_type": "share"}, "unknown_event_type"),
                ("epoch out of range", lambda: {**chat_event(93), "event_time": "99999999999999"}, "bad_timestamp"),
            ),
            _load_bots,
        ),
        KindCase(
            "conversation-logs",
            log_line,
            "bot_id",
            "user_input",
            (
                ("wrong type", lambda: {**log_line(90), "metadata": {**log_line(90)["metadata"], "response_time": "fast"}}, "bad_number"),
                ("missing field", lambda: _without(log_line(91), "user_input"), "missing_field"),
                ("unknown enum", lambda: {**log_line(92), "quality_rating": "superb"}, "unknown_quality_rating"),
                ("negative time", lambda: {**log_line(93), "metadata": {**log_line(93)["metadata"], "response_time": -1}}, "bad_number"),
            ),
        ),
        KindCase(
            "feedback",
            feedback_event,
            "rn",
            "os",
            (
                ("wrong type", lambda: {**feedback_event(90), "biz_id": "abc"}, "bad_number"),
                ("missing field", lambda: _without(feedback_event(91), "rn"), "missing_field"),
                ("unknown enum", lambda: {"cmd": "delete", "fields": feedback_event(92)}, "unsupported_cmd"),
                ("bad bhv_value", lambda: {**feedback_event(93), "bhv_value": "{not json"}, "bad_bhv_value"),
            ),
        ),
        KindCase(
            "quality-judgements",
            judgement,
            "message_id",
            "rationale",
            (
                ("wrong type", lambda: {**judgement(90), "confidence_score": "high"}, "bad_number"),
                ("missing field", lambda: _without(judgement(91), "judge_model"), "missing_field"),
                ("unknown enum", lambda: {**judgement(92), "quality_rating": "superb"}, "unknown_quality_rating"),
            ),
        ),
        KindCase(
            "eval-dataset",
            eval_sample,
            "sample_id",
            "query",
            (
                ("impossible date", lambda: {**eval_sample(90), "reference_date": "2025-02-30"}, "bad_value"),
                ("missing field", lambda: _without(eval_sample(91), "query"), "missing_field"),
                (
                    "unknown time expression",
                    lambda: {
                        **eval_sample(92),
                        "expected_result": {**eval_sample(92)["expected_result"], "expected_time_range": ["未来到过去"]},
                    },
                    "unresolvable_time_range",
                ),
            ),
        ),
        KindCase(
            "eval-results",
            eval_result,
            "sample_id",
            "model",
            (
                ("wrong type", lambda: {**eval_result(90), "run_at": "not a time"}, "bad_timestamp"),
                ("missing field", lambda: _without(eval_result(91), "predicted_result"), "missing_field"),
            ),
        ),
        KindCase(
            "similarity",
            similarity,
            "sample_id",
            "expected_text",
            (
                ("wrong type", lambda: {**similarity(90), "score": "high"}, "bad_number"),
                ("missing field", lambda: _without(similarity(91), "scorer"), "missing_field"),
                ("out of range", lambda: {**similarity(92), "score": 1.5}, "bad_number"),
            ),
        ),
    )
}


def test_every_kind_has_a_corpus() -> None:
    assert sorted(all_kinds()) == sorted(CASES)


def _line(record: Record | str) -> str:
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)


def mixed_file(case: KindCase, path: Path) -> tuple[list[int], dict[int, str]]:
    """Good records interleaved with one broken line of each category.
    Returns (line numbers of good records, {line number: expected reason_code})."""
    lines: list[str] = []
    good: list[int] = []
    bad: dict[int, str] = {}

    def add_good(i: int) -> None:
        lines.append(_line(case.good(i)))
        good.append(len(lines))

    def add_bad(record: Record | str, code: str) -> None:
        lines.append(_line(record))
        bad[len(lines)] = code

    add_good(1)
    add_bad(_line(case.good(50))[:-12], "invalid_json")  # truncated
    add_good(2)
    for _, make, code in case.bad:
        add_bad(make(), code)
        add_good(len(lines) + 100)
    add_bad("[1, 2, 3]", "not_an_object")
    add_bad(_line(case.good(1)), "duplicate_in_file")
    add_bad({**case.good(51), "padding": TEN_MB}, "record_too_large")
    add_bad({**case.good(52), case.text_field: f"{case.good(52)[case.text_field]}\u0000x"}, "control_characters")
    add_bad({**case.good(53), case.text_field: f"{case.good(53)[case.text_field]}\u001bx"}, "control_characters")
    add_bad(_line(case.good(54)).replace(":", ": \x00", 1), "invalid_json")  # a raw NUL byte
    add_good(3)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good, bad


def _landed_lines(db: Path, table: str, source: Path) -> list[int]:
    return [r[0] for r in query(db, f"select _line_number from raw.{table} where _source_file = ? order by 1", [str(source)])]


def _rejects(db: Path, source: Path) -> dict[int, str]:
    return dict(query(db, "select line_number, reason_code from raw.load_rejects where source_file = ? order by 1", [str(source)]))


def _summary(stdout: str, kind: str) -> str:
    """The totals line, up to the rejected count (kinds with derived tables add their counts)."""
    line = next(line for line in stdout.splitlines() if line.startswith(f"{kind}: files="))
    return re.match(r"^\S+: files=\d+ read=\d+ loaded=\d+ rejected=\d+", line).group(0)  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_broken_records_are_rejected_with_reasons_and_nothing_valid_is_lost(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    table = all_kinds()[kind].table
    path = tmp_path / f"mixed_{kind}.jsonl"
    good, bad = mixed_file(case, path)
    done = run_script("load.py", kind, str(path), env=env)
    assert done.stderr.strip() == ""
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read={len(good) + len(bad)} loaded={len(good)} rejected={len(bad)}"
    assert _landed_lines(db, table, path) == good
    assert _rejects(db, path) == bad
    # Every reason says what is wrong, beyond its code; the raw record is kept (cut).
    for reason, raw in query(db, "select reason, raw_record from raw.load_rejects where source_file = ?", [str(path)]):
        assert len(reason) > 12 and "\n" not in reason
        assert raw is not None and len(raw) <= 2000
    batches = query(db, "select rows_read, rows_loaded, rows_rejected from raw.load_batches where source_file = ?", [str(path)])
    assert batches == [(len(good) + len(bad), len(good), len(bad))]

    # Duplicates across files, and the same rows under another name.
    second = tmp_path / f"second_{kind}.jsonl"
    second.write_text(_line(case.good(1)) + "\n" + _line(case.good(700)) + "\n", encoding="utf-8")
    renamed = tmp_path / f"renamed_{kind}.jsonl"
    shutil.copy(path, renamed)
    done = run_script("load.py", kind, str(second), str(renamed), env=env)
    assert _rejects(db, second) == {1: "already_loaded"} and _landed_lines(db, table, second) == [2]
    assert _landed_lines(db, table, renamed) == []
    assert _rejects(db, renamed) == {**bad, **{line: "already_loaded" for line in good}}
    assert _summary(done.stdout, kind) == f"{kind}: files=2 read={2 + len(good) + len(bad)} loaded=1 rejected={1 + len(good) + len(bad)}"
    assert query(db, f"select count(*) from raw.{table}") == [(len(good) + 1,)]


# Every kind reads JSON lines the same way: one kind per path after the read (SQL only,
# a Python step, the feedback push form).
@pytest.mark.parametrize("kind", ["chat-events", "eval-results", "feedback"])
def test_crlf_line_ends_keep_line_numbers(kind: str, scratch_db, tmp_path: Path) -> None:
    """The same broken corpus with CRLF line ends, and with LF and CRLF mixed: the same
    rows land and the same lines are rejected (a CRLF once counted as two lines)."""
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    lf = tmp_path / f"lf_{kind}.jsonl"
    good, bad = mixed_file(case, lf)
    lines = lf.read_bytes().split(b"\n")
    crlf, mixed = tmp_path / f"crlf_{kind}.jsonl", tmp_path / f"mixed_ends_{kind}.jsonl"
    crlf.write_bytes(b"\r\n".join(lines))
    mixed.write_bytes(b"".join(line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines[:-1])))
    done = run_script("load.py", kind, str(crlf), env=env)
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read={len(good) + len(bad)} loaded={len(good)} rejected={len(bad)}"
    assert _landed_lines(db, all_kinds()[kind].table, crlf) == good
    assert _rejects(db, crlf) == bad
    run_script("load.py", kind, str(mixed), env=env)
    assert _rejects(db, mixed) == {**bad, **{line: "already_loaded" for line in good}}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_gbk_file_rejects_the_lines_it_cannot_read(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    path = tmp_path / f"gbk_{kind}.jsonl"
    # The second line escapes its non-ASCII characters (\uXXXX): it reads the same in any encoding.
    lines = [_line({**case.good(1), case.chinese_field: "中文内容"}), json.dumps(case.good(2), ensure_ascii=True)]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    done = run_script("load.py", kind, str(path), env=env)
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read=2 loaded=1 rejected=1"
    assert _rejects(db, path) == {1: "invalid_encoding"}
    assert "GBK" in query(db, "select reason from raw.load_rejects where source_file = ?", [str(path)])[0][0]


@pytest.mark.parametrize("kind", sorted(k for k in CASES if "json" in all_kinds()[k].formats))
def test_json_documents_truncated_gbk_and_oversized(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    # An array with a 10 MB element: that element is rejected, its neighbours load.
    array = tmp_path / f"array_{kind}.json"
    array.write_text(json.dumps([case.good(1), {**case.good(2), "padding": TEN_MB}, case.good(3)], ensure_ascii=False), encoding="utf-8")
    done = run_script("load.py", kind, str(array), env=env)
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read=3 loaded=2 rejected=1"
    assert _rejects(db, array) == {2: "record_too_large"}
    # A truncated document cannot be split into records: one reject for the file.
    truncated = tmp_path / f"truncated_{kind}.json"
    truncated.write_text(json.dumps([case.good(4), case.good(5)], ensure_ascii=False)[:-30], encoding="utf-8")
    gbk = tmp_path / f"gbk_{kind}.json"
    gbk.write_bytes(json.dumps([{**case.good(6), case.chinese_field: "中文内容"}], ensure_ascii=False).encode("gbk"))
    done = run_script("load.py", kind, str(truncated), str(gbk), env=env)
    assert _summary(done.stdout, kind) == f"{kind}: files=2 read=2 loaded=0 rejected=2"
    assert _rejects(db, truncated) == {1: "invalid_json"} and _rejects(db, gbk) == {1: "invalid_encoding"}


@pytest.mark.parametrize("kind", sorted(k for k in CASES if "csv" in all_kinds()[k].formats))
def test_csv_with_a_shifted_column(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    columns = list(case.good(1))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    rows = [[case.good(i)[c] for c in columns] for i in range(1, 6)]
    rows[1].insert(2, "shifted")  # one value too many: every later column moves right
    del rows[3][2]  # one value missing: every later column moves left
    writer.writerows(rows)
    path = tmp_path / f"shifted_{kind}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    done = run_script("load.py", kind, str(path), env=env)
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read=5 loaded=3 rejected=2"
    assert _rejects(db, path) == {3: "wrong_column_count", 5: "wrong_column_count"}
    assert _landed_lines(db, all_kinds()[kind].table, path) == [2, 4, 6]


def _csv_text(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _written_for(db: Path, table: str, source: Path) -> int:
    """Rows anything wrote for this file: raw rows, rejects and load_batches rows (a
    table not created yet holds none)."""
    if not db.exists():
        return 0
    tables = {name for (name,) in query(db, "select table_name from information_schema.tables where table_schema = 'raw'")}
    counts = [(table, "_source_file"), ("load_rejects", "source_file"), ("load_batches", "source_file")]
    return sum(
        query(db, f"select count(*) from raw.{name} where {column} = ?", [str(source)])[0][0] for name, column in counts if name in tables
    )


@pytest.mark.parametrize("rows", [3, 1])
@pytest.mark.parametrize("kind", sorted(k for k in CASES if "csv" in all_kinds()[k].formats))
def test_csv_without_a_header_is_an_input_error(kind: str, rows: int, scratch_db, tmp_path: Path) -> None:
    """A CSV whose first line is a record (it names none of the kind's fields): one line
    naming the file and the fields a header needs, exit 2, nothing of it written. Read
    as a header, that record vanished from every count and the others were all
    missing_field rejects (one row: read=0, exit 0)."""
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    path = tmp_path / f"no_header_{kind}.csv"
    path.write_text(_csv_text([list(case.good(i).values()) for i in range(1, rows + 1)]), encoding="utf-8")
    good = tmp_path / f"good_{kind}.csv"
    good.write_text(_csv_text([list(case.good(1)), list(case.good(1).values())]), encoding="utf-8")
    done = run_script("load.py", kind, str(path), str(good), env=env, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "Traceback" not in done.stderr
    fields = all_kinds()[kind].record_fields
    assert f"{path.name}: the first line is not a header naming the {kind} columns ({', '.join(fields[:2])}, " in errors[0]
    assert errors[0].endswith("a CSV file needs a header row")
    assert _written_for(db, all_kinds()[kind].table, path) == 0
    # The file with a header, loaded in the same run, still lands.
    assert _summary(done.stdout, kind) == f"{kind}: files=1 read=1 loaded=1 rejected=0"


def test_csv_header_lacking_a_required_column_rejects_its_rows(scratch_db, tmp_path: Path) -> None:
    """A header that names some fields is a header, whatever else it names or lacks (in
    any letter case, with spaces, quotes or a BOM around names): its rows are read, and a
    required field it lacks makes each a missing_field reject."""
    db, env = scratch_db
    _load_bots(env)
    record = chat_event(1)
    names = [name for name in record if name != "event_id"] + ["extra"]
    path = tmp_path / "no_event_id.csv"
    path.write_text(_csv_text([names, *([*_without(chat_event(i), "event_id").values(), "x"] for i in (1, 2))]), encoding="utf-8")
    done = run_script("load.py", "chat-events", str(path), env=env)
    assert _summary(done.stdout, "chat-events") == "chat-events: files=1 read=2 loaded=0 rejected=2"
    assert _rejects(db, path) == {2: "missing_field", 3: "missing_field"}
    # Only event_id, upper-case, padded and quoted after a BOM: still a header.
    odd = tmp_path / "odd_header.csv"
    odd.write_bytes(b'\xef\xbb\xbf" EVENT_ID "\ne9\n')
    done = run_script("load.py", "chat-events", str(odd), env=env)
    assert _summary(done.stdout, "chat-events") == "chat-events: files=1 read=1 loaded=0 rejected=1"
    assert _rejects(db, odd) == {2: "missing_field"}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_empty_file_directory_and_missing_path(kind: str, scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    case = CASES[kind]
    case.setup(env)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    folder = tmp_path / "a_folder.jsonl"
    folder.mkdir()
    good = tmp_path / "good.jsonl"
    good.write_text(_line(case.good(1)) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.jsonl"
    done = run_script("load.py", kind, str(empty), str(folder), str(missing), str(good), env=env, check=False)
    # The unreadable paths are named, one line each; the readable files still load.
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 2 and "Traceback" not in done.stderr
    assert "a_folder.jsonl: is a directory" in errors[0] and "missing.jsonl: no such file" in errors[1]
    assert _summary(done.stdout, kind) == f"{kind}: files=2 read=1 loaded=1 rejected=0"
    assert "empty file" in done.stdout
    assert _landed_lines(db, all_kinds()[kind].table, good) == [1]


def _marts(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    names = [
        r[0]
        for r in query(
            db,
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'"
            " and (table_name like 'mart\\_%' escape '\\' or table_name like 'fct\\_%' escape '\\' or table_name like 'dim\\_%' escape '\\')",
        )
    ]
    # The load-health marts count every load, a repeated one too (its records as
    # already_loaded): they change on a reload by design.
    names = [name for name in names if name not in ("mart_loads_daily", "mart_load_rejects_daily")]

    # Doubles are compared to 10 decimals: an average may sum in another order on each run.
    def norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(round(v, 10) if isinstance(v, float) else v for v in row)

    return {name: sorted(map(norm, query(db, f'select * from main."{name}"')), key=repr) for name in sorted(names)}


def test_reloading_every_file_under_any_name_changes_no_mart(fixture_warehouse: Path, tmp_path: Path) -> None:
    """Every fixture file loaded again, and a copy of it under another name, then the
    models rebuilt: every mart, fact and dimension is row for row what it was."""
    import yaml

    db = tmp_path / "reload.duckdb"
    shutil.copy(fixture_warehouse, db)
    env = {**scratch_env(db)}
    before = _marts(db)
    assert len(before) >= 10 and sum(len(rows) for rows in before.values()) > 0
    batches_before = query(db, "select count(*) from raw.load_batches")[0][0]
    copies = tmp_path / "copies"
    files = 0
    for folder in sorted(p for p in (PROJECT_DIR / "tests" / "fixtures").iterdir() if p.is_dir() and not p.name.startswith("_")):
        for kind_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name in all_kinds()):
            for path in sorted(kind_dir.iterdir()):
                renamed = copies / folder.name / kind_dir.name / f"renamed_{path.name}"
                renamed.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, renamed)
                done = run_script("load.py", kind_dir.name, "--quiet", str(path), str(renamed), env=env)
                assert " loaded=0 " in done.stdout, done.stdout
                files += 2
    assert query(db, "select count(*) from raw.load_batches")[0][0] == batches_before + files
    with open(PROJECT_DIR / "tests" / "fixtures" / "dbt_vars.yml", encoding="utf-8") as handle:
        dbt_vars = json.dumps(yaml.safe_load(handle))
    dbt = str(Path(sys.executable).parent / "dbt")
    done = subprocess.run(
        [dbt, "run", "--full-refresh", "--vars", dbt_vars], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:]
    after = _marts(db)
    assert sorted(after) == sorted(before)
    changed = [name for name in before if after[name] != before[name]]
    assert changed == []
