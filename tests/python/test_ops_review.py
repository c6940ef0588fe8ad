"""Operations review of the schedule: the pipeline lock, the DuckDB file and full disks.

- The pipeline lock is shared with a run's children (dbt, validate_sources.py, ...): a
  killed run_pipeline no longer frees it while its child goes on writing the warehouse,
  and a SIGTERM is passed on to the child and waited for.
- dbt waits for the DuckDB file like the loaders (a report or a manual publish holding it
  made dbt-duckdb fail at once); a manual publish takes the pipeline lock.
- A full disk while publishing or writing a report: one line, the old file kept, no
  temporary file left behind (nor one a killed publish left).
- CHATBOT_BI_DUCKDB_PATH is resolved against the project and checked before the run;
  lock waits that are not finite numbers are refused; server targets' locks are keyed on
  the warehouse, not the target's name.

A full disk is simulated with RLIMIT_FSIZE (a write past the limit fails with EFBIG, as
on a full disk with ENOSPC) or by injecting DuckDB's error: no root, no tmpfs.
"""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, PYTHON, SCRIPTS_DIR, duckdb_lock_held, run_script
from test_pipeline import pipeline_env

from chatwh import publish as publish_module
from chatwh.connection import WarehouseError
from chatwh.publish import PublishError, default_bi_path, publish_bi_copy
from chatwh.schedule import acquire_pipeline_lock, lock_wait_seconds, pipeline_lock_path

LOCKED_DBT = SCRIPTS_DIR / "locked_dbt.sh"


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """This process reads the same profile target as the scripts started with `env`."""
    for key in ("DBT_PROFILES_DIR", "CHATBOT_TARGET", "CHATBOT_DUCKDB_PATH", "CHATBOT_BI_DUCKDB_PATH"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("DBT_TARGET", raising=False)


def warehouse_with(path: Path, rows: int) -> None:
    """A mart of `rows` rows (and a raw table that is never published)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw.events as select 'u1' as user_id")
        con.execute("create or replace table main.mart_t as select range as x, md5(range::varchar) as y from range(?)", [rows])


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan that died may be a zombie for a moment, until init reaps it.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# -- 1. the lock lives as long as the run's children ------------------------------------------
SLEEPER = """\
#!{python}
import os, signal, sys, time
from pathlib import Path
work = Path({work!r})
def stop(signum, frame):
    time.sleep(1.0)  # a dbt that cleans up for a moment
    (work / "child.stopped").write_text("stopped")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
(work / "child.pid").write_text(str(os.getpid()))
time.sleep(120)
"""

PIPELINE = """\
import sys
from pathlib import Path
sys.path.insert(0, {scripts!r})
import run_pipeline
import chatwh.dbt
sleeper = Path({sleeper!r})
run_pipeline._script = lambda name: sleeper          # validate_sources.py, alerts.py, report.py
chatwh.dbt.dbt_executable = lambda target: sleeper   # dbt
sys.exit(run_pipeline.main(["--date", "2025-06-02", "--steps", {step!r}]))
"""


def start_pipeline_with_sleeping_child(work: Path, step: str) -> tuple[subprocess.Popen[str], int, dict[str, str]]:
    """run_pipeline.main for one step whose child (the step's script, or dbt) is a
    sleeper; returns the pipeline process, the child's pid and the env."""
    env = pipeline_env(work)
    (work / "warehouse").mkdir(parents=True, exist_ok=True)
    sleeper = work / "sleeper.py"
    sleeper.write_text(SLEEPER.format(python=PYTHON, work=str(work)), encoding="utf-8")
    sleeper.chmod(0o755)
    program = PIPELINE.format(scripts=str(SCRIPTS_DIR), sleeper=str(sleeper), step=step)
    pipeline = subprocess.Popen(
        [PYTHON, "-c", program], cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    pid_file = work / "child.pid"
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "" or pipeline.poll() is not None, what="the child")
    except AssertionError:
        pipeline.kill()
        raise
    if pipeline.poll() is not None:
        out, err = pipeline.communicate()
        raise AssertionError(f"the pipeline ended before its child started:\n{out[-3000:]}\n{err[-3000:]}")
    return pipeline, int(pid_file.read_text()), env


@pytest.mark.parametrize("step", ["validate", "dbt"])
def test_a_killed_pipeline_keeps_the_lock_while_its_child_runs(step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline, child, env = start_pipeline_with_sleeping_child(tmp_path, step)
    use_env(monkeypatch, env)
    try:
        pipeline.send_signal(signal.SIGKILL)
        pipeline.wait(timeout=30)
        assert alive(child)
        # The next run on this warehouse finds the lock busy (exit 4), not the DuckDB file.
        assert acquire_pipeline_lock(None, 0.0) is None, f"the lock was freed while the {step} child still runs"
    finally:
        os.kill(child, signal.SIGKILL)
    wait_for(lambda: not alive(child), what="the child to end")
    handle = acquire_pipeline_lock(None, 0.0)
    assert handle is not None, "the lock outlived every process that held it"
    handle.close()


def test_sigterm_is_passed_to_the_running_child_and_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline, child, env = start_pipeline_with_sleeping_child(tmp_path, "dbt")
    use_env(monkeypatch, env)
    try:
        pipeline.send_signal(signal.SIGTERM)
        # The pipeline waits for its child (which takes 1 s to stop): the lock stays held.
        time.sleep(0.3)
        assert acquire_pipeline_lock(None, 0.0) is None
        _, err = pipeline.communicate(timeout=60)
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
    assert pipeline.returncode == -signal.SIGTERM, err[-2000:]
    assert (tmp_path / "child.stopped").exists(), "the child did not get the SIGTERM"
    assert not alive(child), "the pipeline ended before its child"
    assert "passed SIGTERM on to pid" in err
    handle = acquire_pipeline_lock(None, 0.0)
    assert handle is not None
    handle.close()


RACE_SCRIPT = textwrap.dedent(
    """
    import os, pathlib, signal, subprocess, sys
    sys.path.insert(0, sys.argv[1])
    from chatwh import schedule

    real_popen = subprocess.Popen

    def popen_then_sigterm(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        pathlib.Path(sys.argv[2]).write_text(str(process.pid))
        os.kill(os.getpid(), signal.SIGTERM)  # after Popen returns, before run_child records it
        return process

    schedule.subprocess.Popen = popen_then_sigterm
    schedule.forward_sigterm()
    schedule.run_child([sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    """
)


def test_a_sigterm_while_the_child_is_being_started_still_reaches_it(tmp_path: Path) -> None:
    """A SIGTERM between Popen and the child being recorded ended the run at once, leaving
    the child (dbt) running without the signal."""
    child_pid = tmp_path / "child.pid"
    done = subprocess.run([PYTHON, "-c", RACE_SCRIPT, str(SCRIPTS_DIR), str(child_pid)], capture_output=True, text=True, timeout=60)
    pid = int(child_pid.read_text())
    try:
        assert done.returncode == -signal.SIGTERM, done.stderr[-2000:]
        assert not alive(pid), "the child never got the SIGTERM"
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


# -- 2. dbt waits for the DuckDB file; a manual publish takes the pipeline lock ---------------
def test_dbt_step_waits_for_the_duckdb_file_before_dbt_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import run_pipeline

    env = pipeline_env(tmp_path)
    use_env(monkeypatch, env)
    warehouse = Path(env["CHATBOT_DUCKDB_PATH"])
    warehouse_with(warehouse, 3)
    started: list[float] = []
    monkeypatch.setattr(run_pipeline, "run_dbt", lambda *args, **kwargs: started.append(time.monotonic()) or 0)
    plan = run_pipeline.parse_plan(["--date", "2025-06-02", "--steps", "dbt"])

    monkeypatch.setenv("CHATBOT_DUCKDB_LOCK_TIMEOUT_S", "1")
    with duckdb_lock_held(warehouse) as holder, pytest.raises(WarehouseError, match=f"locked by another process.*PID {holder.pid}"):
        run_pipeline.step_dbt(plan, run_pipeline.RunState())  # a report holding the file for too long
    assert started == [], "dbt started while another process had the DuckDB file open"

    monkeypatch.setenv("CHATBOT_DUCKDB_LOCK_TIMEOUT_S", "60")
    with duckdb_lock_held(warehouse) as holder:
        threading.Timer(1.5, holder.kill).start()  # the report ends
        begun = time.monotonic()
        run_pipeline.step_dbt(plan, run_pipeline.RunState())
    assert len(started) == 1 and started[0] - begun >= 1.0


def test_wait_for_duckdb_file_is_a_no_op_for_a_free_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatwh.dbt import wait_for_duckdb_file

    env = pipeline_env(tmp_path)
    use_env(monkeypatch, env)
    warehouse_with(Path(env["CHATBOT_DUCKDB_PATH"]), 2)
    begun = time.monotonic()
    wait_for_duckdb_file(None)
    assert time.monotonic() - begun < 10
    with duckdb.connect(env["CHATBOT_DUCKDB_PATH"], read_only=True) as con:  # untouched
        assert con.execute("select count(*) from main.mart_t").fetchone() == (2,)


def test_locked_dbt_waits_for_the_duckdb_file_then_gives_up_without_running_dbt(tmp_path: Path) -> None:
    env = {**pipeline_env(tmp_path), "CHATBOT_DUCKDB_LOCK_TIMEOUT_S": "1", "CHATBOT_LOCK_WAIT_S": "0"}
    warehouse = Path(env["CHATBOT_DUCKDB_PATH"])
    warehouse_with(warehouse, 1)
    with duckdb_lock_held(warehouse) as holder:
        busy = subprocess.run([str(LOCKED_DBT), "debug"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert busy.returncode == 1, busy.stdout[-2000:] + busy.stderr[-2000:]
    assert "dbt did not run" in busy.stderr and f"PID {holder.pid}" in busy.stderr and "Traceback" not in busy.stderr


def test_publish_cli_takes_the_pipeline_lock(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    warehouse_with(Path(env["CHATBOT_DUCKDB_PATH"]), 3)
    bi = Path(env["CHATBOT_BI_DUCKDB_PATH"])
    lock = Path(env["CHATBOT_DUCKDB_PATH"] + ".pipeline.lock")
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a pipeline run holds it
        busy = run_script("publish_bi_copy.py", "--wait-lock", "1", env=env, check=False)
        assert busy.returncode == 4, busy.stdout + busy.stderr
        assert "nothing was published" in busy.stderr and not bi.exists()
        threading.Timer(1.5, lambda: fcntl.flock(handle, fcntl.LOCK_UN)).start()  # the run ends
        waited = run_script("publish_bi_copy.py", env={**env, "CHATBOT_LOCK_WAIT_S": "60"}, check=False)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert "waiting up to 60 s" in waited.stderr and bi.exists()


# -- 3./4. a full disk during publish; temporary files a killed publish left -----------------
class _DiskFullAtCheckpoint:
    """A DuckDB connection whose checkpoint fails as on a full disk."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: object) -> object:
        if sql.strip().lower() == "checkpoint":
            raise duckdb.IOException('IO Error: Could not write file "x.tmp": No space left on device')
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_full_disk_while_publishing_is_one_line_and_keeps_the_old_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "w.duckdb", tmp_path / "bi" / "w.duckdb"
    warehouse_with(source, 3)
    publish_bi_copy(source, target)
    warehouse_with(source, 5)
    real_connect = duckdb.connect

    def connect(path: str, *args: object, **kwargs: object) -> object:
        con = real_connect(path, *args, **kwargs)
        return _DiskFullAtCheckpoint(con) if str(path).endswith(".tmp") else con

    monkeypatch.setattr(publish_module.duckdb, "connect", connect)
    with pytest.raises(PublishError) as raised:
        publish_bi_copy(source, target)
    message = str(raised.value)
    assert message.startswith(f"cannot write the BI copy {target}: No space left on device") and "\n" not in message
    monkeypatch.undo()
    with duckdb.connect(str(target), read_only=True) as kept:
        assert kept.execute("select count(*) from main.mart_t").fetchone() == (3,)
    assert sorted(p.name for p in target.parent.iterdir()) == ["w.duckdb"]  # no temp file or WAL left


def _file_size_limit(limit: int):  # noqa: ANN202
    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def test_run_pipeline_publish_on_a_full_disk_fails_the_step_without_a_traceback(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    warehouse = Path(env["CHATBOT_DUCKDB_PATH"])
    bi = Path(env["CHATBOT_BI_DUCKDB_PATH"])
    warehouse_with(warehouse, 1000)
    publish_bi_copy(warehouse, bi)
    warehouse_with(warehouse, 300_000)  # its copy needs more than the 1 MB left
    completed = subprocess.run(
        [PYTHON, str(SCRIPTS_DIR / "run_pipeline.py"), "--date", "2025-06-02", "--steps", "publish"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(1_000_000),
    )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr[-3000:]
    assert "│ publish" in completed.stdout and "FAILED" in completed.stdout  # the step table is printed
    assert "cannot write the BI copy" in completed.stdout
    with duckdb.connect(str(bi), read_only=True) as kept:
        assert kept.execute("select count(*) from main.mart_t").fetchone() == (1000,)
    assert sorted(p.name for p in bi.parent.iterdir()) == [bi.name]


def test_publish_deletes_temporary_files_a_killed_publish_left(tmp_path: Path) -> None:
    source, target = tmp_path / "w.duckdb", tmp_path / "bi" / "w.duckdb"
    warehouse_with(source, 3)
    target.parent.mkdir()
    stale = [target.parent / ".w.duckdb.k1ll3d.tmp", target.parent / ".w.duckdb.k1ll3d.tmp.wal", target.parent / ".w.duckdb.x_y.tmp"]
    for path in stale:
        path.write_bytes(b"\0" * 4096)
    others = [target.parent / ".other.duckdb.abc.tmp", target.parent / "notes.txt"]  # not this copy's
    for path in others:
        path.write_text("keep")
    publish_bi_copy(source, target)
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(["w.duckdb", *(p.name for p in others)])


# -- 5. a report write that fails leaves no partial file ----------------------------------------
def test_report_write_that_fails_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import report

    out = tmp_path / "reports" / "report_2025-06-02.html"
    report.write_atomic(out, "<html>old</html>")
    real_write_text = Path.write_text

    def disk_full(self: Path, text: str, *args: object, **kwargs: object) -> int:
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)  # half of it made it
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        report.write_atomic(out, "<html>" + "new " * 1000 + "</html>")
    monkeypatch.undo()
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    assert out.read_text(encoding="utf-8") == "<html>old</html>"


def test_report_cli_on_a_full_disk_exits_2_and_leaves_no_partial_file(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    warehouse_with(Path(env["CHATBOT_DUCKDB_PATH"]), 1)
    out = tmp_path / "reports" / "report_2025-06-02.html"
    out.parent.mkdir()
    completed = subprocess.run(
        [PYTHON, str(SCRIPTS_DIR / "report.py"), "--date", "2025-06-02", "--out", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(20_000),  # the HTML embeds plotly.js: megabytes
    )
    assert completed.returncode == 2, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr and "cannot write" in completed.stderr
    assert list(out.parent.iterdir()) == []


# -- 6. CHATBOT_BI_DUCKDB_PATH: relative to the project, checked before the run ----------------
def test_bi_path_env_is_relative_to_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATBOT_BI_DUCKDB_PATH", "warehouse/bi_elsewhere/copy.duckdb")
    assert default_bi_path(tmp_path / "w.duckdb") == (PROJECT_DIR / "warehouse" / "bi_elsewhere" / "copy.duckdb").resolve()
    monkeypatch.delenv("CHATBOT_BI_DUCKDB_PATH")
    assert default_bi_path(tmp_path / "w.duckdb") == tmp_path / "bi" / "w.duckdb"


def test_run_pipeline_checks_the_bi_path_env_before_any_step(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    (tmp_path / "landing").mkdir()
    a_file = tmp_path / "a_file"
    a_file.touch()
    for bad, says in ((a_file / "bi" / "chatbot.duckdb", "is a file"), (tmp_path / "landing", "is a directory")):
        completed = run_script(
            "run_pipeline.py",
            "--date",
            "2025-06-02",
            "--steps",
            "land,publish",
            "--landing",
            str(tmp_path / "landing"),
            env={**env, "CHATBOT_BI_DUCKDB_PATH": str(bad)},
            check=False,
        )
        assert completed.returncode == 2, completed.stdout[-2000:] + completed.stderr[-2000:]
        assert "CHATBOT_BI_DUCKDB_PATH" in completed.stderr and says in completed.stderr and "Traceback" not in completed.stderr
        assert not Path(env["CHATBOT_DUCKDB_PATH"]).exists(), "a step ran before the BI path was checked"


# -- 7. server targets: one lock per warehouse, whatever the target is called -----------------
def test_mysql_and_mariadb_targets_on_one_schema_share_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR / "profiles"))
    monkeypatch.setenv("CHATBOT_MYSQL_PASSWORD", "not-used")
    for key in ("CHATBOT_MYSQL_HOST", "CHATBOT_MYSQL_PORT", "CHATBOT_MYSQL_SCHEMA", "DBT_TARGET"):
        monkeypatch.delenv(key, raising=False)
    same = pipeline_lock_path("mysql")
    assert same == pipeline_lock_path("mariadb")
    assert same.parent == PROJECT_DIR / "warehouse" and same.name.endswith(".lock")
    monkeypatch.setenv("CHATBOT_MYSQL_SCHEMA", "chatbot_other")
    other_schema = pipeline_lock_path("mysql")
    monkeypatch.setenv("CHATBOT_MYSQL_SCHEMA", "chatbot_analytics")
    monkeypatch.setenv("CHATBOT_MYSQL_PORT", "3307")
    other_port = pipeline_lock_path("mariadb")
    monkeypatch.setenv("CHATBOT_MYSQL_PORT", "3306")
    monkeypatch.setenv("CHATBOT_MYSQL_HOST", "db.example")
    other_host = pipeline_lock_path("mysql")
    assert len({same, other_schema, other_port, other_host}) == 4
    # DuckDB: still next to the warehouse file.
    monkeypatch.setenv("CHATBOT_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert pipeline_lock_path("duckdb") == tmp_path / "w.duckdb.pipeline.lock"


# -- 8. lock waits must be finite numbers ------------------------------------------------------
def test_lock_waits_that_are_not_finite_numbers_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatwh.schedule import LockWaitError, lock_wait_value

    for text in ("nan", "inf", "-inf", "abc", ""):
        with pytest.raises(LockWaitError):
            lock_wait_value(text)
    assert lock_wait_value("2.5") == 2.5
    monkeypatch.setenv("CHATBOT_LOCK_WAIT_S", "abc")
    with pytest.raises(LockWaitError, match="CHATBOT_LOCK_WAIT_S"):
        lock_wait_seconds()
    monkeypatch.setenv("CHATBOT_LOCK_WAIT_S", "-5")
    assert lock_wait_seconds() == 0.0

    env = pipeline_env(tmp_path)
    (tmp_path / "landing").mkdir()
    for value in ("nan", "inf"):
        completed = run_script(
            "run_pipeline.py", "--steps", "land", "--landing", str(tmp_path / "landing"), "--wait-lock", value, env=env, check=False
        )
        assert completed.returncode == 2 and "finite" in completed.stderr, completed.stderr
        published = run_script("publish_bi_copy.py", "--wait-lock", value, env=env, check=False)
        assert published.returncode == 2 and "finite" in published.stderr, published.stderr
    dbt = subprocess.run(
        [str(LOCKED_DBT), "debug"], cwd=PROJECT_DIR, env={**env, "CHATBOT_LOCK_WAIT_S": "abc"}, capture_output=True, text=True, timeout=120
    )
    assert dbt.returncode == 2, dbt.stdout + dbt.stderr
    assert dbt.stderr.strip().splitlines() == ["locked_dbt: CHATBOT_LOCK_WAIT_S: not a number of seconds: 'abc'"]


def test_a_landing_path_that_is_a_file_is_not_a_folder(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    a_file = tmp_path / "landing.txt"
    a_file.touch()
    completed = run_script("run_pipeline.py", "--steps", "land", "--landing", str(a_file), env=env, check=False)
    assert completed.returncode == 2 and "is not a folder" in completed.stderr and "does not exist" not in completed.stderr


def test_a_released_lock_is_passed_to_no_child_and_free_for_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the locks this process holds go to a child: once released, a child holds nothing.
    from chatwh.schedule import held_lock_fds, pipeline_lock

    use_env(monkeypatch, pipeline_env(tmp_path))
    with pipeline_lock(None) as acquired:
        assert acquired and len(held_lock_fds()) == 1
    assert held_lock_fds() == ()
    child = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(SCRIPTS_DIR)!r})
        from chatwh.schedule import acquire_pipeline_lock
        sys.exit(0 if acquire_pipeline_lock(None, 0.0) is not None else 4)
        """
    )
    assert subprocess.run([sys.executable, "-c", child], env=dict(os.environ), timeout=60).returncode == 0


@pytest.mark.parametrize("value", ["abc", "nan", "-1"])
def test_a_duckdb_lock_timeout_that_is_no_number_is_one_line(tmp_path: Path, value: str) -> None:
    """CHATBOT_DUCKDB_LOCK_TIMEOUT_S=abc ended every script that opens the warehouse in a
    ValueError traceback."""
    env = {**pipeline_env(tmp_path), "CHATBOT_DUCKDB_LOCK_TIMEOUT_S": value}
    done = run_script("load.py", "bots", str(PROJECT_DIR / "tests" / "fixtures" / "funnel" / "bots" / "bots.csv"), env=env, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"CHATBOT_DUCKDB_LOCK_TIMEOUT_S: not a number of seconds (0 or more): '{value}'" in done.stderr
