"""What a scheduled run covers: its reporting days, its dbt vars, and how the Airflow DAG
splits `dbt build` into tasks.

Shared by scripts/run_pipeline.py (cron) and dags/chatbot_analytics.py (Airflow, its own
virtualenv), so it imports nothing beyond the standard library and chatwh.project (PyYAML
and Jinja2, which both environments have). tests/python/test_schedule.py checks with
`dbt ls` that the layers cover every node of the project once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from .project import reporting_offset_hours

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


def dbt_vars_for(start: date, end: date) -> dict[str, str]:
    """dbt vars of a run over report dates start..end (start == end for one day).

    The model comparison window ends on the run's last day (left alone it ends
    yesterday by the wall clock, which is wrong for a backfill of past days); a backfill
    of a range compares the models over exactly that range, one day keeps the default
    7-day window ending that day.
    """
    dbt_vars = {"comparison_end": end.isoformat()}
    if start < end:
        dbt_vars["comparison_start"] = start.isoformat()
    return dbt_vars
