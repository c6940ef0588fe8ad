"""The date macros give the same reporting day whatever the time zone of the host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from test_stats_macros import compile_inline

REPORTING_OFFSET_HOURS = 8  # dbt_project.yml var reporting_utc_offset_hours
# UTC+14 and UTC-12: at any hour one of them is on another calendar day than UTC+8, so a
# macro that read the session's zone would give a wrong day in one of them, whenever
# the test runs.
ZONES = ("UTC", "Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12")


def test_current_report_date_ignores_the_session_time_zone(tmp_path: Path) -> None:
    """DuckDB's TimeZone setting defaults to the host's zone; "the last 7 complete days"
    of the model comparison must not move with it (a UTC+8 laptop would be 8 hours ahead)."""
    sql = compile_inline("select {{ current_report_date() }} as report_date", tmp_path)
    con = duckdb.connect()
    for zone in ZONES:
        con.execute(f"set TimeZone = '{zone}'")
        before = (datetime.now(UTC) + timedelta(hours=REPORTING_OFFSET_HOURS)).date()
        (got,) = con.execute(sql).fetchone()  # type: ignore[misc]
        after = (datetime.now(UTC) + timedelta(hours=REPORTING_OFFSET_HOURS)).date()
        assert got in (before, after), (zone, got, before)
