"""scripts/run_pipeline.py (the cron form of the hourly DAG) and the BI copy it publishes.

End to end on a small generated landing folder in a scratch DuckDB: the marts are built
for the date (KPIs equal to counts taken straight from the raw events), a second run
lands nothing new, and the BI copy is read-only, opens read-only and matches the
warehouse table by table. Plus the edges: the run's day and dbt vars, the lock, usage
errors, and a publish that must not replace a good copy with a bad one.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR, duckdb_lock_held, run_script, scratch_env

from chatwh import publish as publish_module
from chatwh.landing import pending_files
from chatwh.project import reporting_offset_hours
from chatwh.publish import PublishError, is_published, publish_bi_copy, table_row_counts
from chatwh.schedule import current_report_date, dbt_vars_for, interval_report_date

DAY = date(2025, 6, 2)


def pipeline_env(work: Path) -> dict[str, str]:
    return scratch_env(
        work / "warehouse" / "chatbot.duckdb",
        DBT_TARGET_PATH=str(work / "dbt_target"),
        DBT_LOG_PATH=str(work / "dbt_logs"),
        CHATBOT_BI_DUCKDB_PATH=str(work / "bi" / "chatbot.duckdb"),
        CHATBOT_REPORT_DIR=str(work / "reports"),
    )


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("pipeline")
    (work / "warehouse").mkdir()
    env = pipeline_env(work)
    landing = work / "landing"
    # Scale 0.3: the generator's few malformed log lines stay under the validation's
    # reject-share limit (dbt var dq_max_reject_share), as they do in the real demo.
    run_script(
        "generate_demo_data.py",
        "--out",
        str(landing),
        "--days",
        "2",
        "--end-date",
        DAY.isoformat(),
        "--scale",
        "0.3",
        "--seed",
        "11",
        env=env,
    )
    first = run_script("run_pipeline.py", "--date", DAY.isoformat(), "--landing", str(landing), env=env, check=False, timeout=900)
    # Computed after the run, on the same warehouse: what alerts.py says decides 0 or 3.
    alerts = run_script("alerts.py", env=env, check=False) if (PROJECT_DIR / "scripts" / "alerts.py").exists() else None
    warehouse = work / "warehouse" / "chatbot.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = table_row_counts(con)
    second = run_script(
        "run_pipeline.py", "--date", DAY.isoformat(), "--landing", str(landing), "--steps", "land,publish", env=env, check=False
    )
    return {
        "work": work,
        "landing": landing,
        "warehouse": warehouse,
        "bi": work / "bi" / "chatbot.duckdb",
        "first": first,
        "second": second,
        "alerts_exit": alerts.returncode if alerts else 0,
        "counts_after_first": before,
    }


def test_first_run_succeeds_and_reports_alerts_by_exit_code(pipeline_run: dict) -> None:
    first = pipeline_run["first"]
    assert pipeline_run["alerts_exit"] in (0, 1), "alerts.py could not read the warehouse:\n" + first.stdout[-4000:] + first.stderr[-2000:]
    expected = {0: 0, 1: 3}[pipeline_run["alerts_exit"]]
    assert first.returncode == expected, first.stdout[-4000:] + first.stderr[-2000:]
    for step in ("land", "validate", "dbt", "publish", "alerts", "report"):
        assert f"│ {step}" in first.stdout, f"step {step} missing from the summary"


def test_every_file_landed_once(pipeline_run: dict) -> None:
    files = pending_files(pipeline_run["landing"])
    with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as con:
        landed = sorted(row[0] for row in con.execute("select source_file from raw.load_batches").fetchall())
    assert landed == sorted(str(path.resolve()) for _, path in files)
    assert len(files) >= 3  # bots + a chat-events file per day at least


def test_marts_are_built_for_the_date(pipeline_run: dict) -> None:
    with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as con:
        rows, exposures, clicks = con.execute(
            "select count(*), sum(exposures), sum(clicks) from main.mart_bot_daily_kpis where report_date = ?", [DAY]
        ).fetchone()
        # The same counts straight from the raw table: UTC + the offset var = the reporting day.
        raw = dict(
            con.execute(
                "select event_type, count(*) from raw.chat_events "
                "where cast(event_time + to_seconds(cast(? * 3600 as bigint)) as date) = ? group by event_type",
                [reporting_offset_hours(), DAY],
            ).fetchall()
        )
        window = con.execute("select distinct window_end from main.mart_model_comparison").fetchall()
    assert rows > 0
    assert exposures == raw["exposure"] > 0
    assert clicks == raw["click"]
    # dbt vars of the run: the comparison window ends on the run's day, not the wall clock's.
    assert window == [(DAY,)]


def test_second_run_lands_nothing_new(pipeline_run: dict) -> None:
    second = pipeline_run["second"]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    files = len(pending_files(pipeline_run["landing"]))
    assert f"0 new files, {files} already landed" in second.stdout
    with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as con:
        assert table_row_counts(con) == pipeline_run["counts_after_first"]


def test_bi_copy_is_read_only_and_matches(pipeline_run: dict) -> None:
    bi: Path = pipeline_run["bi"]
    assert bi.exists()
    assert stat.S_IMODE(bi.stat().st_mode) == 0o444
    with duckdb.connect(str(bi), read_only=True) as copy, duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as source:
        copied, original = table_row_counts(copy), table_row_counts(source)
        marts = {k: v for k, v in original.items() if k.startswith("main.") and is_published(k.split(".", 1)[1])}
        assert copied == marts
        assert "main.mart_bot_daily_kpis" in copied and copied["main.mart_bot_daily_kpis"] > 0
        # Only marts: no raw table, staging, intermediate model (raw user_id) or restricted mart.
        withheld = {"raw.chat_events", "raw.feedback_events", "main.int_user_bot_days__funnel", "main.mart_low_quality_answers_restricted"}
        assert withheld <= set(original) and not withheld & set(copied)
        assert not copy.execute("select view_name from duckdb_views() where not internal").fetchall()
        personal = copy.execute(
            "select table_name, column_name from information_schema.columns "
            "where column_name in ('user_id', 'ip', 'mac', 'phone_md5', 'imei', 'longitude', 'latitude', 'user_input', 'model_response')"
        ).fetchall()
        assert not personal, personal
        # Every mart a dashboard reads (models/exposures.yml) is there.
        exposures = yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text(encoding="utf-8"))["exposures"]
        read = {re.sub(r"^ref\('([^']+)'\)$", r"main.\1", ref) for exposure in exposures for ref in exposure["depends_on"]}
        assert read and read <= set(copied), read - set(copied)
        query = "select report_date, bot_id, model_name, exposures, clicks, chat_starts from main.mart_bot_daily_kpis order by all"
        assert copy.execute(query).fetchall() == source.execute(query).fetchall()
    assert not list(bi.parent.glob(".*.tmp")), "a temporary copy was left behind"


def _copy_with_bi_copy(pipeline_run: dict, tmp_path: Path) -> tuple[Path, Path, tuple[int, int]]:
    """A copy of the built pipeline warehouse under tmp_path, its BI copy published, and
    the copy's (inode, mtime) to tell whether a later run replaced it."""
    (tmp_path / "warehouse").mkdir()
    warehouse = tmp_path / "warehouse" / "chatbot.duckdb"
    shutil.copyfile(pipeline_run["warehouse"], warehouse)
    bi = tmp_path / "bi" / "chatbot.duckdb"
    publish_bi_copy(warehouse, bi)
    return warehouse, bi, (bi.stat().st_ino, bi.stat().st_mtime_ns)


def test_failed_validation_stops_before_the_build(pipeline_run: dict, tmp_path: Path) -> None:
    if not (PROJECT_DIR / "scripts" / "validate_sources.py").exists():
        pytest.skip("scripts/validate_sources.py is not in this checkout")
    # A copy of the built warehouse and its BI copy; then a file where 7 of 10 rows break
    # the contract arrives (reject share 70 %, the error limit is dq_max_reject_share).
    warehouse, bi, published = _copy_with_bi_copy(pipeline_run, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        bot = con.execute("select min(bot_id) from raw.bots").fetchone()[0]
    good = [
        json.dumps(
            {
                "event_id": f"gate-{i}",
                "event_time": "2025-06-02T10:00:00+08:00",
                "user_id": "u-gate",
                "bot_id": bot,
                "event_type": "exposure",
            }
        )
        for i in range(3)
    ]
    bad = ['{"event_id": "gate-broken", "event_time": '] * 4 + [
        json.dumps({"event_id": f"gate-x{i}", "event_type": "teleport"}) for i in range(3)
    ]
    landing = tmp_path / "landing" / "chat-events"
    landing.mkdir(parents=True)
    (landing / "chat_events_gate.jsonl").write_text("\n".join(good + bad) + "\n", encoding="utf-8")

    run = run_script(
        "run_pipeline.py",
        "--date",
        DAY.isoformat(),
        "--landing",
        str(tmp_path / "landing"),
        env=pipeline_env(tmp_path),
        check=False,
        timeout=600,
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "│ validate │ FAILED" in run.stdout
    assert "│ dbt " not in run.stdout and "│ publish " not in run.stdout  # nothing after the gate ran
    assert (bi.stat().st_ino, bi.stat().st_mtime_ns) == published  # dashboards keep the last good build


def error_conversations(day: date, rows: int = 15) -> str:
    """Conversation-log lines of one new bot x model, every one an error, in the last
    minute of the reporting day (naive times are reporting-local): rule
    error_rate_last_100 (error level, 10 rows at least) fires and is open."""
    return "".join(
        json.dumps(
            {
                "timestamp": f"{day.isoformat()}T23:59:{i:02d}",
                "user_input": f"question {i}",
                "model_response": "",
                "error": "upstream timeout",
                "bot_id": "b_alarm",
                "user_id": f"u-alarm-{i}",
                "metadata": {"session_id": f"s-alarm-{i}", "message_id": f"m-alarm-{i}", "response_time": 1.0, "model_name": "m-alarm"},
            }
        )
        + "\n"
        for i in range(rows)
    )


def test_open_error_alert_publishes_reports_and_exits_3(pipeline_run: dict, tmp_path: Path) -> None:
    # The dbt test on mart_alerts fails `dbt build` while an error-level alert is open. In
    # the scheduled build it failed the dbt step: exit 1, no BI copy (dashboards stale
    # exactly while something is wrong), no alerts step, no report, and exit 3 never
    # happened. The alerts step is the schedule's alarm, after the copy is published.
    warehouse, bi, published = _copy_with_bi_copy(pipeline_run, tmp_path)
    landing = tmp_path / "landing" / "conversation-logs"
    landing.mkdir(parents=True)
    (landing / "conversations_alarm.jsonl").write_text(error_conversations(DAY), encoding="utf-8")

    env = pipeline_env(tmp_path)
    run = run_script(
        "run_pipeline.py", "--date", DAY.isoformat(), "--landing", str(tmp_path / "landing"), env=env, check=False, timeout=900
    )
    assert run.returncode == 3, run.stdout[-4000:] + run.stderr[-2000:]
    for step in ("land", "validate", "dbt", "publish", "alerts", "report"):
        assert re.search(rf"│ {step} +│ ok ", run.stdout), f"step {step} is not ok:\n" + run.stdout[-3000:]
    assert "error-level alerts fire" in run.stdout
    assert (bi.stat().st_ino, bi.stat().st_mtime_ns) != published  # the copy of this build is published
    with duckdb.connect(str(bi), read_only=True) as copy:
        fired = copy.execute(
            "select alert_id from main.mart_alerts where bot_id = 'b_alarm' and is_open = 1 and severity = 'error'"
        ).fetchall()
    assert ("error_rate_last_100",) in fired
    assert (tmp_path / "reports" / f"report_{DAY.isoformat()}.html").exists()
    alerts = run_script("alerts.py", env=env, check=False)
    assert alerts.returncode == 1 and "b_alarm" in alerts.stdout


def test_report_written_for_the_date(pipeline_run: dict) -> None:
    if not (PROJECT_DIR / "scripts" / "report.py").exists():
        pytest.skip("scripts/report.py is not in this checkout")
    html = pipeline_run["work"] / "reports" / f"report_{DAY.isoformat()}.html"
    assert html.exists() and html.stat().st_size > 1000


# -- an unreadable landing file ----------------------------------------------------------------
def unreadable_landing(folder: Path) -> Path:
    """A header-less CSV among the chat events (the loader cannot read it at all).
    Returns its path as the log shows it, relative to the landing folder."""
    (folder / "chat-events").mkdir(parents=True, exist_ok=True)
    (folder / "chat-events" / "broken.csv").write_text("\n\n  \n", encoding="utf-8")  # blank lines only: no header row
    return Path("chat-events") / "broken.csv"


def final_line(stdout: str) -> str:
    return stdout.rstrip().splitlines()[-1]


def test_unreadable_file_does_not_hold_back_the_build(pipeline_run: dict, tmp_path: Path) -> None:
    # Before: the land step raised StepFailed on the unreadable file, so validate, dbt,
    # publish, alerts and report never ran (exit 1, `│ dbt` missing from the summary), and
    # as the file stays in the folder every later hourly run stopped the same way.
    warehouse, bi, published = _copy_with_bi_copy(pipeline_run, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        bot = con.execute("select min(bot_id) from raw.bots").fetchone()[0]
        exposures_before = con.execute("select sum(exposures) from main.mart_bot_daily_kpis where report_date = ?", [DAY]).fetchone()[0]
    landing = tmp_path / "landing"
    bad = unreadable_landing(landing)
    good = [
        json.dumps(
            {
                "event_id": f"late-{i}",
                "event_time": f"{DAY.isoformat()}T10:00:0{i}+08:00",
                "user_id": "u-late",
                "bot_id": bot,
                "event_type": "exposure",
            }
        )
        for i in range(4)
    ]
    (landing / "chat-events" / "chat_events_late.jsonl").write_text("\n".join(good) + "\n", encoding="utf-8")
    # An open error-level alert too: the output must say both.
    (landing / "conversation-logs").mkdir()
    (landing / "conversation-logs" / "conversations_alarm.jsonl").write_text(error_conversations(DAY), encoding="utf-8")

    run = run_script(
        "run_pipeline.py", "--date", DAY.isoformat(), "--landing", str(landing), env=pipeline_env(tmp_path), check=False, timeout=900
    )
    out = run.stdout
    assert run.returncode == 1, out[-4000:] + run.stderr[-2000:]
    assert f"could not land {(landing / bad).resolve()}: " in out and "needs a header row" in out
    assert re.search(r"│ land +│ PARTIAL ", out), out[-3000:]
    for step in ("validate", "dbt", "publish", "alerts", "report"):
        assert re.search(rf"│ {step} +│ ok ", out), f"step {step} is not ok:\n" + out[-3000:]
    last = final_line(out)
    assert last.startswith("run_pipeline: exit 1: 1 landing file could not be read and was not landed: chat-events/broken.csv"), last
    assert "error-level alerts fire as well" in last, last
    # The good file's rows reached the marts (dbt built them) and the BI copy.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exposures = con.execute("select sum(exposures) from main.mart_bot_daily_kpis where report_date = ?", [DAY]).fetchone()[0]
        landed = {row[0] for row in con.execute("select source_file from raw.load_batches").fetchall()}
    assert exposures == exposures_before + 4
    assert str((landing / "chat-events" / "chat_events_late.jsonl").resolve()) in landed
    assert str((landing / bad).resolve()) not in landed  # the next run tries it again
    assert (bi.stat().st_ino, bi.stat().st_mtime_ns) != published
    with duckdb.connect(str(bi), read_only=True) as copy:
        assert copy.execute("select sum(exposures) from main.mart_bot_daily_kpis where report_date = ?", [DAY]).fetchone()[0] == exposures
    assert (tmp_path / "reports" / f"report_{DAY.isoformat()}.html").exists()


def test_unreadable_file_alone_exits_1_and_lists_it_for_the_dag(pipeline_run: dict, tmp_path: Path) -> None:
    # The steps after land run (here publish); without alerts the final line names the
    # file only, and --unreadable-json (the Airflow land task's) lists it with its reason.
    (tmp_path / "warehouse").mkdir()
    shutil.copyfile(pipeline_run["warehouse"], tmp_path / "warehouse" / "chatbot.duckdb")
    landing = tmp_path / "landing"
    bad = unreadable_landing(landing)
    listed = tmp_path / "unreadable.json"
    env = pipeline_env(tmp_path)
    args = ("--date", DAY.isoformat(), "--landing", str(landing), "--steps", "land,publish", "--unreadable-json", str(listed))
    run = run_script("run_pipeline.py", *args, env=env, check=False)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"│ publish +│ ok ", run.stdout), run.stdout[-3000:]
    assert (tmp_path / "bi" / "chatbot.duckdb").exists()
    assert final_line(run.stdout) == (
        "run_pipeline: exit 1: 1 landing file could not be read and was not landed: chat-events/broken.csv "
        "(every other step ran on the files that did land; fix or remove it, every run tries it again)"
    )
    problems = json.loads(listed.read_text(encoding="utf-8"))
    assert [p["file"] for p in problems] == [str((landing / bad).resolve())]
    assert "needs a header row" in problems[0]["reason"]
    # Fixed (removed): the next run is clean and the list is empty.
    (landing / bad).unlink()
    again = run_script("run_pipeline.py", *args, env=env, check=False)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert json.loads(listed.read_text(encoding="utf-8")) == []


# -- the run's day and dbt vars ----------------------------------------------------------
def test_report_day_of_an_hour() -> None:
    # UTC+8: the hour 15:00-16:00 UTC is 23:00-24:00 local, still June 2.
    assert interval_report_date(datetime(2025, 6, 2, 15, 0, tzinfo=UTC)) == date(2025, 6, 2)
    assert interval_report_date(datetime(2025, 6, 2, 16, 0, tzinfo=UTC)) == date(2025, 6, 3)
    # cron at local 00:05 June 3 (16:05 UTC) closes June 2; at local 01:05 it is June 3.
    assert current_report_date(datetime(2025, 6, 2, 16, 5, tzinfo=UTC)) == date(2025, 6, 2)
    assert current_report_date(datetime(2025, 6, 2, 17, 5, tzinfo=UTC)) == date(2025, 6, 3)


def test_dbt_vars_for_a_day_and_a_backfill() -> None:
    assert dbt_vars_for(DAY, DAY) == {"comparison_end": "2025-06-02"}
    assert dbt_vars_for(date(2025, 6, 1), date(2025, 6, 7)) == {"comparison_start": "2025-06-01", "comparison_end": "2025-06-07"}


# -- usage errors and the lock -------------------------------------------------------------
def test_usage_errors_exit_2(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    missing = run_script("run_pipeline.py", "--date", "2025-06-02", "--landing", str(tmp_path / "nowhere"), env=env, check=False)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    half_range = run_script("run_pipeline.py", "--start", "2025-06-01", "--landing", str(tmp_path), env=env, check=False)
    assert half_range.returncode == 2 and "--start and --end go together" in half_range.stderr
    bad_step = run_script("run_pipeline.py", "--steps", "land,deploy", "--landing", str(tmp_path), env=env, check=False)
    assert bad_step.returncode == 2 and "deploy" in bad_step.stderr


def test_a_second_pipeline_on_the_same_warehouse_exits_4(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "landing").mkdir()
    lock = tmp_path / "warehouse" / "chatbot.duckdb.pipeline.lock"
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "another run" holds it
        busy = run_script("run_pipeline.py", "--steps", "land", "--landing", str(tmp_path / "landing"), env=env, check=False)
    assert busy.returncode == 4 and "another pipeline run" in busy.stderr
    free = run_script("run_pipeline.py", "--steps", "land", "--landing", str(tmp_path / "landing"), env=env, check=False)
    assert free.returncode == 0, free.stdout + free.stderr


# -- publish: atomic, verified, never blocks a reader -----------------------------------------
def _warehouse_with(path: Path, rows: int) -> None:
    """A mart of `rows` rows, a view mart over it, and what must never be published: a raw
    table, an intermediate table and a restricted mart."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw.events as select 'u1' as user_id, '10.0.0.1' as ip")
        con.execute("create or replace table main.int_users as select 'u1' as user_id")
        con.execute("create or replace table main.mart_review_restricted as select 'my phone is ...' as user_input")
        con.execute("create or replace table main.mart_t as select range as x from range(?)", [rows])
        con.execute("create or replace view main.dim_t as select x from main.mart_t where x > 0")


def test_publish_replaces_atomically_under_an_open_reader(tmp_path: Path) -> None:
    source, target = tmp_path / "w.duckdb", tmp_path / "bi" / "w.duckdb"
    _warehouse_with(source, 3)
    first = publish_bi_copy(source, target)
    assert (first.tables, first.rows, first.withheld) == (2, 3 + 2, 3)
    reader = duckdb.connect(str(target), read_only=True)  # a BI tool holding the old copy
    try:
        _warehouse_with(source, 5)  # the hourly build writes while the reader is open
        second = publish_bi_copy(source, target)
        assert second.rows == 5 + 4
        assert reader.execute("select count(*) from main.mart_t").fetchone() == (3,)  # old inode, still readable
    finally:
        reader.close()
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("select count(*) from main.mart_t").fetchone() == (5,)
        # the view mart is a table in the copy (the table it read may not be published)
        assert table_row_counts(fresh) == {"main.dim_t": 4, "main.mart_t": 5}
    assert sorted(p.name for p in target.parent.iterdir()) == ["w.duckdb"]  # no temp file or WAL left


def test_publish_only_marts_and_waits_for_a_writer(tmp_path: Path) -> None:
    source, target = tmp_path / "w.duckdb", tmp_path / "bi" / "w.duckdb"
    _warehouse_with(source, 2)
    with duckdb.connect(str(source)) as con:
        con.execute("create table main.stg_x as select 1 as y")
    # A build holding the warehouse in another process: the publish waits, then gives up
    # with the reason, and publishes nothing.
    with duckdb_lock_held(source), pytest.raises(PublishError, match="cannot open"):
        publish_bi_copy(source, target, lock_timeout_s=1.0)
    assert not target.parent.exists() or not list(target.parent.iterdir())
    result = publish_bi_copy(source, target)
    assert (result.tables, result.withheld) == (2, 4)
    with duckdb.connect(str(target), read_only=True) as copy:
        assert set(table_row_counts(copy)) == {"main.mart_t", "main.dim_t"}
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        con.execute("create table main.int_only as select 1 as y")
    with pytest.raises(PublishError, match="no marts"):
        publish_bi_copy(tmp_path / "empty.duckdb", tmp_path / "bi" / "empty.duckdb")


def test_publish_keeps_the_old_copy_when_the_new_one_does_not_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "w.duckdb", tmp_path / "bi" / "w.duckdb"
    _warehouse_with(source, 3)
    publish_bi_copy(source, target)
    _warehouse_with(source, 4)
    real = publish_module.table_row_counts

    def lying_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        return {k: v + 1 for k, v in real(con).items()}  # the copy "differs" from the warehouse

    monkeypatch.setattr(publish_module, "table_row_counts", lying_counts)
    with pytest.raises(PublishError, match="does not match"):
        publish_bi_copy(source, target)
    with duckdb.connect(str(target), read_only=True) as kept:
        assert kept.execute("select count(*) from main.mart_t").fetchone() == (3,)
    assert sorted(p.name for p in target.parent.iterdir()) == ["w.duckdb"]  # no temp file left


def test_publish_cli_refuses_a_missing_warehouse(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    env["CHATBOT_DUCKDB_PATH"] = str(tmp_path / "never_built.duckdb")
    completed = run_script("publish_bi_copy.py", env=env, check=False)
    assert completed.returncode == 1 and "does not exist" in completed.stderr


# -- unusable output paths: one line and exit 2, before anything is built ---------------------
def test_publish_cli_refuses_a_directory_or_the_warehouse_as_out_before_copying(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    source = tmp_path / "warehouse" / "chatbot.duckdb"
    source.parent.mkdir()
    _warehouse_with(source, 3)
    folder = tmp_path / "a_folder"
    folder.mkdir()
    for out, says in ((folder, "is a directory"), (source, "warehouse file itself")):
        completed = run_script("publish_bi_copy.py", "--out", str(out), env=env, check=False)
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert "Traceback" not in completed.stderr and says in completed.stderr
    assert list(folder.iterdir()) == []  # no copy was built there, no temp file left


def test_publish_refuses_a_directory_before_building_the_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, folder = tmp_path / "w.duckdb", tmp_path / "bi"
    _warehouse_with(source, 3)
    folder.mkdir()

    def no_copy(*args: object) -> None:
        raise AssertionError("the copy was built for a destination that cannot take it")

    monkeypatch.setattr(publish_module, "_write_copy", no_copy)
    with pytest.raises(PublishError, match="is a directory"):
        publish_bi_copy(source, folder)
    a_file = tmp_path / "a_file"
    a_file.touch()
    with pytest.raises(PublishError, match="is a file"):
        publish_bi_copy(source, a_file / "copy.duckdb")


def test_run_pipeline_refuses_unusable_output_paths_before_any_step(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    a_file = tmp_path / "a_file"
    a_file.touch()
    for args, says in (
        (["--steps", "report", "--report-dir", str(a_file)], "--report-dir"),
        (["--steps", "report", "--report-dir", str(a_file / "reports")], "--report-dir"),
        (["--steps", "publish", "--bi-path", str(tmp_path)], "--bi-path"),
        (["--steps", "land", "--landing", str(tmp_path), "--unreadable-json", str(a_file / "x.json")], "--unreadable-json"),
    ):
        completed = run_script("run_pipeline.py", "--date", "2025-06-02", *args, env=env, check=False)
        assert completed.returncode == 2, (args, completed.stdout + completed.stderr)
        assert "Traceback" not in completed.stderr and says in completed.stderr
    env["CHATBOT_REPORT_DIR"] = str(a_file / "reports")  # the env var's folder too
    completed = run_script("run_pipeline.py", "--date", "2025-06-02", "--steps", "report", env=env, check=False)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr and "report folder" in completed.stderr


def test_run_pipeline_bi_path_must_not_be_the_warehouse(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    warehouse = tmp_path / "warehouse" / "chatbot.duckdb"
    completed = run_script(
        "run_pipeline.py", "--date", "2025-06-02", "--steps", "publish", "--bi-path", str(warehouse), env=env, check=False
    )
    assert completed.returncode == 2 and "warehouse file itself" in completed.stderr


def test_run_pipeline_dates_are_written_yyyy_mm_dd(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    for args in (["--date", "20250602"], ["--date", "2025-W23-1"], ["--start", "20250601", "--end", "2025-06-02"]):
        completed = run_script("run_pipeline.py", *args, "--steps", "report", env=env, check=False)
        assert completed.returncode == 2 and "YYYY-MM-DD" in completed.stderr, completed.stderr


def test_wait_lock_waits_for_the_other_run_then_gives_up_with_exit_4(tmp_path: Path) -> None:
    # The Airflow DAG's steps pass --wait-lock: a cron run on the same warehouse is waited
    # for (validate and alerts have no retries), for a bounded time, then exit 4.
    import threading
    import time

    env = pipeline_env(tmp_path)
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "landing").mkdir()
    lock = tmp_path / "warehouse" / "chatbot.duckdb.pipeline.lock"
    args = ("--steps", "land", "--landing", str(tmp_path / "landing"))
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = run_script("run_pipeline.py", *args, "--wait-lock", "1", env=env, check=False)
        assert busy.returncode == 4 and "waited 1 s" in busy.stderr, busy.stderr
        threading.Timer(2.0, lambda: fcntl.flock(handle, fcntl.LOCK_UN)).start()
        started = time.monotonic()
        waited = run_script("run_pipeline.py", *args, "--wait-lock", "60", env=env, check=False)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert time.monotonic() - started >= 2.0 and "waiting up to 60 s" in waited.stderr
