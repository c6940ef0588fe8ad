"""Alerts: firing, the once-per-hour de-duplication, open alerts, the severity tests and
`scripts/alerts.py` exit codes, on the hand-written fixture.

b_alert / slow-llm logs 24 conversations of 6.0 s on 2025-06-03 at 09:00, 09:05 … 10:55
(local). Rule avg_response_time_last_100 (> 5 s, at least 10 rows) first holds after
the 10th conversation (09:45) and after every later one: 3 firings in hour 9 (09:45,
09:50, 09:55) and 12 in hour 10 -> two alerts, at 09:45 and 10:00. Rule
avg_response_time_day (at least 20 rows) holds from the 20th (10:35): one alert in hour
10 with 4 repeats suppressed. The latest log is 10:55, so with alert_open_minutes = 60
the 10:00 and 10:35 alerts are open and the 09:45 one is not. All are warn-level.

The error-burst scenario (tests/fixtures/conversations/scenarios, landed only here) adds
b_err / glm-4: 10 conversations 10:10 … 10:55, one empty answer (10:20) and one logged
error (10:35): after the 10th the last-100 error rate is 2/10 = 0.2 > 0.1 -> one open
error-level alert; its poor-answer rate 1/10 stays under 0.2.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, query, query_dicts, run_script, scratch_env

BURST = PROJECT_DIR / "tests" / "fixtures" / "conversations" / "scenarios" / "error_burst_2025-06-03.jsonl"


def dbt_executable() -> str:
    local = Path(sys.executable).parent / "dbt"
    return str(local if local.exists() else PROJECT_DIR / ".venv" / "bin" / "dbt")


@pytest.fixture(scope="module")
def burst(fixture_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the fixture warehouse plus the error burst, alerts rebuilt."""
    folder = tmp_path_factory.mktemp("alerts")
    path = folder / "alerts.duckdb"
    shutil.copy(fixture_warehouse, path)
    env = scratch_env(path)
    run_script("load.py", "conversation-logs", str(BURST), env=env)
    completed = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--select",
            "path:models/intermediate/conversations",
            "path:models/marts/alerts",
            "--indirect-selection",
            "cautious",
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "logs"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = json.loads((folder / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {"db": path, "env": env, "build": completed, "results": results["results"]}


def alerts(db: Path) -> list[dict[str, Any]]:
    return query_dicts(db, "select * from main.mart_alerts order by fired_at, alert_id, bot_id")


def test_firing_and_hourly_deduplication(fixture_warehouse: Path) -> None:
    rows = alerts(fixture_warehouse)
    got = [
        (
            r["alert_id"],
            r["bot_id"],
            r["model_name"],
            str(r["fired_at"]),
            r["fired_local_hour"],
            r["triggered_by_message_id"],
            r["rows_in_window"],
            r["metric_value"],
            r["threshold"],
            r["firings_in_hour"],
            r["suppressed_repeats"],
            r["is_open"],
        )
        for r in rows
    ]
    assert got == [
        ("avg_response_time_last_100", "b_alert", "slow-llm", "2025-06-03 01:45:00", 9, "a10", 10, 6.0, 5.0, 3, 2, 0),
        ("avg_response_time_last_100", "b_alert", "slow-llm", "2025-06-03 02:00:00", 10, "a13", 13, 6.0, 5.0, 12, 11, 1),
        ("avg_response_time_day", "b_alert", "slow-llm", "2025-06-03 02:35:00", 10, "a20", 20, 6.0, 5.0, 5, 4, 1),
    ]
    first = rows[0]
    assert (first["severity"], first["window_type"], first["window_size"], first["window_label"]) == (
        "warn",
        "last_n",
        100,
        "last 100 conversations",
    )
    assert str(first["window_start_at"]) == "2025-06-03 01:00:00"  # a01: the window holds a01 … a10
    assert {str(r["evaluated_as_of"]) for r in rows} == {"2025-06-03 02:55:00"}
    assert [r["minutes_before_evaluation"] for r in rows] == [70.0, 55.0, 20.0]
    assert rows[2]["window_label"] == "day 2025-06-03 so far"
    # b_learn / qwen-7b reaches 10 answers with poor 2/10 and errors 1/10: equal to the
    # thresholds (0.2, 0.1), not above them, so nothing fires
    assert all(r["bot_id"] == "b_alert" for r in rows)


def test_alerts_script_exits_zero_on_warn_only(fixture_warehouse: Path) -> None:
    completed = run_script("alerts.py", env=scratch_env(fixture_warehouse), check=False)
    assert completed.returncode == 0, completed.stderr
    assert "open: 0 error, 2 warn" in completed.stdout
    assert "avg_response_time_day" in completed.stdout and "10:35:00" in completed.stdout  # local time
    history = run_script("alerts.py", "--all", env=scratch_env(fixture_warehouse), check=False)
    assert history.returncode == 0 and "09:45:00" in history.stdout


def test_error_level_alert_fires_fails_its_test_and_the_script(burst: dict[str, Any]) -> None:
    rows = [r for r in alerts(burst["db"]) if r["bot_id"] == "b_err"]
    assert [
        (r["alert_id"], r["severity"], r["triggered_by_message_id"], r["rows_in_window"], r["metric_value"], r["is_open"]) for r in rows
    ] == [("error_rate_last_100", "error", "e10", 10, pytest.approx(0.2), 1)]
    statuses = {r["unique_id"]: (r["status"], r["failures"]) for r in burst["results"]}
    error_test = next(v for k, v in statuses.items() if "mart_alerts_no_open_error_alerts" in k)
    warn_test = next(v for k, v in statuses.items() if "mart_alerts_no_open_warn_alerts" in k)
    assert error_test == ("fail", 1)  # severity error: the build fails
    assert warn_test == ("warn", 2)  # severity warn: reported, not fatal
    others = {k: v for k, v in statuses.items() if "mart_alerts_no_open" not in k}
    assert all(status in ("success", "pass") for status, _ in others.values()), others
    assert burst["build"].returncode == 1
    completed = run_script("alerts.py", env=burst["env"], check=False)
    assert completed.returncode == 1
    assert "open: 1 error, 2 warn" in completed.stdout and "error_rate_last_100" in completed.stdout and "20.0%" in completed.stdout


def test_missing_mart_is_a_clear_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    import duckdb

    duckdb.connect(str(empty)).close()
    completed = run_script("alerts.py", env=scratch_env(empty), check=False)
    assert completed.returncode == 2
    assert "has `dbt build` run on this target?" in completed.stderr
    assert query(empty, "select count(*) from information_schema.tables") == [(0,)]


def test_an_empty_history_says_so_in_words(fixture_warehouse: Path, tmp_path: Path) -> None:
    """`--all` on a mart without firings printed "No all firings."."""
    copy = tmp_path / "no_firings.duckdb"
    shutil.copy(fixture_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from main.mart_alerts")
    history = run_script("alerts.py", "--all", env=scratch_env(copy), check=False)
    assert history.returncode == 0 and "No firings in mart_alerts." in history.stdout, history.stdout
