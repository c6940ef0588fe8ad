#!/bin/sh
# dbt under the pipeline lock: what the Airflow DAG's cosmos tasks run instead of dbt
# (cosmos' dbt_executable_path). The logic is in locked_dbt.py, run by the project's
# own .venv Python (next to this folder), which picks the target's dbt.
here=$(cd "$(dirname "$0")" && pwd)
exec "${here}/../.venv/bin/python" "${here}/locked_dbt.py" "$@"
