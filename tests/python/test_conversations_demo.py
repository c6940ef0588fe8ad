"""The demo generator for conversation logs, judgements and feedback
(scripts/chatwh/demo/conversations.py): deterministic, loadable, and showing what the
marts are meant to find — both log forms, Chinese questions, mostly fast answers with a
tail of slow ones (a slow model among them), a model that refuses often, likes /
dislikes with codes, switched reactions, unlogged request ids and the feedback
document's goods events from many users."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT_DIR, query, scratch_env

from chatwh.connection import Warehouse, connect
from chatwh.demo import conversations
from chatwh.demo.context import DemoContext, build_context
from chatwh.kinds import all_kinds
from chatwh.loading.runner import load_file

SLOW_SECONDS = float(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]["slow_answer_seconds"])


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
            " or model_response like '%我不知道%' or model_response like '%对不起我%' then 1.0 else 0.0 end),"
            " avg(case when response_time_s > :slow then 1.0 else 0.0 end)"
            " from raw.conversation_logs where model_name is not null group by 1",
            {"slow": SLOW_SECONDS},
        )
    }
    slowest = max(stats, key=lambda m: stats[m][0])
    # deepseek-v3 is the slow model: the highest mean and the largest share of slow answers
    assert slowest == "deepseek-v3" == max(stats, key=lambda m: stats[m][2])
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
        "select count(*) from raw.feedback_events f where item_type not in ('goods', 'item') and not exists"
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


@pytest.mark.parametrize(("scale", "some_rejects"), [(0.05, False), (0.5, True)])
def test_no_demo_file_rejects_more_than_validation_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scale: float, some_rejects: bool
) -> None:
    """The demo's malformed lines are there to show rejects, not to fail `make demo`: a
    small demo (--scale 0.05: 10-30 lines a file) put its two in a file that then held
    more than dq_max_reject_share rejects, and the demo's validation step stopped it."""
    out = tmp_path / "landing"
    conversations.write(build_context(out, date(2025, 6, 28), 4, scale, 11))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR / "profiles"))
    monkeypatch.setenv("CHATBOT_TARGET", "duckdb")
    monkeypatch.setenv("CHATBOT_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    kinds = all_kinds()
    with connect() as wh:
        for kind in ("conversation-logs", "quality-judgements", "feedback"):
            for path in sorted((out / kind).iterdir()):
                load_file(wh, kinds[kind], str(path))
        shares = wh.fetchall("select source_file, rows_rejected, rows_read from raw.load_batches")
    max_share = float(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]["dq_max_reject_share"])
    assert [(f, r, n) for f, r, n in shares if r > max_share * n] == []
    assert any(r for _, r, _ in shares) == some_rejects


def test_most_answers_are_fast_with_a_tail_of_slow_ones(landed: Warehouse) -> None:
    """A realistic chatbot answers most questions fast: 10-25 % of the logged answers are
    slower than var slow_answer_seconds (it was 78 %), and the slow ones form a long tail."""
    total, slow, median, p95 = landed.fetchone(
        "select count(*), count(*) filter (where response_time_s > :slow), median(response_time_s), quantile_cont(response_time_s, 0.95)"
        " from raw.conversation_logs where response_time_s is not null",
        {"slow": SLOW_SECONDS},
    )  # type: ignore[misc]
    assert total > 500
    assert 0.10 <= slow / total <= 0.25
    assert median < SLOW_SECONDS < p95  # skewed: the median well inside, the tail beyond


def test_response_times_are_calibrated_against_the_threshold_var(tmp_path: Path) -> None:
    """The generator reads slow_answer_seconds from dbt_project.yml (no second copy of 2):
    its default threshold is the var, and another threshold keeps the same slow share."""
    assert conversations.slow_answer_seconds() == SLOW_SECONDS
    ctx = context(tmp_path, scale=0.5, days=6)

    def times(slow_seconds: float | None) -> list[float]:
        return [c.response_time for i, day in enumerate(ctx.dates) for c in conversations.simulate_day(ctx, day, i, slow_seconds)]

    default = times(None)
    assert default == times(SLOW_SECONDS)
    doubled = times(2 * SLOW_SECONDS)
    share = sum(t > 2 * SLOW_SECONDS for t in doubled) / len(doubled)
    assert 0.10 <= share <= 0.25
    assert sum(t > SLOW_SECONDS for t in doubled) / len(doubled) > share + 0.1


def test_other_events_mart_counts_many_users(demo: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mart_feedback_other_events_daily (goods / item behaviour) had one user in the demo:
    the document's example user. The demo now sends such events from many users."""
    out, _ = demo
    db = tmp_path / "feedback.duckdb"
    env = scratch_env(db)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with connect() as wh:
        loaded = sum(load_file(wh, all_kinds()["feedback"], str(path)).rows_loaded for path in sorted((out / "feedback").iterdir()))
    assert loaded > 0
    completed = subprocess.run(
        [
            str(PROJECT_DIR / ".venv" / "bin" / "dbt"),
            "build",
            "--select",
            "+mart_feedback_other_events_daily",
            "--exclude",
            "test_type:unit",
            "test_type:singular",
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    rows = query(db, "select report_date, item_type, bhv_type, users from main.mart_feedback_other_events_daily")
    assert {r[1] for r in rows} == {"goods", "item"}
    assert {r[2] for r in rows} >= {"expose", "click", "collect", "cart"}
    per_day_expose = [r[3] for r in rows if r[1] == "goods" and r[2] == "expose"]
    assert len(per_day_expose) == 4 and min(per_day_expose) > 10  # many users every day, not one
