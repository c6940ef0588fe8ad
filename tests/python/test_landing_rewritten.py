"""A landing file rewritten in place lands again, even at the same size.

land_folder skips a file already in raw.load_batches. It used to know a file by its
path and size only, so a producer that rewrote `events_2025-06-10.jsonl` with corrected
records of the same byte size lost them without a message. Now the file's modification
time counts too (raw.load_batches.file_mtime_ns); rows written before that column
existed (NULL) still match by path and size, so an upgrade reloads nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import PROJECT_DIR, PYTHON, SCRIPTS_DIR, query, scratch_env

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"
NAME = "events_2025-06-10.jsonl"

LAND = """
import json, sys
from pathlib import Path
from chatwh.connection import connect
from chatwh.landing import land_folder
with connect("duckdb") as warehouse:
    report = land_folder(warehouse, Path(sys.argv[1]))
print(json.dumps({
    "loaded": report.rows_loaded,
    "rejected": report.rows_rejected,
    "landed": sorted(Path(r.source_file).name for r in report.results),
    "skipped": sorted(p.name for p in report.skipped),
}))
"""


def event(event_id: str) -> str:
    return json.dumps(
        {"event_id": event_id, "event_time": "2025-06-10T10:00:00+08:00", "user_id": "u1", "bot_id": "b_learn", "event_type": "click"}
    )


def write_events(path: Path, *event_ids: str) -> None:
    path.write_text("".join(event(e) + "\n" for e in event_ids), encoding="utf-8")


def land(folder: Path, db: Path) -> dict:
    run = subprocess.run([PYTHON, "-c", LAND, str(folder)], cwd=SCRIPTS_DIR, env=scratch_env(db), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def landing(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "landing"
    (folder / "bots").mkdir(parents=True)
    (folder / "chat-events").mkdir()
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    events = folder / "chat-events" / NAME
    write_events(events, "k1", "k2")
    return folder, events


def rewrite_same_size(path: Path, *event_ids: str) -> None:
    """Rewrite in place with other records of exactly the same byte size, its mtime
    moved on (a rewrite within the file system's clock tick could keep it: made sure)."""
    before = path.stat()
    write_events(path, *event_ids)
    after = path.stat()
    assert after.st_size == before.st_size
    if after.st_mtime_ns == before.st_mtime_ns:
        os.utime(path, ns=(after.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert path.stat().st_mtime_ns != before.st_mtime_ns


def event_ids(db: Path) -> list[str]:
    return [r[0] for r in query(db, "select event_id from raw.chat_events order by 1")]


def test_a_file_rewritten_at_the_same_size_lands_again(tmp_path: Path) -> None:
    folder, events = landing(tmp_path)
    db = tmp_path / "wh.duckdb"
    first = land(folder, db)
    assert first["landed"] == ["bots.csv", NAME]
    assert event_ids(db) == ["k1", "k2"]

    # Unchanged: nothing lands again.
    again = land(folder, db)
    assert (again["landed"], again["skipped"]) == ([], ["bots.csv", NAME])

    # Corrected in place, same size: k2 was wrong, n2 is right (k1 stays).
    rewrite_same_size(events, "k1", "n2")
    corrected = land(folder, db)
    assert event_ids(db) == ["k1", "k2", "n2"]
    assert (corrected["landed"], corrected["skipped"]) == ([NAME], ["bots.csv"])
    # n2 lands; k1 is already loaded (a reject of code already_loaded, not a second row).
    assert (corrected["loaded"], corrected["rejected"]) == (1, 1)
    assert query(db, "select reason_code from raw.load_rejects") == [("already_loaded",)]
    # Two batches of the file, each with the size and the mtime it had when loaded.
    batches = query(db, f"select file_bytes, file_mtime_ns from raw.load_batches where source_file like '%{NAME}' order by started_at")
    assert [b[0] for b in batches] == [events.stat().st_size] * 2
    assert batches[1][1] == events.stat().st_mtime_ns != batches[0][1]

    # And then it is landed: skipped again.
    assert land(folder, db)["skipped"] == ["bots.csv", NAME]


def test_a_touched_file_reloads_without_counting_twice(tmp_path: Path) -> None:
    folder, events = landing(tmp_path)
    db = tmp_path / "wh.duckdb"
    land(folder, db)
    stat = events.stat()
    os.utime(events, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = land(folder, db)
    assert touched["landed"] == [NAME]
    assert (touched["loaded"], touched["rejected"]) == (0, 2)
    assert event_ids(db) == ["k1", "k2"]
    assert query(db, "select count(*) from raw.chat_events") == [(2,)]


def test_a_load_batches_from_before_the_mtime_column_is_upgraded_without_reloading(tmp_path: Path) -> None:
    import duckdb

    folder, events = landing(tmp_path)
    db = tmp_path / "wh.duckdb"
    land(folder, db)
    # raw.load_batches as an older version made it: no file_mtime_ns.
    with duckdb.connect(str(db)) as con:
        con.execute("alter table raw.load_batches drop column file_mtime_ns")

    later = folder / "chat-events" / "events_2025-06-11.jsonl"
    write_events(later, "k3")
    upgraded = land(folder, db)
    # The older rows match by path and size (their mtime is NULL): nothing reloads.
    assert (upgraded["landed"], upgraded["skipped"]) == (["events_2025-06-11.jsonl"], ["bots.csv", NAME])
    batches = query(db, "select regexp_extract(source_file, '[^/]+$'), file_mtime_ns from raw.load_batches order by started_at, 1")
    assert batches == [("bots.csv", None), (NAME, None), ("events_2025-06-11.jsonl", later.stat().st_mtime_ns)]

    # A file loaded after the upgrade is known by its mtime: a same-size rewrite lands.
    rewrite_same_size(later, "n3")
    assert land(folder, db)["landed"] == ["events_2025-06-11.jsonl"]
    assert event_ids(db) == ["k1", "k2", "k3", "n3"]
