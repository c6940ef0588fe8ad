#!/usr/bin/env bash
# One engine's CI stage: the hand-written fixtures built on that engine and compared with
# the DuckDB build, mart by mart.
#
#   scripts/engines/test_engine.sh mysql   # private MariaDB; dbt-mysql types mysql AND mariadb
#   scripts/engines/test_engine.sh spark   # local Spark session (dbt-spark method: session)
#
# Steps: build the DuckDB reference (main .venv) → start the engine → loader tests on the
# engine (tests/engines: values, rejects, reload, a failure mid-file) → land the fixture
# files with scripts/load.py's loaders → dbt seed + dbt build (models, data tests) →
# scripts/ci/compare_engines.py (every mart and seed = DuckDB's) →
# scripts/ci/emptied_day_check.py (a rebuilt day that lost its rows is emptied) →
# scripts/ci/concurrent_load_check.py (a load landed mid-build is built; MySQL only: on
# Spark it costs five minutes of session start-ups, and the watermark SQL it checks runs
# in every incremental build of the short incremental_check) → a short
# scripts/ci/incremental_check.py (incremental = full refresh) → stop the engine (also on
# failure).
# Everything lives under warehouse/ci/ (gitignored): the reference DuckDB file, the
# MariaDB data dir (fresh each run, own socket and port), the Spark warehouse and Derby
# metastore. dbt writes target/ci-<target> and logs/ci-<target>, so a run never touches
# target/ of a developer's dbt session. Needs `make venv mysql-env` / `make venv spark-env`.
# Exit codes: 0 pass, 1 a step failed (the output says which), 2 usage error.
set -euo pipefail

ENGINE="${1:-}"
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${PROJECT_DIR}"

CI_DIR="${PROJECT_DIR}/warehouse/ci"
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-${PROJECT_DIR}/profiles}"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export PYTHONUNBUFFERED=1
unset CHATBOT_TARGET DBT_TARGET
# The reference build, read by compare_engines.py through the profile's duckdb target.
export CHATBOT_DUCKDB_PATH="${CI_DIR}/reference.duckdb"

T0=$(date +%s)
step() { echo; echo "--- [${ENGINE} +$(( $(date +%s) - T0 ))s] $*"; }
fail() { echo "test_engine.sh: $*" >&2; exit 1; }

require() {
  [ -x "$1" ] || fail "$1 is missing: run '$2' first"
}

build_fixture() {  # build_fixture PYTHON TARGET: land the fixtures, dbt seed + build
  local python="$1" target="$2"
  DBT_TARGET_PATH="target/ci-${target}" DBT_LOG_PATH="logs/ci-${target}" \
    "${python}" scripts/build_fixture.py --target "${target}" || fail "fixture build on target ${target} failed"
}

compare() {  # compare PYTHON TARGET
  "$1" scripts/ci/compare_engines.py --reference duckdb --target "$2" || fail "target $2 differs from DuckDB (lines starting DIFF above)"
}

reference() {
  step "DuckDB reference build (${CHATBOT_DUCKDB_PATH})"
  mkdir -p "${CI_DIR}"
  rm -f "${CHATBOT_DUCKDB_PATH}" "${CHATBOT_DUCKDB_PATH}.wal"
  build_fixture .venv/bin/python duckdb
}

run_mysql() {
  require .venv/bin/python "make venv"
  require .venv-mysql/bin/dbt "make mysql-env"
  # A private server for this run only: its own data dir, socket and port (not 3306, and
  # not the port of a developer's `mariadb.sh start`), a password generated now.
  export CHATBOT_MARIADB_DIR="${CI_DIR}/mariadb"
  export CHATBOT_MYSQL_HOST=127.0.0.1
  export CHATBOT_MYSQL_PORT="${CHATBOT_CI_MYSQL_PORT:-33307}"
  export CHATBOT_MYSQL_USER=chatbot_ci
  export CHATBOT_MYSQL_SCHEMA=chatbot_analytics
  export CHATBOT_MYSQL_EXTRA_SCHEMAS=chatbot_analytics_mariadb
  # The server's default collation is case-insensitive here, as on most servers: the
  # project (database DDL, raw table DDL, connection collation) must keep text binary.
  export CHATBOT_MARIADB_COLLATION=utf8mb4_general_ci
  # And NO_BACKSLASH_ESCAPES, which some servers set: the models' sessions and the loaders'
  # must undo it, or every regular expression changes meaning.
  export CHATBOT_MARIADB_SQL_MODE=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES
  unset CHATBOT_MYSQL_PASSWORD
  scripts/engines/mariadb.sh stop >/dev/null 2>&1 || true
  rm -rf "${CHATBOT_MARIADB_DIR}"
  reference
  step "start MariaDB"
  trap 'step "stop MariaDB"; scripts/engines/mariadb.sh stop' EXIT
  scripts/engines/mariadb.sh start
  eval "$(scripts/engines/mariadb.sh env)"

  step "loader tests on MariaDB (tests/engines)"
  CHATBOT_ENGINE_TARGET=mysql .venv/bin/python -m pytest -q -p no:cacheprovider tests/engines || fail "loader tests on MySQL failed"

  step "target mysql: load + dbt seed + dbt build (dbt $(.venv-mysql/bin/dbt --version 2>/dev/null | sed -n 's/.*installed: *//p' | head -1))"
  build_fixture .venv/bin/python mysql
  step "target mysql: compare every mart with DuckDB"
  compare .venv/bin/python mysql

  # dbt-mysql's `mariadb` type dispatches mariadb__ macros: build and compare it too.
  step "target mariadb: load + dbt seed + dbt build"
  CHATBOT_MYSQL_SCHEMA=chatbot_analytics_mariadb build_fixture .venv/bin/python mariadb
  step "target mariadb: compare every mart with DuckDB"
  CHATBOT_MYSQL_SCHEMA=chatbot_analytics_mariadb compare .venv/bin/python mariadb

  # Tables only: a view's function results (sha2, cast as char) take the collation of
  # whoever queries it (dbt's sessions use utf8mb4_bin); tables fix it when built.
  step "every text column of the raw tables, seeds and table models compares byte for byte"
  local folded
  folded="$(scripts/engines/mariadb.sh sql -N -e "
    select concat(c.table_schema, '.', c.table_name, '.', c.column_name, ' (', c.collation_name, ')')
    from information_schema.columns as c
    inner join information_schema.tables as t
        on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema in ('raw', 'chatbot_analytics', 'chatbot_analytics_mariadb')
      and c.collation_name is not null and c.collation_name <> 'utf8mb4_bin'")"
  [ -z "${folded}" ] || fail "text columns with a case-folding collation (ids/tags would match 'A' = 'a'):
${folded}"

  # The grants README gives Metabase's read-only user: the marts, and nothing else
  # (no *_restricted mart, no raw, staging or intermediate relation).
  step "target mysql: a user granted print_mart_grants reads the marts only"
  check_mart_grants

  step "target mysql: a rebuilt day that lost its rows is emptied (scripts/ci/emptied_day_check.py)"
  .venv/bin/python scripts/ci/emptied_day_check.py --target mysql || fail "an emptied day kept its rows on mysql"

  # dbt-mysql's incremental models (delete+insert on unique_key): day-by-day runs on
  # generated data must equal a --full-refresh (the DuckDB stage runs the long version).
  # A load that commits while a model runs (after it looked up its days) is built in
  # full by the next run: another process can land during a build here.
  step "target mysql: a load landed mid-build is built in full (scripts/ci/concurrent_load_check.py)"
  .venv/bin/python scripts/ci/concurrent_load_check.py --target mysql || fail "a load landed mid-build was left unbuilt on mysql"

  step "target mysql: incremental day by day = full refresh (scripts/ci/incremental_check.py)"
  .venv/bin/python scripts/ci/incremental_check.py --target mysql --days "${CHATBOT_CI_INCREMENTAL_DAYS:-3}" --command run \
    || fail "incremental builds on mysql differ from a full refresh"
}

check_mart_grants() {
  local grants granted marts client=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "${CHATBOT_MYSQL_PORT}" -N)
  scripts/engines/mariadb.sh sql -e "drop user if exists 'metabase_ci'@'%'; create user 'metabase_ci'@'%' identified by 'metabase-ci'"
  grants="$(DBT_TARGET_PATH=target/ci-mysql DBT_LOG_PATH=logs/ci-mysql \
    .venv-mysql/bin/dbt --quiet run-operation print_mart_grants --target mysql --args '{user: metabase_ci}')" \
    || fail "dbt run-operation print_mart_grants failed: ${grants}"
  printf '%s\n' "${grants}" | scripts/engines/mariadb.sh sql || fail "the printed grants did not run:
${grants}"
  granted="$("${client[@]}" -umetabase_ci -pmetabase-ci -e "
    select table_name from information_schema.tables where table_schema = 'chatbot_analytics' order by 1")"
  marts="$(scripts/engines/mariadb.sh sql -N -e "
    select table_name from information_schema.tables where table_schema = 'chatbot_analytics'
      and (table_name like 'fct\\_%' or table_name like 'dim\\_%' or table_name like 'mart\\_%')
      and table_name not like '%\\_restricted' order by 1")"
  [ -n "${marts}" ] && [ "${granted}" = "${marts}" ] || fail "the Metabase user sees other relations than the marts:
granted: ${granted}
marts:   ${marts}"
  "${client[@]}" -umetabase_ci -pmetabase-ci -e "select count(*) from chatbot_analytics.mart_bot_daily_kpis" >/dev/null \
    || fail "the Metabase user cannot read mart_bot_daily_kpis"
  if "${client[@]}" -umetabase_ci -pmetabase-ci -e "select count(*) from chatbot_analytics.mart_low_quality_answers_restricted" 2>/dev/null; then
    fail "the Metabase user reads a restricted mart"
  fi
  echo "metabase_ci reads $(printf '%s\n' "${marts}" | wc -l) marts and nothing else in chatbot_analytics"
  scripts/engines/mariadb.sh sql -e "drop user 'metabase_ci'@'%'"
}

run_spark() {
  require .venv/bin/python "make venv"
  require .venv-spark/bin/python "make spark-env"
  export CHATBOT_SPARK_DIR="${CI_DIR}/spark"
  export CHATBOT_SPARK_SCHEMA=chatbot_analytics
  scripts/engines/spark.sh check
  scripts/engines/spark.sh clean
  reference
  step "loader tests on Spark (tests/engines)"
  CHATBOT_ENGINE_TARGET=spark .venv-spark/bin/python -m pytest -q -p no:cacheprovider tests/engines || fail "loader tests on Spark failed"
  # The loaders run in .venv-spark (pyspark); the Derby metastore admits one process at a
  # time, so landing, dbt and the comparison run one after the other.
  step "target spark: load + dbt seed + dbt build (local Spark session)"
  build_fixture .venv-spark/bin/python spark
  step "target spark: compare every mart with DuckDB"
  compare .venv-spark/bin/python spark

  # insert_overwrite replaces only the partitions present in the new rows: the day-keyed
  # models drop the partitions of the days they rebuild first.
  step "target spark: a rebuilt day that lost its rows is emptied (scripts/ci/emptied_day_check.py)"
  .venv-spark/bin/python scripts/ci/emptied_day_check.py --target spark || fail "an emptied day kept its rows on spark"

  # insert_overwrite by report_date partition: two generated days of the funnel models,
  # of the per-day quality marts and of the conversation monitor (with the conversation
  # models they read), run incrementally, must equal a --full-refresh. Short on purpose:
  # every Spark statement costs about a second (the DuckDB stage runs the long version).
  step "target spark: incremental day by day = full refresh (funnel, quality and monitor models)"
  .venv-spark/bin/python scripts/ci/incremental_check.py --target spark --days "${CHATBOT_CI_INCREMENTAL_DAYS:-2}" \
    --command run --scale 0.1 \
    --select "+path:models/marts/funnel +mart_answer_quality_daily +mart_input_categories_daily +mart_response_time_by_quality +mart_low_quality_answers_restricted +int_conversations__alert_firings" \
    || fail "incremental builds on spark differ from a full refresh"
}

case "${ENGINE}" in
  mysql) run_mysql ;;
  spark) run_spark ;;
  *) echo "usage: $0 mysql|spark" >&2; exit 2 ;;
esac
step "${ENGINE}: all steps passed"
