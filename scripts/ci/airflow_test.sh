#!/usr/bin/env bash
# `make airflow-test`: the Airflow DAG end to end, as the scheduler would run one interval.
#
#   1. a temporary AIRFLOW_HOME (SQLite metadata DB), landing folder, DuckDB file, BI copy
#      and report folder, so nothing of the developer's warehouse is touched;
#   2. demo data (3 days ending AIRFLOW_TEST_DATE, scale 0.2) written to the landing folder;
#   3. `airflow db migrate`, the pool of size 1, then
#      `airflow dags test chatbot_analytics <date>` (every task, in-process);
#   4. scripts/ci/check_airflow_run.py asserts the task states, that the marts hold the
#      date (KPIs equal to counts straight from the raw events), the BI copy and the report.
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

phase "airflow dags test chatbot_analytics ${RUN_DATE}"
set +e
"${AIRFLOW_BIN}" dags test chatbot_analytics "${RUN_DATE}" >"${WORK}/dags_test.log" 2>&1
rc=$?
set -e
grep -E "\[DAG TEST\] end task|DagRun Finished" "${WORK}/dags_test.log" | sed -E 's/.*(task_id=[^ ]+).*/  \1/; s/.*DagRun Finished.*(state=[a-z]+).*/  run \1/' || true
if [ "${rc}" != 0 ]; then
  echo "airflow dags test exited ${rc}; last lines of its log:"
  tail -80 "${WORK}/dags_test.log"
fi

phase "check the run"
# The CLI prints warnings on stdout too: keep the JSON line only.
"${AIRFLOW_BIN}" dags list-runs chatbot_analytics -o json 2>/dev/null | grep '^\[' >"${WORK}/runs.json"
run_id=$("${PY}" -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['run_id'])" "${WORK}/runs.json")
"${AIRFLOW_BIN}" tasks states-for-dag-run chatbot_analytics "${run_id}" -o json 2>/dev/null | grep '^\[' >"${WORK}/states.json"
"${PY}" scripts/ci/check_airflow_run.py --date "${RUN_DATE}" --states "${WORK}/states.json" --dags-test-exit "${rc}" \
  || { echo "dags test log: ${WORK}/dags_test.log (kept)"; trap - EXIT; exit 1; }
phase "done"
