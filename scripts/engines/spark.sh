#!/usr/bin/env bash
# The local Spark engine: pyspark runs inside the process that uses it (dbt-spark's
# `method: session`, the loaders' SparkWarehouse), so there is no server to start. What
# it needs is Java 17+ and a state directory for the warehouse files and the Derby
# metastore.
#
#   scripts/engines/spark.sh check   # Java 17+ present (apt-get install it when missing)
#   scripts/engines/spark.sh clean   # delete the state directory (tables and metastore)
#   scripts/engines/spark.sh env     # print `export ...` lines for dbt and the loaders
#
# Settings (environment):
#   CHATBOT_SPARK_DIR     state directory: warehouse/ (parquet files), metastore_db/
#                         (Derby), derby.log (default: warehouse/spark under the project)
#   CHATBOT_SPARK_SCHEMA  database dbt builds into (default chatbot_analytics)
# Exit codes: 0 ok, 1 Java is missing and could not be installed, 2 usage error.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${CHATBOT_SPARK_DIR:-${PROJECT_DIR}/warehouse/spark}"

die() { echo "spark.sh: $*" >&2; exit 1; }
log() { echo "spark.sh: $*" >&2; }

java_major() {
  local java_bin="${JAVA_HOME:+${JAVA_HOME}/bin/}java"
  command -v "${java_bin}" >/dev/null 2>&1 || return 1
  "${java_bin}" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

cmd_check() {
  local major
  major="$(java_major || true)"
  if [ -z "${major}" ] || [ "${major}" -lt 17 ]; then
    log "Java 17+ not found (found: ${major:-none}); installing Debian's openjdk-17-jre-headless"
    [ "$(id -u)" = 0 ] || die "Java 17 is missing and this is not root: run 'sudo apt-get install -y openjdk-17-jre-headless'"
    export DEBIAN_FRONTEND=noninteractive
    mkdir -p "${STATE_DIR}"
    apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >"${STATE_DIR}/apt.log" 2>&1 || {
      apt-get update -q >>"${STATE_DIR}/apt.log" 2>&1 || { tail -20 "${STATE_DIR}/apt.log" >&2; die "apt-get update failed"; }
      apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >>"${STATE_DIR}/apt.log" 2>&1 \
        || { tail -20 "${STATE_DIR}/apt.log" >&2; die "apt-get install openjdk-17-jre-headless failed"; }
    }
    major="$(java_major || true)"
    [ -n "${major}" ] && [ "${major}" -ge 17 ] || die "Java 17+ still not found after installing"
  fi
  log "Java ${major} ok"
}

cmd_clean() {
  case "${STATE_DIR}" in
    ""|/) die "refusing to delete '${STATE_DIR}'" ;;
  esac
  rm -rf "${STATE_DIR}"
  log "removed ${STATE_DIR}"
}

cmd_env() {
  echo "export CHATBOT_SPARK_DIR=$(printf '%q' "${STATE_DIR}")"
  echo "export CHATBOT_SPARK_SCHEMA=$(printf '%q' "${CHATBOT_SPARK_SCHEMA:-chatbot_analytics}")"
}

case "${1:-}" in
  check) cmd_check ;;
  clean) cmd_clean ;;
  env) cmd_env ;;
  *) echo "usage: $0 check|clean|env" >&2; exit 2 ;;
esac
