#!/usr/bin/env bash
# A private MariaDB server for tests and local use: its own data directory, socket and
# port, never the system's /var/lib/mysql or port 3306.
#
#   scripts/engines/mariadb.sh install   # apt-get install mariadb-server if mariadbd is missing
#   scripts/engines/mariadb.sh start     # install if needed, init the data dir, start, create db + user
#   scripts/engines/mariadb.sh stop      # stop the server started by `start`
#   scripts/engines/mariadb.sh status    # exit 0 when the server answers
#   scripts/engines/mariadb.sh env       # print `export ...` lines for dbt and the loaders
#   scripts/engines/mariadb.sh sql       # a root mariadb client on the private socket
#
# Settings (environment):
#   CHATBOT_MARIADB_DIR      state directory (default: warehouse/mariadb under the project)
#   CHATBOT_MYSQL_HOST       host dbt and the loaders connect to (default 127.0.0.1)
#   CHATBOT_MYSQL_PORT       TCP port of the private server (default 33306)
#   CHATBOT_MYSQL_USER       user created for dbt and the loaders (default chatbot)
#   CHATBOT_MYSQL_PASSWORD   its password; when unset a random one is generated at the first
#                            start and kept in $CHATBOT_MARIADB_DIR/password (mode 600)
#   CHATBOT_MYSQL_SCHEMA     database dbt builds into (default chatbot_analytics)
#   CHATBOT_MYSQL_EXTRA_SCHEMAS  more databases to create and grant (space-separated);
#                            the raw schema (dbt var raw_schema) is always added
#   CHATBOT_MARIADB_COLLATION  the server's default collation (default utf8mb4_bin; CI
#                            runs utf8mb4_general_ci, MariaDB's own default, to prove the
#                            project keeps ids and tags binary whatever the server says)
#   CHATBOT_MARIADB_SQL_MODE the server's sql_mode (default MySQL 8's; CI adds
#                            NO_BACKSLASH_ESCAPES to prove the project's sessions undo it)
# Exit codes: 0 ok, 1 the server could not be installed, started or configured (the
# message says why), 2 usage error.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${CHATBOT_MARIADB_DIR:-${PROJECT_DIR}/warehouse/mariadb}"
DATA_DIR="${STATE_DIR}/data"
SOCKET="${STATE_DIR}/mariadb.sock"
PID_FILE="${STATE_DIR}/mariadb.pid"
LOG_FILE="${STATE_DIR}/mariadb.log"
PASSWORD_FILE="${STATE_DIR}/password"
HOST="${CHATBOT_MYSQL_HOST:-127.0.0.1}"
PORT="${CHATBOT_MYSQL_PORT:-33306}"
DB_USER="${CHATBOT_MYSQL_USER:-chatbot}"
SCHEMA="${CHATBOT_MYSQL_SCHEMA:-chatbot_analytics}"
START_TIMEOUT_S="${CHATBOT_MARIADB_START_TIMEOUT:-60}"
COLLATION="${CHATBOT_MARIADB_COLLATION:-utf8mb4_bin}"
SQL_MODE="${CHATBOT_MARIADB_SQL_MODE:-ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION}"

die() { echo "mariadb.sh: $*" >&2; exit 1; }
log() { echo "mariadb.sh: $*" >&2; }

find_bin() {
  # Debian puts the server in /usr/sbin, which a non-login shell may not have on PATH.
  local name
  for name in "$@"; do
    if command -v "${name}" >/dev/null 2>&1; then command -v "${name}"; return 0; fi
    for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
      if [ -x "${dir}/${name}" ]; then echo "${dir}/${name}"; return 0; fi
    done
  done
  return 1
}

raw_schema() {
  # The loaders land raw tables in dbt var raw_schema; read it like chatwh.project does.
  sed -n 's/^[[:space:]]*raw_schema:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "${PROJECT_DIR}/dbt_project.yml" | head -1
}

cmd_install() {
  if find_bin mariadbd mysqld >/dev/null && find_bin mariadb-install-db mysql_install_db >/dev/null; then
    return 0
  fi
  log "mariadbd not found: installing Debian's mariadb-server (needs root and the Debian package registry)"
  [ "$(id -u)" = 0 ] || die "mariadb-server is not installed and this is not root: run 'sudo apt-get install -y mariadb-server mariadb-client'"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends mariadb-server mariadb-client >"${STATE_DIR}/apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update and trying again"
    apt-get update -q >>"${STATE_DIR}/apt.log" 2>&1 || { tail -20 "${STATE_DIR}/apt.log" >&2; die "apt-get update failed"; }
    apt-get install -y -q --no-install-recommends mariadb-server mariadb-client >>"${STATE_DIR}/apt.log" 2>&1 \
      || { tail -20 "${STATE_DIR}/apt.log" >&2; die "apt-get install mariadb-server failed (see ${STATE_DIR}/apt.log)"; }
  fi
  find_bin mariadbd mysqld >/dev/null || die "mariadb-server installed but mariadbd is still not found"
  log "installed: $("$(find_bin mariadbd mysqld)" --version)"
}

root_client() {
  "$(find_bin mariadb mysql)" --no-defaults --protocol=socket --socket="${SOCKET}" -uroot "$@"
}

server_pid() {
  [ -f "${PID_FILE}" ] || return 1
  local pid
  pid="$(cat "${PID_FILE}" 2>/dev/null || true)"
  [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null && { echo "${pid}"; return 0; }
  return 1
}

cmd_status() {
  server_pid >/dev/null && root_client -e "select 1" >/dev/null 2>&1
}

password() {
  if [ -n "${CHATBOT_MYSQL_PASSWORD:-}" ]; then
    printf '%s' "${CHATBOT_MYSQL_PASSWORD}"
    return 0
  fi
  if [ ! -s "${PASSWORD_FILE}" ]; then
    (umask 077; od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"${PASSWORD_FILE}")
  fi
  cat "${PASSWORD_FILE}"
}

sql_string() {  # a SQL string literal of $1 (for passwords and names in DDL)
  printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")"
}

check_identifier() {
  [[ "$1" =~ ^[A-Za-z0-9_]+$ ]] || die "$2 must be letters, digits and _ only, got: $1"
}

cmd_start() {
  mkdir -p "${STATE_DIR}"
  chmod 700 "${STATE_DIR}"
  cmd_install
  if cmd_status; then
    log "already running (pid $(server_pid), port ${PORT}, socket ${SOCKET})"
  else
    local mariadbd install_db
    mariadbd="$(find_bin mariadbd mysqld)"
    install_db="$(find_bin mariadb-install-db mysql_install_db)"
    if [ ! -d "${DATA_DIR}/mysql" ]; then
      log "initialising ${DATA_DIR}"
      rm -rf "${DATA_DIR}"
      "${install_db}" --no-defaults --datadir="${DATA_DIR}" --user=root --auth-root-authentication-method=socket \
        --skip-test-db >"${STATE_DIR}/install-db.log" 2>&1 \
        || { tail -20 "${STATE_DIR}/install-db.log" >&2; die "mariadb-install-db failed"; }
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then
      die "port ${PORT} is already taken by another process; set CHATBOT_MYSQL_PORT to a free port"
    fi
    log "starting mariadbd on 127.0.0.1:${PORT} (socket ${SOCKET}, data ${DATA_DIR})"
    # utf8mb4 (+ binary collation unless told otherwise): ids and tags compare byte for byte.
    # Small buffers: a test server on a 2-core machine beside dbt and Spark. sql_mode is
    # MySQL 8's default (strict, ONLY_FULL_GROUP_BY) unless told otherwise, so what passes
    # here passes there.
    nohup "${mariadbd}" --no-defaults --user=root --datadir="${DATA_DIR}" --socket="${SOCKET}" \
      --port="${PORT}" --bind-address=127.0.0.1 --pid-file="${PID_FILE}" --log-error="${LOG_FILE}" \
      --character-set-server=utf8mb4 --collation-server="${COLLATION}" --default-time-zone=+00:00 \
      --innodb-buffer-pool-size=256M --innodb-log-file-size=64M \
      --innodb-flush-log-at-trx-commit=2 --skip-name-resolve --max-connections=50 \
      --sql-mode="${SQL_MODE}" \
      >/dev/null 2>&1 &
    local launched=$!
    local waited=0
    until root_client -e "select 1" >/dev/null 2>&1; do
      if ! kill -0 "${launched}" 2>/dev/null; then
        tail -30 "${LOG_FILE}" >&2 || true
        die "mariadbd exited during start-up (log: ${LOG_FILE})"
      fi
      if [ "${waited}" -ge "$((START_TIMEOUT_S * 5))" ]; then
        tail -30 "${LOG_FILE}" >&2 || true
        kill "${launched}" 2>/dev/null || true
        die "mariadbd did not answer within ${START_TIMEOUT_S}s (log: ${LOG_FILE})"
      fi
      sleep 0.2
      waited=$((waited + 1))
    done
    log "ready after $((waited / 5)).$((waited % 5 * 2))s: $(root_client -N -e 'select version()')"
  fi
  configure
}

configure() {
  local raw pw schemas grants="" schema
  raw="$(raw_schema)"
  raw="${raw:-raw}"
  check_identifier "${SCHEMA}" CHATBOT_MYSQL_SCHEMA
  check_identifier "${DB_USER}" CHATBOT_MYSQL_USER
  schemas="${SCHEMA} ${raw} ${CHATBOT_MYSQL_EXTRA_SCHEMAS:-}"
  pw="$(password)"
  for schema in ${schemas}; do
    check_identifier "${schema}" "schema name"
    grants+="create database if not exists \`${schema}\` character set utf8mb4 collate utf8mb4_bin;"
    grants+="grant all privileges on \`${schema}\`.* to '${DB_USER}'@'%';"
  done
  # dbt custom schemas are <schema>_<name>: let the user create and use those too.
  grants+="grant all privileges on \`$(printf '%s' "${SCHEMA}" | sed 's/_/\\_/g')\\_%\`.* to '${DB_USER}'@'%';"
  root_client <<SQL || die "could not create the databases and user"
drop user if exists ''@'localhost';
drop user if exists ''@'$(hostname)';
create user if not exists '${DB_USER}'@'%' identified by $(sql_string "${pw}");
alter user '${DB_USER}'@'%' identified by $(sql_string "${pw}");
${grants}
flush privileges;
SQL
  log "databases ready: ${schemas% } (user ${DB_USER}@${HOST}:${PORT})"
}

cmd_stop() {
  local pid
  if ! pid="$(server_pid)"; then
    log "not running"
    return 0
  fi
  log "stopping mariadbd (pid ${pid})"
  kill -TERM "${pid}"
  for _ in $(seq 1 150); do
    kill -0 "${pid}" 2>/dev/null || { rm -f "${PID_FILE}"; log "stopped"; return 0; }
    sleep 0.2
  done
  log "mariadbd did not stop within 30s; killing pid ${pid}"
  kill -KILL "${pid}" 2>/dev/null || true
  rm -f "${PID_FILE}"
}

cmd_env() {
  echo "export CHATBOT_MYSQL_HOST=${HOST}"
  echo "export CHATBOT_MYSQL_PORT=${PORT}"
  echo "export CHATBOT_MYSQL_USER=${DB_USER}"
  echo "export CHATBOT_MYSQL_SCHEMA=${SCHEMA}"
  echo "export CHATBOT_MYSQL_PASSWORD=$(printf '%q' "$(password)")"
}

case "${1:-}" in
  install) mkdir -p "${STATE_DIR}"; cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) mkdir -p "${STATE_DIR}"; cmd_env ;;
  sql) shift; root_client "$@" ;;
  *) echo "usage: $0 install|start|stop|status|env|sql" >&2; exit 2 ;;
esac
