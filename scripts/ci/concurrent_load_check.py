"""A load that commits while a model runs is built in full by the next run, on every engine.

    python scripts/ci/concurrent_load_check.py [--target duckdb] [--keep DIR]

On MySQL and Spark another process can land files while `dbt build` runs. A model looks
up the days it rebuilds (from the rows loaded after its watermark), then reads those
days: a load that commits in between is read on those days only. If the model then
recorded that load's time as its watermark, the load's rows on other days would never
be built. record_watermark (macros/incremental/incremental.sql) records no later than
the newest load its plan saw before the lookup, and downstream models no later than the
watermarks of the incremental models they read, so the next run finds that load new
again and rebuilds all its days.

The check makes that race happen on purpose, in a copy of the project (the project
itself is not touched):

1. land a bot, chat events and conversation log lines on 2025-06-10 and build the daily
   bot KPI mart and the daily answer-quality mart in full (with the models they read);
2. land load V (2025-06-11), then load L (2025-06-11 and 2025-06-12), and move L's rows
   out of the raw tables into holding tables;
3. build incrementally with var land_held_rows: a pre-hook of int_chat_events__resolved
   and of int_conversation_logs__deduplicated puts L's rows back into the raw tables
   after the model looked up its days (from V: 2025-06-11 only) and before it reads;
4. build incrementally again (nothing new lands);
5. compare every table with a `--full-refresh` build of the same raw tables: each must
   hold L's rows on 2025-06-12 too.

The holding tables are dropped afterwards; the warehouse is emptied first (run it on a CI
or scratch warehouse). Run it with the python that has the target's driver (the main
.venv for DuckDB and MySQL, .venv-spark for Spark); dbt runs from the target's venv.
Exit codes: 0 identical, 1 some difference (each printed as a DIFF line), 2 usage, dbt or
connection error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_engines import Mart, discover_marts  # noqa: E402
from emptied_day_check import dbt_env  # noqa: E402
from incremental_check import INTERMEDIATE, compare, snapshot  # noqa: E402
from rich.console import Console  # noqa: E402

from chatwh.connection import Warehouse, WarehouseError, connect  # noqa: E402
from chatwh.dbt import dbt_executable  # noqa: E402
from chatwh.landing import land_folder  # noqa: E402
from chatwh.project import ProfileError, Target, copy_dbt_project, load_target, raw_schema  # noqa: E402

console = Console(highlight=False, width=160)

# The models whose pre-hook lands the held rows, and the raw table each one's plan looks up.
RACING_MODELS = {
    ("intermediate", "funnel", "int_chat_events__resolved"): "chat_events",
    ("intermediate", "conversations", "int_conversation_logs__deduplicated"): "conversation_logs",
}
# One funnel mart and one quality mart, with every model they read (the two racing ones
# and the incremental models between): few models, as every Spark statement costs a second.
MARTS = ["mart_bot_daily_kpis", "mart_answer_quality_daily"]
SELECT = [f"+{mart}" for mart in MARTS]
COMPARED = [
    "int_chat_events__resolved", "int_chat_sessions__sessionized", "int_user_bot_days__funnel", "int_conversation_logs__deduplicated",
    "int_conversations__rated", *MARTS,
]  # fmt: skip
RACE_DAY = "2025-06-12"  # a day only the racing load L has rows on


def held(table: str) -> str:
    return f"held__{table}"


def _event(event_id: str, at: str, event_type: str, user: str, session: str | None = None) -> str:
    record = {"event_id": event_id, "event_time": at, "user_id": user, "bot_id": "b1", "event_type": event_type, "model_name": "m1"}
    if session:
        record["session_id"] = session
    return json.dumps(record) + "\n"


def _session(key: str, day: str, user: str) -> str:
    """An exposure, a click and a two-message session of `user` on `day` (+08:00)."""
    return (
        _event(f"x-{key}", f"{day}T10:00:00+08:00", "exposure", user)
        + _event(f"c-{key}", f"{day}T10:00:05+08:00", "click", user)
        + _event(f"m-{key}-1", f"{day}T10:01:00+08:00", "user_message", user, f"s-{key}")
        + _event(f"m-{key}-2", f"{day}T10:01:02+08:00", "bot_message", user, f"s-{key}")
    )


def _log(message_id: str, day: str, seconds: float) -> str:
    record = {
        "timestamp": f"{day}T11:00:00+08:00", "session_id": f"s-{message_id}", "message_id": message_id,
        "user_input": "帮我写一首关于秋天的诗", "model_response": "秋风起，落叶黄，一行大雁向南方。", "response_time": seconds,
        "quality_rating": "good", "has_safety_issue": False, "model_name": "m1", "bot_id": "b1", "user_id": f"u-{message_id}",
    }  # fmt: skip
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_landing(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def prepare_project(work: Path, warehouse: Warehouse) -> Path:
    """The project copy whose racing models land the held rows in a pre-hook (with var
    land_held_rows; dbt runs its own pre-hooks after compiling the model, so after the
    plan looked up its days)."""
    project = copy_dbt_project(work / "project")
    settings_path = project / "dbt_project.yml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    for (*folders, model), table in RACING_MODELS.items():
        node = settings["models"]["chatbot_analytics"]
        for folder in folders:
            node = node.setdefault(folder, {})
        raw, holding = warehouse.relation(raw_schema(), table), warehouse.relation(raw_schema(), held(table))
        node.setdefault(model, {})["+pre-hook"] = [
            f"{{% if var('land_held_rows', false) %}}insert into {raw} select * from {holding}{{% endif %}}"
        ]
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return project


def hold_newest_load(warehouse: Warehouse, table: str) -> int:
    """Move the rows of the newest load of a raw table into its holding table (Spark's
    parquet tables cannot delete rows: the table is rewritten without them)."""
    raw, holding = warehouse.relation(raw_schema(), table), warehouse.relation(raw_schema(), held(table))
    newest = f"(select max(_loaded_at) from {raw})"
    warehouse.execute(f"drop table if exists {holding}")
    kept = warehouse.relation(raw_schema(), f"kept__{table}")
    warehouse.execute(f"drop table if exists {kept}")
    if warehouse.dialect == "spark":
        warehouse.execute(f"create table {holding} using parquet as select * from {raw} where _loaded_at = {newest}")
        warehouse.execute(f"create table {kept} using parquet as select * from {raw} where _loaded_at < {newest}")
        warehouse.execute(f"insert overwrite table {raw} select * from {kept}")
        warehouse.execute(f"drop table {kept}")
    else:
        warehouse.execute(f"create table {holding} as select * from {raw} where _loaded_at = {newest}")
        warehouse.execute(
            f"delete from {raw} where _loaded_at = (select newest from (select max(_loaded_at) as newest from {holding}) as h)"
        )
    row = warehouse.fetchone(f"select count(*) from {holding}")
    return int(row[0]) if row else 0


def run_dbt(project: Path, target: Target, work: Path, *args: str, dbt_vars: dict[str, object] | None = None) -> None:
    command = [
        str(dbt_executable(target.name)), "run", "--select", *SELECT, "--target", target.name,
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"), *args,
    ]  # fmt: skip
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    completed = subprocess.run(command, cwd=project, env=dbt_env(target), capture_output=True, text=True, timeout=1800)
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-40:])
        raise RuntimeError(f"dbt run {' '.join(args)} failed on target {target.name}:\n{tail}")


def check(target: Target, work: Path) -> list[str]:
    with connect(target.name) as warehouse:
        warehouse.reset()
    land = work / "landing"
    bots = {
        "bots/bots.csv": "bot_id,bot_name,model_name,business_line,tags,created_at\nb1,Bot one,m1,教育,学习辅导,2025-01-01T00:00:00+08:00\n"
    }
    first = write_landing(land / "first", {**bots, "chat-events/e1.jsonl": _session("a", "2025-06-10", "u1"),
                                           "conversation-logs/l1.jsonl": _log("msg-a", "2025-06-10", 1.0)})  # fmt: skip
    seen = write_landing(land / "seen", {"chat-events/e2.jsonl": _session("b", "2025-06-11", "u2"),
                                         "conversation-logs/l2.jsonl": _log("msg-b", "2025-06-11", 1.5)})  # fmt: skip
    racing = write_landing(
        land / "racing",
        {"chat-events/e3.jsonl": _session("c", "2025-06-11", "u3") + _session("d", RACE_DAY, "u4"),
         "conversation-logs/l3.jsonl": _log("msg-c", "2025-06-11", 2.5) + _log("msg-d", RACE_DAY, 3.5)},
    )  # fmt: skip
    with connect(target.name) as warehouse:
        project = prepare_project(work, warehouse)
    subprocess.run(
        [str(dbt_executable(target.name)), "seed", "--full-refresh", "--select", *SELECT, "--target", target.name,
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=project, env=dbt_env(target), check=True, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    with connect(target.name) as warehouse:
        land_folder(warehouse, first)
    run_dbt(project, target, work, "--full-refresh")
    with connect(target.name) as warehouse:
        land_folder(warehouse, seen)  # V, seen by the plans
        land_folder(warehouse, racing)  # L, landed from the pre-hooks
        for table in RACING_MODELS.values():
            console.print(f"{table}: {hold_newest_load(warehouse, table)} rows of the racing load held back")
    run_dbt(project, target, work, dbt_vars={"land_held_rows": True})
    run_dbt(project, target, work)
    with connect(target.name) as warehouse:
        models = [m for m in INTERMEDIATE if m.name in COMPARED] + _marts(warehouse)
        incremental = snapshot(warehouse, models)
    run_dbt(project, target, work, "--full-refresh")
    with connect(target.name) as warehouse:
        full = snapshot(warehouse, models)
        for table in RACING_MODELS.values():
            warehouse.execute(f"drop table if exists {warehouse.relation(raw_schema(), held(table))}")
    failures: list[str] = []
    for model in models:
        diffs = compare(model, incremental[model.name], full[model.name], 20)
        console.print(f"{model.name}: {len(full[model.name][1])} rows, " + ("identical" if not diffs else f"{len(diffs)} differences"))
        failures += diffs
    on_race_day = [r for r in full["int_chat_events__resolved"][1] if str(r["report_date"])[:10] == RACE_DAY]
    if not on_race_day:
        failures.append(f"the full build holds no event on {RACE_DAY}: the racing load did not land")
    return failures


def _marts(warehouse: Warehouse) -> list[Mart]:
    return [m for m in discover_marts() if m.name in COMPARED and warehouse.table_exists(warehouse.model_schema, m.name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="duckdb", help="profiles.yml target (default duckdb); its warehouse is emptied")
    parser.add_argument("--keep", type=Path, help="keep the project copy and dbt output here (default: a temp dir)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="concurrent-load-check-"))
    if args.keep is not None:
        shutil.rmtree(work, ignore_errors=True)
    try:
        failures = check(load_target(args.target), work)
    except (ProfileError, WarehouseError, FileNotFoundError, RuntimeError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", None) or str(exc)
        console.print(f"concurrent_load_check: {detail}", style="red", markup=False)
        return 2
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        console.print(f"DIFF {failure}", style="red", markup=False)
    if failures:
        return 1
    console.print(f"concurrent_load_check on {args.target}: a load landed mid-build was built in full by the next run", style="green")
    return 0


if __name__ == "__main__":
    sys.exit(main())
