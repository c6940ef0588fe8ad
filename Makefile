# Two commands do everything: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
# dbt-mysql needs dbt-core 1.7 and Spark runs pyspark: each has its own cached virtualenv,
# rebuilt only when its requirements file changes.
VENV_MYSQL := .venv-mysql
VENV_SPARK := .venv-spark
# Airflow 3 + astronomer-cosmos (the hourly DAG in dags/), cached the same way.
VENV_AIRFLOW := .venv-airflow

# dbt and the scripts read the profile shipped in the repo unless you point elsewhere.
export DBT_PROFILES_DIR ?= $(CURDIR)/profiles
export PYTHONUNBUFFERED := 1

DEMO_DIR ?= warehouse/demo_data
DEMO_DAYS ?= 28
DEMO_SCALE ?= 1.0
DEMO_SEED ?= 7

.PHONY: help venv demo test test-duckdb system-deps lint validate pytest dbt-fixture bench-smoke clean docs mysql-env spark-env test-mysql test-spark report report-deps
.PHONY: airflow-env airflow-test pipeline publish-bi metabase-sync

help:
	@echo "make demo   - create .venv, generate demo data, load it, dbt build, print KPIs and paths"
	@echo "make test   - everything CI checks (all engines), with stage timings"
	@echo "make test-duckdb | test-mysql | test-spark - one engine's checks"
	@echo "make lint   - ruff + sqlfluff"
	@echo "make validate [TARGET=name] - Great Expectations checks on the landed source tables"
	@echo "make docs   - dbt docs site with lineage"
	@echo "make report [DATE=YYYY-MM-DD] - daily HTML + Markdown report into warehouse/reports (default: yesterday)"
	@echo "make pipeline [DATE=YYYY-MM-DD] - the hourly pipeline once (land, validate, dbt build, BI copy, alerts, report)"
	@echo "make airflow-env | airflow-test - Airflow virtualenv (.venv-airflow) | the DAG end to end on demo data"
	@echo "make metabase-sync - push mart and column docs to Metabase (METABASE_URL, METABASE_USERNAME, METABASE_PASSWORD)"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON_BIN) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

mysql-env: $(VENV_MYSQL)/.installed

$(VENV_MYSQL)/.installed: requirements-mysql.txt
	rm -rf $(VENV_MYSQL)
	$(PYTHON_BIN) -m venv $(VENV_MYSQL)
	$(VENV_MYSQL)/bin/pip install --quiet --upgrade pip
	$(VENV_MYSQL)/bin/pip install --quiet -r requirements-mysql.txt
	touch $@

spark-env: $(VENV_SPARK)/.installed
	scripts/engines/spark.sh check

$(VENV_SPARK)/.installed: requirements-spark.txt requirements.txt
	rm -rf $(VENV_SPARK)
	$(PYTHON_BIN) -m venv $(VENV_SPARK)
	$(VENV_SPARK)/bin/pip install --quiet --upgrade pip
	$(VENV_SPARK)/bin/pip install --quiet -r requirements-spark.txt
	touch $@

airflow-env: $(VENV_AIRFLOW)/.installed

$(VENV_AIRFLOW)/.installed: requirements-airflow.txt
	rm -rf $(VENV_AIRFLOW)
	$(PYTHON_BIN) -m venv $(VENV_AIRFLOW)
	$(VENV_AIRFLOW)/bin/pip install --quiet --upgrade pip
	$(VENV_AIRFLOW)/bin/pip install --quiet -r requirements-airflow.txt
	touch $@

demo: venv
	$(PY) scripts/demo.py --out $(DEMO_DIR) --days $(DEMO_DAYS) --scale $(DEMO_SCALE) --seed $(DEMO_SEED)

docs: venv
	$(DBT) docs generate --target duckdb
	@echo "dbt docs: target/index.html (serve with: DBT_PROFILES_DIR=$(DBT_PROFILES_DIR) $(DBT) docs serve)"

# The daily report of DATE (default: yesterday, reporting time) from the default target.
REPORT_DATE ?= $(or $(DATE),yesterday)
report: venv
	$(PY) scripts/report.py --date $(REPORT_DATE) --out 'warehouse/reports/report_{date}.html' --markdown 'warehouse/reports/report_{date}.md'

# Headless Chromium and CJK fonts (Debian packages) for the report render test; installs
# them only when missing (needs root, as on CI).
report-deps:
	@if command -v chromium >/dev/null && fc-list :lang=zh | grep -q "Noto Sans CJK"; then \
	  echo "chromium and fonts-noto-cjk present"; \
	else \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	fi

# The cron form of the hourly DAG (scripts/run_pipeline.py; exit 3 = error-level alerts).
# LANDING=DIR: the landing folder (default: env CHATBOT_LANDING_DIR, else warehouse/landing;
# after make demo, LANDING=warehouse/demo_data runs it on the demo's files).
pipeline: venv
	$(PY) scripts/run_pipeline.py $(if $(DATE),--date $(DATE),) $(if $(LANDING),--landing $(LANDING),)

# Read-only copy of the DuckDB warehouse for Metabase (atomic replace), as the pipeline does.
publish-bi: venv
	$(PY) scripts/publish_bi_copy.py

# Pushes mart and column docs (descriptions, display names, semantic types, FK links) to a
# Metabase instance with dbt-metabase; not the *_restricted marts, which Metabase does not
# get (the BI copy leaves them out; on MySQL keep them out of Metabase's grant).
# Env: METABASE_URL; METABASE_USERNAME and METABASE_PASSWORD (or METABASE_API_KEY);
# METABASE_DATABASE = the warehouse's name in Metabase (default chatbot);
# METABASE_DBT_TARGET = the dbt target whose schema Metabase reads (default duckdb; for
# MySQL also METABASE_DBT=.venv-mysql/bin/dbt).
METABASE_DATABASE ?= chatbot
METABASE_DBT_TARGET ?= duckdb
METABASE_DBT ?= $(DBT)
METABASE_MANIFEST_DIR ?= $(CURDIR)/target/metabase
metabase-sync: venv
	@test -n "$$METABASE_URL" || { echo "metabase-sync: set METABASE_URL and METABASE_USERNAME + METABASE_PASSWORD (or METABASE_API_KEY)" >&2; exit 2; }
	$(METABASE_DBT) parse --quiet --target $(METABASE_DBT_TARGET) --target-path $(METABASE_MANIFEST_DIR)
	$(VENV)/bin/dbt-metabase models --manifest-path $(METABASE_MANIFEST_DIR)/manifest.json \
	  --metabase-database "$(METABASE_DATABASE)" --include-models 'dim_*,fct_*,mart_*' \
	  --exclude-models '*_restricted' --skip-sources --order-fields

# ---- checks -----------------------------------------------------------------
# The virtualenv and the Debian packages first, then two lanes side by side (each lane's
# stages one after another): most of a stage's time is one busy core, and CI has two.
test:
	$(PYTHON_BIN) scripts/ci/stages.py venv system-deps \
	  --lane "lint dbt-fixture pytest bench-smoke" \
	  --lane "airflow-env airflow-test mysql-env test-mysql spark-env test-spark"

test-duckdb:
	$(PYTHON_BIN) scripts/ci/stages.py venv report-deps --lane "dbt-fixture pytest" --lane "bench-smoke"

# Every Debian package a stage needs (chromium and CJK fonts for the report test, MariaDB,
# Java 17 for Spark), installed in one stage before the lanes start: two apt-get runs at
# once would fight over dpkg's lock. Each is skipped when present.
system-deps: report-deps
	scripts/engines/mariadb.sh install
	scripts/engines/spark.sh check

# sqlfluff (dbt templater, house style in .sqlfluff) lints every .sql dbt compiles:
# models, analyses and tests (macros are not lintable as files; see .sqlfluff). A scratch
# DuckDB file keeps the templater off the demo warehouse.
lint: venv
	$(VENV)/bin/ruff check scripts tests dags
	$(VENV)/bin/ruff format --check scripts tests dags
	mkdir -p .tmp && CHATBOT_DUCKDB_PATH=$(CURDIR)/.tmp/sqlfluff.duckdb $(VENV)/bin/sqlfluff lint models analyses tests --processes 2

# The Great Expectations gate on the landed source tables (Data Docs: warehouse/data_docs/).
validate: venv
	$(PY) scripts/validate_sources.py $(if $(TARGET),--target $(TARGET))

pytest: venv report-deps
	$(VENV)/bin/pytest -q tests/python

# dbt build on the hand-written fixture, on DuckDB (models, seeds, data + unit tests), in a
# warehouse of its own: the fixture build empties its warehouse first, and the default one
# is the demo's (make test after make demo must leave it alone).
dbt-fixture: venv
	mkdir -p .tmp
	CHATBOT_DUCKDB_PATH=$(CURDIR)/.tmp/fixture.duckdb $(PY) scripts/build_fixture.py --target duckdb

# The benchmark end to end at 100k events (prints its table; no timing is asserted, only
# that every step runs, the floor, pandas and mart KPIs agree and the --json output holds
# every figure the scale issue names: scripts/ci/check_bench_json.py). The README figures come
# from the 10-million run: $(PY) scripts/bench.py --with-pandas --json warehouse/bench.json
bench-smoke: venv
	$(PY) scripts/bench.py --events 100000 --days 7 --with-pandas --work warehouse/bench-smoke --json warehouse/bench-smoke.json
	$(PY) scripts/ci/check_bench_json.py warehouse/bench-smoke.json --with-pandas

# The same fixture on a private MariaDB (dbt-mysql, types mysql and mariadb) and on a local
# Spark session: loaders, dbt seed + build (models and data tests), then every mart
# compared row by row with the DuckDB build (scripts/ci/compare_engines.py).
test-mysql: venv mysql-env
	scripts/engines/test_engine.sh mysql

test-spark: venv spark-env
	scripts/engines/test_engine.sh spark

# `airflow dags test chatbot_analytics <date>` end to end on generated demo data in a
# temporary AIRFLOW_HOME and DuckDB file, then asserts the marts hold that date.
airflow-test: venv airflow-env
	scripts/ci/airflow_test.sh

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/demo_data
