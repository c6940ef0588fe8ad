"""dbt under the pipeline lock (run through scripts/locked_dbt.sh).

    scripts/locked_dbt.sh <dbt arguments ...>

The Airflow DAG's dbt tasks (astronomer-cosmos, `dbt_executable_path`) run this instead
of dbt, so they take the same lock as scripts/run_pipeline.py: the flock
<warehouse file>.pipeline.lock (chatwh.schedule.pipeline_lock). cron and Airflow on one
warehouse then never write it together - DuckDB allows one writer, and a dbt that
opened the file second failed with a lock error.

- The dbt binary is the target's (chatwh.dbt.dbt_executable, as run_pipeline.py picks
  it: .venv-mysql for MySQL/MariaDB, .venv-spark for Spark, else this .venv's). The
  target is the command's --target, else the profile's default (CHATBOT_TARGET).
- Commands that do not open the warehouse (ls, deps, parse, clean, --version, --help:
  cosmos renders the per-model DAG with `dbt ls` when the DAG file is parsed) run
  without the lock.
- Busy: waits up to CHATBOT_LOCK_WAIT_S seconds (default 1800) for the other run, then
  exits 4 without running dbt (the task fails and Airflow retries it). A
  CHATBOT_LOCK_WAIT_S that is not a finite number of seconds: one line, exit 2.
- Holding the lock, it waits for the DuckDB file itself to be free for writing, as the
  loaders do (CHATBOT_DUCKDB_LOCK_TIMEOUT_S, default 60 s): dbt-duckdb gives up at once
  when anything else has it open (a `make publish-bi`, a report or kpis session). Still
  busy then: one line naming the holder, exit 1, dbt did not run.
- Then it replaces itself with dbt (exec): the lock file stays open in dbt and is
  released when dbt exits, whatever the way; dbt's exit code is the task's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.connection import WarehouseError  # noqa: E402
from chatwh.dbt import dbt_executable, wait_for_duckdb_file  # noqa: E402
from chatwh.project import ProfileError  # noqa: E402
from chatwh.schedule import EXIT_LOCKED, LOCK_WAIT_ENV, LockWaitError, acquire_pipeline_lock, lock_wait_seconds  # noqa: E402

# dbt's subcommands; those that never open the warehouse run without the lock (cosmos
# renders the per-model DAG with `dbt ls` when the DAG file is parsed).
COMMANDS = {
    "build", "run", "test", "seed", "snapshot", "compile", "show", "run-operation", "source", "docs",
    "debug", "retry", "clone", "ls", "list", "deps", "parse", "clean", "init",
}  # fmt: skip
UNLOCKED = {"ls", "list", "deps", "parse", "clean", "init"}


def option(args: list[str], *names: str) -> str | None:
    """The value of the last `--name value` / `--name=value` among the arguments."""
    found = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif arg.startswith(name + "="):
                found = arg.split("=", 1)[1]
    return found


def needs_lock(args: list[str]) -> bool:
    """Whether the dbt command may open the warehouse: its subcommand (the first argument
    that names one) is not in UNLOCKED; `dbt --version` / `--help` alone do not."""
    command = next((arg for arg in args if arg in COMMANDS), None)
    if command is None:
        return not ({"--version", "-v", "--help", "-h"} & set(args))
    return command not in UNLOCKED


def main(argv: list[str]) -> int:
    profiles = option(argv, "--profiles-dir")
    if profiles:  # the profiles dbt will read decide the warehouse file and its lock
        os.environ["DBT_PROFILES_DIR"] = profiles
    target = option(argv, "--target", "-t")
    try:
        dbt = str(dbt_executable(target))
        if needs_lock(argv):
            wait_s = lock_wait_seconds()
            handle = acquire_pipeline_lock(target, wait_s, who="locked_dbt")
            if handle is None:
                print(
                    f"locked_dbt: another pipeline run held the lock for this warehouse for {wait_s:.0f} s ({LOCK_WAIT_ENV}); "
                    "dbt did not run: exit 4",
                    file=sys.stderr,
                    flush=True,
                )
                return EXIT_LOCKED
            print(f"locked_dbt: holding the pipeline lock {handle.name} (pid {os.getpid()}) for {dbt}", file=sys.stderr, flush=True)
            # acquire_pipeline_lock made the lock file inheritable: the exec'd dbt keeps it.
            try:
                wait_for_duckdb_file(target)  # dbt-duckdb would fail at once on a file held open
            except WarehouseError as exc:
                print(f"locked_dbt: {exc}; dbt did not run: exit 1", file=sys.stderr, flush=True)
                return 1
    except (ProfileError, FileNotFoundError, LockWaitError) as exc:
        print(f"locked_dbt: {exc}", file=sys.stderr, flush=True)
        return 2
    os.execv(dbt, [dbt, *argv])
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
