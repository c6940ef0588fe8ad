"""The Great Expectations gate on the source tables (scripts/validate_sources.py).

Warehouses are built through the real loaders, then broken on purpose with SQL (as a
rogue upstream writer would), and the gate must name each broken rule with its count.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, run_script, scratch_env

from chatwh.kinds import all_kinds
from chatwh.quality.framework import source_tables, table_modules

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"


def today_local() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def write_events(path: Path, day_counts: dict[date, int], prefix: str = "e") -> Path:
    """`count` valid events on each reporting day (local noon, +08:00), every 4th a click."""
    lines = []
    for day, count in sorted(day_counts.items()):
        for i in range(count):
            lines.append(
                json.dumps(
                    {
                        "event_id": f"{prefix}_{day.isoformat()}_{i}",
                        "event_time": f"{day.isoformat()}T12:{i % 60:02d}:00+08:00",
                        "user_id": f"u{i % 7}",
                        "bot_id": "b_learn",
                        "event_type": "click" if i % 4 == 0 else "exposure",
                        "model_name": "glm-4",
                        "platform": "ios",
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run validate_sources in-process (GX imported once) against one scratch warehouse."""
    db = tmp_path / "gate.duckdb"
    env = scratch_env(db)
    for name in ("DBT_PROFILES_DIR", "CHATBOT_TARGET", "CHATBOT_DUCKDB_PATH"):
        monkeypatch.setenv(name, env[name])
    docs = tmp_path / "docs"

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        import validate_sources

        rc = validate_sources.main(["--docs-dir", str(docs), "--quiet", *args])
        return rc, json.loads((docs / "last_run.json").read_text(encoding="utf-8"))

    run.db = db  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    run.docs = docs  # type: ignore[attr-defined]
    return run


def failures(summary: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, str]]:
    return {(f["suite"], f["expectation"], f["column"]): (f["severity"], f["observed"]) for f in summary["failures"]}


def test_every_source_table_has_its_own_suite_module() -> None:
    """Each raw table a kind lands (derived tables too) has quality/tables/<table>.py with
    expectations of its own; a module for a table no kind lands is stale."""
    tables = {s.table for s in source_tables()}
    modules = table_modules()
    assert sorted(tables - set(modules)) == []
    assert sorted(set(modules) - tables) == []
    for kind in all_kinds().values():
        assert kind.table in tables
    for table, module in modules.items():
        assert callable(getattr(module, "expectations", None)), table
        assert hasattr(module, "DAY_COLUMN"), table


def test_clean_warehouse_passes_and_writes_data_docs(gate, tmp_path: Path) -> None:
    yesterday = today_local() - timedelta(days=1)
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    events = write_events(tmp_path / "events.jsonl", {yesterday - timedelta(days=d): 40 for d in range(10)})
    run_script("load.py", "chat-events", str(events), env=gate.env)
    rc, summary = gate()
    assert rc == 0, summary["failures"]
    assert summary["errors"] == 0 and summary["warnings"] == 0
    suites = {s["suite"]: s for s in summary["suites"]}
    assert {"raw.bots", "raw.chat_events", "raw.chat_events.daily_volume", "raw.load_batches", "raw.load_rejects"} <= set(suites)
    assert suites["raw.chat_events"]["rows"] == 400
    assert suites["raw.bots"]["rows"] == 3
    assert all(s["evaluated"] == s["passed"] for s in summary["suites"])
    # Kinds with nothing landed are listed, not failed.
    assert "conversation_logs" in summary["not_landed"]
    index = gate.docs / "index.html"
    assert index.exists() and "raw.chat_events" in index.read_text(encoding="utf-8")


def test_broken_rows_fail_the_gate_with_counts(gate, tmp_path: Path) -> None:
    yesterday = today_local() - timedelta(days=1)
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    events = write_events(tmp_path / "events.jsonl", {yesterday: 20})
    run_script("load.py", "chat-events", str(events), env=gate.env)
    with duckdb.connect(str(gate.db)) as con:
        # What the loader would never let through, written by another process.
        con.execute("insert into raw.chat_events select * from raw.chat_events where event_id like '%\\_0' escape '\\'")
        con.execute(
            "insert into raw.chat_events select 'x_future', now()::timestamp + interval 2 day, user_id, bot_id, 'exposure', null, model_name,"
            " platform, _batch_id, _source_file, _line_number, _loaded_at from raw.chat_events limit 1"
        )
        con.execute(
            "insert into raw.chat_events select 'x_share', event_time, user_id, bot_id, 'Share', null, model_name, platform,"
            " _batch_id, _source_file, _line_number, _loaded_at from raw.chat_events limit 1"
        )
        con.execute(
            "insert into raw.chat_events select 'x_msg', event_time, user_id, bot_id, 'user_message', null, null, platform,"
            " _batch_id, _source_file, _line_number, _loaded_at from raw.chat_events limit 1"
        )
    rc, summary = gate()
    assert rc == 1
    found = failures(summary)
    unique = found[("raw.chat_events", "expect_column_values_to_be_unique", "event_id")]
    assert unique[0] == "error" and unique[1].startswith("2 unexpected")
    assert found[("raw.chat_events", "expect_column_values_to_be_in_set", "event_type")][1].startswith("1 unexpected")
    assert "Share" in found[("raw.chat_events", "expect_column_values_to_be_in_set", "event_type")][1]
    assert found[("raw.chat_events", "expect_column_max_to_be_between", "event_time")][0] == "error"
    assert found[("raw.chat_events", "expect_column_values_to_not_be_null", "session_id")][1].startswith("1 unexpected")
    assert summary["errors"] == 4


def test_volume_band_fails_recent_days_and_warns_on_older_ones(gate, tmp_path: Path) -> None:
    yesterday = today_local() - timedelta(days=1)
    counts = {yesterday - timedelta(days=d): 40 for d in range(17)}
    counts[yesterday - timedelta(days=8)] = 0  # a lost day: no rows at all
    counts[yesterday - timedelta(days=5)] = 200  # a doubled feed, five days ago
    counts[yesterday] = 10  # yesterday's file was mostly lost
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    run_script("load.py", "chat-events", str(write_events(tmp_path / "events.jsonl", {d: n for d, n in counts.items() if n})), env=gate.env)
    rc, summary = gate()
    assert rc == 1
    found = failures(summary)
    recent = found[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_recent_days")]
    assert recent[0] == "error" and recent[1].startswith("1 unexpected") and "0.25" in recent[1]
    # The message names the day, its rows and the median it was judged against.
    assert recent[1].endswith(f"; {yesterday.isoformat()} 10 rows vs median 40.0")
    history = found[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_to_trailing_median")]
    assert history[0] == "warn" and history[1].startswith("3 unexpected")
    assert history[1].endswith(
        f"; {yesterday.isoformat()} 10 rows vs median 40.0; {(yesterday - timedelta(days=5)).isoformat()} 200 rows vs median 40.0;"
        f" {(yesterday - timedelta(days=8)).isoformat()} 0 rows vs median 40.0"
    )
    assert summary["errors"] == 1
    # A wider band lets the recent day through; the history still warns about the lost day.
    rc, summary = gate("--var", "dq_volume_min_ratio=0.2")
    assert rc == 0
    assert failures(summary)[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_to_trailing_median")][
        1
    ].startswith("2 unexpected")


def test_reject_share_counts_bad_rows_not_reloads(gate, tmp_path: Path) -> None:
    yesterday = today_local() - timedelta(days=1)
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    path = write_events(tmp_path / "events.jsonl", {yesterday: 18})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(
            '{"event_id": "broken", "event_time": \n{"event_id": "bad_type", "event_time": "2025-06-01", "user_id": "u", "bot_id": "b_learn", "event_type": "share"}\n'
        )
    run_script("load.py", "chat-events", str(path), env=gate.env)
    rc, summary = gate()
    assert rc == 1
    share = failures(summary)[("raw.load_batches", "expect_column_values_to_be_between", "reject_share_recent")]
    assert share[0] == "error" and share[1].startswith("1 unexpected") and "0.1" in share[1]
    # The same file again: 18 rows already loaded + the same 2 bad rows. Its share of bad
    # input is the same 10 %, not 100 %.
    run_script("load.py", "chat-events", str(path), env=gate.env)
    rc, summary = gate("--var", "dq_max_reject_share=0.1")
    assert rc == 0, summary["failures"]
    with duckdb.connect(str(gate.db), read_only=True) as con:
        assert con.execute("select count(*) from raw.load_rejects where reason_code = 'already_loaded'").fetchone() == (18,)
    # Batches loaded more than dq_reject_error_hours ago were judged then: warn only.
    with duckdb.connect(str(gate.db)) as con:
        con.execute("update raw.load_batches set started_at = started_at - interval 3 day where kind = 'chat-events'")
    rc, summary = gate()
    assert rc == 0
    old = failures(summary)[("raw.load_batches", "expect_column_values_to_be_between", "reject_share")]
    assert old[0] == "warn" and old[1].startswith("2 unexpected")


def test_batches_must_reconcile_with_their_rejects(gate, tmp_path: Path) -> None:
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    with duckdb.connect(str(gate.db)) as con:
        con.execute("update raw.load_batches set rows_read = rows_read + 1, rows_rejected = rows_rejected + 1")
    rc, summary = gate()
    assert rc == 1
    found = failures(summary)
    assert found[("raw.load_batches", "expect_column_values_to_be_in_set", "rejects_not_logged")][1].startswith("1 unexpected")
    assert ("raw.load_batches", "expect_column_values_to_be_in_set", "unreconciled_rows") not in found


def test_command_line_exit_codes(tmp_path: Path) -> None:
    env = scratch_env(tmp_path / "w.duckdb")
    done = run_script("validate_sources.py", "--target", "no_such_target", env=env, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "no_such_target" in done.stderr
    done = run_script("validate_sources.py", "--var", "dq_nonsense=1", env=env, check=False)
    assert done.returncode == 2 and "unknown threshold" in done.stderr
    # a value that is not a number names its threshold, not only the value
    for override, message in (
        ("dq_max_reject_share=abc", "dq_max_reject_share: not a number: 'abc'"),
        ("dq_volume_error_days=1.5", "dq_volume_error_days: not a whole number: '1.5'"),
        ("dq_max_response_time_s=inf", "dq_max_response_time_s: not a finite number: 'inf'"),
    ):
        done = run_script("validate_sources.py", "--var", override, env=env, check=False)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    run_script("load.py", "bots", str(BOTS), env=env)
    done = run_script("validate_sources.py", "--docs-dir", str(tmp_path / "docs"), env=env)
    assert "validate_sources: passed" in done.stdout and (tmp_path / "docs" / "index.html").exists()
    # the page that works offline is the one printed
    assert f"Data Docs: {tmp_path / 'docs' / 'summary.html'}" in " ".join(done.stdout.split()), done.stdout


FEEDBACK = PROJECT_DIR / "tests" / "fixtures" / "feedback" / "feedback" / "feedback_events_2025-06-01.jsonl"


def backdate_loads(db: Path, table: str, days: int = 2) -> None:
    """As if every row of `table` had been loaded `days` ago (before dq_reject_error_hours)."""
    with duckdb.connect(str(db)) as con:
        con.execute(f"update raw.{table} set _loaded_at = _loaded_at - interval {int(days)} day")


def test_old_rows_only_warn_so_one_accepted_row_does_not_block_later_runs(gate, tmp_path: Path) -> None:
    """Error-level row checks judge rows loaded within dq_reject_error_hours; the whole
    table, older rows included, only warns (as the volume and reject-share checks)."""
    base = json.loads(FEEDBACK.read_text(encoding="utf-8").splitlines()[0])
    now = int(datetime.now(UTC).timestamp())
    rows = []
    for i in range(40):
        row = dict(base, rn=f"r{i}", user_id=f"u{i}", bhv_time=str(now - 3600 - i), reach_time=str(now - 3600 - i + 1))
        rows.append(row)
    rows[0].update(bhv_time="1893456000", reach_time="1893456001")  # a phone clock in 2030
    rows[1]["reach_time"] = str(now - 3600 - 1 - 5)  # reached before it happened
    rows[2].update(bhv_type="share", item_type="goods")  # not among the spec's common values
    path = tmp_path / "feedback.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    run_script("load.py", "feedback", str(path), env=gate.env)
    rc, summary = gate()
    assert rc == 1
    found = failures(summary)
    assert found[("raw.feedback_events", "expect_column_max_to_be_between", "bhv_time")][0] == "error"
    assert found[("raw.feedback_events", "expect_column_pair_values_a_to_be_greater_than_b", "reach_time, bhv_time")][0] == "error"
    # The spec lists common bhv_type values only: another one warns.
    share = found[("raw.feedback_events", "expect_column_values_to_be_in_set", "bhv_type")]
    assert share[0] == "warn" and "share" in share[1]
    # A day later the rows are history: judged when they were loaded, they only warn now.
    backdate_loads(gate.db, "feedback_events")
    rc, summary = gate()
    assert rc == 0, summary["failures"]
    found = failures(summary)
    assert not [f for f in summary["failures"] if f["suite"] == "raw.feedback_events"]
    assert found[("raw.feedback_events.history", "expect_column_max_to_be_between", "bhv_time")][0] == "warn"
    assert found[("raw.feedback_events.history", "expect_column_pair_values_a_to_be_greater_than_b", "reach_time, bhv_time")][0] == "warn"
    # A recent row repeating an old row's key still fails.
    with duckdb.connect(str(gate.db)) as con:
        con.execute(
            "insert into raw.feedback_events select * replace (now()::timestamp as _loaded_at) from raw.feedback_events where rn = 'r5'"
        )
    rc, summary = gate()
    assert rc == 1
    assert failures(summary)[("raw.feedback_events", "expect_column_values_to_be_unique", "event_hash")][1].startswith("2 unexpected")


def test_a_bot_put_back_to_an_earlier_version_passes(gate, tmp_path: Path) -> None:
    """The new version repeats an earlier record_hash: unique per load, as the dbt test."""
    first = BOTS.read_text(encoding="utf-8")
    (tmp_path / "b1.csv").write_text(first, encoding="utf-8")
    (tmp_path / "b2.csv").write_text(first.replace("学习助手", "学习助手2"), encoding="utf-8")
    # A new snapshot file putting the bot back (reloading b1.csv itself is a reload that
    # changes nothing: kind.landed_rows).
    (tmp_path / "b3.csv").write_text(first, encoding="utf-8")
    for name in ("b1.csv", "b2.csv", "b3.csv"):
        run_script("load.py", "bots", str(tmp_path / name), env=gate.env)
    with duckdb.connect(str(gate.db), read_only=True) as con:
        assert con.execute("select count(*) - count(distinct record_hash) from raw.bots").fetchone() == (1,)
    rc, summary = gate()
    assert rc == 0, summary["failures"]


def test_eval_results_without_run_at_pass(gate, tmp_path: Path) -> None:
    """run_at defaults to the load time (NULL in raw): neither not-null nor max/min on it."""
    fixtures = PROJECT_DIR / "tests" / "fixtures" / "chatbi"
    lines = [
        json.loads(line) for line in (fixtures / "eval-results" / "cases_run_v2.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    for line in lines:
        line.pop("run_at", None)
    run = tmp_path / "run.jsonl"
    run.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    run_script("load.py", "eval-dataset", str(fixtures / "eval-dataset" / "cases_dataset.json"), env=gate.env)
    run_script("load.py", "eval-results", str(run), env=gate.env)
    with duckdb.connect(str(gate.db), read_only=True) as con:
        assert con.execute("select count(*), count(run_at) from raw.chatbi_eval_results").fetchone()[1] == 0
    rc, summary = gate()
    assert rc == 0, summary["failures"]
    assert not [f for f in summary["failures"] if f["column"] == "run_at"]


@pytest.mark.parametrize(
    ("last_day_ago", "bad_recent"),
    [(5, 2), (2, 1)],  # nothing for 5 days; yesterday lost
)
def test_a_stopped_feed_fails_the_volume_check(gate, tmp_path: Path, last_day_ago: int, bad_recent: int) -> None:
    today = today_local()
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    days = {today - timedelta(days=last_day_ago + d): 40 for d in range(17)}
    run_script("load.py", "chat-events", str(write_events(tmp_path / "events.jsonl", days)), env=gate.env)
    rc, summary = gate()
    assert rc == 1
    recent = failures(summary)[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_recent_days")]
    assert recent[0] == "error" and recent[1].startswith(f"{bad_recent} unexpected") and "0.0" in recent[1]


def test_a_short_old_backfill_is_not_a_stopped_feed(gate, tmp_path: Path) -> None:
    """Empty days after the last one with rows are judged only once the feed had 7 days of
    history (like any day): two days of 2025 data pass."""
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    days = {date(2025, 6, 1): 40, date(2025, 6, 2): 40}
    run_script("load.py", "chat-events", str(write_events(tmp_path / "events.jsonl", days)), env=gate.env)
    rc, summary = gate()
    assert rc == 0, summary["failures"]


def test_a_long_old_backfill_passes_with_no_error_days(gate, tmp_path: Path) -> None:
    """Last year's logs alone look like a stopped feed (README: validate such a backfill
    with dq_volume_error_days=0): the empty recent days then warn, and the run passes."""
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    days = {date(2025, 6, 1) + timedelta(days=d): 40 for d in range(17)}
    run_script("load.py", "chat-events", str(write_events(tmp_path / "events.jsonl", days)), env=gate.env)
    assert gate()[0] == 1
    rc, summary = gate("--var", "dq_volume_error_days=0")
    assert rc == 0, summary["failures"]
    warned = failures(summary)[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_to_trailing_median")]
    assert warned[0] == "warn"


def test_a_burst_after_empty_days_fails_the_volume_check(gate, tmp_path: Path) -> None:
    yesterday = today_local() - timedelta(days=1)
    days = {yesterday - timedelta(days=d): 40 for d in range(10, 30)}
    days[yesterday] = 400  # after 9 empty days (trailing median 0)
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    run_script("load.py", "chat-events", str(write_events(tmp_path / "events.jsonl", days)), env=gate.env)
    rc, summary = gate()
    assert rc == 1
    recent = failures(summary)[("raw.chat_events.daily_volume", "expect_column_values_to_be_between", "ratio_recent_days")]
    assert recent[0] == "error" and recent[1].startswith("1 unexpected") and "inf" in recent[1]


def test_event_mix_and_filled_shares_are_judged_on_recent_rows(gate, tmp_path: Path) -> None:
    """A recent load of only messages without model or platform warns, however good the
    history that dilutes it."""
    yesterday = today_local() - timedelta(days=1)
    run_script("load.py", "bots", str(BOTS), env=gate.env)
    history = {yesterday - timedelta(days=d): 40 for d in range(1, 21)}
    run_script("load.py", "chat-events", str(write_events(tmp_path / "history.jsonl", history)), env=gate.env)
    backdate_loads(gate.db, "chat_events")
    messages = [
        json.dumps(
            {
                "event_id": f"m{i}",
                "event_time": f"{yesterday.isoformat()}T12:{i:02d}:00+08:00",
                "user_id": f"u{i % 7}",
                "bot_id": "b_learn",
                "event_type": "user_message",
                "session_id": f"s{i % 7}",
            }
        )
        for i in range(40)
    ]
    (tmp_path / "messages.jsonl").write_text("\n".join(messages) + "\n", encoding="utf-8")
    run_script("load.py", "chat-events", str(tmp_path / "messages.jsonl"), env=gate.env)
    rc, summary = gate()
    assert rc == 0, summary["failures"]
    found = failures(summary)
    for column in ("model_name", "platform"):
        assert found[("raw.chat_events", "expect_column_values_to_not_be_null", column)][0] == "warn"
    assert found[("raw.chat_events", "expect_column_distinct_values_to_contain_set", "event_type")][0] == "warn"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("dq_volume_error_days=-3", "dq_volume_error_days: must be at least 0"),
        ("dq_reject_error_hours=-1", "dq_reject_error_hours: must be at least 0"),
        ("dq_max_response_time_s=-1", "dq_max_response_time_s: must be above 0"),
        ("dq_max_response_time_s=0", "dq_max_response_time_s: must be above 0"),
        ("dq_future_tolerance_hours=-5", "dq_future_tolerance_hours: must be at least 0"),
        ("dq_future_tolerance_hours=1e8", "dq_future_tolerance_hours: must be at least 0 and at most"),
        ("dq_reject_error_hours=1e8", "dq_reject_error_hours: must be at least 0 and at most"),
        ("dq_volume_error_days=1000000", "dq_volume_error_days: must be at least 0 and at most"),
    ],
)
def test_out_of_range_thresholds_are_usage_errors(gate, capsys: pytest.CaptureFixture[str], override: str, message: str) -> None:
    import validate_sources

    assert validate_sources.main(["--docs-dir", str(gate.docs), "--quiet", "--var", override]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
