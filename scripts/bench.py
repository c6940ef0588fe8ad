"""Benchmark the warehouse end to end on generated data, and compare it with the pandas
way, with one hand-written DuckDB query (the floor) and with the same four KPI marts
computed by hand.

    python scripts/bench.py [--events 10000000] [--days 28] [--with-pandas] [--json PATH]
                            [--work DIR] [--keep] [--seed 7]

Everything runs in this process tree (each step a child process, so the peak resident
memory of the whole tree is sampled per step with psutil):

1. generate `--events` chat events over `--days` days, with the logs, feedback and eval
   rows the other generators write in proportion (scripts/generate_demo_data.py);
2. load every day but the last with the loaders (validation and rejects as the contract
   says), then read the same files once more with one plain DuckDB `read_json` /
   `read_csv` per file into a table (the direct read) for the load-rate ratio;
3. `dbt run --full-refresh` (models only) and `dbt build --full-refresh` (with tests):
   wall time and peak memory; then the KPI step — the models from staging to the daily
   KPI marts — on its own (`--select +mart_..._daily_kpis`, with and without tests), its
   time taken from dbt's own run_results.json; then, on the same days, the references of
   steps 6 and 7 (timed on the data the KPI step built, and checked against its marts);
4. load the last day, then `dbt run` and (on a copy of the warehouse) `dbt build`:
   incremental builds, as a ratio to the full ones; then two lower bounds of the
   incremental ratio: `dbt run --empty` (every model, each reading no rows: dbt's own
   cost per model, the least a run of every model costs) and `dbt run` selecting no
   model (dbt's start, the least any run costs); between them `dbt run` once more with
   nothing new, the fixed cost of an incremental run of this project;
5. the floor once more over every day: mart_bot_daily_kpis, built incrementally with
   the last day, must still equal it (a check, not timed as a reference);
6. the daily bot KPIs by one DuckDB query over the raw table (the floor) and, with
   `--with-pandas`, the pandas way (JSONL into a DataFrame, group by); the three results
   (floor, pandas, mart_bot_daily_kpis) must be identical. Beside the floor, one
   CREATE TABLE AS copy of the raw event table: the least writing an event-grain table
   costs (a lower bound of the KPI step of any design that materialises one);
7. the same work as the KPI step by hand: every count column of the four daily KPI marts
   in plain DuckDB SQL over the raw tables (one temporary user-day table, one query per
   mart). The floor computes 6 numbers of one mart, the KPI step 15 of four, so this is
   the reference that tells dbt's layering from the extra KPIs; each of its four results
   must be identical to its mart.

DuckDB runs with a memory limit (--duckdb-memory-limit, default 1500MB, passed as the
profile's CHATBOT_DUCKDB_MEMORY_LIMIT): with Python and dbt on top, the process tree stays
under 2 GB.
`--json PATH` writes the figures as one object (incremental_to_full_ratio,
load_to_direct_read_ratio, kpi_to_pandas_ratio, kpi_to_sql_floor_ratio, kpi_to_same_work_ratio,
peak_rss_mb, ...).
The work folder (default warehouse/bench) is emptied first and removed afterwards unless
`--keep`. Exit codes: 0 ok, 1 a step failed or the KPI results disagree, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from chatwh.bench.dbt_results import BOT_KPI_MODELS, INCREMENTAL_FUNNEL_MODELS, KPI_MODELS, Step, node_seconds, slowest, step_time  # noqa: E402
from chatwh.bench.kpis import (  # noqa: E402
    KPI_COLUMNS,
    MARTS,
    as_mapping,
    bot_mart_floor_columns_sql,
    differences,
    floor_sql,
    mart_select_sql,
    pandas_daily_bot_kpis,
    run_same_work,
)
from chatwh.bench.monitor import PeakMemory  # noqa: E402
from chatwh.project import PROJECT_DIR, profiles_dir, raw_schema, reporting_offset_hours  # noqa: E402
from chatwh.schedule import ALERT_GATE_TESTS  # noqa: E402

console = Console(highlight=False, width=150)
PY = sys.executable
DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
DIRECT_READERS = {".jsonl": "read_json", ".ndjson": "read_json", ".json": "read_json", ".csv": "read_csv", ".parquet": "read_parquet"}


@dataclass
class Measure:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds > 0 else None


class StepFailed(RuntimeError):
    pass


# -- child phases (run as `bench.py --phase NAME`, one process each) -------------------
def phase_land(folder: Path) -> dict[str, Any]:
    from chatwh.connection import connect
    from chatwh.landing import land_folder

    with connect("duckdb") as warehouse:
        report = land_folder(warehouse, folder, skip_landed=False)
    kinds: dict[str, dict[str, float]] = {}
    for r in report.results:
        entry = kinds.setdefault(r.kind, {"files": 0, "read": 0, "loaded": 0, "rejected": 0, "seconds": 0.0})
        entry["files"] += 1
        entry["read"] += r.rows_read
        entry["loaded"] += r.rows_loaded
        entry["rejected"] += r.rows_rejected
        entry["seconds"] += r.seconds
    return {"kinds": kinds}


def phase_direct(folder: Path) -> dict[str, Any]:
    """Each file once more with one plain DuckDB read into a table of the same warehouse."""
    from chatwh.connection import connect

    kinds: dict[str, dict[str, float]] = {}
    with connect("duckdb") as warehouse:
        con = warehouse.con  # type: ignore[attr-defined]
        con.execute("create schema if not exists bench_direct")
        for kind_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            for path in sorted(kind_dir.iterdir()):
                reader = DIRECT_READERS.get(path.suffix.lower())
                if reader is None:
                    continue
                options = ", ignore_errors = true" if reader != "read_parquet" else ""
                literal = "'" + str(path.resolve()).replace("'", "''") + "'"
                started = time.perf_counter()
                con.execute(f"create or replace table bench_direct.t as select * from {reader}({literal}{options})")
                seconds = time.perf_counter() - started
                (rows,) = con.execute("select count(*) from bench_direct.t").fetchone()
                con.execute("drop table bench_direct.t")
                entry = kinds.setdefault(kind_dir.name, {"files": 0, "rows": 0, "seconds": 0.0})
                entry["files"] += 1
                entry["rows"] += int(rows)
                entry["seconds"] += seconds
        con.execute("drop schema bench_direct cascade")
    return {"kinds": kinds}


def phase_floor() -> dict[str, Any]:
    from chatwh.connection import connect

    with connect("duckdb", read_only=True) as warehouse:
        started = time.perf_counter()
        rows = warehouse.con.execute(floor_sql(raw_schema(), reporting_offset_hours())).fetchall()  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": [[r[0].isoformat(), *r[1:]] for r in rows]}


def phase_event_copy() -> dict[str, Any]:
    """One CREATE TABLE AS of the raw event table: what writing any event-grain model costs
    at least (the issue asks for the event-grain models to be incremental tables), so a
    KPI step that materialises one cannot be faster than this."""
    from chatwh.connection import connect

    with connect("duckdb") as warehouse:
        con = warehouse.con  # type: ignore[attr-defined]
        con.execute("create schema if not exists bench_copy")
        started = time.perf_counter()
        con.execute(f'create or replace table bench_copy.chat_events as select * from "{raw_schema()}".chat_events')
        seconds = time.perf_counter() - started
        (rows,) = con.execute("select count(*) from bench_copy.chat_events").fetchone()
        con.execute("drop schema bench_copy cascade")
    return {"seconds": seconds, "rows": int(rows)}


def phase_same_work() -> dict[str, Any]:
    """The four daily KPI marts' count columns by hand (chatwh.bench.kpis), timed as one."""
    from chatwh.connection import connect

    with connect("duckdb", read_only=True) as warehouse:
        con = warehouse.con  # type: ignore[attr-defined]
        started = time.perf_counter()
        results = run_same_work(con, raw_schema(), reporting_offset_hours())  # temporary tables: the file is not written
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": {mart: [[r[0].isoformat(), *r[1:]] for r in rows] for mart, rows in results.items()}}


def phase_pandas(folder: Path) -> dict[str, Any]:
    events = sorted((folder / "chat-events").glob("*.jsonl"))
    bots = folder / "bots" / "bots.csv"
    started = time.perf_counter()
    kpis = pandas_daily_bot_kpis(events, bots, reporting_offset_hours())
    seconds = time.perf_counter() - started
    rows = [[str(r.report_date), r.bot_id, r.model_name, *(int(getattr(r, c)) for c in KPI_COLUMNS)] for r in kpis.itertuples(index=False)]
    return {"seconds": seconds, "rows": rows}


# The steps the summary and the printed table read back by name.
GENERATE_STEP = "generate demo data"
LOAD_STEP = "load (loaders, all kinds)"
DIRECT_READ_STEP = "direct read (read_json / read_csv)"
FULL_RUN_STEP = "dbt run --full-refresh (models)"
FULL_BUILD_STEP = "dbt build --full-refresh (models + tests)"
KPI_RUN_STEP = "KPI step alone (dbt run, +daily KPI marts)"
KPI_BUILD_STEP = "KPI step alone, with tests (dbt build)"
INCREMENTAL_RUN_STEP = "dbt run, one day added (incremental)"
INCREMENTAL_BUILD_STEP = "dbt build, one day added (incremental)"

# dbt runs after the incremental one that bound its cost from below: ours (in our peak
# memory), in the main table with their ratio to the full run.
EMPTY_RUN_STEP = "dbt run, every model on no rows (dbt's cost per model)"
NOTHING_NEW_STEP = "dbt run, nothing new (fixed cost)"
DBT_START_STEP = "dbt run, no model selected (dbt's start)"

# The computations the warehouse is compared with: not ours (left out of our peak
# memory), and printed in a section of their own.
FLOOR_STEP = "SQL floor (one DuckDB query)"
EVENT_COPY_STEP = "copy of the raw event table (one CREATE TABLE AS)"
PANDAS_STEP = "pandas way (read JSONL, group by)"
SAME_WORK_STEP = "the 4 daily KPI marts by hand (plain SQL)"
FLOOR_CHECK_STEP = "SQL floor again, after one more day (a check, not a reference)"
REFERENCE_STEPS = (FLOOR_STEP, EVENT_COPY_STEP, PANDAS_STEP, SAME_WORK_STEP, FLOOR_CHECK_STEP)

PHASES = {
    "land": phase_land,
    "direct": phase_direct,
    "floor": phase_floor,
    "event_copy": phase_event_copy,
    "pandas": phase_pandas,
    "same_work": phase_same_work,
}


# -- orchestration ---------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work.resolve()
        self.data = self.work / "data"
        self.db = self.work / "bench.duckdb"
        self.target_path = self.work / "dbt-target"
        self.copy_target_path = self.work / "dbt-target-copy"
        self.env = dict(os.environ)
        self.env.update(
            {
                "CHATBOT_TARGET": "duckdb",
                "CHATBOT_DUCKDB_PATH": str(self.db),
                "DBT_PROFILES_DIR": str(profiles_dir()),
                "DBT_LOG_PATH": str(self.work / "dbt-logs"),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env["CHATBOT_DUCKDB_MEMORY_LIMIT"] = args.duckdb_memory_limit
        self.measures: dict[str, Measure] = {}

    # one timed child process, with the peak RSS of the whole tree
    def run(self, name: str, command: list[str], *, env: dict[str, str] | None = None, rows: int | None = None) -> Measure:
        console.print(f"[bold]{name}[/bold]: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}")
        started = time.perf_counter()
        with PeakMemory() as peak:
            completed = subprocess.run(command, cwd=PROJECT_DIR, env=env or self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
            raise StepFailed(f"{name} failed (exit {completed.returncode}):\n{tail}")
        measure = Measure(name, seconds, peak.mb, rows)
        self.measures[name] = measure
        return measure

    def phase(self, name: str, phase: str, *extra: str, env: dict[str, str] | None = None) -> tuple[Measure, dict[str, Any]]:
        result_file = self.work / f"{phase}-{len(self.measures)}.json"
        measure = self.run(name, [PY, str(Path(__file__).resolve()), "--phase", phase, "--result", str(result_file), *extra], env=env)
        return measure, json.loads(result_file.read_text(encoding="utf-8"))

    def dbt(self, name: str, *args: str, env: dict[str, str] | None = None, target_path: Path | None = None) -> Measure:
        dbt = Path(PY).parent / "dbt"
        return self.run(name, [str(dbt), *args, "--target", "duckdb", "--target-path", str(target_path or self.target_path)], env=env)

    def split_days(self) -> tuple[Path, Path, str]:
        """Landing folders: every day but the last (base) and the last day (new_day)."""
        dated = [DATE_IN_NAME.search(p.name) for p in self.data.rglob("*") if p.is_file()]
        last = max(m.group(1) for m in dated if m)
        base, new_day = self.work / "land_base", self.work / "land_new_day"
        for path in sorted(p for p in self.data.rglob("*") if p.is_file()):
            match = DATE_IN_NAME.search(path.name)
            target = (new_day if match and match.group(1) == last else base) / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
        return base, new_day, last

    def execute(self) -> dict[str, Any]:
        args = self.args
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)

        generate = [
            PY,
            str(PROJECT_DIR / "scripts" / "generate_demo_data.py"),
            "--out",
            str(self.data),
            "--events",
            str(args.events),
            "--days",
            str(args.days),
            "--seed",
            str(args.seed),
        ]
        self.run(GENERATE_STEP, generate)
        base, new_day, last_day = self.split_days()

        land, landed = self.phase(LOAD_STEP, "land", "--folder", str(base))
        kinds = landed["kinds"]
        land.rows = int(sum(k["read"] for k in kinds.values()))
        direct, read = self.phase(DIRECT_READ_STEP, "direct", "--folder", str(base))
        direct.rows = int(sum(k["rows"] for k in read["kinds"].values()))

        self.dbt("dbt parse", "parse")
        self.dbt("dbt parse (for the warehouse copy)", "parse", env=dict(self.env, CHATBOT_DUCKDB_PATH=str(self.work / "bench_build_copy.duckdb")),
                 target_path=self.copy_target_path)  # fmt: skip
        self.dbt("dbt seed", "seed", "--full-refresh")
        full_run = self.dbt(FULL_RUN_STEP, "run", "--full-refresh")
        full_run.extra["slowest"] = slowest(self.target_path)
        full_run.extra["funnel_models"] = node_seconds(self.target_path, INCREMENTAL_FUNNEL_MODELS)
        # Without the alert gate (as run_pipeline): generated data may leave an error alert
        # open, which that test reports by failing, not the build.
        self.dbt(FULL_BUILD_STEP, "build", "--full-refresh", "--exclude", *ALERT_GATE_TESTS)
        # The KPI step on its own (in the full build other models share the two threads):
        # the daily KPI marts and everything upstream, timed by dbt's run_results.
        kpi_select = ["--select", " ".join("+" + name for name in KPI_MODELS if name.startswith("mart_"))]
        kpi_run = self.dbt(KPI_RUN_STEP, "run", "--full-refresh", *kpi_select)
        kpi_run.extra["kpi_step"] = step_time(self.target_path, KPI_MODELS)
        kpi_run.extra["bot_kpi_step"] = step_time(self.target_path, BOT_KPI_MODELS)
        kpi_build = self.dbt(KPI_BUILD_STEP, "build", "--full-refresh", *kpi_select)
        kpi_build.extra["kpi_step"] = step_time(self.target_path, KPI_MODELS)

        # The references, on the data the KPI step just built (the base days: timed on
        # one more day they would cost ~4 % more than the step they are compared with),
        # and their results against the marts as they stand.
        floor, floor_result = self.phase(FLOOR_STEP, "floor")
        floor.seconds = floor_result["seconds"]
        checks = {"floor": as_mapping(floor_result["rows"])}
        event_copy, copied = self.phase(EVENT_COPY_STEP, "event_copy")
        event_copy.seconds, event_copy.rows = copied["seconds"], copied["rows"]
        same_work, by_hand = self.phase(SAME_WORK_STEP, "same_work")
        same_work.seconds = by_hand["seconds"]
        pandas_measure = None
        if args.with_pandas:
            pandas_measure, pandas_result = self.phase(PANDAS_STEP, "pandas", "--folder", str(base))
            pandas_measure.seconds = pandas_result["seconds"]
            checks["pandas"] = as_mapping(pandas_result["rows"])
        bot_kpis, marts = self.mart_results()
        checks["mart_bot_daily_kpis"] = bot_kpis
        # each mart against its hand-written twin, every count column
        hand_checks = {f"{mart} by hand": differences(as_mapping(by_hand["rows"][mart], MARTS[mart].keys), marts[mart]) for mart in MARTS}

        new_land, new_landed = self.phase(f"load one more day ({last_day})", "land", "--folder", str(new_day))
        new_land.rows = int(sum(k["read"] for k in new_landed["kinds"].values()))
        self.measures[GENERATE_STEP].rows = land.rows + new_land.rows  # every day generated
        copy = self.work / "bench_build_copy.duckdb"
        shutil.copyfile(self.db, copy)
        inc_run = self.dbt(INCREMENTAL_RUN_STEP, "run")
        inc_run.extra["kpi_step"] = step_time(self.target_path, KPI_MODELS)
        inc_run.extra["slowest"] = slowest(self.target_path)
        inc_run.extra["funnel_models"] = node_seconds(self.target_path, INCREMENTAL_FUNNEL_MODELS)
        copy_env = dict(self.env, CHATBOT_DUCKDB_PATH=str(copy))
        # Its own target path: dbt re-parses the whole project when the profile changes
        # (another database file), and keeping one partial-parse state per profile is
        # what a scheduled deployment has. Read back via step_time from that path.
        self.dbt(INCREMENTAL_BUILD_STEP, "build", "--exclude", *ALERT_GATE_TESTS, env=copy_env, target_path=self.copy_target_path)
        copy.unlink()
        # Every model once more, each reading no rows (dbt's --empty turns every ref and
        # source into a zero-row query): what dbt itself spends per model (render,
        # materialise, the watermark checks), whatever the SQL costs. No incremental run
        # of these models costs less. It leaves the tables and views it rebuilt empty;
        # the next step rebuilds them (views and tables are rebuilt on every run, and
        # the incremental models, with no day to rebuild, inserted nothing).
        self.dbt(EMPTY_RUN_STEP, "run", "--empty")
        # The same run once more with nothing new: what every incremental run costs
        # whatever was loaded (dbt's start, the per-model statements, the watermark checks).
        self.dbt(NOTHING_NEW_STEP, "run")
        # dbt alone: start, read the partial-parse state, select nothing, write its
        # artifacts. No incremental run can cost less, whatever the models do.
        self.dbt(DBT_START_STEP, "run", "--select", "tag:bench_selects_no_model")

        # The day added incrementally: the bot mart must still equal the floor, every day.
        _, floor_again = self.phase(FLOOR_CHECK_STEP, "floor")
        bot_kpis_after, _ = self.mart_results()
        hand_checks["mart_bot_daily_kpis after one more day (incremental) vs the floor"] = differences(
            as_mapping(floor_again["rows"]), bot_kpis_after
        )
        return self.summarise(kinds, read["kinds"], checks, hand_checks, pandas_measure)

    def mart_results(self) -> tuple[dict[tuple[str, ...], tuple[int, ...]], dict[str, dict[tuple[str, ...], tuple[int, ...]]]]:
        """mart_bot_daily_kpis in the floor's columns, and every count column of the four
        daily KPI marts keyed by each mart's grain."""
        import duckdb

        with duckdb.connect(str(self.db), read_only=True) as con:
            bot_kpis = as_mapping(con.execute(bot_mart_floor_columns_sql()).fetchall())
            marts = {mart: as_mapping(con.execute(mart_select_sql(mart)).fetchall(), MARTS[mart].keys) for mart in MARTS}
        return bot_kpis, marts

    def summarise(
        self,
        loaded: dict[str, Any],
        direct: dict[str, Any],
        checks: dict[str, Any],
        hand_checks: dict[str, list[str]],
        pandas_measure: Measure | None,
    ) -> dict[str, Any]:
        m = self.measures
        land, read = m[LOAD_STEP], m[DIRECT_READ_STEP]
        full_run, full_build = m[FULL_RUN_STEP], m[FULL_BUILD_STEP]
        inc_run, inc_build = m[INCREMENTAL_RUN_STEP], m[INCREMENTAL_BUILD_STEP]
        floor, same_work = m[FLOOR_STEP], m[SAME_WORK_STEP]
        dbt_start, empty_run, nothing_new = m[DBT_START_STEP], m[EMPTY_RUN_STEP], m[NOTHING_NEW_STEP]
        event_copy = m[EVENT_COPY_STEP]
        kpi_run, kpi_build = (
            m[KPI_RUN_STEP],
            m[KPI_BUILD_STEP],
        )
        kpi: Step | None = kpi_run.extra["kpi_step"]
        kpi_tests: Step | None = kpi_build.extra["kpi_step"]
        bot_kpi: Step | None = kpi_run.extra["bot_kpi_step"]

        def ratio(a: float | None, b: float | None) -> float | None:
            return a / b if a is not None and b else None

        load_ratio = ratio(land.rate, read.rate)
        per_kind = {
            name: {
                "rows": int(k["read"]),
                "load_seconds": k["seconds"],
                "direct_seconds": direct.get(name, {}).get("seconds"),
                "load_to_direct_read_ratio": ratio(direct.get(name, {}).get("seconds"), k["seconds"]),
            }
            for name, k in loaded.items()
        }
        reference = checks["mart_bot_daily_kpis"]
        agreement = {name: differences(values, reference) for name, values in checks.items() if name != "mart_bot_daily_kpis"}
        agreement |= hand_checks
        ours = [x for name, x in m.items() if name not in REFERENCE_STEPS]
        figures: dict[str, Any] = {
            "events": self.args.events,
            "days": self.args.days,
            "machine": machine(),
            "duckdb_memory_limit": self.env["CHATBOT_DUCKDB_MEMORY_LIMIT"],
            "generation_rows_per_second": m[GENERATE_STEP].rate,
            "load_rows": land.rows,
            "load_rows_per_second": land.rate,
            "direct_read_rows_per_second": read.rate,
            "load_to_direct_read_ratio": load_ratio,
            "load_by_kind": per_kind,
            "full_run_seconds": full_run.seconds,
            "full_build_seconds": full_build.seconds,
            "kpi_step_seconds": kpi.seconds if kpi else None,
            "kpi_step_with_tests_seconds": kpi_tests.seconds if kpi_tests else None,
            "bot_kpi_step_seconds": bot_kpi.seconds if bot_kpi else None,
            "incremental_run_seconds": inc_run.seconds,
            "incremental_build_seconds": inc_build.seconds,
            "incremental_to_full_ratio": ratio(inc_run.seconds, full_run.seconds),
            "incremental_to_full_with_tests_ratio": ratio(inc_build.seconds, full_build.seconds),
            "nothing_new_run_seconds": nothing_new.seconds,
            "nothing_new_to_full_ratio": ratio(nothing_new.seconds, full_run.seconds),
            # lower bounds, measured on this machine: no incremental run costs less than
            # dbt's start, nor than running every model of the project on no rows, and no
            # KPI step that writes an event-grain table costs less than one plain copy of
            # the raw event table
            "dbt_start_seconds": dbt_start.seconds,
            "dbt_start_to_full_ratio": ratio(dbt_start.seconds, full_run.seconds),
            "dbt_empty_run_seconds": empty_run.seconds,
            "dbt_empty_run_to_full_ratio": ratio(empty_run.seconds, full_run.seconds),
            "event_table_copy_seconds": event_copy.seconds,
            "event_table_copy_to_sql_floor_ratio": ratio(event_copy.seconds, floor.seconds),
            # the funnel's incremental models alone (sum of their own times in each run)
            "funnel_models_full_seconds": full_run.extra["funnel_models"],
            "funnel_models_incremental_seconds": inc_run.extra["funnel_models"],
            "funnel_incremental_to_full_ratio": ratio(inc_run.extra["funnel_models"], full_run.extra["funnel_models"]),
            "sql_floor_seconds": floor.seconds,
            "sql_floor_peak_rss_mb": floor.peak_mb,
            "pandas_seconds": pandas_measure.seconds if pandas_measure else None,
            "pandas_peak_rss_mb": pandas_measure.peak_mb if pandas_measure else None,
            "kpi_to_sql_floor_ratio": ratio(kpi.seconds if kpi else None, floor.seconds),
            # the same 15 counts of the same four marts by hand (plain SQL, no dbt)
            "same_work_seconds": same_work.seconds,
            "same_work_peak_rss_mb": same_work.peak_mb,
            "kpi_to_same_work_ratio": ratio(kpi.seconds if kpi else None, same_work.seconds),
            "bot_kpi_to_sql_floor_ratio": ratio(bot_kpi.seconds if bot_kpi else None, floor.seconds),
            "kpi_to_pandas_ratio": ratio(kpi.seconds if kpi else None, pandas_measure.seconds if pandas_measure else None),
            "peak_rss_mb": max(x.peak_mb for x in ours),
            "full_build_peak_rss_mb": max(full_run.peak_mb, full_build.peak_mb),
            "results_agree": all(not d for d in agreement.values()),
            "disagreements": agreement,
            "steps": {name: {k: v for k, v in asdict(x).items() if k != "extra"} | {"rows_per_second": x.rate} for name, x in m.items()},
            "slowest_full_run_models": full_run.extra["slowest"],
            "slowest_incremental_run_models": inc_run.extra["slowest"],
        }
        self.print_table(figures, kpi, kpi_tests, bot_kpi, pandas_measure)
        return figures

    def print_table(
        self, f: dict[str, Any], kpi: Step | None, kpi_tests: Step | None, bot_kpi: Step | None, pandas_measure: Measure | None
    ) -> None:
        m = self.measures

        def num(value: float | None, digits: int = 1) -> str:
            return "–" if value is None else f"{value:,.{digits}f}"

        def times(value: float | None) -> str:
            return "–" if value is None else f"{value:.2f}×"

        table = Table(
            title=f"benchmark: {self.args.events:,} chat events over {self.args.days} days (DuckDB memory limit {f['duckdb_memory_limit']})"
        )
        for column in ("step", "rows", "seconds", "rows/s", "peak RSS MB", "compared"):
            table.add_column(column, justify="left" if column in ("step", "compared") else "right")
        notes = {
            LOAD_STEP: f"{times(f['load_to_direct_read_ratio'])} the direct read's rate",
            FULL_RUN_STEP: f"funnel's incremental models {num(f['funnel_models_full_seconds'])} s",
            KPI_RUN_STEP: f"KPI step {num(kpi.seconds if kpi else None)} s (run_results)",
            KPI_BUILD_STEP: f"KPI step with tests {num(kpi_tests.seconds if kpi_tests else None)} s",
            INCREMENTAL_RUN_STEP: f"{times(f['incremental_to_full_ratio'])} the full run "
            f"(funnel models {times(f['funnel_incremental_to_full_ratio'])})",
            INCREMENTAL_BUILD_STEP: f"{times(f['incremental_to_full_with_tests_ratio'])} the full build",
            NOTHING_NEW_STEP: f"{times(f['nothing_new_to_full_ratio'])} the full run",
            EMPTY_RUN_STEP: f"{times(f['dbt_empty_run_to_full_ratio'])} the full run: the least a run of every model costs",
            DBT_START_STEP: f"{times(f['dbt_start_to_full_ratio'])} the full run: the least any run costs",
        }
        for name, x in m.items():
            if name.startswith(("dbt parse", "dbt seed")) or name in REFERENCE_STEPS:
                continue
            table.add_row(name, num(x.rows, 0) if x.rows else "", num(x.seconds, 2), num(x.rate, 0), num(x.peak_mb, 0), notes.get(name, ""))
            if name != LOAD_STEP:
                continue
            for kind, k in f["load_by_kind"].items():  # the load by kind, under its total
                table.add_row(f"  {kind}", num(k["rows"], 0), num(k["load_seconds"], 2), num(k["rows"] / k["load_seconds"] if k["load_seconds"] else None, 0), "",
                              f"direct read {num(k['direct_seconds'], 2)} s: {times(k['load_to_direct_read_ratio'])}")  # fmt: skip
        table.add_section()
        floor, same_work = m[FLOOR_STEP], m[SAME_WORK_STEP]
        table.add_row("KPI step: staging → the 4 daily KPI marts (run_results)", "", num(kpi.seconds if kpi else None, 2), "", "",
                      f"{times(f['kpi_to_sql_floor_ratio'])} the floor; {times(f['kpi_to_pandas_ratio'])} pandas; "
                      f"{times(f['kpi_to_same_work_ratio'])} the same work by hand")  # fmt: skip
        table.add_row("  of which daily bot KPIs (→ mart_bot_daily_kpis)", "", num(bot_kpi.seconds if bot_kpi else None, 2), "", "",
                      f"{times(f['bot_kpi_to_sql_floor_ratio'])} the floor")  # fmt: skip
        table.add_row(
            "daily bot KPIs: SQL floor (one DuckDB query)", "", num(floor.seconds, 2), "", num(floor.peak_mb, 0), "6 counts of 1 mart"
        )
        table.add_row("the 4 daily KPI marts by hand (plain SQL, same columns)", "", num(same_work.seconds, 2), "", num(same_work.peak_mb, 0),
                      "15 counts of 4 marts: a user-day temp table, 1 query per mart")  # fmt: skip
        event_copy = m[EVENT_COPY_STEP]
        table.add_row("writing the event table once (CTAS of the raw events)", num(event_copy.rows, 0), num(event_copy.seconds, 2), num(event_copy.rate, 0),
                      num(event_copy.peak_mb, 0), f"{times(f['event_table_copy_to_sql_floor_ratio'])} the floor: the least an event-grain table costs")  # fmt: skip
        if pandas_measure:
            table.add_row(
                "daily bot KPIs: pandas way (JSONL → DataFrame)", "", num(pandas_measure.seconds, 2), "", num(pandas_measure.peak_mb, 0), ""
            )
        else:
            table.add_row("daily bot KPIs: pandas way", "", "–", "", "–", "skipped (--with-pandas)")
        table.add_section()
        table.add_row("peak RSS of the whole process tree (ours)", "", "", "", num(f["peak_rss_mb"], 0), "")
        agree = "identical" if f["results_agree"] else "DIFFERENT: " + "; ".join(f"{k}: {v[0]}" for k, v in f["disagreements"].items() if v)
        table.add_row("floor / pandas / by hand vs the marts", "", "", "", "", agree)
        console.print(table)
        machine_info = f["machine"]
        console.print(
            f"machine: {machine_info['cpu_model']}, {machine_info['cpus']} CPUs, {machine_info['memory_gb']:.1f} GB RAM, {machine_info['platform']}"
        )


def machine() -> dict[str, Any]:
    import psutil

    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb

    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 1e9,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000, help="chat events to generate (default 10 million)")
    parser.add_argument("--days", type=int, default=28, help="days of data; the last one is the incremental day (default 28)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--with-pandas", action="store_true", help="also time the pandas way (needs much memory at 10 million)")
    parser.add_argument("--json", type=Path, help="write the figures as one JSON object here")
    parser.add_argument(
        "--work", type=Path, default=PROJECT_DIR / "warehouse" / "bench", help="work folder, emptied first (default warehouse/bench)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (data, warehouse, dbt output)")
    parser.add_argument(
        "--duckdb-memory-limit",
        default="1500MB",
        help="DuckDB's memory limit for loads and dbt (CHATBOT_DUCKDB_MEMORY_LIMIT; default 1500MB: Python and dbt come on "
        "top of it, and the whole process tree should stay under 2 GB)",
    )
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase is None:
        if args.events < 1000:
            parser.error("--events must be at least 1000")
        if args.days < 2:
            parser.error("--days must be at least 2 (the last day is added incrementally)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        phase = PHASES[args.phase]
        result = phase(args.folder) if args.folder is not None else phase()  # type: ignore[call-arg]
        args.result.write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0
    bench = Bench(args)
    try:
        figures = bench.execute()
    except StepFailed as exc:
        console.print(f"bench: {exc}", style="red", markup=False)
        return 1
    finally:
        if not args.keep and bench.work.exists():
            shutil.rmtree(bench.work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"figures written to {args.json}")
    if not figures["results_agree"]:
        console.print("bench: the floor, pandas or the hand-written marts differ from the marts", style="red")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
