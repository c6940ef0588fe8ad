"""A session id reused by another user or bot merges two people's chats into one session
(every model groups messages by session_id). The data test
(the one_value_per_group test on int_chat_events__resolved) warns about each such
session; the build goes on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_DIR, scratch_env
from test_incremental import _chat_event, _dbt, _load, _seed_with_one_bot

TEST = "one_value_per_group_int_chat_events__resolved_user_id__bot_id__session_id"


def _test_output(env: dict[str, str], tmp_path: Path) -> str:
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), "test", "--select", "test_name:one_value_per_group", "--target", "duckdb", "--target-path", str(tmp_path / "target")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:]  # a warning, not an error
    return completed.stdout


def test_a_session_id_of_two_users_is_warned_about(tmp_path: Path) -> None:
    env = scratch_env(tmp_path / "w.duckdb")
    _seed_with_one_bot(env, tmp_path)
    _load(
        env,
        tmp_path / "events.jsonl",
        "chat-events",
        _chat_event("a1", "2025-06-10T10:00:00+08:00", "user_message", "u1", "s1")
        + _chat_event("a2", "2025-06-10T10:00:05+08:00", "bot_message", "u1", "s1")
        + _chat_event("b1", "2025-06-10T11:00:00+08:00", "user_message", "u2", "s2"),
    )
    _dbt(env, tmp_path, "run", "--select", "+int_chat_events__resolved")
    output = _test_output(env, tmp_path)
    assert f"PASS {TEST}" in output, output[-3000:]

    # u3 reuses s1 an hour later: one session, two people
    _load(env, tmp_path / "more.jsonl", "chat-events", _chat_event("c1", "2025-06-10T12:00:00+08:00", "user_message", "u3", "s1"))
    _dbt(env, tmp_path, "run", "--select", "+int_chat_events__resolved")
    output = _test_output(env, tmp_path)
    assert f"WARN 1 {TEST}" in output, output[-3000:]
