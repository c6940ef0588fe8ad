"""Faults: a loader killed mid-file (SIGKILL), two loaders at once on one DuckDB file,
and a lock that is held too long."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import PROJECT_DIR, PYTHON, SCRIPTS_DIR, duckdb_lock_held, query, run_script, scratch_env

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"


def write_events(path: Path, count: int, prefix: str) -> Path:
    """`count` events, one in every 500 broken (so rejects are part of the state too)."""
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            if i % 500 == 499:
                handle.write('{"event_id": "broken", "event_time": \n')
                continue
            record = {
                "event_id": f"{prefix}{i}",
                "event_time": f"2025-06-0{1 + i % 7}T{i % 24:02d}:{i % 60:02d}:00+08:00",
                "user_id": f"u{i % 997}",
                "bot_id": "b_learn" if i % 3 else "b_quiz",
                "event_type": ("exposure", "click", "user_message", "bot_message")[i % 4],
                "session_id": f"s{i // 8}",
                "model_name": "glm-4",
                "platform": "ios",
            }
            handle.write(json.dumps(record) + "\n")
    return path


def state(db: Path) -> dict[str, Any]:
    """What a file's load leaves: the raw rows (without load ids and times), the rejects
    that are not reloads, and read/loaded/rejected per file (first load of each file)."""
    tables = {r[0] for r in query(db, "select table_name from information_schema.tables where table_schema = 'raw'")}
    if "chat_events" not in tables:  # created empty by the loader before its first file
        return {"events": [], "rejects": [], "batches": []}
    events = query(db, "select * exclude (_batch_id, _loaded_at) from raw.chat_events order by event_id")
    rejects = query(
        db,
        "select source_file, line_number, reason_code from raw.load_rejects where reason_code <> 'already_loaded' and kind = 'chat-events' order by 1, 2",
    )
    batches = query(
        db,
        "select source_file, rows_read, rows_loaded from raw.load_batches where kind = 'chat-events' "
        "qualify row_number() over (partition by source_file order by started_at) = 1 order by 1",
    )
    return {"events": events, "rejects": sorted(set(rejects)), "batches": batches}


def start_loader(env: dict[str, str], *paths: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, str(SCRIPTS_DIR / "load.py"), "chat-events", "--quiet", *map(str, paths)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_file_leaves_the_warehouse_as_before_that_file(tmp_path: Path) -> None:
    small = write_events(tmp_path / "small.jsonl", 2_000, "s")
    big = write_events(tmp_path / "big.jsonl", 300_000, "b")

    base = tmp_path / "base.duckdb"
    run_script("load.py", "bots", str(BOTS), env=scratch_env(base))
    base_state = state(base)

    # The uninterrupted run, and the state after the first file only.
    full_db = tmp_path / "full.duckdb"
    shutil.copy(base, full_db)
    started = time.monotonic()
    run_script("load.py", "chat-events", str(small), str(big), env=scratch_env(full_db))
    duration = time.monotonic() - started
    full = state(full_db)
    small_db = tmp_path / "small_only.duckdb"
    shutil.copy(base, small_db)
    run_script("load.py", "chat-events", str(small), env=scratch_env(small_db))
    after_small = state(small_db)
    assert len(full["events"]) == 2_000 - 4 + 300_000 - 600

    outcomes = []
    for fraction in (0.4, 0.6, 0.8):
        db = tmp_path / f"killed_{fraction}.duckdb"
        shutil.copy(base, db)
        env = scratch_env(db)
        loader = start_loader(env, small, big)
        time.sleep(duration * fraction)
        alive = loader.poll() is None
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=60)
        left = state(db)
        # Each file is one transaction: nothing of the killed file is visible, ever.
        assert left in (base_state, after_small, full), f"killed at {fraction:.0%}: a partial file is visible"
        outcomes.append((alive, "base" if left == base_state else "small" if left == after_small else "full"))
        # The rerun gives what the uninterrupted run gave.
        run_script("load.py", "chat-events", "--quiet", str(small), str(big), env=env)
        assert state(db) == full, f"rerun after a kill at {fraction:.0%} differs from an uninterrupted run"
    # At least one kill hit a loader that was still working on the big file.
    assert any(alive and where != "full" for alive, where in outcomes), outcomes


def test_two_loaders_at_once_nothing_lost_or_duplicated(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    run_script("load.py", "bots", str(BOTS), env=env)
    big = write_events(tmp_path / "big.jsonl", 150_000, "b")
    other = write_events(tmp_path / "other.jsonl", 5_000, "o")
    # Both loaders get the big file: whichever goes second must land none of it again.
    first = start_loader(env, big)
    second = start_loader(env, other, big)
    out_first, err_first = first.communicate(timeout=300)
    out_second, err_second = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, (err_first, err_second)
    assert err_first.strip() == "" and err_second.strip() == ""
    expected = (150_000 - 300) + (5_000 - 10)
    assert query(db, "select count(*), count(distinct event_id) from raw.chat_events") == [(expected, expected)]
    # Totals: the big file was read twice, loaded once.
    totals = query(db, "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw.load_batches where kind = 'chat-events'")
    assert totals == [(2 * 150_000 + 5_000, expected, 2 * 150_000 + 5_000 - expected)]
    reloads = query(db, "select count(*) from raw.load_rejects where reason_code = 'already_loaded'")
    assert reloads == [(150_000 - 300,)]


def test_a_lock_held_too_long_fails_with_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    env = scratch_env(db, CHATBOT_DUCKDB_LOCK_TIMEOUT_S="2")
    run_script("load.py", "bots", str(BOTS), env=env)
    with duckdb_lock_held(db) as holder:
        started = time.monotonic()
        done = run_script("load.py", "bots", str(BOTS), env=env, check=False)
        waited = time.monotonic() - started
        assert done.returncode == 2
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in done.stderr
        assert "is locked by another process" in lines[0] and f"(PID {holder.pid})" in lines[0] and "2s" in lines[0]
        assert waited >= 2
    # Once the holder is gone, the same load goes through (and adds nothing: same rows).
    run_script("load.py", "bots", str(BOTS), env=env)
    assert query(db, "select count(*) from raw.bots") == [(3,)]
