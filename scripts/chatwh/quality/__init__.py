"""Data-quality gate on the source (raw) tables: Great Expectations suites defined in code.

* `framework` — thresholds (dbt vars `dq_*`), severities, the suites every loader kind gets
  from its declaration (columns, key, timestamps) and the volume and reject-share checks.
* `tables/<table>.py` — one module per source table with the expectations only that table
  has (enumerations, ranges, null shares); a new loader kind gets the generic suite at
  once and should add its module (tests/python/test_validate_sources.py checks that).
* `extract` — reads each landed table once through `chatwh.connection` into a Parquet
  file, and derives the daily-volume and per-file reject-share tables with DuckDB.
* `checkpoint` — builds one ephemeral GX context, one checkpoint over every table, runs
  it, writes Data Docs and returns a summary.
"""
