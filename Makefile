# Two commands do everything: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt

# dbt and the scripts read the profile shipped in the repo unless you point elsewhere.
export DBT_PROFILES_DIR ?= $(CURDIR)/profiles
export PYTHONUNBUFFERED := 1

DEMO_DIR ?= warehouse/demo_data
DEMO_DAYS ?= 28
DEMO_SCALE ?= 1.0
DEMO_SEED ?= 7

.PHONY: help venv demo test test-duckdb lint pytest dbt-fixture clean docs

help:
	@echo "make demo   - create .venv, generate demo data, load it, dbt build, print KPIs and paths"
	@echo "make test   - everything CI checks (all engines), with stage timings"
	@echo "make test-duckdb | test-mysql | test-spark - one engine's checks"
	@echo "make lint   - ruff + sqlfluff"
	@echo "make docs   - dbt docs site with lineage"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON_BIN) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

demo: venv
	$(PY) scripts/demo.py --out $(DEMO_DIR) --days $(DEMO_DAYS) --scale $(DEMO_SCALE) --seed $(DEMO_SEED)

docs: venv
	$(DBT) docs generate --target duckdb
	@echo "dbt docs: target/index.html (serve with: $(DBT) docs serve)"

# ---- checks -----------------------------------------------------------------
test:
	scripts/ci/stages.sh venv lint pytest dbt-fixture

test-duckdb:
	scripts/ci/stages.sh venv pytest dbt-fixture

lint: venv
	$(VENV)/bin/ruff check scripts tests dags
	$(VENV)/bin/ruff format --check scripts tests dags

pytest: venv
	$(VENV)/bin/pytest -q tests/python

# dbt build on the hand-written fixture, on DuckDB (models, seeds, data + unit tests).
dbt-fixture: venv
	$(PY) scripts/build_fixture.py --target duckdb

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/demo_data
