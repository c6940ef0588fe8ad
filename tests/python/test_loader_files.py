"""How the loaders read a file as a whole: the file's form must not change which records
are read, nor spoil the rest of the file when one record is broken.

A UTF-8 BOM on a JSON document; JSON lines in a `.json` file (two lines without a final
newline, a first record over 64 KB or over the record limit); CSV read with a fixed
dialect, so a row cut inside its quotes or an oversized row is one reject, not the whole
file; file names with glob characters read literally; and CSV line numbers that stay the
physical line after values with newlines inside quotes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, query, run_script

from chatwh.loading.input_file import MAX_RECORD_BYTES, REJECT_TEXT_CHARS, inspect_input

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
BOTS = FIXTURES / "funnel" / "bots" / "bots.csv"
FEEDBACK_PUSH = FIXTURES / "feedback" / "feedback" / "feedback_push_2025-06-01.json"
BOM = b"\xef\xbb\xbf"
BOT_COLUMNS = ["bot_id", "bot_name", "model_name", "business_line", "tags", "created_at"]
SIMILARITY_COLUMNS = ["run_id", "dataset_id", "sample_id", "scorer", "score", "expected_text", "predicted_text", "scored_at"]


def event(event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_time": "2025-06-01T10:00:00+08:00",
        "user_id": "u1",
        "bot_id": "b_learn",
        "event_type": "click",
        "model_name": "qwen-7b",
        "platform": "ios",
        **extra,
    }


def bot_row(bot_id: str, name: str = "助手") -> list[str]:
    return [bot_id, name, "qwen-7b", "教育", "学习辅导", "2025-01-01 10:00:00"]


def similarity_row(sample_id: str, expected: str = "销售量 64", predicted: str = "销售量 64") -> list[str]:
    return ["run-1", "default", sample_id, "tfidf-char", "0.5", expected, predicted, "2025-05-21T10:00:00"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def summary(stdout: str, kind: str) -> str:
    line = next(line for line in stdout.splitlines() if line.startswith(f"{kind}: files="))
    return re.match(r"^\S+: files=\d+ read=\d+ loaded=\d+ rejected=\d+", line).group(0)  # type: ignore[union-attr]


def rejects(db: Path, source: Path | str) -> dict[int, str]:
    return dict(query(db, "select line_number, reason_code from raw.load_rejects where source_file = ? order by 1", [str(source)]))


def landed(db: Path, table: str, key: str, source: Path | str) -> list[tuple[Any, int]]:
    return query(db, f"select {key}, _line_number from raw.{table} where _source_file = ? order by 2", [str(source)])


@pytest.fixture
def with_bots(scratch_db) -> tuple[Path, dict[str, str]]:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    return db, env


# --- 1. a UTF-8 byte order mark -------------------------------------------------------


def test_bom_on_a_bulk_push_file_and_a_json_array(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    plain = run_script("load.py", "feedback", str(FEEDBACK_PUSH), env=env)
    expected = summary(plain.stdout, "feedback").replace("feedback: files=1", "")
    assert expected == " read=9 loaded=8 rejected=1"
    bom = tmp_path / "bom_push.json"
    bom.write_bytes(BOM + FEEDBACK_PUSH.read_bytes())
    # The same records under another name: read alike, each one already loaded.
    done = run_script("load.py", "feedback", str(bom), env=env)
    assert summary(done.stdout, "feedback") == "feedback: files=1 read=9 loaded=0 rejected=9"
    assert set(rejects(db, bom).values()) <= {"already_loaded", *rejects(db, FEEDBACK_PUSH).values()}
    assert "invalid_json" not in rejects(db, bom).values()

    run_script("load.py", "bots", str(BOTS), env=env)
    array = tmp_path / "bom_events.json"
    array.write_bytes(BOM + json.dumps([event("bom1"), event("bom2")], indent=1).encode())
    done = run_script("load.py", "chat-events", str(array), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=1 read=2 loaded=2 rejected=0"
    assert landed(db, "chat_events", "event_id", array) == [("bom1", 1), ("bom2", 2)]


# --- 2. JSON lines in a .json file ----------------------------------------------------


def test_json_lines_in_a_json_file_are_read_line_by_line(with_bots, tmp_path: Path) -> None:
    db, env = with_bots
    two = tmp_path / "two.json"  # exactly two lines, no final newline
    two.write_text(json.dumps(event("j1")) + "\n" + json.dumps(event("j2")), encoding="utf-8")
    big_first = tmp_path / "big_first.json"  # the first record over 64 KB
    big_first.write_text(json.dumps(event("k1", note="x" * 100_000)) + "\n" + json.dumps(event("k2")) + "\n", encoding="utf-8")
    huge_first = tmp_path / "huge_first.json"  # the first record over the record limit
    huge_first.write_text(
        json.dumps(event("h1", note="x" * (MAX_RECORD_BYTES + 10)))
        + "\n"
        + json.dumps(event("h2"))
        + "\n"
        + json.dumps(event("h3"))
        + "\n",
        encoding="utf-8",
    )
    done = run_script("load.py", "chat-events", str(two), str(big_first), str(huge_first), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=3 read=7 loaded=6 rejected=1"
    assert landed(db, "chat_events", "event_id", two) == [("j1", 1), ("j2", 2)]
    assert landed(db, "chat_events", "event_id", big_first) == [("k1", 1), ("k2", 2)]
    assert landed(db, "chat_events", "event_id", huge_first) == [("h2", 2), ("h3", 3)]
    assert rejects(db, huge_first) == {1: "record_too_large"}


def test_json_lines_in_a_json_file_whose_first_record_is_cut(with_bots, tmp_path: Path) -> None:
    """A first line cut after a `:` looks like the start of a pretty-printed document;
    the whole lines after it say JSON lines: one reject, the other records load."""
    db, env = with_bots
    path = tmp_path / "cut_first.json"
    path.write_text(
        '{"event_id": "t0", "event_time":\n' + "".join(json.dumps(event(f"t{i}")) + "\n" for i in range(1, 6)), encoding="utf-8"
    )
    done = run_script("load.py", "chat-events", str(path), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=1 read=6 loaded=5 rejected=1"
    assert rejects(db, path) == {1: "invalid_json"}
    assert [line for _, line in landed(db, "chat_events", "event_id", path)] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ('{"a": 1}\n{"a": 2}', "jsonl"),
        ('{"a": 1}\n{"a": 2}\n', "jsonl"),
        ('{"a": 1}\n', "json"),
        ('{"a": 1}', "json"),
        ('  \n[{"a": 1},\n {"a": 2}]', "json"),
        ('[{"a": 1}]\n[{"a": 2}]\n', "json"),
        ('{\n  "samples": [\n    {"a": 1}\n  ]\n}\n', "json"),
        ('{"samples": [\n{"a": 1}\n]}\n', "json"),
        ('{"a": 1\n, "b": 2}\n', "json"),
        ('{"a": 1, "b": "cut\n{"a": 2}\n', "jsonl"),  # JSON lines with a broken first record
        ('{"a": 1, "b":\n{"a": 2}\n{"a": 3}\n', "jsonl"),  # ... cut after a `:`
        ('{"a": 1,\n{"a": 2}\n', "jsonl"),  # ... cut after a `,`, one record after it
        ('{"a":\n1\n}\n', "json"),
        ('{"a":\n{"b": 1}\n}\n', "json"),
        ('{\n  "samples": [{"a": 1}', "json"),  # a truncated document: one reject
        ('not json\n{"a": 1}\n', "jsonl"),
        ("\ufeff" + '{"a": 1}\n{"a": 2}', "jsonl"),
        ("\ufeff" + '[{"a": 1}]', "json"),
    ],
)
def test_json_file_layout(text: str, layout: str, tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(text.encode("utf-8"))
    assert inspect_input(str(path), ("json", "jsonl")).format == layout


# --- 3. CSV read with a fixed dialect ---------------------------------------------------


def test_csv_row_cut_inside_its_quotes_is_one_reject(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = tmp_path / "cut_bots.csv"
    text = csv_text(BOT_COLUMNS, [bot_row(f"c{i}", "web, app") for i in range(1, 4)])
    path.write_text(text + 'c4,"web, ap', encoding="utf-8")
    done = run_script("load.py", "bots", str(path), env=env)
    assert summary(done.stdout, "bots") == "bots: files=1 read=4 loaded=3 rejected=1"
    assert landed(db, "bots", "bot_id", path) == [("c1", 2), ("c2", 3), ("c3", 4)]
    assert rejects(db, path) == {5: "malformed_csv"}


def test_csv_oversized_row_early_in_the_file_is_one_reject(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = tmp_path / "oversized_bots.csv"
    rows = [bot_row("o1"), bot_row("o2", "x" * (MAX_RECORD_BYTES + 100)), bot_row("o3"), bot_row("o4")]
    path.write_text(csv_text(BOT_COLUMNS, rows), encoding="utf-8")
    done = run_script("load.py", "bots", str(path), env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert summary(done.stdout, "bots") == "bots: files=1 read=4 loaded=3 rejected=1"
    assert rejects(db, path) == {3: "record_too_large"}
    assert landed(db, "bots", "bot_id", path) == [("o1", 2), ("o3", 4), ("o4", 5)]


def _long_rejected_record(path: Path, layout: str) -> str:
    """Write a file holding one good bot row and one long broken record; return the
    broken record's text as the file has it."""
    long_name = "长" * (REJECT_TEXT_CHARS * 2)
    if layout == "broken json line":
        broken = '{"bot_id": "b2", "bot_name": "' + long_name  # never closed
        good = json.dumps(dict(zip(BOT_COLUMNS, bot_row("b1")), strict=True), ensure_ascii=False)
        path.write_text(good + "\n" + broken + "\n", encoding="utf-8")
    elif layout == "broken json document":
        broken = '[{"bot_id": "b2", "bot_name": "' + long_name
        path.write_text(broken, encoding="utf-8")
    elif layout == "oversized csv row":
        broken = ",".join(bot_row("b2", "x" * (MAX_RECORD_BYTES + 100)))
        path.write_text(csv_text(BOT_COLUMNS, [bot_row("b1")]) + broken + "\n", encoding="utf-8")
    else:  # a quote never closed, read leniently (mixed line ends)
        broken = f'b2,"{long_name},qwen-7b,sales,a,2025-01-01\n'
        path.write_bytes((",".join(BOT_COLUMNS) + "\r\n" + ",".join(bot_row("b1")) + "\n" + broken).encode())
    return broken


@pytest.mark.parametrize(
    ("layout", "suffix"),
    [("broken json line", ".jsonl"), ("broken json document", ".json"), ("oversized csv row", ".csv"), ("quote never closed", ".csv")],
)
def test_a_rejected_records_text_is_kept_up_to_the_same_length_on_every_read_path(
    scratch_db, tmp_path: Path, layout: str, suffix: str
) -> None:
    """Each reader cuts a rejected record's text itself (SQL or Python, to keep a 4 MiB
    line out of memory); whichever read it, the rejects table keeps its first
    REJECT_TEXT_CHARS characters (CJK text included)."""
    db, env = scratch_db
    path = tmp_path / f"long_reject{suffix}"
    broken = _long_rejected_record(path, layout)
    run_script("load.py", "bots", str(path), env=env)
    [(raw,)] = query(db, "select raw_record from raw.load_rejects where source_file = ?", [str(path)])
    assert len(raw) == REJECT_TEXT_CHARS, len(raw)
    assert broken.startswith(raw)


# --- 4. a file name is never a pattern ------------------------------------------------


def test_glob_characters_in_file_names_are_read_literally(with_bots, tmp_path: Path) -> None:
    db, env = with_bots
    files = {
        "ev[1].jsonl": "g_literal",
        "ev1.jsonl": "g_other",
        "a*b.jsonl": "g_star",
        "axb.jsonl": "g_axb",
        "q?.csv": "g_q",
        "qx.csv": "g_qx",
    }
    for name, event_id in files.items():
        if name.endswith(".csv"):
            record = event(event_id)
            (tmp_path / name).write_text(csv_text(list(record), [list(record.values())]), encoding="utf-8")
        else:
            (tmp_path / name).write_text(json.dumps(event(event_id)) + "\n", encoding="utf-8")
    chosen = ["ev[1].jsonl", "a*b.jsonl", "q?.csv"]
    done = run_script("load.py", "chat-events", *(str(tmp_path / n) for n in chosen), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=3 read=3 loaded=3 rejected=0"
    for name in chosen:
        assert [r[0] for r in landed(db, "chat_events", "event_id", tmp_path / name)] == [files[name]]
    assert query(db, "select count(*) from raw.chat_events where event_id in ('g_other', 'g_axb', 'g_qx')") == [(0,)]


def test_key_value_folder_adds_no_column(with_bots, tmp_path: Path) -> None:
    """DuckDB reads `name=value` folders as hive partitions: a folder must not change a record."""
    db, env = with_bots
    folder = tmp_path / "platform=web"
    folder.mkdir()
    record = event("hive1")
    path = folder / "events.csv"
    path.write_text(csv_text(list(record), [list(record.values())]), encoding="utf-8")
    run_script("load.py", "chat-events", str(path), env=env)
    assert query(db, "select platform from raw.chat_events where event_id = 'hive1'") == [("ios",)]


# --- 5. CSV line numbers are physical lines -------------------------------------------


def rows_with_newlines() -> list[list[str]]:
    """Similarity rows on lines 2-9: values spanning lines, a short row, a bad number."""
    return [
        similarity_row("s1", expected="销售量\n64"),  # lines 2-3
        similarity_row("s2"),  # 4
        similarity_row("s3")[:5],  # 5: too few columns
        similarity_row("s4", predicted="a\n\nb"),  # 6-8
        [*similarity_row("s5")[:4], "high", *similarity_row("s5")[5:]],  # 9: not a number
    ]


def test_csv_line_numbers_after_values_with_newlines(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = tmp_path / "newlines_similarity.csv"
    rows = [*rows_with_newlines(), similarity_row("s6")]  # s6 on line 10
    path.write_text(csv_text(SIMILARITY_COLUMNS, rows), encoding="utf-8")
    done = run_script("load.py", "similarity", str(path), env=env)
    assert summary(done.stdout, "similarity") == "similarity: files=1 read=6 loaded=4 rejected=2"
    assert landed(db, "chatbi_similarity_scores", "sample_id", path) == [("s1", 2), ("s2", 4), ("s4", 6), ("s6", 10)]
    assert rejects(db, path) == {5: "wrong_column_count", 9: "bad_number"}


def test_csv_mixed_line_ends_and_blank_lead(scratch_db, tmp_path: Path) -> None:
    """A CRLF line in an LF file stops DuckDB's strict parser: read leniently, row by row."""
    db, env = scratch_db
    path = tmp_path / "mixed_bots.csv"
    rows = [bot_row("m1"), bot_row("m2")[:3], bot_row("m3"), bot_row("m4", "p\nq"), bot_row("m5")[:2], bot_row("m6")]
    text = csv_text(BOT_COLUMNS, rows).replace("\n", "\r\n", 2)  # lines 2-3 end CRLF, the rest LF
    path.write_bytes(b"\n" + text.encode("utf-8"))
    done = run_script("load.py", "bots", str(path), env=env)
    assert summary(done.stdout, "bots") == "bots: files=1 read=6 loaded=3 rejected=3"
    assert landed(db, "bots", "bot_id", path) == [("m1", 3), ("m3", 5), ("m6", 9)]
    # m4's name holds a newline (a control character in a name): rejected, on its first line
    assert rejects(db, path) == {4: "wrong_column_count", 6: "control_characters", 8: "wrong_column_count"}


def test_csv_line_numbers_with_an_oversized_multiline_record(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = tmp_path / "oversized_similarity.csv"
    rows = [
        *rows_with_newlines(),
        similarity_row("s6", expected="x" * (MAX_RECORD_BYTES + 10) + "\nmore"),  # 10-11: oversized
        similarity_row("s7", expected="p\nq"),  # 12-13
        similarity_row("s8"),  # 14
    ]
    path.write_text(csv_text(SIMILARITY_COLUMNS, rows), encoding="utf-8")
    done = run_script("load.py", "similarity", str(path), env=env)
    assert summary(done.stdout, "similarity") == "similarity: files=1 read=8 loaded=5 rejected=3"
    assert landed(db, "chatbi_similarity_scores", "sample_id", path) == [("s1", 2), ("s2", 4), ("s4", 6), ("s7", 12), ("s8", 14)]
    assert rejects(db, path) == {5: "wrong_column_count", 9: "bad_number", 10: "record_too_large"}


def blank_line_csv() -> str:
    """Similarity rows with blank lines between them (DuckDB skips those without a
    trace), a blank line inside a quoted value (part of its record) and a stray quote in
    a rejected row (it must not make the blank lines after it look quoted)."""
    rows = csv_text(
        SIMILARITY_COLUMNS,
        [
            similarity_row("s1"),  # 2
            similarity_row("s2"),  # 4
            similarity_row("s4", predicted="a\n\nb"),  # 7-9
            similarity_row("s3")[:5],  # 10: too few columns
            [*similarity_row("s5")[:4], "high", *similarity_row("s5")[5:]],  # 12: not a number
            similarity_row("s6"),  # 13
            similarity_row("s7"),  # 16
        ],
    ).split("\n")
    stray = 'run-1,default,s9,tfidf-char,0.5,we"b,x,2025-05-21T10:00:00'  # 15: a quote inside an unquoted value (read as is)
    lines = [rows[0], rows[1], "", rows[2], "", "", *rows[3:6], rows[6], "", rows[7], rows[8], "", stray, rows[9], "", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_csv_blank_lines_between_records_keep_physical_line_numbers(scratch_db, tmp_path: Path, line_end: str) -> None:
    db, env = scratch_db
    path = tmp_path / "blank_lines_similarity.csv"
    path.write_bytes(blank_line_csv().replace("\n", line_end).encode("utf-8"))
    done = run_script("load.py", "similarity", str(path), env=env)
    assert summary(done.stdout, "similarity") == "similarity: files=1 read=8 loaded=6 rejected=2"
    assert landed(db, "chatbi_similarity_scores", "sample_id", path) == [
        ("s1", 2),
        ("s2", 4),
        ("s4", 7),
        ("s6", 13),
        ("s9", 15),
        ("s7", 16),
    ]
    assert rejects(db, path) == {10: "wrong_column_count", 12: "bad_number"}
    assert query(db, "select expected_text from raw.chatbi_similarity_scores where sample_id = 's9'") == [('we"b',)]


def test_csv_blank_lines_without_values_spanning_lines(scratch_db, tmp_path: Path) -> None:
    """No value spans lines: the blank lines are known without looking at the quotes."""
    db, env = scratch_db
    path = tmp_path / "blank_bots.csv"
    header, b1, b2, b3, b4 = csv_text(BOT_COLUMNS, [bot_row("b1", "甲, 乙"), bot_row("b2")[:3], bot_row("b3"), bot_row("b4")]).splitlines()
    path.write_text("\n".join([header, "", b1, "", "", b2, b3, "", b4, ""]), encoding="utf-8")
    done = run_script("load.py", "bots", str(path), env=env)
    assert summary(done.stdout, "bots") == "bots: files=1 read=4 loaded=3 rejected=1"
    assert landed(db, "bots", "bot_id", path) == [("b1", 3), ("b3", 7), ("b4", 9)]
    assert rejects(db, path) == {6: "wrong_column_count"}


@pytest.mark.parametrize(
    ("layout", "lines"),
    [
        pytest.param("H\nA\nB\n\n", [2, 3], id="trailing-blank-line"),
        pytest.param("H\r\nA\r\nB\r\n\r\n\r\n", [2, 3], id="trailing-blank-lines-crlf"),
        pytest.param("H\nA\n\nB\n", [2, 4], id="blank-line-between-records"),
        pytest.param("H\n\nA\nB\n", [3, 4], id="blank-line-after-header"),
        pytest.param("H\r\nM\nB\r\n", [2, 4], id="mixed-line-ends-and-a-value-spanning-lines"),
    ],
)
def test_csv_blank_lines_or_mixed_line_ends_with_no_rejected_record(scratch_db, tmp_path: Path, layout: str, lines: list[int]) -> None:
    """Nothing rejected at read time, yet lines to place (blank lines, or a leniently read
    file): every row loads on its physical line (this once failed the whole file)."""
    db, env = scratch_db
    path = tmp_path / "clean_similarity.csv"
    header, a, b, m = csv_text(
        SIMILARITY_COLUMNS, [similarity_row("s1"), similarity_row("s2"), similarity_row("s1", expected="p\nq")]
    ).split("\n", 3)
    m = m.rstrip("\n")  # s1 with a value spanning two lines
    text = layout.replace("H", header).replace("A", a).replace("B", b).replace("M", m)
    path.write_bytes(text.encode("utf-8"))
    done = run_script("load.py", "similarity", str(path), env=env)
    assert summary(done.stdout, "similarity") == "similarity: files=1 read=2 loaded=2 rejected=0"
    assert landed(db, "chatbi_similarity_scores", "sample_id", path) == [("s1", lines[0]), ("s2", lines[1])]
    assert rejects(db, path) == {}


def test_valid_bots_csv_ending_in_a_blank_line(scratch_db, tmp_path: Path) -> None:
    db, env = scratch_db
    path = tmp_path / "bots_trailing_blank.csv"
    path.write_text(csv_text(BOT_COLUMNS, [bot_row("t1"), bot_row("t2")]) + "\n", encoding="utf-8")
    done = run_script("load.py", "bots", str(path), env=env)
    assert summary(done.stdout, "bots") == "bots: files=1 read=2 loaded=2 rejected=0"
    assert landed(db, "bots", "bot_id", path) == [("t1", 2), ("t2", 3)]


def test_csv_mixed_line_ends_reject_text_after_a_closing_quote(scratch_db, tmp_path: Path) -> None:
    """Read leniently (mixed LF and CRLF), DuckDB would keep `"we"b` as we, dropping b:
    the row is rejected instead, at the line where its record starts."""
    db, env = scratch_db
    path = tmp_path / "after_quote_similarity.csv"
    head = "run_id,dataset_id,sample_id,scorer,score,expected_text,predicted_text,scored_at"
    tail = "2025-05-21T10:00:00"
    lines = [
        head + "\r\n",  # 1
        f"run-1,default,s1,tfidf-char,0.5,a,b,{tail}\n",  # 2
        f'run-1,default,s2,tfidf-char,0.5,"we"b,b,{tail}\r\n',  # 3: text after the closing quote
        f'run-1,default,s3,tfidf-char,0.5,"p\nq","ok"tail,{tail}\n',  # 4-5: the same, on the record's second line
        f'run-1,default,s4,tfidf-char,0.5,"p""q",x"y,{tail}\r\n',  # 6: a doubled quote, a quote inside an unquoted value
        f"run-1,default,s5,tfidf-char,0.5,a,b,{tail}\n",  # 7
        f'run-1,default,s6,tfidf-char,0.5,"销售"量,b,{tail}\n',  # 8: DuckDB cuts 量 in two (invalid_encoding)
    ]
    path.write_bytes("".join(lines).encode("utf-8"))
    done = run_script("load.py", "similarity", str(path), env=env)
    assert summary(done.stdout, "similarity") == "similarity: files=1 read=6 loaded=3 rejected=3"
    assert landed(db, "chatbi_similarity_scores", "sample_id", path) == [("s1", 2), ("s4", 6), ("s5", 7)]
    assert rejects(db, path) == {3: "malformed_csv", 4: "malformed_csv", 8: "malformed_csv"}
    assert query(db, "select expected_text, predicted_text from raw.chatbi_similarity_scores where sample_id = 's4'") == [('p"q', 'x"y')]
    raw = query(db, "select raw_record from raw.load_rejects where source_file = ? order by line_number", [str(path)])
    assert raw == [(lines[2].rstrip("\r\n"),), (lines[3].split("\n")[0],), (lines[6].rstrip("\n"),)]


@pytest.mark.parametrize("column", ["t", "__row"])
def test_a_column_named_like_the_readers_row_alias_is_one_more_column(with_bots, tmp_path: Path, column: str) -> None:
    """The reader turns each CSV or Parquet row into JSON; a column named as the row once
    was (`t`) stood for the row, and the file failed as a whole."""
    db, env = with_bots
    header = ["event_id", "event_time", "user_id", "bot_id", "event_type", "session_id", "model_name", "platform", column]
    csv_path = tmp_path / "events_with_extra_column.csv"
    csv_path.write_text(
        csv_text(header, [["a1", "2025-06-01T10:00:00Z", "u1", "b_learn", "exposure", "", "", "ios", "x"]]), encoding="utf-8"
    )
    done = run_script("load.py", "chat-events", str(csv_path), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=1 read=1 loaded=1 rejected=0"
    parquet_path = tmp_path / "events_with_extra_column.parquet"
    duckdb.sql(
        "select 'a2' as event_id, '2025-06-01T11:00:00Z' as event_time, 'u1' as user_id, 'b_learn' as bot_id, "
        f"'click' as event_type, 'x' as {column}"
    ).write_parquet(str(parquet_path))
    done = run_script("load.py", "chat-events", str(parquet_path), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=1 read=1 loaded=1 rejected=0"
    assert query(db, "select event_id, event_type from raw.chat_events where event_id in ('a1', 'a2') order by 1") == [
        ("a1", "exposure"),
        ("a2", "click"),
    ]


@pytest.mark.parametrize("first_line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("quoted_column", ["tags", "business_line"])
def test_csv_quote_never_closed_is_a_reject_holding_the_rest_of_the_file(
    scratch_db, tmp_path: Path, first_line_end: str, quoted_column: str
) -> None:
    """A quote that is never closed swallows the records after it. Strict mode (LF only)
    rejects that record; lenient mode (mixed line ends) read it as a good row with the
    rest of the file as its last value, and the bots after it vanished without a reject
    (or, the value not last, as a row a column short)."""
    db, env = scratch_db
    header = ["bot_id", "bot_name", "model_name", "business_line", "created_at", "tags"]  # tags last
    path = tmp_path / "bots_unclosed_quote.csv"
    first = {"bot_id": "x1", "bot_name": "X1", "model_name": "qwen-7b", "business_line": "sales", "created_at": "2025-01-01", "tags": "a"}
    first[quoted_column] = '"a|b'
    rest = ",".join(first[c] for c in header) + "\n"
    rest += "".join(f"x{i},X{i},qwen-7b,sales,2025-01-01,c\n" for i in (2, 3))
    good = "x0,X0,qwen-7b,sales,2025-01-01,z\n"
    path.write_bytes((",".join(header) + first_line_end + good + rest).encode())
    done = run_script("load.py", "bots", str(path), env=env)
    assert summary(done.stdout, "bots") == "bots: files=1 read=2 loaded=1 rejected=1"
    assert landed(db, "bots", "bot_id", path) == [("x0", 2)]
    assert rejects(db, path) == {3: "malformed_csv"}
    assert query(db, "select raw_record from raw.load_rejects where source_file = ?", [str(path)]) == [(rest,)]


def test_csv_mixed_line_ends_reject_a_row_with_extra_values(with_bots, tmp_path: Path) -> None:
    """Read leniently (mixed LF and CRLF), DuckDB drops a row's extra values and keeps the
    rest, shifted when a value is missing in the middle: the row is rejected instead, as
    strict mode does (wrong_column_count)."""
    db, env = with_bots
    path = tmp_path / "extra_values_events.csv"
    header = "event_id,event_time,user_id,bot_id,event_type,session_id,model_name,platform"
    lines = [
        header + "\r\n",  # 1
        "m1,2025-06-01T10:00:00Z,u1,b_learn,user_message,s1,qwen-7b,web\n",  # 2
        "m2,2025-06-01T10:01:00Z,u1,b_learn,user_message,s1,oops,qwen-7b,web\r\n",  # 3: a value too many
        "m3,2025-06-01T10:02:00Z,u1,b_learn,user_message,s1,qwen-7b,web,\n",  # 4: an empty one too many
        'm4,2025-06-01T10:03:00Z,u1,b_learn,user_message,s1,"qwen,7b",web\n',  # 5: a comma inside quotes is no value
    ]
    path.write_bytes("".join(lines).encode("utf-8"))
    done = run_script("load.py", "chat-events", str(path), env=env)
    assert summary(done.stdout, "chat-events") == "chat-events: files=1 read=4 loaded=2 rejected=2"
    assert landed(db, "chat_events", "event_id", path) == [("m1", 2), ("m4", 5)]
    assert rejects(db, path) == {3: "wrong_column_count", 4: "wrong_column_count"}
    raw = query(db, "select raw_record from raw.load_rejects where source_file = ? order by line_number", [str(path)])
    assert raw == [(lines[2].rstrip("\r\n"),), (lines[3].rstrip("\n"),)]


# -- the file is recorded by its resolved path, not as typed ----------------------------------
LAND_FOLDER = """
import json, sys
from pathlib import Path
from chatwh.connection import connect
from chatwh.landing import land_folder
with connect("duckdb") as warehouse:
    report = land_folder(warehouse, Path(sys.argv[1]))
print(json.dumps({"landed": [r.source_file for r in report.results], "skipped": [str(p) for p in report.skipped]}))
"""


def test_a_relative_path_is_recorded_resolved_and_known_to_the_landing(tmp_path: Path) -> None:
    """`load.py bots bots/bots.csv` typed in two folders loads two files: each is recorded
    by its absolute path (batches, rejects, raw rows), so they can be told apart, and the
    folder landing knows the one it finds as landed already."""
    import subprocess

    from conftest import PYTHON, SCRIPTS_DIR, scratch_env

    db = tmp_path / "relative.duckdb"
    env = scratch_env(db)
    files = []
    for name in ("one", "two"):
        (tmp_path / name / "bots").mkdir(parents=True)
        (tmp_path / name / "bots" / "bots.csv").write_bytes(BOTS.read_bytes())
        done = subprocess.run(
            [PYTHON, str(SCRIPTS_DIR / "load.py"), "bots", "bots/bots.csv"], cwd=tmp_path / name, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        files.append(str((tmp_path / name / "bots" / "bots.csv").resolve()))
    one, two = files
    assert query(db, "select source_file from raw.load_batches order by started_at") == [(one,), (two,)]
    assert set(query(db, "select distinct _source_file from raw.bots")) == {(one,)}
    # the same rows again under the other folder: already_loaded rejects of that file
    assert query(db, "select distinct source_file, reason_code from raw.load_rejects") == [(two, "already_loaded")]
    landing = subprocess.run([PYTHON, "-c", LAND_FOLDER, str(tmp_path / "one")], cwd=SCRIPTS_DIR, env=env, capture_output=True, text=True)
    assert landing.returncode == 0, landing.stderr
    assert json.loads(landing.stdout) == {"landed": [], "skipped": [str(tmp_path / "one" / "bots" / "bots.csv")]}


@pytest.mark.parametrize("name", ["events.jsonl", "events.json", "events.csv", "events.parquet"])
def test_a_file_that_cannot_be_opened_is_an_input_error_naming_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """No read permission (as root reads everything, input_file's `open` refuses, as the
    OS does): one InputError naming the file and the reason, for every format (a Parquet
    file, which DuckDB alone reads, too), not a PermissionError traceback."""
    import errno

    from chatwh.loading import input_file

    path = tmp_path / name
    path.write_text(json.dumps(event("e1")) + "\n", encoding="utf-8")

    def refusing_open(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(input_file, "open", refusing_open, raising=False)
    with pytest.raises(input_file.InputError) as raised:
        inspect_input(str(path), ("jsonl", "json", "csv", "parquet"), csv_fields=["event_id"])
    assert str(raised.value) == f"{path}: cannot be read: permission denied"
