"""The loader contract for bots and chat events: formats, rejects with reasons, counts
that reconcile, idempotent reloads, one-line errors."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, PYTHON, query, run_script

FUNNEL = PROJECT_DIR / "tests" / "fixtures" / "funnel"
BOTS = FUNNEL / "bots" / "bots.csv"


def counts(db: Path) -> tuple[int, int, int]:
    return (
        query(db, "select count(*) from raw.chat_events")[0][0],
        query(db, "select count(*) from raw.load_rejects")[0][0],
        query(db, "select count(*) from raw.load_batches")[0][0],
    )


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def event(event_id: str, **overrides: object) -> dict:
    base = {"event_id": event_id, "event_time": "2025-06-01T10:00:00+08:00", "user_id": "u1", "bot_id": "b_learn", "event_type": "click"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_rejects_carry_a_reason_per_contract_rule(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            event("ok1"),
            event("ok2", event_type="USER_MESSAGE", session_id="s1"),
            event("bad_type", event_type="share"),
            event("no_user", user_id=None),
            event("no_time", event_time=None),
            event("bad_time", event_time="2025-13-45 99:00"),
            event("no_session", event_type="bot_message"),
            event("ghost_bot", bot_id="b_nope"),
            event(None),
            '{"event_id": "trunc", "event_time": ',
            "[1, 2, 3]",
            event("ok1"),
        ],
    )
    out = run_script("load.py", "chat-events", str(path), env=env).stdout
    assert "read=12 loaded=2 rejected=10" in out
    reasons = dict(query(db, "select line_number, reason_code from raw.load_rejects"))
    assert reasons == {
        3: "unknown_event_type",
        4: "missing_field",
        5: "missing_field",
        6: "bad_timestamp",
        7: "missing_field",
        8: "unknown_bot",
        9: "missing_field",
        10: "invalid_json",
        11: "not_an_object",
        12: "duplicate_in_file",
    }
    detail = query(db, "select reason from raw.load_rejects where line_number = 7")[0][0]
    assert "session_id" in detail
    assert query(db, "select event_type from raw.chat_events where event_id = 'ok2'") == [("user_message",)]


@pytest.mark.parametrize(
    ("records", "rejected"),
    [
        # a raw DEL is valid JSON: the only control character a file without escapes can hold
        (
            [
                event("ok"),
                '{"event_id": "del", "event_time": "2025-06-01T10:00:00+08:00", "user_id": "u\x7f1", "bot_id": "b_learn", "event_type": "click"}',
            ],
            2,
        ),
        ([event("ok"), event("bell", platform="ios\u0007")], 2),  # json.dumps writes \\u0007
    ],
    ids=["raw DEL", "escaped BEL"],
)
def test_control_characters_raw_or_escaped(scratch_db: tuple[Path, dict], tmp_path: Path, records: list[str], rejected: int) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    path = write_jsonl(tmp_path / "events.jsonl", records)
    out = run_script("load.py", "chat-events", str(path), env=env).stdout
    assert "read=2 loaded=1 rejected=1" in out
    assert query(db, "select line_number, reason_code from raw.load_rejects") == [(rejected, "control_characters")]


def test_blank_lines_are_skipped_and_values_trimmed(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    """Empty lines and lines of spaces, tabs (or CRs) only are no records.
    Values lose their leading and trailing spaces, only those; a value of spaces is missing."""
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            event("  padded  ", user_id=" u 2 ", platform=" ios"),
            "",
            "    ",
            "\t",
            event("spaces_user", user_id="   "),
            "  " + json.dumps(event("indented")),
        ],
    )
    out = run_script("load.py", "chat-events", str(path), env=env).stdout
    assert "read=3 loaded=2 rejected=1" in out
    assert query(db, "select event_id, user_id, platform from raw.chat_events order by event_id") == [
        ("indented", "u1", None),
        ("padded", "u 2", "ios"),
    ]
    assert dict(query(db, "select line_number, reason_code from raw.load_rejects")) == {5: "missing_field"}


def test_reloading_the_same_rows_changes_nothing(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    day = FUNNEL / "chat-events" / "chat_events_2025-06-01.jsonl"
    run_script("load.py", "chat-events", str(day), env=env)
    events_before = query(db, "select * exclude (_batch_id, _loaded_at) from raw.chat_events order by event_id")
    renamed = shutil.copy(day, tmp_path / "another_name.jsonl")
    out = run_script("load.py", "chat-events", str(day), renamed, env=env).stdout
    assert "read=48 loaded=0 rejected=48" in out
    assert query(db, "select * exclude (_batch_id, _loaded_at) from raw.chat_events order by event_id") == events_before
    # bots: the same file again adds no version
    run_script("load.py", "bots", str(BOTS), env=env)
    assert query(db, "select count(*) from raw.bots") == [(3,)]
    for read, loaded, rejected in query(db, "select rows_read, rows_loaded, rows_rejected from raw.load_batches"):
        assert read == loaded + rejected


def test_csv_and_parquet_inputs(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    csv_path = tmp_path / "events.csv"
    csv_path.write_text(
        "event_id,event_time,user_id,bot_id,event_type,session_id,model_name,platform\n"
        "c1,2025-06-01 10:00:00,u1,b_learn,exposure,,,ios\n"
        "c2,1748743200,u1,b_learn,click,,glm-4,ios\n"
        "c3,2025-06-01T02:00:00Z,u1,b_learn,user_message,s9,,ios,EXTRA\n"
        "c4,2025-06-01T02:00:00Z,u1,b_learn,user_message,s9,,ios\n",
        encoding="utf-8",
    )
    out = run_script("load.py", "chat-events", str(csv_path), env=env).stdout
    assert "read=4 loaded=3 rejected=1" in out
    assert query(db, "select line_number, reason_code from raw.load_rejects") == [(4, "wrong_column_count")]
    parquet_path = tmp_path / "events.parquet"
    duckdb.sql(
        "select 'p1' as event_id, '2025-06-02T09:00:00+08:00' as event_time, 'u7' as user_id, 'b_quiz' as bot_id, "
        "'exposure' as event_type, null as session_id"
    ).write_parquet(str(parquet_path))
    run_script("load.py", "chat-events", str(parquet_path), env=env)
    assert query(db, "select strftime(event_time, '%Y-%m-%d %H:%M') from raw.chat_events where event_id = 'p1'") == [("2025-06-02 01:00",)]
    assert query(db, "select model_name from raw.chat_events where event_id = 'c2'") == [("glm-4",)]


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: str(tmp / "missing.jsonl"), "no such file"),
        (lambda tmp: str(tmp), "is a directory"),
        (lambda tmp: str((tmp / "x.txt").write_text("hi") and tmp / "x.txt"), "unknown file type"),
    ],
)
def test_unreadable_paths_give_one_clear_line(scratch_db: tuple[Path, dict], tmp_path: Path, make_path, message: str) -> None:
    _, env = scratch_db
    done = run_script("load.py", "chat-events", make_path(tmp_path), env=env, check=False)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) <= 2


def test_empty_file_loads_nothing_and_says_so(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    db, env = scratch_db
    run_script("load.py", "bots", str(BOTS), env=env)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    done = run_script("load.py", "chat-events", str(empty), env=env)
    assert "read=0 loaded=0 rejected=0" in done.stdout and "empty file" in done.stdout
    assert counts(db)[0] == 0


def test_ctrl_c_during_a_multi_file_load_stops_it(scratch_db: tuple[Path, dict], tmp_path: Path) -> None:
    """SIGINT while DuckDB parses the first file: that file rolls back, the next is not
    loaded, exit 130 (DuckDB raises its own error for Ctrl-C, which once passed for one
    file's failure: the load went on to the next file and exited 2)."""
    db, env = scratch_db
    line = json.dumps(event("e_ID"))
    big = tmp_path / "big.jsonl"
    big.write_text("".join(line.replace("e_ID", f"e{i}") + "\n" for i in range(1_200_000)), encoding="utf-8")  # 150 MB
    small = write_jsonl(tmp_path / "small.jsonl", [event("s1")])
    # The reader links each file into a fresh folder under TMPDIR while DuckDB reads it:
    # once it is gone again, the big file's parse query runs (seconds; the read is short).
    # The folder may come and go between two looks on a busy machine, so the start of the
    # read is told by TMPDIR's mtime, which stays changed.
    temp = tmp_path / "tmp"
    temp.mkdir()
    untouched = temp.stat().st_mtime_ns
    load = subprocess.Popen(
        [PYTHON, str(PROJECT_DIR / "scripts" / "load.py"), "chat-events", str(big), str(small)],
        cwd=PROJECT_DIR,
        env={**env, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts a background job (`make test &`, CI runners) with SIGINT ignored,
        # and children inherit that: the loader would never see the signal. A terminal's
        # Ctrl-C is what is tested, so the child gets the default disposition back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while temp.stat().st_mtime_ns == untouched and load.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    while any(temp.glob("chatwh_read_*")) and load.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    load.send_signal(signal.SIGINT)
    _, stderr = load.communicate(timeout=60)
    assert load.returncode == 130, stderr
    assert stderr.strip().splitlines() == [f"load: interrupted while loading {big}; that file was rolled back"]
    assert counts(db) == (0, 0, 0)  # the tables exist (created before the load's transaction), empty
