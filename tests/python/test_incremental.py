"""Incremental funnel models give exactly the marts of a full rebuild.

The end-to-end test lands demo data one day per `dbt build` (with late events, events
without model_name and a changed bot catalogue halfway, see scripts/ci/incremental_check.py)
and compares every mart and the incremental intermediate models with a `--full-refresh`
build of the same raw tables. The other tests pin down the pieces the check relies on:
the day-by-day landing plan and that the comparison does catch a difference.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from conftest import PROJECT_DIR, query, run_script, scratch_env

from chatwh.project import copy_dbt_project

sys.path.insert(0, str(PROJECT_DIR / "scripts" / "ci"))

import incremental_check  # noqa: E402
from compare_engines import Mart  # noqa: E402

DAYS = 7


def _event(i: int, day: str) -> str:
    record = {
        "event_id": f"e{day}-{i}",
        "event_time": f"{day}T10:00:{i % 60:02d}+08:00",
        "user_id": f"u{i}",
        "bot_id": "b1",
        "event_type": "exposure",
        "model_name": "m1",
    }
    return json.dumps(record) + "\n"


def test_landing_plan_holds_back_late_events_and_changes_the_catalogue(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "chat-events").mkdir(parents=True)
    (data / "bots").mkdir()
    (data / "bots" / "bots.csv").write_text(
        "bot_id,bot_name,model_name,business_line,tags,created_at\n"
        "b1,Bot one,m1,教育,学习辅导,2025-01-01T00:00:00+08:00\n"
        "b2,Bot two,m2,社交,情感陪伴,2025-01-01T00:00:00+08:00\n",
        encoding="utf-8",
    )
    for day in ("2025-06-01", "2025-06-02", "2025-06-03", "2025-06-04"):
        (data / "chat-events" / f"chat_events_{day}.jsonl").write_text("".join(_event(i, day) for i in range(20)), encoding="utf-8")

    folders = incremental_check.plan_days(data, 4, tmp_path / "landing", late_every=10, first_day=date(2025, 6, 1))

    assert [f.name for f in folders] == ["day_00", "day_01", "day_02", "day_03"]
    day0 = (folders[0] / "chat-events" / "chat_events_2025-06-01.jsonl").read_text(encoding="utf-8").splitlines()
    # lines 9 and 19 (every 10th) go two days later; 18 stay
    assert len(day0) == 18
    late = (folders[2] / "chat-events" / "late_chat_events_2025-06-01.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event_id"] for line in late] == ["e2025-06-01-9", "e2025-06-01-19"]
    # day 3's late events would land after the last day: capped at the last day (day 3)
    late_day1 = (folders[3] / "chat-events" / "late_chat_events_2025-06-02.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(late_day1) == 2
    assert not list((folders[3] / "chat-events").glob("late_chat_events_2025-06-04.jsonl"))
    # every 7th line (3, 10, 17) lost model_name: it resolves to the bot's default
    records = [json.loads(line) for line in day0]
    without_model = sorted(r["event_id"] for r in records if "model_name" not in r)
    assert without_model == ["e2025-06-01-10", "e2025-06-01-17", "e2025-06-01-3"]
    # halfway (day 2) a new catalogue version: b1 in another business line with a new tag,
    # b2 served by another default model under a new name
    with open(folders[2] / "bots" / "bots_changed.csv", encoding="utf-8", newline="") as handle:
        changed = {row["bot_id"]: row for row in csv.DictReader(handle)}
    assert changed["b1"]["business_line"] == "社交" and changed["b1"]["tags"] == "学习辅导|增量测试"
    assert changed["b2"]["model_name"] == "m1" and changed["b2"]["bot_name"] == "Bot two v2"
    assert (folders[0] / "bots" / "bots.csv").exists()
    # the only session of a day before the window (2025-05-22): its first message, sent
    # before that midnight, lands a day later and moves it to 2025-05-21
    lone = [json.loads(line) for line in (folders[0] / "chat-events" / "lone_session.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["event_time"], r["event_type"]) for r in lone] == [
        ("2025-05-22T00:10:00+08:00", "user_message"),
        ("2025-05-22T00:11:00+08:00", "bot_message"),
    ]
    late_lone = json.loads((folders[1] / "chat-events" / "late_lone_session.jsonl").read_text(encoding="utf-8"))
    assert (late_lone["event_time"], late_lone["session_id"], late_lone["bot_id"]) == ("2025-05-21T23:50:00+08:00", "s-lone-session", "b1")


def test_comparison_reports_a_changed_value_a_missing_row_and_a_duplicate_key() -> None:
    mart = Mart("mart_x", ["report_date", "bot_id"], "unique_combination_of_columns")
    columns = ["report_date", "bot_id", "exposures", "ctr"]
    full_rows = [
        {"report_date": date(2025, 6, 1), "bot_id": "b1", "exposures": 10, "ctr": 0.1},
        {"report_date": date(2025, 6, 2), "bot_id": "b1", "exposures": 5, "ctr": None},
    ]
    assert incremental_check.compare(mart, (columns, [dict(r) for r in full_rows]), (columns, full_rows), 20) == []
    # 1e-15 relative: the same value summed in another order is not a difference
    nearly = [dict(full_rows[0], ctr=0.1 * (1 + 1e-15)), full_rows[1]]
    assert incremental_check.compare(mart, (columns, nearly), (columns, full_rows), 20) == []

    changed = [dict(full_rows[0], exposures=11), dict(full_rows[0])]
    diffs = incremental_check.compare(mart, (columns, changed), (columns, full_rows), 20)
    assert any("2 rows in the incremental build" in d for d in diffs)
    assert any("column exposures: incremental=11 full=10" in d for d in diffs)
    assert any("report_date=" in d and "missing from the incremental one" in d for d in diffs)


def test_rebuilt_days_are_read_from_the_compiled_funnel_model(tmp_path: Path) -> None:
    compiled = tmp_path / incremental_check.COMPILED_FUNNEL
    compiled.parent.mkdir(parents=True)
    compiled.write_text("-- One row per ...\n-- rebuilt days: 2025-06-02 2025-06-03\nwith page_events as (", encoding="utf-8")
    assert incremental_check.rebuilt_days(tmp_path) == ["2025-06-02", "2025-06-03"]
    compiled.write_text("-- rebuilt days: all\n", encoding="utf-8")
    assert incremental_check.rebuilt_days(tmp_path) == ["all"]
    compiled.write_text("-- rebuilt days: none\n", encoding="utf-8")
    assert incremental_check.rebuilt_days(tmp_path) == []


def test_day_by_day_incremental_builds_equal_a_full_refresh(tmp_path: Path) -> None:
    env = scratch_env(tmp_path / "incremental.duckdb")
    completed = run_script(
        "ci/incremental_check.py",
        "--target",
        "duckdb",
        "--days",
        str(DAYS),
        "--keep",
        str(tmp_path / "work"),
        env=env,
        check=False,
        timeout=1800,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert re.search(rf"incremental_check: (\d+) tables, \1 identical, 0 different \({DAYS} days on duckdb\)", output), output[-3000:]
    # The funnel marts were compared and hold data.
    for name in (
        "mart_bot_daily_kpis",
        "mart_tag_daily_kpis",
        "mart_model_daily_kpis",
        "mart_business_line_daily_kpis",
        "fct_chat_sessions",
    ):
        row = re.search(rf"│ {name}\s+│[^│]+│\s+([\d,]+) │\s+([\d,]+) │ identical", output)
        assert row and int(row.group(1).replace(",", "")) > 0, name
    # Every run after the first rebuilt only recent days: the new day, the day before
    # (sessions across midnight) and the day of events held back two days. The first
    # run after the catalogue change (day DAYS // 2) rebuilt every day of those bots.
    rebuilt = re.findall(r"│ (2025-06-\d\d) │.*│ ([^│]*?)\s*│\n", output)
    assert rebuilt and rebuilt[0][1] == "all", rebuilt
    last_day, last_rebuilt = rebuilt[-1]
    days = [d.strip() for d in last_rebuilt.split(",")]
    assert days and "06-01" not in days and len(days) <= 4, rebuilt
    assert last_day[5:] in days
    change_day = rebuilt[DAYS // 2]
    assert "06-01" in change_day[1], rebuilt


def _macros_fingerprint(project: Path, db: Path, target_path: Path) -> str:
    """The project-macros part of every watermark fingerprint, as dbt computes it."""
    env = scratch_env(db)
    dbt = Path(sys.executable).parent / "dbt"

    completed = subprocess.run(
        [str(dbt), "compile", "--quiet", "--target", "duckdb", "--target-path", str(target_path), "--no-partial-parse",
         "--inline", "select '{{ chatbot_analytics.project_macros_fingerprint() }}' as fingerprint"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    found = re.findall(r"'([0-9a-f]{32})'", completed.stdout)
    assert found, completed.stdout[-2000:]
    return found[-1]


def test_a_macro_edit_changes_the_fingerprint(tmp_path: Path) -> None:
    """An analyst who edits a KPI macro (and no model) gets the history rebuilt: every
    watermark fingerprint includes the text of the project's macros."""
    project = copy_dbt_project(tmp_path / "project")
    db = tmp_path / "w.duckdb"
    before = _macros_fingerprint(project, db, tmp_path / "t1")
    assert before == _macros_fingerprint(project, db, tmp_path / "t2")  # stable
    kpi_macros = sorted((project / "macros").rglob("*.sql"))
    edited = next(p for p in kpi_macros if "{% macro " in p.read_text(encoding="utf-8"))
    text = edited.read_text(encoding="utf-8")
    changed = re.sub(r"\{%-?\s*endmacro", lambda m: "{#- edited -#}" + m.group(0), text, count=1)
    assert changed != text
    edited.write_text(changed, encoding="utf-8")
    assert _macros_fingerprint(project, db, tmp_path / "t3") != before


def _load(env: dict[str, str], path: Path, kind: str, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    run_script("load.py", kind, str(path), "--fail-on-reject", env=env)


def _dbt(env: dict[str, str], tmp_path: Path, *args: str, project: Path = PROJECT_DIR) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), *args, "--target", "duckdb", "--target-path", str(tmp_path / "target")],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:]


def _log(message_id: str, logged_at: str, rating: str) -> str:
    record = {
        "timestamp": logged_at,
        "session_id": f"s-{message_id}",
        "message_id": message_id,
        "user_input": "帮我写一首关于秋天的诗",
        "model_response": "秋风起，落叶黄，一行大雁向南方。",
        "response_time": 1.0,
        "quality_rating": rating,
        "has_safety_issue": False,
        "model_name": "m1",
        "bot_id": "b1",
        "user_id": f"u-{message_id}",
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def test_a_seed_edited_before_it_is_loaded_is_rebuilt_once_it_is(tmp_path: Path) -> None:
    """An analyst edits the keyword seed and runs `dbt run` before `dbt seed`. That run
    reads the seed table's old rows, so its watermark must not carry the edited file's
    checksum: the run after `dbt seed` rebuilds the history with the new keyword (the
    fingerprint counts the file each seed table was loaded from)."""
    project = copy_dbt_project(tmp_path / "project")
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+int_conversations__categorized"]

    def dbt_command(*args: str) -> None:
        _dbt(env, tmp_path, *args, project=project)

    def categories() -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("select message_id, input_category, matched_keyword from main.int_conversations__categorized").fetchall()

    dbt_command("seed")
    _load(env, tmp_path / "logs.jsonl", "conversation-logs", _log("q1", "2025-06-10T10:00:00", "good"))
    dbt_command("run", *select)
    before = categories()
    assert len(before) == 1 and before[0][2] != "秋天", before

    keywords = project / "seeds" / "input_category_keywords.csv"
    keywords.write_text(keywords.read_text(encoding="utf-8").rstrip("\n") + "\ntechnical,秋天,0\n", encoding="utf-8")
    dbt_command("run", *select)  # the seed table still holds the old keywords
    assert categories() == before
    dbt_command("seed")
    dbt_command("run", *select)  # nothing new was landed: only the loaded seed changed
    assert categories() == [("q1", "technical", "秋天")]


def test_a_day_whose_only_poor_answer_is_rejudged_leaves_the_review_queue(tmp_path: Path) -> None:
    """delete+insert replaces only the days present in the new rows. The per-day quality
    marts delete the days they rebuild first, so a day whose last poor answer was
    re-judged good disappears from the review queue instead of keeping its stale row."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+mart_low_quality_answers_restricted", "+mart_answer_quality_daily"]

    def load(kind: str, name: str, text: str) -> None:
        _load(env, tmp_path / name, kind, text)

    def dbt_command(*args: str) -> None:
        _dbt(env, tmp_path, *args)

    def build() -> None:
        dbt_command("run", *select)

    def queue() -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "select cast(report_date as varchar), message_id, review_reason from main.mart_low_quality_answers_restricted order by 1, 2"
            ).fetchall()

    def poor_answers() -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "select cast(report_date as varchar), poor_answers from main.mart_answer_quality_daily order by 1"
            ).fetchall()

    dbt_command("seed")
    load("conversation-logs", "logs_1.jsonl", _log("p1", "2025-06-10T10:00:00", "poor") + _log("g1", "2025-06-10T11:00:00", "good"))
    build()
    assert queue() == [("2025-06-10", "p1", "poor_rating")]
    # a later day arrives, and the judge re-rates the 10th's only poor answer
    load("conversation-logs", "logs_2.jsonl", _log("p2", "2025-06-11T10:00:00", "poor"))
    load(
        "quality-judgements",
        "judgements.jsonl",
        json.dumps({"message_id": "p1", "judge_model": "j", "quality_rating": "good", "judged_at": "2025-06-11T12:00:00"}) + "\n",
    )
    build()
    assert queue() == [("2025-06-11", "p2", "poor_rating")]
    assert poor_answers() == [("2025-06-10", 0), ("2025-06-11", 1)]
    compiled = next((tmp_path / "target" / "compiled").rglob("mart_low_quality_answers_restricted.sql")).read_text(encoding="utf-8")
    assert "2025-06-10" in compiled and "1 = 1" not in compiled, compiled  # an incremental build of those days

    # A var of an upstream model (slow_answer_seconds, read by int_conversations__rated)
    # is part of the marts' fingerprint: changing it rebuilds their history too, though
    # no new row was loaded.
    def slow_answers() -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "select cast(report_date as varchar), slow_answers from main.mart_answer_quality_daily order by 1"
            ).fetchall()

    default_slow = slow_answers()
    dbt_command("run", *select, "--vars", '{"slow_answer_seconds": 0.5}')
    assert slow_answers() == [("2025-06-10", 2), ("2025-06-11", 1)] != default_slow
    # Back to the default: its fingerprint is the one of the first builds, but the rows
    # were computed with 0.5 since, so only the latest build's fingerprint may count.
    dbt_command("run", *select)
    assert slow_answers() == default_slow


def _seed_with_one_bot(env: dict[str, str], tmp_path: Path) -> None:
    """The seeds and a catalogue of one bot, b1 (default model m1), for _chat_event."""
    _dbt(env, tmp_path, "seed")
    _load(
        env,
        tmp_path / "bots.csv",
        "bots",
        "bot_id,bot_name,model_name,business_line,tags,created_at\nb1,Bot one,m1,教育,学习辅导,2025-01-01T00:00:00+08:00\n",
    )


def _chat_event(
    event_id: str, event_time: str, event_type: str, user_id: str, session_id: str | None = None, model_name: str | None = "m1"
) -> str:
    record = {
        "event_id": event_id,
        "event_time": event_time,
        "user_id": user_id,
        "bot_id": "b1",
        "event_type": event_type,
    }
    if model_name:
        record["model_name"] = model_name
    if session_id:
        record["session_id"] = session_id
    return json.dumps(record) + "\n"


def test_a_model_switch_moves_only_the_events_after_it(tmp_path: Path) -> None:
    """An event without model_name is served by the default model of the catalogue
    version current at its time (a version serves from its load on): a switch moves the
    events after it, not the bot's history. The business line is the current one on
    every day, so a new version rebuilds every day of the bot, also incrementally."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    header = "bot_id,bot_name,model_name,business_line,tags,created_at\n"
    select = ["--select", "+mart_model_daily_kpis", "+mart_business_line_daily_kpis"]

    def by_model() -> list[tuple[Any, ...]]:
        return query(db, "select cast(report_date as varchar), model_name, exposures from main.mart_model_daily_kpis order by 1, 2")

    def by_line() -> list[tuple[Any, ...]]:
        return query(
            db,
            "select cast(report_date as varchar), business_line, sum(exposures) from main.mart_business_line_daily_kpis group by 1, 2 order by 1, 2",
        )

    _seed_with_one_bot(env, tmp_path)  # b1: default m1, 教育
    _load(env, tmp_path / "bots_2.csv", "bots", header + "b1,Bot one,m2,社交,学习辅导,2025-01-01T00:00:00+08:00\n")
    # as if the first version had landed before the events and the second at midnight
    # of the 11th (reporting time, UTC+8)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update raw.bots set _loaded_at = case when model_name = 'm1' then timestamp '2025-06-01 00:00:00'"
            " else timestamp '2025-06-10 16:00:00' end"
        )
    _load(
        env,
        tmp_path / "events.jsonl",
        "chat-events",
        _chat_event("x1", "2025-06-10T23:59:00+08:00", "exposure", "u1", model_name=None)
        + _chat_event("x2", "2025-06-11T00:01:00+08:00", "exposure", "u1", model_name=None)
        + _chat_event("x3", "2025-06-11T10:00:00+08:00", "exposure", "u2"),
    )
    _dbt(env, tmp_path, "run", *select)
    assert by_model() == [("2025-06-10", "m1", 1), ("2025-06-11", "m1", 1), ("2025-06-11", "m2", 1)]
    assert by_line() == [("2025-06-10", "社交", 1), ("2025-06-11", "社交", 2)]

    # a third version lands now, after every event: no event changes model, every day
    # of the bot moves to the new business line
    _load(env, tmp_path / "bots_3.csv", "bots", header + "b1,Bot one,m3,金融,学习辅导,2025-01-01T00:00:00+08:00\n")
    _dbt(env, tmp_path, "run", *select)
    assert by_model() == [("2025-06-10", "m1", 1), ("2025-06-11", "m1", 1), ("2025-06-11", "m2", 1)]
    assert by_line() == [("2025-06-10", "金融", 1), ("2025-06-11", "金融", 2)]
    compiled = next((tmp_path / "target" / "compiled").rglob("int_chat_events__resolved.sql")).read_text(encoding="utf-8")
    assert "-- rebuilt days: 2025-06-10 2025-06-11" in compiled, compiled  # an incremental build of those two days


def test_a_day_whose_only_session_moves_to_the_day_before_leaves_the_funnel(tmp_path: Path) -> None:
    """A session counts on the day of its first message. When a late message moves the
    only session of a day (a day without exposures or clicks) to the day before, that
    day has no row left to insert: the funnel's user-day table and daily KPI marts
    delete the days they rebuild first, so the session is not counted on both days."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    marts = ["mart_bot_daily_kpis", "mart_model_daily_kpis", "mart_business_line_daily_kpis", "mart_tag_daily_kpis"]

    def sessions_by_day() -> dict[str, list[tuple[Any, ...]]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return {
                name: con.execute(
                    f"select cast(report_date as varchar), sum(exposures), sum(sessions) from main.{name} group by 1 order by 1"
                ).fetchall()
                for name in ["int_user_bot_days__funnel", *marts]
            }

    _seed_with_one_bot(env, tmp_path)
    _load(
        env,
        tmp_path / "events_1.jsonl",
        "chat-events",
        _chat_event("x1", "2025-06-10T10:00:00+08:00", "exposure", "u1")
        + _chat_event("m1", "2025-06-11T00:10:00+08:00", "user_message", "u2", "s1")
        + _chat_event("m2", "2025-06-11T00:11:00+08:00", "bot_message", "u2", "s1"),
    )
    select = ["--select", *(f"+{name}" for name in marts)]
    _dbt(env, tmp_path, "run", *select)
    assert set(map(tuple, sessions_by_day().values())) == {(("2025-06-10", 1, 0), ("2025-06-11", 0, 1))}
    # the session's first message arrives late: it began before midnight, on the 10th
    _load(env, tmp_path / "events_2.jsonl", "chat-events", _chat_event("m0", "2025-06-10T23:50:00+08:00", "user_message", "u2", "s1"))
    _dbt(env, tmp_path, "run", *select)
    assert set(map(tuple, sessions_by_day().values())) == {(("2025-06-10", 1, 1),)}
    compiled = next((tmp_path / "target" / "compiled").rglob("mart_bot_daily_kpis.sql")).read_text(encoding="utf-8")
    assert "-- rebuilt days: 2025-06-10 2025-06-11" in compiled, compiled  # an incremental build of those two days


def _basic_log(message_id: str, logged_at: str) -> str:
    """A line of the basic handler: no rating, the ids under metadata."""
    record = {
        "timestamp": logged_at,
        "user_input": "帮我写一首关于秋天的诗",
        "model_response": "秋风起，落叶黄。",
        "metadata": {"session_id": f"s-{message_id}", "message_id": message_id, "response_time": 1.0, "token_count": 3, "model_name": "m1"},
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def test_an_answer_whose_enhanced_line_arrives_later_moves_to_its_day(tmp_path: Path) -> None:
    """int_conversation_logs__deduplicated keeps the enhanced line of an answer logged by
    both handlers. When that line arrives a load later, with a time before midnight,
    the answer moves to the day before: the day it leaves, which has no other answer,
    must end up empty there and in every model built from it."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+mart_answer_quality_daily", "+mart_low_quality_answers_restricted"]

    def rows(model: str, columns: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(f"select cast(report_date as varchar), {columns} from main.{model} order by 1, 2").fetchall()

    _dbt(env, tmp_path, "seed")
    _load(
        env,
        tmp_path / "logs_1.jsonl",
        "conversation-logs",
        _log("k1", "2025-06-10T10:00:00", "good") + _basic_log("a1", "2025-06-11T00:05:00"),
    )
    _dbt(env, tmp_path, "run", *select)
    assert rows("int_conversation_logs__deduplicated", "message_id, log_form") == [
        ("2025-06-10", "k1", "enhanced"),
        ("2025-06-11", "a1", "basic"),
    ]
    # the enhanced handler's line of a1 arrives later; its time is before midnight
    _load(env, tmp_path / "logs_2.jsonl", "conversation-logs", _log("a1", "2025-06-10T23:59:00", "poor"))
    _dbt(env, tmp_path, "run", *select)
    assert rows("int_conversation_logs__deduplicated", "message_id, log_form") == [
        ("2025-06-10", "a1", "enhanced"),
        ("2025-06-10", "k1", "enhanced"),
    ]
    assert rows("int_conversations__rated", "message_id, quality_rating") == [("2025-06-10", "a1", "poor"), ("2025-06-10", "k1", "good")]
    with duckdb.connect(str(db), read_only=True) as con:
        daily = con.execute(
            "select cast(report_date as varchar), sum(messages), sum(poor_answers) from main.mart_answer_quality_daily group by 1 order by 1"
        ).fetchall()
    assert daily == [("2025-06-10", 2, 1)]
    assert rows("mart_low_quality_answers_restricted", "message_id") == [("2025-06-10", "a1")]
    compiled = next((tmp_path / "target" / "compiled").rglob("int_conversation_logs__deduplicated.sql")).read_text(encoding="utf-8")
    assert "-- rebuilt days: 2025-06-10 2025-06-11" in compiled, compiled  # an incremental build of those two days


def test_judgements_landed_after_their_logs_are_not_new_again_to_the_next_run(tmp_path: Path) -> None:
    """Judgements land after their logs (their own file, later in the land step). The
    rated model records no later than the watermarks of the log models it reads; while
    those were the newest LOG load, the judgements of every load counted as new again in
    the next run, so after a full build the first hourly run rebuilt every judged day
    (at 10 million events: 3.6 s of a 16 s run instead of about 0.6 s)."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+int_conversations__rated"]

    def rated_days() -> str:
        compiled = next((tmp_path / "target" / "compiled").rglob("int_conversations__rated.sql")).read_text(encoding="utf-8")
        return next(line for line in compiled.splitlines() if line.startswith("-- rebuilt days:"))

    _dbt(env, tmp_path, "seed")
    _load(
        env,
        tmp_path / "logs_1.jsonl",
        "conversation-logs",
        _log("m1", "2025-06-10T10:00:00", "good") + _log("m2", "2025-06-11T10:00:00", "good"),
    )
    judged = [{"message_id": m, "judge_model": "j", "quality_rating": "poor", "judged_at": "2025-06-12T09:00:00"} for m in ("m1", "m2")]
    _load(env, tmp_path / "judgements_1.jsonl", "quality-judgements", "".join(json.dumps(j) + "\n" for j in judged))
    _dbt(env, tmp_path, "run", "--full-refresh", *select)
    # the next hour: one new answer on the 12th, nothing judged
    _load(env, tmp_path / "logs_2.jsonl", "conversation-logs", _log("m3", "2025-06-12T10:00:00", "good"))
    _dbt(env, tmp_path, "run", *select)
    assert rated_days() == "-- rebuilt days: 2025-06-12"
    _dbt(env, tmp_path, "run", *select)
    assert rated_days() == "-- rebuilt days: none"
    with duckdb.connect(str(db), read_only=True) as con:
        rated = con.execute("select message_id, quality_rating from main.int_conversations__rated order by 1").fetchall()
    assert rated[:2] == [("m1", "poor"), ("m2", "poor")] and rated[2][0] == "m3"


def test_a_new_model_keyed_by_day_deletes_the_days_it_rebuilds_without_asking(tmp_path: Path) -> None:
    """incremental_config gives every model keyed by its day column the delete pre-hook, so
    an analyst's new daily model clears a day that lost its last row (also with
    through_last_day); a model that does not write its rebuilt days fails with an error
    that names it. scripts/ci/emptied_day_check.py adds the probe models to a copy of the
    project; the MySQL and Spark CI stages run it on their engines."""
    completed = run_script("ci/emptied_day_check.py", "--target", "duckdb", env=scratch_env(tmp_path / "w.duckdb"))
    assert "int_probe_days__counted: days left after emptying 2025-06-02: 2025-06-01, 2025-06-03" in completed.stdout, completed.stdout
    assert "int_probe_days__through (through_last_day): days left after emptying 2025-06-02: 2025-06-01" in completed.stdout
    assert "int_probe_days__counted: days left after rebuilding every day with one row left: 2025-06-01\n" in completed.stdout
    # delete_rebuilt_days='every_day_only' (int_chat_events__resolved): some days rebuilt
    # delete nothing, every day rebuilt deletes every stored day
    assert "int_probe_days__every_day_only (every_day_only): days left after emptying 2025-06-02: 2025-06-01, 2025-06-02, 2025-06-03" in (
        completed.stdout
    )
    assert "int_probe_days__every_day_only: days left after rebuilding every day with one row left: 2025-06-01\n" in completed.stdout


def test_a_load_landed_mid_build_is_built_in_full_by_the_next_run(tmp_path: Path) -> None:
    """A load that commits after a model looked up its days and before it read them is
    read on those days only; the model must not record its load time as consumed.
    scripts/ci/concurrent_load_check.py lands such a load from the pre-hooks of
    int_chat_events__resolved and int_conversation_logs__deduplicated (with rows on a day
    the lookup did not see) and compares the next incremental run with a full refresh;
    the MySQL CI stage runs it on MySQL (it passes on Spark, too slow for CI). Before record_watermark capped
    the watermark (at the newest load seen before the lookup, and at the watermarks of the
    models read), every table missed the racing load's 2025-06-12 rows."""
    completed = run_script("ci/concurrent_load_check.py", "--target", "duckdb", env=scratch_env(tmp_path / "w.duckdb"), check=False)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "chat_events: 8 rows of the racing load held back" in completed.stdout
    assert "conversation_logs: 2 rows of the racing load held back" in completed.stdout
    for model in ("int_chat_events__resolved", "int_conversations__rated", "mart_bot_daily_kpis", "mart_answer_quality_daily"):
        assert re.search(rf"^{model}: \d+ rows, identical$", completed.stdout, re.MULTILINE), completed.stdout
    assert "concurrent_load_check on duckdb: a load landed mid-build was built in full by the next run" in completed.stdout


def test_the_monitor_reaches_past_its_recent_days_for_a_quiet_bot(tmp_path: Path) -> None:
    """An incremental build of int_conversations__alert_firings looks for the last
    window_size conversations before the new day in the week before it first. A bot ×
    model with fewer conversations there is read further back: its window on the new day
    still starts at its first conversation, as in a full build."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+int_conversations__alert_firings"]

    def firings() -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                "select alert_id, triggered_by_message_id, cast(fired_report_date as varchar), rows_in_window,"
                " cast(window_start_at as varchar) from main.int_conversations__alert_firings order by 1, 2"
            ).fetchall()

    _dbt(env, tmp_path, "seed")
    # one poor answer a day, 2025-06-01 .. 06-11: the 10th (min_rows) fires the last-100 rule
    history = "".join(_log(f"q{day:02d}", f"2025-06-{day:02d}T10:00:00", "poor") for day in range(1, 12))
    _load(env, tmp_path / "logs_1.jsonl", "conversation-logs", history)
    _dbt(env, tmp_path, "run", *select)
    _load(env, tmp_path / "logs_2.jsonl", "conversation-logs", _log("q12", "2025-06-12T10:00:00", "poor"))
    _dbt(env, tmp_path, "run", *select)
    compiled = next((tmp_path / "target" / "compiled").rglob("int_conversations__alert_firings.sql")).read_text(encoding="utf-8")
    assert "-- rebuilt days: 2025-06-12" in compiled, compiled  # an incremental build of the new day
    assert "2025-06-05" in compiled  # whose recent days start a week before it
    incremental = firings()
    new_day = [f for f in incremental if f[0] == "poor_answer_rate_last_100" and f[1] == "q12"]
    # the window holds all 12 answers, back to 06-01 (10:00 at +08:00, 02:00 UTC), past the
    # week before the new day
    assert new_day == [("poor_answer_rate_last_100", "q12", "2025-06-12", 12, "2025-06-01 02:00:00")], incremental
    _dbt(env, tmp_path, "run", "--full-refresh", *select)
    assert firings() == incremental


def test_a_changed_reporting_offset_moves_events_without_keeping_them_twice(tmp_path: Path) -> None:
    """A changed reporting_utc_offset_hours changes every model's fingerprint, so the next
    run rebuilds every day. An event whose day moves leaves its old day; when that day
    keeps no other event, int_chat_events__resolved (which deletes no day when it rebuilds
    some) must still delete it, or the event is stored twice and counted twice."""
    db = tmp_path / "w.duckdb"
    env = scratch_env(db)
    select = ["--select", "+mart_bot_daily_kpis"]

    def by_day(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return [(str(row[0]), *row[1:]) for row in con.execute(sql).fetchall()]

    _seed_with_one_bot(env, tmp_path)
    # 06-11 03:00 at +8 is 06-10 19:00 UTC: the only event of 06-11 moves to 06-10 at offset 0
    _load(
        env,
        tmp_path / "events.jsonl",
        "chat-events",
        _chat_event("x1", "2025-06-10T10:00:00+08:00", "exposure", "u1") + _chat_event("x2", "2025-06-11T03:00:00+08:00", "exposure", "u2"),
    )
    _dbt(env, tmp_path, "run", *select)
    assert by_day("select report_date, event_id from main.int_chat_events__resolved order by 1, 2") == [
        ("2025-06-10", "x1"),
        ("2025-06-11", "x2"),
    ]
    _dbt(env, tmp_path, "run", *select, "--vars", '{"reporting_utc_offset_hours": 0}')
    assert by_day("select report_date, event_id from main.int_chat_events__resolved order by 1, 2") == [
        ("2025-06-10", "x1"),
        ("2025-06-10", "x2"),
    ]
    assert by_day("select report_date, exposures from main.mart_bot_daily_kpis order by 1") == [("2025-06-10", 2)]
