#!/usr/bin/env bash
# `make airflow-test`: the Airflow DAG end to end, as the scheduler would run one interval.
#
#   1. a temporary AIRFLOW_HOME (SQLite metadata DB), landing folder, DuckDB file, BI copy
#      and report folder, so nothing of the developer's warehouse is touched;
#   2. demo data (3 days ending AIRFLOW_TEST_DATE, scale 0.2) written to the landing folder;
#   3. `airflow db migrate`, the pool of size 1, then
#      `airflow dags test chatbot_analytics <date>` (every task, in-process);
#   4. scripts/ci/check_airflow_run.py asserts the task states, that the marts hold the
#      date (KPIs equal to counts straight from the raw events), the comparison window
#      (the last complete day), every dbt command under the pipeline lock, the BI copy and
#      the report;
#   5. the same for the next hour after a file of failed conversations and an unreadable
#      landing file (a header-less CSV) next to a good one landed: the land task, every
#      dbt layer, publish and report succeed on what landed; the open error-level alert
#      fails the alerts task and `unreadable_files` fails naming the file;
#   6. the plan task of a manual run without a logical date (no data interval).
# Timings of each phase are printed; the stage should stay within a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROJECT_DIR=$(pwd)
AIRFLOW_BIN="${PROJECT_DIR}/.venv-airflow/bin/airflow"
PY="${PROJECT_DIR}/.venv/bin/python"
RUN_DATE="${AIRFLOW_TEST_DATE:-2025-06-03}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/chatbot-airflow-test.XXXXXX")
if [ "${KEEP_AIRFLOW_TEST:-0}" != 1 ]; then trap 'rm -rf "${WORK}"' EXIT; fi
echo "airflow-test: work dir ${WORK}, run date ${RUN_DATE}"

export AIRFLOW_HOME="${WORK}/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="${PROJECT_DIR}/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT=120
export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
export AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False
export SCARF_ANALYTICS=false DO_NOT_TRACK=true
export CHATBOT_PROJECT_DIR="${PROJECT_DIR}"
export CHATBOT_TARGET=duckdb
export CHATBOT_DUCKDB_PATH="${WORK}/warehouse/chatbot.duckdb"
export CHATBOT_LANDING_DIR="${WORK}/landing"
export CHATBOT_BI_DUCKDB_PATH="${WORK}/warehouse/bi/chatbot.duckdb"
export CHATBOT_REPORT_DIR="${WORK}/reports"
# A failure should show up now, not after the retry delays of the real schedule.
export CHATBOT_TASK_RETRIES=0
export DBT_PROFILES_DIR="${PROJECT_DIR}/profiles"
mkdir -p "${WORK}/warehouse"

phase() { printf '\n---- %s (%ss so far)\n' "$1" "$((SECONDS - T0))"; }
T0=${SECONDS}

phase "demo data"
"${PY}" scripts/generate_demo_data.py --out "${CHATBOT_LANDING_DIR}" --days 3 --end-date "${RUN_DATE}" --scale 0.2 --seed 7 >/dev/null

phase "airflow db migrate + pool"
"${AIRFLOW_BIN}" db migrate >"${WORK}/migrate.log" 2>&1 || { tail -50 "${WORK}/migrate.log"; exit 1; }
"${AIRFLOW_BIN}" pools set chatbot_duckdb 1 "one writer on the DuckDB file" >/dev/null 2>&1

# One `airflow dags test` for a logical date, then check_airflow_run.py on its task states.
# $1 logical date, $2 log name, $3 what the alerts task must be (success or failed),
# $4 (optional) a landing file the land task cannot read (relative to the landing folder).
dags_test_and_check() {
  local logical="$1" name="$2" expect="$3" unreadable="${4:-}" rc run_id
  phase "airflow dags test chatbot_analytics ${logical}"
  set +e
  "${AIRFLOW_BIN}" dags test chatbot_analytics "${logical}" >"${WORK}/${name}.log" 2>&1
  rc=$?
  set -e
  grep -E "\[DAG TEST\] end task|DagRun Finished" "${WORK}/${name}.log" | sed -E 's/.*(task_id=[^ ]+).*/  \1/; s/.*DagRun Finished.*(state=[a-z]+).*/  run \1/' || true
  if [ "${rc}" != 0 ] && [ "${expect}" = success ] && [ -z "${unreadable}" ]; then
    echo "airflow dags test exited ${rc}; last lines of its log:"
    tail -80 "${WORK}/${name}.log"
  fi

  phase "check the run of ${logical}"
  # The CLI prints warnings on stdout too: keep the JSON line only. The run of this
  # logical date (list-runs is not ordered by it).
  "${AIRFLOW_BIN}" dags list-runs chatbot_analytics -o json 2>/dev/null | grep '^\[' >"${WORK}/runs.json"
  run_id=$("${PY}" -c "
import json, sys
from datetime import datetime
want = datetime.fromisoformat(sys.argv[2])
runs = [r for r in json.load(open(sys.argv[1])) if datetime.fromisoformat(r['logical_date']).replace(tzinfo=None) == want]
print(runs[0]['run_id'])" "${WORK}/runs.json" "${logical}")
  "${AIRFLOW_BIN}" tasks states-for-dag-run chatbot_analytics "${run_id}" -o json 2>/dev/null | grep '^\[' >"${WORK}/states.json"
  "${PY}" scripts/ci/check_airflow_run.py --date "${RUN_DATE}" --window-end "${WINDOW_END}" --states "${WORK}/states.json" --dags-test-exit "${rc}" --expect-alerts "${expect}" \
    --dags-test-log "${WORK}/${name}.log" ${unreadable:+--expect-unreadable "${unreadable}"} \
    || { echo "dags test log: ${WORK}/${name}.log (kept)"; trap - EXIT; exit 1; }
}

# Both runs are scheduled hours of RUN_DATE (00:00 and 01:00 UTC = 08:00 and 09:00 local):
# the day is not over, so the model comparison window ends on the day before.
WINDOW_END=$("${PY}" -c "import sys; from datetime import date, timedelta; print(date.fromisoformat(sys.argv[1]) - timedelta(days=1))" "${RUN_DATE}")
dags_test_and_check "${RUN_DATE}T00:00:00" dags_test success

# The next hour lands trouble of two kinds (one `dags test` for both: each costs two
# minutes). An open error-level alert: 15 failed conversations of a new bot x model in
# the last minute of the day; the run must still build every layer (the dbt test on open
# alerts is left out of the scheduled build), publish the BI copy and write the report,
# and the alerts task fails. An unreadable landing file (blank lines only: a CSV without a
# header row) next to a good file of chat events: the good one lands and reaches the
# marts (the KPI check compares them with the raw events), and `unreadable_files` fails
# naming the bad one. Every other task succeeds.
"${PY}" -c "
import json, sys
day = sys.argv[2]
with open(sys.argv[1], 'w', encoding='utf-8') as out:
    for i in range(15):
        out.write(json.dumps({'timestamp': f'{day}T23:59:{i:02d}', 'user_input': f'q{i}', 'model_response': '', 'error': 'upstream timeout',
                              'bot_id': 'b_alarm', 'user_id': f'u{i}',
                              'metadata': {'session_id': f's-alarm-{i}', 'message_id': f'm-alarm-{i}', 'response_time': 1.0, 'model_name': 'm-alarm'}}) + '\n')
" "${CHATBOT_LANDING_DIR}/conversation-logs/conversations_alarm.jsonl" "${RUN_DATE}"
printf '\n\n  \n' >"${CHATBOT_LANDING_DIR}/chat-events/broken.csv"
"${PY}" -c "
import json, sys
day, bot = sys.argv[2], sys.argv[3]
with open(sys.argv[1], 'w', encoding='utf-8') as out:
    for i in range(4):
        out.write(json.dumps({'event_id': f'late-{i}', 'event_time': f'{day}T10:00:0{i}+08:00', 'user_id': 'u-late', 'bot_id': bot,
                              'event_type': 'exposure'}) + '\n')
" "${CHATBOT_LANDING_DIR}/chat-events/chat_events_late.jsonl" "${RUN_DATE}" \
  "$("${PY}" -c "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute('select min(bot_id) from raw.bots').fetchone()[0])" "${CHATBOT_DUCKDB_PATH}")"
dags_test_and_check "${RUN_DATE}T01:00:00" dags_test_trouble failed chat-events/broken.csv

# A manual run without a logical date (Airflow 3's default for the UI's Trigger and
# `airflow dags trigger`) has no data interval: the plan takes the hour before run_after.
phase "plan of a manual run without a logical date"
"${PROJECT_DIR}/.venv-airflow/bin/python" - "${PROJECT_DIR}/dags/chatbot_analytics.py" <<'PLAN' \
  || { echo "the plan task fails a manual run without a logical date"; trap - EXIT; exit 1; }
import importlib.util, sys
from datetime import UTC, datetime
from types import SimpleNamespace
spec = importlib.util.spec_from_file_location("chatbot_analytics_dag", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
plan = module.dag.get_task("plan").python_callable
# 16:05 UTC = 00:05 at UTC+8: the hour that ended belongs to the day before.
result = plan(params={}, data_interval_start=None, dag_run=SimpleNamespace(run_after=datetime(2025, 6, 2, 16, 5, tzinfo=UTC)))
assert (result["start"], result["end"]) == ("2025-06-02", "2025-06-02"), result
# Local midnight has passed: June 2 is complete, so the window ends on it.
assert result["dbt_vars"] == {"comparison_end": "2025-06-02"}, result
print("  ok    manual run at 2025-06-02 16:05 UTC plans", result["start"])
PLAN
phase "done"
