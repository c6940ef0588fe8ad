"""Landing a folder loads small files of a kind together (runner.group_files): one
parse and one transaction for several files. The result must be what loading the
same files one by one, in order, gives: the same raw rows with their file and line,
the same rejects (file, line, reason code) and the same counts per file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import PROJECT_DIR, PYTHON, SCRIPTS_DIR, query, run_script, scratch_env

BOTS = PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"

LAND = """
import sys
from pathlib import Path
from chatwh.connection import connect
from chatwh.landing import land_folder
with connect("duckdb") as warehouse:
    report = land_folder(warehouse, Path(sys.argv[1]))
print(report.rows_read, report.rows_loaded, report.rows_rejected)
"""


def event(event_id: str, **overrides: object) -> str:
    base = {"event_id": event_id, "event_time": "2025-06-01T10:00:00+08:00", "user_id": "u1", "bot_id": "b_learn", "event_type": "click"}
    base.update(overrides)
    return json.dumps({k: v for k, v in base.items() if v is not None})


FILES = {
    # the first file lands k1 and k2; k2 again is a duplicate in the file
    "a.jsonl": [event("k1"), event("k2"), event("k2"), '{"event_id": "broken", ', event("ghost", bot_id="b_nope"), ""],
    # k1 and k2 came with an earlier file; k3 twice is a duplicate in this file
    "b.jsonl": [event("k1"), event("k3"), event("k3"), event("k2"), event("bad_time", event_time="yesterday")],
    "c.jsonl": [],
    # k1 twice: the first is already loaded (file a), the second a duplicate in this file
    "d.jsonl": [event("k4"), event("k1"), event("k1")],
}


def tables(db: Path) -> dict[str, list[tuple]]:
    return {
        "events": query(db, "select * exclude (_batch_id, _loaded_at) from raw.chat_events order by _source_file, _line_number"),
        "rejects": query(db, "select source_file, line_number, reason_code from raw.load_rejects where kind = 'chat-events' order by 1, 2"),
        "batches": query(
            db,
            "select source_file, file_bytes, rows_read, rows_loaded, rows_rejected from raw.load_batches"
            " where kind = 'chat-events' order by 1",
        ),
    }


def test_files_landed_together_equal_files_loaded_one_by_one(tmp_path: Path) -> None:
    folder = tmp_path / "land"
    (folder / "bots").mkdir(parents=True)
    (folder / "chat-events").mkdir()
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    paths = []
    for name, lines in FILES.items():
        path = (folder / "chat-events" / name).resolve()
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        paths.append(str(path))

    together = tmp_path / "together.duckdb"
    env = scratch_env(together)
    import subprocess

    landed = subprocess.run([PYTHON, "-c", LAND, str(folder)], cwd=SCRIPTS_DIR, env=env, capture_output=True, text=True)
    assert landed.returncode == 0, landed.stderr

    one_by_one = tmp_path / "one_by_one.duckdb"
    run_script("load.py", "bots", str((folder / "bots" / "bots.csv").resolve()), env=scratch_env(one_by_one))
    run_script("load.py", "chat-events", *paths, env=scratch_env(one_by_one))

    assert tables(together) == tables(one_by_one)
    # ... and the four files were one load: one start time, one parse.
    assert query(together, "select count(distinct started_at), count(*) from raw.load_batches where kind = 'chat-events'") == [(1, 4)]
    assert query(one_by_one, "select count(distinct started_at) from raw.load_batches where kind = 'chat-events'") == [(4,)]
    rejects = dict(
        query(together, "select source_file || ':' || line_number, reason from raw.load_rejects where reason_code = 'already_loaded'")
    )
    assert rejects[paths[1] + ":1"] == "already_loaded: event_id is in an earlier file of the same load"
    assert query(together, "select sum(rows_read) = sum(rows_loaded) + sum(rows_rejected) from raw.load_batches") == [(True,)]
    assert [r[0] for r in query(together, "select event_id from raw.chat_events order by 1")] == ["k1", "k2", "k3", "k4"]


class _FakeSink:
    loads_files_together = True


def test_small_files_share_loads_and_large_files_load_alone(tmp_path: Path, monkeypatch) -> None:
    """Consecutive small files share a load up to the byte cap; a file of
    ALONE_FROM_BYTES or more is a load of its own and takes no small file after it."""
    from chatwh.kinds import all_kinds
    from chatwh.loading import runner

    monkeypatch.setattr(runner, "sink_for", lambda warehouse: _FakeSink())
    mb = 1024 * 1024
    sizes = {"a": 10, "b": 10, "big1": 70, "c": 10, "d": 150, "e": 60, "f": 60, "h": 60, "i": 60, "j": 30, "big2": 300, "g": 1}
    paths = []
    for name, size in sizes.items():
        path = tmp_path / f"{name}.jsonl"
        with path.open("wb") as handle:  # sparse: no bytes written
            handle.truncate(size * mb)
        paths.append(str(path))
    groups = runner.group_files(None, all_kinds()["chat-events"], paths)  # type: ignore[arg-type]
    names = [[Path(p).stem for p in group] for group in groups]
    assert runner.ALONE_FROM_BYTES == 64 * mb and runner.MAX_BYTES_PER_LOAD == 256 * mb
    assert names == [["a", "b"], ["big1"], ["c"], ["d"], ["e", "f", "h", "i"], ["j"], ["big2"], ["g"]]
