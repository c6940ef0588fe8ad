"""Load-health marts (models/marts/loads) on a scratch DuckDB, fed by the real loader.

Three loads through scripts/load.py: the funnel fixture's bots.csv (3 good bots), a
chat-events file of 3 good events and 7 bad records, and bots.csv again (3
`already_loaded` rejects). Then `dbt build --select +path:models/marts/loads` and the
marts are checked against those numbers, by load date (the reporting day each load
started). Last, the raw bookkeeping is made inconsistent and the singular test
tests/loads/assert_load_marts_reconcile.sql must fail, naming the check.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, query, query_dicts, run_script, scratch_env

from chatwh.project import reporting_offset_hours

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"
RECONCILE_TEST = "assert_load_marts_reconcile"


def _event(i: int, **changes: Any) -> dict[str, Any]:
    record = {
        "event_id": f"e{i}",
        "event_time": "2025-06-01T10:00:00+08:00",
        "user_id": f"secret-user-{i}",
        "bot_id": "b_learn",
        "event_type": "click",
        "model_name": "glm-4",
        "platform": "安卓",
    }
    record.update(changes)
    return record


# (line of the chat-events file, reason code it must be rejected with; None = it loads)
EVENT_LINES: list[tuple[str, str | None]] = [
    (json.dumps(_event(1), ensure_ascii=False), None),
    (json.dumps(_event(2), ensure_ascii=False), None),
    (json.dumps(_event(3), ensure_ascii=False), None),
    ('{"event_id": "e4", "user_id": "secret-user-4"', "invalid_json"),
    (json.dumps({k: v for k, v in _event(5).items() if k != "user_id"}), "missing_field"),
    (json.dumps(_event(6, event_type="share")), "unknown_event_type"),
    (json.dumps(_event(7, event_time="yesterday")), "bad_timestamp"),
    (json.dumps(_event(8, event_time={"a": 1})), "bad_timestamp"),
    (json.dumps(_event(9, bot_id="b_nobody")), "unknown_bot"),
    (json.dumps(_event(1)), "duplicate_in_file"),
]


def dbt(args: list[str], env: dict[str, str], work: Path, name: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """One dbt command on the duckdb target with its own target and log paths; returns it
    and its run_results."""
    target = work / f"target_{name}"
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--target", "duckdb", "--target-path", str(target),
         "--log-path", str(work / f"logs_{name}")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return completed, results


def compiled_reconcile_test(work: Path, name: str) -> str:
    (path,) = (work / f"target_{name}" / "compiled").rglob(f"{RECONCILE_TEST}.sql")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("loads_marts")
    db = work / "loads.duckdb"
    env = scratch_env(db)
    events = work / "chat_events_with_bad_records.jsonl"
    events.write_text("\n".join(line for line, _ in EVENT_LINES) + "\n", encoding="utf-8")
    for kind, path, summary in (
        ("bots", BOTS, "bots: files=1 read=3 loaded=3 rejected=0"),
        ("chat-events", events, f"chat-events: files=1 read={len(EVENT_LINES)} loaded=3 rejected=7"),
        ("bots", BOTS, "bots: files=1 read=3 loaded=0 rejected=3"),
    ):
        done = run_script("load.py", kind, str(path), env=env)
        assert summary in done.stdout, done.stdout
    build, results = dbt(["build", "--select", "+path:models/marts/loads"], env, work, "build")
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return {"db": db, "env": env, "work": work, "events": events, "results": results}


def load_date_of(started_at: Any) -> date:
    return (started_at + timedelta(hours=reporting_offset_hours())).date()


def expected_daily(db: Path) -> dict[tuple[date, str], dict[str, int]]:
    """The marts' numbers from what each file held (not from the batch rows' counts): per
    load date and kind, files, read, loaded, rejected."""
    per_file = {
        "bots": [(3, 3, 0), (3, 0, 3)],  # first load, then the same file again
        "chat-events": [(len(EVENT_LINES), 3, 7)],
    }
    batches = query(db, "select kind, started_at from raw.load_batches order by kind, started_at")
    assert [kind for kind, _ in batches] == ["bots", "bots", "chat-events"]
    out: dict[tuple[date, str], dict[str, int]] = {}
    seen: dict[str, int] = {}
    for kind, started_at in batches:
        read, loaded, rejected = per_file[kind][seen.get(kind, 0)]
        seen[kind] = seen.get(kind, 0) + 1
        row = out.setdefault((load_date_of(started_at), kind), {"files_loaded": 0, "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0})
        for column, value in (("files_loaded", 1), ("rows_read", read), ("rows_loaded", loaded), ("rows_rejected", rejected)):
            row[column] += value
    return out


def test_the_build_runs_the_grain_tests_and_the_reconciliation(loads: dict[str, Any]) -> None:
    statuses = {r["unique_id"]: r["status"] for r in loads["results"]}
    assert statuses[f"test.chatbot_analytics.{RECONCILE_TEST}"] == "pass"
    assert statuses["model.chatbot_analytics.mart_loads_daily"] == "success"
    assert statuses["model.chatbot_analytics.mart_load_rejects_daily"] == "success"
    grain_tests = [uid for uid in statuses if "unique_combination_of_columns_mart_load" in uid]
    assert len(grain_tests) == 2 and all(statuses[uid] == "pass" for uid in grain_tests), grain_tests


def test_daily_mart_counts_files_rows_and_reject_rate(loads: dict[str, Any]) -> None:
    db = loads["db"]
    rows = query_dicts(db, "select * from main.mart_loads_daily order by load_date, loader_kind")
    got = {
        (r["load_date"], r["loader_kind"]): {k: r[k] for k in ("files_loaded", "rows_read", "rows_loaded", "rows_rejected")} for r in rows
    }
    assert got == expected_daily(db)
    batches = query_dicts(db, "select * from raw.load_batches")
    for r in rows:
        assert r["reject_rate"] == pytest.approx(r["rows_rejected"] / r["rows_read"])
        mine = [b for b in batches if b["kind"] == r["loader_kind"] and load_date_of(b["started_at"]) == r["load_date"]]
        assert r["first_load_started_at"] == min(b["started_at"] for b in mine)
        assert r["last_load_finished_at"] == max(b["finished_at"] for b in mine)
    if len({r["load_date"] for r in rows}) == 1:  # every load on one reporting day (not across its midnight)
        by_kind = {r["loader_kind"]: r for r in rows}
        assert (by_kind["bots"]["files_loaded"], by_kind["bots"]["reject_rate"]) == (2, 0.5)
        assert by_kind["chat-events"]["reject_rate"] == pytest.approx(0.7)


def test_rejects_mart_counts_reason_codes_only(loads: dict[str, Any]) -> None:
    db = loads["db"]
    rows = query(db, "select load_date, loader_kind, reason_code, rejected_records, files_with_reason from main.mart_load_rejects_daily")
    (events_day,) = {load_date_of(s) for (s,) in query(db, "select started_at from raw.load_batches where kind = 'chat-events'")}
    bots_days = sorted(
        load_date_of(s) for (s,) in query(db, "select started_at from raw.load_batches where kind = 'bots' order by started_at")
    )
    expected_events: dict[str, int] = {}
    for _, code in EVENT_LINES:
        if code is not None:
            expected_events[code] = expected_events.get(code, 0) + 1
    assert expected_events["bad_timestamp"] == 2
    expected = {(events_day, "chat-events", code, n, 1) for code, n in expected_events.items()}
    expected.add((bots_days[1], "bots", "already_loaded", 3, 1))
    assert set(rows) == expected and len(rows) == len(expected)
    # reason codes only: the reason's detail (after ':') and the records' text stay in raw
    details = query(db, "select reason from raw.load_rejects where reason_code = 'invalid_json'")
    assert details and ":" in details[0][0]
    assert not any(":" in code for _, _, code, _, _ in rows)


def test_no_path_record_text_or_user_reaches_the_marts(loads: dict[str, Any]) -> None:
    db = loads["db"]
    with duckdb.connect(str(db), read_only=True) as con:
        for mart, columns in (
            (
                "mart_loads_daily",
                ["load_date", "loader_kind", "files_loaded", "rows_read", "rows_loaded", "rows_rejected", "reject_rate",
                 "first_load_started_at", "last_load_finished_at"],
            ),
            ("mart_load_rejects_daily", ["load_date", "loader_kind", "reason_code", "rejected_records", "files_with_reason"]),
        ):  # fmt: skip
            got = [
                c
                for (c,) in con.execute(
                    f"select column_name from information_schema.columns where table_name = '{mart}' order by ordinal_position"
                ).fetchall()
            ]
            assert got == columns, mart
            text = " ".join(str(v) for row in con.execute(f"select * from main.{mart}").fetchall() for v in row)
            for secret in ("secret-user", "b_nobody", str(loads["events"].name), str(BOTS.name), "yesterday"):
                assert secret not in text, (mart, secret)


def _reconcile_failures(loads: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Rebuild the two marts from the (altered) raw tables, run the singular test, and
    return its run_results entries and the rows its compiled SQL returns."""
    env, work, db = loads["env"], loads["work"], loads["db"]
    rebuilt, _ = dbt(["run", "--select", "path:models/marts/loads"], env, work, f"{name}_run")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    tested, results = dbt(["test", "--select", f"path:tests/loads/{RECONCILE_TEST}.sql"], env, work, name)
    # besides the project's on-run-start hook (an operation), only the selected test ran
    results = [r for r in results if not r["unique_id"].startswith("operation.")]
    assert [r["unique_id"] for r in results] == [f"test.chatbot_analytics.{RECONCILE_TEST}"]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(compiled_reconcile_test(work, name)).fetchall()
    assert (tested.returncode != 0) == bool(rows), tested.stdout[-3000:]
    return results, rows


def test_the_reconciliation_fails_on_inconsistent_bookkeeping(loads: dict[str, Any]) -> None:
    db = loads["db"]
    (events_day,) = {load_date_of(s) for (s,) in query(db, "select started_at from raw.load_batches where kind = 'chat-events'")}

    # a batch row whose counts do not add up: read 10, loaded 4, rejected 7
    with duckdb.connect(str(db)) as con:
        con.execute("update raw.load_batches set rows_loaded = rows_loaded + 1 where kind = 'chat-events'")
    results, rows = _reconcile_failures(loads, "bad_counts")
    assert results[0]["status"] == "fail" and results[0]["failures"] == 1
    assert rows == [("rows_read <> rows_loaded + rows_rejected", events_day, "chat-events", -1)]

    # counts consistent again, but one counted reject is missing from load_rejects
    with duckdb.connect(str(db)) as con:
        con.execute("update raw.load_batches set rows_loaded = rows_loaded - 1 where kind = 'chat-events'")
        con.execute("delete from raw.load_rejects where kind = 'chat-events' and reason_code = 'unknown_bot'")
    results, rows = _reconcile_failures(loads, "lost_reject")
    assert results[0]["status"] == "fail" and results[0]["failures"] == 1
    assert rows == [("rows_rejected <> sum of mart_load_rejects_daily.rejected_records", events_day, "chat-events", 1)]

    # and it passes once the raw tables agree again
    with duckdb.connect(str(db)) as con:
        con.execute("update raw.load_batches set rows_rejected = rows_rejected - 1, rows_read = rows_read - 1 where kind = 'chat-events'")
    results, rows = _reconcile_failures(loads, "consistent")
    assert results[0]["status"] == "pass" and rows == []
