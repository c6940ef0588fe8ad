"""What a scheduled run covers: its reporting days, its dbt vars, and how the Airflow DAG
splits `dbt build` into tasks.

Shared by scripts/run_pipeline.py (cron) and dags/chatbot_analytics.py (Airflow, its own
virtualenv), so it imports nothing beyond the standard library and chatwh.project (PyYAML
and Jinja2, which both environments have). tests/python/test_schedule.py checks with
`dbt ls` that the layers cover every node of the project once.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

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


def lock_wait_seconds(default: float = DEFAULT_LOCK_WAIT_S) -> float:
    """The env's lock wait (CHATBOT_LOCK_WAIT_S), else `default`."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    return max(0.0, float(text)) if text else default


def pipeline_lock_path(target: str | None) -> Path:
    """`<warehouse file>.pipeline.lock` next to a DuckDB file, else
    warehouse/.pipeline.<target>.lock for a server target."""
    settings = load_target(target)
    if settings.type == "duckdb":
        duckdb_file = resolve_path(str(settings.settings.get("path", "warehouse/chatbot.duckdb"))).resolve()
        return duckdb_file.with_name(duckdb_file.name + ".pipeline.lock")
    return PROJECT_DIR / "warehouse" / f".pipeline.{settings.name}.lock"


def acquire_pipeline_lock(target: str | None, wait_s: float = 0.0, *, who: str = "pipeline", poll_s: float = 1.0) -> IO[str] | None:
    """The pipeline lock of the target's warehouse (an exclusive flock), waiting up to
    `wait_s` seconds for another run to release it; the open, locked file (closing it
    releases the lock, as does the end of every process that inherited it), or None
    when it stayed busy. A waiting caller says so once on stderr, naming the holder."""
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
    return handle


@contextmanager
def pipeline_lock(target: str | None, wait_s: float = 0.0, *, who: str = "pipeline") -> Iterator[bool]:
    """One pipeline run per warehouse at a time (two cron runs that overlap, or cron and
    Airflow on one file). Yields False when another run held it for all of `wait_s`."""
    handle = acquire_pipeline_lock(target, wait_s, who=who)
    if handle is None:
        yield False
        return
    try:
        yield True
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
