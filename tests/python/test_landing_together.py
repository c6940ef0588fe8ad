"""Landing a folder loads small files of a kind together (runner.group_files): one
parse and one transaction for several files. The result must be what loading the
same files one by one, in order, gives: the same raw rows with their file and line,
the same rejects (file, line, reason code) and the same counts per file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
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


# -- a file that cannot be read at all: the rest still lands -----------------------------
CONVERSATIONS = PROJECT_DIR / "tests" / "fixtures" / "conversations" / "conversation-logs" / "conversations_2025-06-01.jsonl"

LAND_REPORTING = """
import json, sys
from pathlib import Path
from chatwh.connection import connect
from chatwh.landing import LandingError, land_folder
with connect("duckdb") as warehouse:
    report = land_folder(warehouse, Path(sys.argv[1]), check=False)
    try:  # a later run with the default check: nothing new, and it raises naming the file
        land_folder(warehouse, Path(sys.argv[1]))
        again = None
    except LandingError as exc:
        again = [str(exc), len(exc.report.results), len(exc.report.skipped)]
print(json.dumps({
    "landed": sorted(Path(r.source_file).name for r in report.results),
    "failed": [[str(path), reason] for path, reason in report.failed],
    "again": again,
}))
"""


def landing_with_a_poison_file(folder: Path) -> Path:
    """bots, then chat-events with a header-less CSV between two good JSON lines files
    (one group of three small files), then conversation-logs. Returns the bad file."""
    for kind in ("bots", "chat-events", "conversation-logs"):
        (folder / kind).mkdir(parents=True)
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    (folder / "chat-events" / "a.jsonl").write_text(event("p1") + "\n" + event("p2") + "\n", encoding="utf-8")
    bad = folder / "chat-events" / "b.csv"
    bad.write_text("\n\n  \n", encoding="utf-8")  # blank lines only: no header row
    (folder / "chat-events" / "c.jsonl").write_text(event("p3") + "\n", encoding="utf-8")
    shutil.copy(CONVERSATIONS, folder / "conversation-logs" / CONVERSATIONS.name)
    return bad.resolve()


def test_an_unreadable_file_is_reported_and_the_rest_lands(tmp_path: Path) -> None:
    import subprocess

    folder = tmp_path / "land"
    bad = landing_with_a_poison_file(folder)
    db = tmp_path / "poison.duckdb"
    landed = subprocess.run(
        [PYTHON, "-c", LAND_REPORTING, str(folder)], cwd=SCRIPTS_DIR, env=scratch_env(db), capture_output=True, text=True
    )
    assert landed.returncode == 0, landed.stderr
    out = json.loads(landed.stdout)
    assert out["landed"] == ["a.jsonl", "bots.csv", "c.jsonl", CONVERSATIONS.name]
    assert out["failed"] == [[str(bad), f"{bad}: a CSV file needs a header row naming its columns; none found"]]
    message, results, skipped = out["again"]
    assert str(bad) in message and "needs a header row" in message and (results, skipped) == (0, 4)
    assert [r[0] for r in query(db, "select event_id from raw.chat_events order by 1")] == ["p1", "p2", "p3"]
    assert query(db, "select count(*) > 0 from raw.conversation_logs") == [(True,)]
    batches = query(db, "select kind, source_file from raw.load_batches order by 1, 2")
    assert [kind for kind, _ in batches] == ["bots", "chat-events", "chat-events", "conversation-logs"]
    assert str(bad) not in {source for _, source in batches}  # not landed: the next run tries it again


def test_pipeline_land_step_fails_naming_the_file_after_landing_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    bad = landing_with_a_poison_file(folder)
    db = tmp_path / "warehouse" / "chatbot.duckdb"
    run = run_script("run_pipeline.py", "--steps", "land", "--landing", str(folder), env=scratch_env(db), check=False)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"could not land {bad}: a CSV file needs a header row naming its columns; none found\n" in run.stdout
    assert "land failed:" in run.stdout and "chat-events/b.csv" in run.stdout
    assert "landed conversation-logs/" in run.stdout
    assert query(db, "select count(*) from raw.load_batches") == [(4,)]


# -- a file the loader may not open: an OSError is a failed file, not a crash -------------
# The tests run as root, which reads a chmod 000 file all the same: the pipeline runs with
# input_file's `open` refusing one file name, as the OS does for a file without read
# permission (test_a_file_without_read_permission_... does it for real when not root).
PIPELINE_WITH_AN_UNREADABLE_FILE = """
import errno, runpy, sys
from pathlib import Path
from chatwh.loading import input_file

def refusing_open(path, *args, **kwargs):
    if Path(path).name == "b.jsonl":
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    return open(path, *args, **kwargs)

input_file.open = refusing_open
sys.argv = ["run_pipeline.py", *sys.argv[1:]]
runpy.run_path("run_pipeline.py", run_name="__main__")  # the cwd is scripts/
"""


def landing_with_three_event_files(folder: Path) -> Path:
    """bots, then chat-events a.jsonl, b.jsonl, c.jsonl (one group), then
    conversation-logs: every file readable. Returns b.jsonl."""
    for kind in ("bots", "chat-events", "conversation-logs"):
        (folder / kind).mkdir(parents=True)
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    for name, ids in {"a.jsonl": ["p1", "p2"], "b.jsonl": ["p3"], "c.jsonl": ["p4"]}.items():
        (folder / "chat-events" / name).write_text("".join(event(i) + "\n" for i in ids), encoding="utf-8")
    shutil.copy(CONVERSATIONS, folder / "conversation-logs" / CONVERSATIONS.name)
    return (folder / "chat-events" / "b.jsonl").resolve()


def test_a_file_the_loader_may_not_open_is_failed_and_the_rest_lands(tmp_path: Path) -> None:
    import subprocess

    folder = tmp_path / "landing"
    bad = landing_with_three_event_files(folder)
    db = tmp_path / "warehouse" / "chatbot.duckdb"
    run = subprocess.run(
        [PYTHON, "-c", PIPELINE_WITH_AN_UNREADABLE_FILE, "--steps", "land", "--landing", str(folder)],
        cwd=SCRIPTS_DIR,
        env=scratch_env(db),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"could not land {bad}: cannot be read: permission denied\n" in run.stdout
    assert "chat-events/b.jsonl" in run.stdout.splitlines()[-1]
    # the other files of its group and the later kind landed; it is not recorded as landed
    assert [r[0] for r in query(db, "select event_id from raw.chat_events order by 1")] == ["p1", "p2", "p4"]
    assert query(db, "select count(*) > 0 from raw.conversation_logs") == [(True,)]
    assert str(bad) not in {source for (source,) in query(db, "select source_file from raw.load_batches")}
    assert query(db, "select count(*) from raw.load_batches") == [(4,)]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a file without read permission")
def test_a_file_without_read_permission_is_failed_and_the_rest_lands(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    bad = landing_with_three_event_files(folder)
    bad.chmod(0)
    db = tmp_path / "warehouse" / "chatbot.duckdb"
    try:
        run = run_script("run_pipeline.py", "--steps", "land", "--landing", str(folder), env=scratch_env(db), check=False)
    finally:
        bad.chmod(0o644)
    assert "Traceback" not in run.stderr and run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"could not land {bad}: cannot be read: permission denied\n" in run.stdout
    assert [r[0] for r in query(db, "select event_id from raw.chat_events order by 1")] == ["p1", "p2", "p4"]


def test_a_dangling_link_and_a_pipe_are_failed_files_and_the_rest_lands(tmp_path: Path) -> None:
    """Files of an accepted type that cannot be read whoever runs the landing: a link to
    a file that is gone and a named pipe (which must not block the landing)."""
    import subprocess

    folder = tmp_path / "land"
    landing_with_three_event_files(folder)
    gone = folder / "chat-events" / "gone.jsonl"
    gone.symlink_to(folder / "chat-events" / "removed.jsonl")
    pipe = folder / "chat-events" / "pipe.jsonl"
    os.mkfifo(pipe)
    db = tmp_path / "links.duckdb"
    landed = subprocess.run(
        [PYTHON, "-c", LAND_REPORTING, str(folder)], cwd=SCRIPTS_DIR, env=scratch_env(db), capture_output=True, text=True, timeout=120
    )
    assert landed.returncode == 0, landed.stderr
    out = json.loads(landed.stdout)
    assert out["landed"] == ["a.jsonl", "b.jsonl", "bots.csv", "c.jsonl", CONVERSATIONS.name]
    # named as they sit in the folder (the link, not its target)
    assert out["failed"] == [
        [str(gone), f"{gone}: no such file"],
        [str(pipe), f"{pipe}: not a regular file (a pipe, socket or device)"],
    ]
    message, results, skipped = out["again"]
    assert str(gone) in message and str(pipe) in message and (results, skipped) == (0, 5)
    assert [r[0] for r in query(db, "select event_id from raw.chat_events order by 1")] == ["p1", "p2", "p3", "p4"]


# -- entries the landing does not land: listed and printed, never silently dropped ----------
LAND_IGNORED = """
import json, sys
from pathlib import Path
from chatwh.connection import connect
from chatwh.landing import land_folder
folder = Path(sys.argv[1])
with connect("duckdb") as warehouse:
    report = land_folder(warehouse, folder)  # check: ignored entries raise nothing
print(json.dumps({
    "landed": sorted(Path(r.source_file).name for r in report.results),
    "failed": [str(path) for path, _ in report.failed],
    "ignored": [[str(path.relative_to(folder)), reason] for path, reason in report.ignored],
}))
"""


def landing_with_strays(folder: Path) -> None:
    """A landing folder whose bots and chat-events a.jsonl land, with data in places it
    is not landed from, and hidden files that are nobody's data."""
    for kind in ("bots", "chat-events", "chat_events", "chat-events/sub"):
        (folder / kind).mkdir(parents=True)
    shutil.copy(BOTS, folder / "bots" / "bots.csv")
    (folder / "chat-events" / "a.jsonl").write_text(event("s1") + "\n", encoding="utf-8")
    for stray in ("chat_events/x.jsonl", "chat-events/sub/y.jsonl", "chat-events/notes.txt", "chat-events/z.jsonl.gz", "README.md"):
        (folder / stray).write_text(event("never") + "\n", encoding="utf-8")
    for hidden in (".DS_Store", "chat-events/.a.jsonl.swp", "chat-events/.upload.jsonl", ".hidden-folder/x.jsonl"):
        (folder / hidden).parent.mkdir(parents=True, exist_ok=True)
        (folder / hidden).write_text("x", encoding="utf-8")


def test_entries_not_landed_are_listed_with_their_reason(tmp_path: Path) -> None:
    import subprocess

    folder = tmp_path / "land"
    landing_with_strays(folder)
    db = tmp_path / "strays.duckdb"
    landed = subprocess.run([PYTHON, "-c", LAND_IGNORED, str(folder)], cwd=SCRIPTS_DIR, env=scratch_env(db), capture_output=True, text=True)
    assert landed.returncode == 0, landed.stderr
    out = json.loads(landed.stdout)
    assert out["landed"] == ["a.jsonl", "bots.csv"] and out["failed"] == []
    ignored = dict(out["ignored"])
    assert sorted(ignored) == ["README.md", "chat-events/notes.txt", "chat-events/sub", "chat-events/z.jsonl.gz", "chat_events"]
    assert ignored["chat_events"].startswith("not a kind folder (did you mean chat-events?); the kinds are bots, chat-events,")
    assert ignored["README.md"].startswith("a file outside a kind folder (files land from the kind folders: bots, chat-events,")
    assert ignored["chat-events/sub"].startswith("a subfolder of a kind folder")
    assert ignored["chat-events/notes.txt"] == "unsupported file type .txt (accepted: .csv, .json, .jsonl, .ndjson, .parquet)"
    assert ignored["chat-events/z.jsonl.gz"].startswith("a compressed file (.gz) is not read")
    # one line each on stderr, hidden files not among them
    lines = [line for line in landed.stderr.splitlines() if line.startswith("ignored ")]
    assert lines == [f"ignored {folder / name}: {reason}" for name, reason in out["ignored"]]
    assert [r[0] for r in query(db, "select event_id from raw.chat_events")] == ["s1"]


def test_pipeline_land_step_prints_ignored_entries_and_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    landing_with_strays(folder)
    db = tmp_path / "warehouse" / "chatbot.duckdb"
    run = run_script("run_pipeline.py", "--steps", "land", "--landing", str(folder), env=scratch_env(db), check=False)
    # harmless to the run (a stray README must not fail it), but in its log
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"ignored {folder / 'chat_events'}: not a kind folder (did you mean chat-events?)" in run.stderr
    assert f"ignored {folder / 'chat-events' / 'sub'}: a subfolder of a kind folder" in run.stderr
    assert len([line for line in run.stderr.splitlines() if line.startswith("ignored ")]) == 5
