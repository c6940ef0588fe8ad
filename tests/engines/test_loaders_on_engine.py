"""The loaders on a real MySQL/MariaDB or Spark warehouse (not run by `make pytest`).

`scripts/engines/test_engine.sh` runs this file against the engine it started, with
CHATBOT_ENGINE_TARGET=mysql (main .venv, pymysql) or spark (.venv-spark, pyspark):

    CHATBOT_ENGINE_TARGET=mysql .venv/bin/pytest -q tests/engines

Without that variable the module fails: these tests exist to run on an engine, never to
skip. Raw tables go to a scratch schema (`chatbot_analytics_loadertest`; the private
MariaDB grants `chatbot_analytics_*`), dropped once; the bots land once and each test
uses its own event ids (Spark jobs are slow to start, so the module keeps loads few).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from chatwh import landing  # noqa: E402
from chatwh.connection import Warehouse, connect  # noqa: E402
from chatwh.kinds import all_kinds  # noqa: E402
from chatwh.loading import sinks  # noqa: E402
from chatwh.loading.runner import load_file  # noqa: E402

TARGET = os.environ.get("CHATBOT_ENGINE_TARGET")
SCHEMA = "chatbot_analytics_loadertest"

if not TARGET:
    raise RuntimeError(
        "tests/engines needs CHATBOT_ENGINE_TARGET=mysql|mariadb|spark and that engine running (make test-mysql / make test-spark do both)"
    )

BOTS_CSV = (
    "bot_id,bot_name,model_name,business_line,tags,created_at\n"
    "Bot_A,学习助手,qwen-7b,教育,学习辅导|知识问答,2025-01-01T00:00:00Z\n"
    "bot_a,小写机器人,glm-4,社交,情感陪伴,2025-01-02 08:00:00\n"
)


def _event(event_id: str, bot_id: str, event_type: str, event_time: str, **extra: str) -> str:
    return json.dumps(
        {"event_id": event_id, "event_time": event_time, "user_id": "u1", "bot_id": bot_id, "event_type": event_type, **extra},
        ensure_ascii=False,
    )


def events(prefix: str) -> list[str]:
    """6 records: 3 good (ids differing only in case are different events), an unknown
    bot that differs from a known one only in case, a duplicate, and a broken line."""
    return [
        _event(f"{prefix}1", "Bot_A", "exposure", "2025-06-01T10:00:00.123456Z"),
        _event(f"{prefix.lower()}1", "bot_a", "click", "2025-06-01T10:00:05+08:00"),
        _event(f"{prefix}3", "BOT_A", "click", "2025-06-01T10:00:06Z"),
        _event(f"{prefix}1", "Bot_A", "exposure", "2025-06-01T10:00:00.123456Z"),
        '{"event_id": "broken", "event_time": ',
        _event(f"{prefix}6", "Bot_A", "user_message", "2025-06-01 08:30:00", session_id=f"s-{prefix}", platform="微信"),
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with connect(TARGET) as wh:
        patch = pytest.MonkeyPatch()
        patch.setattr(sinks, "raw_schema", lambda: SCHEMA)
        cascade = " cascade" if wh.dialect == "spark" else ""
        wh.execute(f"drop database if exists {wh.quote(SCHEMA)}{cascade}")
        path = tmp_path_factory.mktemp("bots") / "bots.csv"
        path.write_text(BOTS_CSV, encoding="utf-8")
        result = load_file(wh, all_kinds()["bots"], str(path))
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
        yield wh
        patch.undo()


@pytest.fixture(autouse=True)
def scratch_schema(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sinks, "raw_schema", lambda: SCHEMA)
    monkeypatch.setattr(landing, "raw_schema", lambda: SCHEMA)


def _rows(wh: Warehouse, sql: str) -> list[tuple]:
    return [tuple(r) for r in wh.fetchall(sql)]


def _count(wh: Warehouse, table: str, where: str = "") -> int:
    return int(wh.fetchall(f"select count(*) from {wh.relation(SCHEMA, table)} {where}")[0][0])


def _batch(result: object) -> str:
    return f"where _batch_id = '{result.batch_id}'"  # type: ignore[attr-defined]


def test_rows_rejects_and_batch_land_with_exact_values(warehouse: Warehouse, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(events("E")) + "\n", encoding="utf-8")

    result = load_file(warehouse, all_kinds()["chat-events"], str(path))

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 3, 3)
    assert result.reasons == {"unknown_bot": 1, "duplicate_in_file": 1, "invalid_json": 1}
    table = warehouse.relation(SCHEMA, "chat_events")
    landed = _rows(
        warehouse, f"select event_id, bot_id, event_time, session_id, platform from {table} {_batch(result)} order by _line_number"
    )
    # Byte-exact ids, microseconds kept, offsets and the naive (UTC+8) time made UTC.
    assert landed == [
        ("E1", "Bot_A", datetime(2025, 6, 1, 10, 0, 0, 123456), None, None),
        ("e1", "bot_a", datetime(2025, 6, 1, 2, 0, 5), None, None),
        ("E6", "Bot_A", datetime(2025, 6, 1, 0, 30, 0), "s-E", "微信"),
    ]
    rejects = warehouse.relation(SCHEMA, "load_rejects")
    assert sorted(_rows(warehouse, f"select line_number, reason_code from {rejects} where batch_id = '{result.batch_id}'")) == [
        (3, "unknown_bot"),
        (4, "duplicate_in_file"),
        (5, "invalid_json"),
    ]
    batches = warehouse.relation(SCHEMA, "load_batches")
    assert _rows(warehouse, f"select rows_read, rows_loaded, rows_rejected from {batches} where batch_id = '{result.batch_id}'") == [
        (6, 3, 3)
    ]
    # Text compares byte for byte on every engine (utf8mb4_bin on MySQL).
    assert _rows(warehouse, f"select event_id from {table} where bot_id = 'bot_a' and event_id like 'e%'") == [("e1",)]


def test_reload_under_another_name_changes_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    first = tmp_path / "reload.jsonl"
    first.write_text("\n".join(events("R")) + "\n", encoding="utf-8")
    assert load_file(warehouse, all_kinds()["chat-events"], str(first)).rows_loaded == 3
    before = _count(warehouse, "chat_events")
    again = tmp_path / "reload_copy.jsonl"
    again.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")

    result = load_file(warehouse, all_kinds()["chat-events"], str(again))

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 0, 6)
    assert result.reasons == {"already_loaded": 3, "unknown_bot": 1, "duplicate_in_file": 1, "invalid_json": 1}
    assert _count(warehouse, "chat_events") == before
    assert _count(warehouse, "load_batches", f"where batch_id = '{result.batch_id}'") == 1


def _many_events(n: int, prefix: str) -> str:
    return "\n".join(_event(f"{prefix}{i:03d}", "Bot_A", "exposure", f"2025-06-02T00:00:{i % 60:02d}Z") for i in range(n)) + "\n"


@pytest.mark.skipif(TARGET == "spark", reason="MySQL-only: one transaction per file (Spark: see the next test)")
def test_mysql_failure_mid_file_leaves_nothing(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text(_many_events(12, "M"), encoding="utf-8")
    monkeypatch.setattr(sinks.MySQLSink, "BATCH_ROWS", 5)
    calls = {"n": 0}
    original = type(warehouse).executemany

    def failing_executemany(self: Warehouse, sql: str, rows: list) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first batch of 5 rows is already written
            raise RuntimeError("connection lost")
        original(self, sql, rows)

    monkeypatch.setattr(type(warehouse), "executemany", failing_executemany)
    with pytest.raises(RuntimeError, match="connection lost"):
        load_file(warehouse, all_kinds()["chat-events"], str(path))
    monkeypatch.undo()
    monkeypatch.setattr(sinks, "raw_schema", lambda: SCHEMA)

    assert _count(warehouse, "chat_events", "where event_id like 'M%'") == 0
    assert _count(warehouse, "load_batches", f"where source_file = '{path}'") == 0

    result = load_file(warehouse, all_kinds()["chat-events"], str(path))  # the retry lands it all
    assert (result.rows_loaded, result.rows_rejected) == (12, 0)
    assert _count(warehouse, "chat_events", "where event_id like 'M%'") == 12


@pytest.mark.skipif(TARGET != "spark", reason="Spark-only")
def test_spark_crash_between_inserts_then_reload_is_exact(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark has no multi-table transaction: each INSERT is atomic, the batch record comes
    last, and reloading after a crash neither duplicates nor loses a row."""
    path = tmp_path / "crash.jsonl"
    path.write_text(_many_events(7, "S") + '{"broken\n', encoding="utf-8")
    original = type(warehouse).execute

    def failing_execute(self: Warehouse, sql: str, params: dict | None = None) -> None:
        if "load_rejects" in sql and sql.lstrip().lower().startswith("insert"):
            raise RuntimeError("executor lost")
        original(self, sql, params)

    monkeypatch.setattr(type(warehouse), "execute", failing_execute)
    with pytest.raises(RuntimeError, match="executor lost"):
        load_file(warehouse, all_kinds()["chat-events"], str(path))
    monkeypatch.setattr(type(warehouse), "execute", original)

    assert _count(warehouse, "chat_events", "where event_id like 'S%'") == 7  # the rows' INSERT had committed
    assert _count(warehouse, "load_batches", f"where source_file = '{path}'") == 0

    result = load_file(warehouse, all_kinds()["chat-events"], str(path))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 0, 8)
    assert result.reasons == {"already_loaded": 7, "invalid_json": 1}
    assert _count(warehouse, "chat_events", "where event_id like 'S%'") == 7
    assert _count(warehouse, "load_batches", f"where source_file = '{path}'") == 1


def _rewrite_same_size(path: Path, text: str) -> None:
    """Rewrite in place with other text of the same byte size, its mtime moved on."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_landing_reloads_a_file_rewritten_at_the_same_size(warehouse: Warehouse, tmp_path: Path) -> None:
    """land_folder knows a landed file by path, size and mtime: a same-size rewrite lands
    again (its new records load, the old ones are already_loaded rejects)."""
    path = tmp_path / "landing" / "chat-events" / "events_2025-06-10.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(_many_events(3, "W"), encoding="utf-8")
    first = landing.land_folder(warehouse, tmp_path / "landing")
    assert (len(first.results), first.rows_loaded) == (1, 3)
    assert landing.land_folder(warehouse, tmp_path / "landing").skipped == [path]

    _rewrite_same_size(path, _many_events(3, "W").replace("W002", "X002"))
    again = landing.land_folder(warehouse, tmp_path / "landing")
    assert (again.skipped, again.rows_loaded, again.rows_rejected) == ([], 1, 2)
    table = warehouse.relation(SCHEMA, "chat_events")
    assert sorted(_rows(warehouse, f"select event_id from {table} where event_id in ('W002', 'X002')")) == [("W002",), ("X002",)]
    mtimes = _rows(warehouse, f"select file_mtime_ns from {warehouse.relation(SCHEMA, 'load_batches')} where source_file = '{path}'")
    assert sorted(int(m) for (m,) in mtimes) == [path.stat().st_mtime_ns - 1_000_000_000, path.stat().st_mtime_ns]


OLD_BATCH_DDL = {
    # raw.load_batches as versions before file_mtime_ns made it.
    "mysql": "batch_id varchar(255), kind varchar(255), source_file mediumtext, file_bytes bigint, rows_read bigint,"
    " rows_loaded bigint, rows_rejected bigint, started_at datetime(6), finished_at datetime(6)",
    "spark": "batch_id string, kind string, source_file string, file_bytes bigint, rows_read bigint,"
    " rows_loaded bigint, rows_rejected bigint, started_at timestamp, finished_at timestamp",
}


def test_an_older_load_batches_gets_the_mtime_column_and_reloads_nothing(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_schema = SCHEMA + "_old"
    monkeypatch.setattr(sinks, "raw_schema", lambda: old_schema)
    monkeypatch.setattr(landing, "raw_schema", lambda: old_schema)
    spark = warehouse.dialect == "spark"
    warehouse.execute(f"drop database if exists {warehouse.quote(old_schema)}{' cascade' if spark else ''}")
    warehouse.execute(f"create database {warehouse.quote(old_schema)}")
    batches = warehouse.relation(old_schema, "load_batches")
    warehouse.execute(f"create table {batches} ({OLD_BATCH_DDL['spark' if spark else 'mysql']}){' using parquet' if spark else ''}")
    old = tmp_path / "landing" / "chat-events" / "events_2025-06-09.jsonl"
    old.parent.mkdir(parents=True)
    old.write_text(_many_events(2, "U"), encoding="utf-8")
    warehouse.execute(
        f"insert into {batches} values ('old-batch', 'chat-events', :path, :size, 2, 2, 0,"
        " timestamp '2025-06-09 00:00:00', timestamp '2025-06-09 00:00:01')",
        {"path": str(old.resolve()), "size": old.stat().st_size},
    )
    new = old.parent / "events_2025-06-10.jsonl"
    new.write_text(_many_events(1, "V"), encoding="utf-8")

    report = landing.land_folder(warehouse, tmp_path / "landing")

    # The old row (NULL mtime) matches by path and size: only the new file lands.
    assert (report.skipped, [Path(r.source_file).name for r in report.results]) == ([old], [new.name])
    rows = _rows(warehouse, f"select batch_id, file_mtime_ns from {batches} order by started_at")
    assert rows == [("old-batch", None), (report.results[0].batch_id, new.stat().st_mtime_ns)]
    warehouse.execute(f"drop database if exists {warehouse.quote(old_schema)}{' cascade' if spark else ''}")
