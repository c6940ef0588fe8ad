"""The demo generator for conversation logs, judgements and feedback
(scripts/chatwh/demo/conversations.py): deterministic, loadable, and showing what the
marts are meant to find — both log forms, Chinese questions, a slow model, a model that
refuses often, likes / dislikes with codes, switched reactions, unlogged request ids and
the feedback document's goods events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR

from chatwh.connection import Warehouse, connect
from chatwh.demo import conversations
from chatwh.demo.context import DemoContext, build_context
from chatwh.kinds import all_kinds
from chatwh.loading.runner import load_file


def context(out: Path, scale: float = 0.5, days: int = 4) -> DemoContext:
    return build_context(out, date(2025, 6, 28), days, scale, 11)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo") / "landing"
    return out, conversations.write(context(out))


@pytest.fixture(scope="module")
def landed(demo: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    out, _ = demo
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR / "profiles"))
    patch.setenv("CHATBOT_TARGET", "duckdb")
    patch.setenv("CHATBOT_DUCKDB_PATH", str(tmp_path_factory.mktemp("demo-db") / "demo.duckdb"))
    kinds = all_kinds()
    with connect() as wh:
        for kind in ("conversation-logs", "quality-judgements", "feedback"):
            for path in sorted((out / kind).iterdir()):
                load_file(wh, kinds[kind], str(path))
        yield wh
    patch.undo()


def test_deterministic(demo: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = demo
    again = conversations.write(context(tmp_path / "again"))
    assert again == counts
    for path in conversations.paths(out):
        twin = tmp_path / "again" / path.parent.name / path.name
        assert twin.read_bytes() == path.read_bytes(), path.name


def test_files_and_forms(demo: tuple[Path, dict[str, int]]) -> None:
    out, counts = demo
    assert counts["conversation-logs"] > 250 and counts["feedback"] > 20 and counts["quality-judgements"] > 5
    names = {p.name for p in conversations.paths(out)}
    assert "conversations_2025-06-25.jsonl" in names and "enhanced_logs_2025-06-28.jsonl" in names
    assert "feedback_push_2025-06-26.json" in names and "feedback_events_2025-06-26.jsonl" in names
    push = json.loads((out / "feedback" / "feedback_push_2025-06-26.json").read_text(encoding="utf-8"))
    assert {d["cmd"] for d in push} == {"add", "ADD", "Add"} and all(set(d) == {"cmd", "fields"} for d in push)


def test_loads_with_only_the_intended_rejects(landed: Warehouse) -> None:
    reasons = dict(landed.fetchall("select reason_code, count(*) from raw.load_rejects group by 1"))
    # a truncated line and an "N/A" response time on two days (the first and days // 3);
    # re-sent feedback events
    assert set(reasons) <= {"invalid_json", "bad_number", "already_loaded"}
    assert reasons.get("invalid_json") == 2 and reasons.get("bad_number") == 2
    forms = dict(landed.fetchall("select log_form, count(*) from raw.conversation_logs group by 1"))
    assert forms["basic"] > 100 and forms["enhanced"] > 100
    # the monitor's handler: no message id, model or bot
    assert landed.fetchone("select count(*) from raw.conversation_logs where message_id_derived and bot_id is null")[0] > 0  # type: ignore[index]
    # Chinese questions
    assert landed.fetchone("select count(*) from raw.conversation_logs where regexp_matches(user_input, '[\\x{4e00}-\\x{9fff}]')")[0] > 200  # type: ignore[index]


def test_slow_model_and_refusing_model(landed: Warehouse) -> None:
    stats: dict[str, tuple[Any, ...]] = {
        r[0]: r[1:]
        for r in landed.fetchall(
            "select model_name, avg(response_time_s), avg(case when model_response like '%抱歉%' or model_response like '%无法回答%'"
            " or model_response like '%我不知道%' or model_response like '%对不起我%' then 1.0 else 0.0 end)"
            " from raw.conversation_logs where model_name is not null group by 1"
        )
    }
    slowest = max(stats, key=lambda m: stats[m][0])
    assert slowest == "deepseek-v3" and stats[slowest][0] > 5.0
    refuser = max(stats, key=lambda m: stats[m][1])
    assert refuser == "llama-3.1-8b" and stats[refuser][1] > 2 * max(v[1] for m, v in stats.items() if m != refuser)


def test_feedback_shapes(landed: Warehouse) -> None:
    one = landed.fetchone
    assert one("select count(*) from raw.feedback_events where bhv_type = 'dislike' and problem_code_count > 0")[0] > 5  # type: ignore[index]
    assert one("select count(*) from raw.feedback_events where expect_text is not null")[0] > 0  # type: ignore[index]
    # a user who both liked and disliked the same answer
    switched = one(
        "select count(*) from (select coalesce(user_id, imei), rn, item_type from raw.feedback_events"
        " where bhv_type in ('like', 'dislike') group by 1, 2, 3 having count(distinct bhv_type) = 2)"
    )[0]  # type: ignore[index]
    assert switched > 0
    # reactions to request ids that were never logged, and the document's goods events
    unmatched = one(
        "select count(*) from raw.feedback_events f where item_type <> 'goods' and not exists"
        " (select 1 from raw.conversation_logs c where c.message_id = f.rn)"
    )[0]  # type: ignore[index]
    assert unmatched > 0
    assert one("select count(*) from raw.feedback_events where item_type = 'goods' and bhv_type = 'click' and biz_id = 1365378")[0] > 0  # type: ignore[index]
    assert one("select count(*) from raw.feedback_events where user_id is null and imei is not null")[0] > 0  # type: ignore[index]
    # every answer reaction points at a logged message except the deliberate unmatched ones
    matched = one("select count(*) from raw.feedback_events f join raw.conversation_logs c on c.message_id = f.rn")[0]  # type: ignore[index]
    assert matched > 10 * unmatched


def test_a_second_run_into_the_same_folder_leaves_no_older_day_behind(tmp_path: Path) -> None:
    """`make demo` the next day (or with fewer days) regenerates into the same landing
    folder: the folder must then hold exactly what a fresh folder would, or the loader
    lands the previous window's days of logs, judgements and feedback too."""
    reused = tmp_path / "reused"
    conversations.write(build_context(reused, date(2025, 6, 28), 4, 0.3, 11))
    conversations.write(build_context(reused, date(2025, 6, 29), 2, 0.3, 11))
    fresh = tmp_path / "fresh"
    conversations.write(build_context(fresh, date(2025, 6, 29), 2, 0.3, 11))
    names = {p.relative_to(reused).as_posix(): p.read_bytes() for p in conversations.paths(reused)}
    assert names == {p.relative_to(fresh).as_posix(): p.read_bytes() for p in conversations.paths(fresh)}
    assert not [n for n in names if "2025-06-27" in n or "2025-06-25" in n]
