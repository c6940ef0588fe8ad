"""What a scheduled run covers: its reporting days, its dbt vars, and how the Airflow DAG
splits `dbt build` into tasks.

Shared by scripts/run_pipeline.py (cron) and dags/chatbot_analytics.py (Airflow, its own
virtualenv), so it imports nothing beyond the standard library and chatwh.project (PyYAML
and Jinja2, which both environments have). tests/python/test_schedule.py checks with
`dbt ls` that the layers cover every node of the project once.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from .project import PROJECT_DIR, load_target, reporting_offset_hours, resolve_path

# The DAG runs one `dbt build` per layer, in this order. Layers select models (and seeds,
# sources, singular tests); data tests and unit tests follow their models:
# `--indirect-selection buildable` puts a test in the first layer where all its parents
# are built (a relationships test from a mart to a staging model runs with the marts), so
# no test reads a model a later layer has not built yet and none runs twice. Selecting
# models by path alone would also pick a unit test by the folder of its YAML file.
# dags/README.md argues layer vs model.
LAYERS: tuple[tuple[str, str], ...] = (
    ("seeds", "resource_type:seed"),
    ("staging", "source:* path:models/staging,resource_type:model"),
    ("intermediate", "path:models/intermediate,resource_type:model"),
    ("marts", "path:models/marts,resource_type:model path:tests,resource_type:test"),
)
INDIRECT_SELECTION = "buildable"

# A scheduled `dbt build` leaves out the dbt test that fails while an error-level alert is
# open (models/marts/alerts/_alerts__models.yml): the alerts step, which reads the same
# open error-level rows of mart_alerts, is the schedule's alarm (cron exit 3, a failed
# Airflow `alerts` task). Left in, the failing test failed the build step itself, so the
# BI copy was not published and no alerts step or report ran exactly while an alert was
# open - and, as the alert stays open until newer logs close it, hour after hour.
ALERT_GATE_TESTS: tuple[str, ...] = ("mart_alerts_no_open_error_alerts",)


def interval_report_date(data_interval_start: datetime) -> date:
    """Reporting day of an hourly interval: the local date of the hour it covers
    (dbt var reporting_utc_offset_hours)."""
    return (data_interval_start + timedelta(hours=reporting_offset_hours())).date()


def current_report_date(now: datetime | None = None) -> date:
    """Reporting day of the hour that just ended, for a cron run at `now` (the run at
    local 00:05 closes the previous day)."""
    return interval_report_date((now or datetime.now(UTC)) - timedelta(hours=1))


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def last_complete_day(as_of: datetime) -> date:
    """The last reporting day that is complete at `as_of` (an interval's end, a cron
    run's start): the local day before the one `as_of` falls in."""
    return (as_of + timedelta(hours=reporting_offset_hours())).date() - timedelta(days=1)


def dbt_vars_for(start: date, end: date, *, as_of: datetime | None = None) -> dict[str, str]:
    """dbt vars of a run over report dates start..end (start == end for one day).

    An explicit run (`--date`, `--start/--end`, the DAG's start_date/end_date: `as_of`
    None) compares the models over exactly its days: the window ends on the last day
    (left alone it ends yesterday by the wall clock, wrong for past days), a range
    starts on its first day, one day keeps the default 7-day window ending that day.
    A scheduled run (`as_of` = the end of the hour it covers, or the cron run's start)
    builds a day that is still partial for every hour but its last: the window ends on
    the last complete day at `as_of` (the day before the run's day, or the day itself
    once its last hour has ended), as the default "last 7 complete days" promises.
    """
    window_end = end if as_of is None else min(end, last_complete_day(as_of))
    dbt_vars = {"comparison_end": window_end.isoformat()}
    if start < end:
        dbt_vars["comparison_start"] = start.isoformat()
    return dbt_vars


# -- one pipeline run per warehouse at a time ----------------------------------------------
# cron (scripts/run_pipeline.py) and Airflow (its run_pipeline steps, and its dbt tasks
# through scripts/locked_dbt.sh) take the same flock, so they never write one warehouse
# together: DuckDB has one writer, and a second one fails with a lock error. Exit 4 =
# the lock stayed busy.
EXIT_LOCKED = 4
LOCK_WAIT_ENV = "CHATBOT_LOCK_WAIT_S"
# How long an Airflow task (a run_pipeline step, a dbt task) waits for a cron run to
# finish before it gives up with exit 4 (cron itself does not wait: `--wait-lock 0`).
DEFAULT_LOCK_WAIT_S = 1800.0


class LockWaitError(ValueError):
    """A lock wait (--wait-lock, CHATBOT_LOCK_WAIT_S) that is not a finite number of seconds."""


def _finite_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise LockWaitError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value):  # nan passed every comparison and waited forever
        raise LockWaitError(f"not a finite number of seconds: {text!r}")
    return value


def lock_wait_value(text: str) -> float:
    """Seconds to wait for the lock (--wait-lock): a finite number of 0 or more; `nan`,
    `inf` and words are a LockWaitError."""
    value = _finite_seconds(text)
    if value < 0:
        raise LockWaitError(f"must be 0 or more seconds, got {text!r}")
    return value


def lock_wait_seconds(default: float = DEFAULT_LOCK_WAIT_S) -> float:
    """The env's lock wait (CHATBOT_LOCK_WAIT_S; a negative one means 0), else `default`.
    A value that is not a finite number is a LockWaitError naming the variable."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return default
    try:
        return max(0.0, _finite_seconds(text))
    except LockWaitError as exc:
        raise LockWaitError(f"{LOCK_WAIT_ENV}: {exc}") from None


def _warehouse_identity(settings: dict[str, Any], kind: str) -> str:
    """What names a server warehouse, whatever the target is called: a `mysql` and a
    `mariadb` target on one host, port (or socket) and schema are one warehouse. The same
    keys chatwh.connection.MySQLWarehouse and dbt-mysql read."""
    schema = str(settings.get("schema") or settings.get("database") or "")
    if kind == "mysql":
        host = settings.get("server") or settings.get("host")
        if host or not settings.get("unix_socket"):
            port = str(settings.get("port") or 3306).strip()
            where = f"tcp:{str(host or '127.0.0.1').strip().lower()}:{int(port) if port.isdigit() else port}"
        else:
            where = f"socket:{resolve_path(str(settings['unix_socket'])).resolve()}"
        return f"mysql|{where}|{schema}"
    if kind == "spark":
        params = settings.get("server_side_parameters") or {}
        warehouse_dir = params.get("spark.sql.warehouse.dir")
        where = str(resolve_path(str(warehouse_dir)).resolve()) if warehouse_dir else ""
        return f"spark|{settings.get('method', '')}|{settings.get('host', '')}|{settings.get('port', '')}|{where}|{schema}"
    keys = ("host", "server", "port", "unix_socket", "database", "dbname", "catalog", "schema")
    return kind + "|" + "|".join(f"{key}={settings.get(key, '')}" for key in keys)


def pipeline_lock_path(target: str | None) -> Path:
    """`<warehouse file>.pipeline.lock` next to a DuckDB file; else
    warehouse/.pipeline.<type>.<hash>.lock, the hash of the warehouse's identity (host,
    port or socket, schema: `_warehouse_identity`), not of the target's name, so two
    targets on one server schema (`mysql` and `mariadb`) share one lock."""
    settings = load_target(target)
    if settings.type == "duckdb":
        duckdb_file = resolve_path(str(settings.settings.get("path", "warehouse/chatbot.duckdb"))).resolve()
        return duckdb_file.with_name(duckdb_file.name + ".pipeline.lock")
    kind = "mysql" if settings.type in ("mysql", "mariadb") else settings.type
    digest = hashlib.sha256(_warehouse_identity(settings.settings, kind).encode("utf-8")).hexdigest()[:16]
    return PROJECT_DIR / "warehouse" / f".pipeline.{kind}.{digest}.lock"


# The pipeline lock files this process holds. Every child it runs through `run_child`
# (dbt, validate_sources.py, alerts.py, report.py) gets them (pass_fds): a flock belongs to
# the open file, so the lock stays held while any child that shares it lives - a killed
# run_pipeline no longer frees the lock while its dbt goes on writing the warehouse.
_HELD: list[IO[str]] = []


def held_lock_fds() -> tuple[int, ...]:
    """File descriptors of the pipeline locks this process holds (for pass_fds)."""
    _HELD[:] = [handle for handle in _HELD if not handle.closed]
    return tuple(handle.fileno() for handle in _HELD)


def acquire_pipeline_lock(target: str | None, wait_s: float = 0.0, *, who: str = "pipeline", poll_s: float = 1.0) -> IO[str] | None:
    """The pipeline lock of the target's warehouse (an exclusive flock), waiting up to
    `wait_s` seconds for another run to release it; the open, locked file (closing it
    releases the lock once every process that shares it - a child run through
    `run_child`, a program exec'd with it - has ended too), or None when it stayed busy.
    A waiting caller says so once on stderr, naming the holder."""
    lock_path = pipeline_lock_path(target)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - returned to the caller, who closes it
    deadline = time.monotonic() + wait_s
    said = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                handle.close()
                return None
            if not said:
                handle.seek(0)
                holder = handle.read().strip() or "?"
                print(
                    f"{who}: another pipeline run (pid {holder}) holds {lock_path}; waiting up to {wait_s:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                said = True
            time.sleep(min(poll_s, left))
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    # Children share the lock: an exec'd program keeps it (locked_dbt.py), and run_child
    # passes it to its children.
    os.set_inheritable(handle.fileno(), True)
    _HELD.append(handle)
    return handle


@contextmanager
def pipeline_lock(target: str | None, wait_s: float = 0.0, *, who: str = "pipeline") -> Iterator[bool]:
    """One pipeline run per warehouse at a time (two cron runs that overlap, or cron and
    Airflow on one file). Yields False when another run held it for all of `wait_s`.

    On the way out the file is closed, not unlocked (LOCK_UN would free it for a child
    that still shares it): the lock ends with the last process holding it."""
    handle = acquire_pipeline_lock(target, wait_s, who=who)
    if handle is None:
        yield False
        return
    try:
        yield True
    finally:
        handle.close()
        held_lock_fds()  # forget it


# -- children of a run: they share its lock, and SIGTERM reaches them ------------------------
# How long a child that got Ctrl-C with us (the terminal signals the whole group) may take
# to stop on its own before it is killed.
CHILD_INTERRUPT_GRACE_S = 5.0
_RUNNING: list[subprocess.Popen[Any]] = []
_TERMINATING: list[int] = []  # the signal to end with once the running child has stopped
# Set while a child is being started: a SIGTERM between Popen and _RUNNING.append waits
# for it (and is forwarded to it) instead of ending this process with the child unsignalled.
_STARTING: list[bool] = []


def run_child(command: Sequence[str], **popen_kwargs: Any) -> int:
    """Run `command` to its end and return its exit code, like subprocess.run, but as a
    child that shares this process's pipeline locks (`held_lock_fds`, pass_fds) and that a
    SIGTERM of this process is forwarded to (`forward_sigterm`). On Ctrl-C or another
    exception the child is not left running: it gets CHILD_INTERRUPT_GRACE_S to stop on
    its own SIGINT, then is killed."""
    _STARTING.append(True)
    try:
        process = subprocess.Popen(list(command), pass_fds=held_lock_fds(), **popen_kwargs)
        _RUNNING.append(process)
    except BaseException:
        if _TERMINATING:
            _end_by_signal(_TERMINATING[0])
        raise
    finally:
        _STARTING.pop()
    if _TERMINATING:  # a SIGTERM came while it was being started
        process.send_signal(_TERMINATING[0])
    try:
        try:
            return process.wait()
        except BaseException as exc:
            if not isinstance(exc, KeyboardInterrupt):
                process.kill()
            try:
                process.wait(timeout=CHILD_INTERRUPT_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            raise
    finally:
        _RUNNING.remove(process)
        if _TERMINATING:
            _end_by_signal(_TERMINATING[0])


def _end_by_signal(signum: int) -> None:
    """End this process by `signum` with its default action (the exit status a killed
    run had before: -15 for SIGTERM)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    time.sleep(5)  # the signal is delivered before this returns
    os._exit(128 + signum)


def _on_sigterm(signum: int, frame: object) -> None:
    running = [process for process in _RUNNING if process.poll() is None]
    if not running and not _STARTING:  # no child writes the warehouse: end at once, as before
        _end_by_signal(signum)
    _TERMINATING.append(signum)
    for process in running:
        # poll() inside send_signal never blocks on the wait the main thread is in.
        process.send_signal(signum)
    pids = ", ".join(str(process.pid) for process in running)
    os.write(2, f"terminated: passed SIGTERM on to pid {pids}; exiting when it has stopped\n".encode())


def forward_sigterm() -> None:
    """From now on a SIGTERM of this process (a timeout, Airflow stopping a task, `kill`)
    goes first to the child `run_child` is running: this process waits for it to stop,
    then ends by SIGTERM itself, so the pipeline lock it shares with the child is held
    until neither writes the warehouse. Without a child the process ends at once."""
    signal.signal(signal.SIGTERM, _on_sigterm)
