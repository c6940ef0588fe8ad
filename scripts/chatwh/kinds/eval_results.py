"""`eval-results`: one run of the ChatBI assistant over an eval dataset, one row per sample.

A record is `sample_id` and `predicted_result{query_logic_description,
predicted_values[{metric_name, value_unit, value_list}]}`, with the run named by `run_id`,
`model` (or system version) and `run_at` — on the record, on a file wrapper
`{"run_id", "model", "run_at", "dataset_id", "results": [...]}`, or by `--run-id`,
`--model`, `--run-at`, `--dataset-id`; defaults: run_id = the file name without its
extension, model 'unknown', run_at the load time (in the warehouse), dataset_id 'default'.
The design document's combined form (sample + prediction + evaluation_metrics) is
accepted. An `evaluation_metrics` object in the file is kept as reported_* columns.

Python (chatwh/chatbi/records.py) parses what SQL cannot: metric keys, numbers, the
description's (field, operator, value) clauses with the dates they name, repeated
sentences. Derived tables, landed with the row: chatbi_predicted_metrics,
chatbi_predicted_values, chatbi_description_clauses, chatbi_reported_errors.
Key: (run_id, dataset_id, sample_id). An object, array, boolean or null in a value_list or
error_types is a wrong_type reject naming the entry (numbers and text are values).
"""

from __future__ import annotations

import duckdb

from ..chatbi.records import prepare_results
from ..chatbi.sql import derived_rows_sql, prepared
from ..loading.kind import Column, DerivedTable, KindOption, LoadKind
from ..loading.sqlparts import WRONG_TYPE_ENTRY, first_failure, reason, ts_utc, wrong_type_list_entries

_PARENT = ("run_id", "dataset_id", "sample_id")
_RUN = (Column("run_id", "text"), Column("dataset_id", "text"), Column("sample_id", "text"))

PREDICTED_METRIC_COLUMNS = _RUN + (
    Column("metric_position", "bigint", "1-based position in predicted_values"),
    Column("metric_name", "text", "As written, e.g. 综合毛利(万元)"),
    Column("metric_key", "text", "Normalised name (bracketed unit stripped, NFKC, case folded)"),
    Column("value_unit", "text", "value_unit as given (Amount, Volume ...)"),
    Column("value_count", "bigint", "Values in value_list"),
)
PREDICTED_VALUE_COLUMNS = _RUN + (
    Column("metric_position", "bigint", "Position of the metric in predicted_values"),
    Column("value_position", "bigint", "1-based position in value_list"),
    Column("metric_key", "text", "Normalised metric name"),
    Column("value_text", "text", "The value as given"),
    Column("value_number", "double", "The number it reads as; NULL when it is not a number"),
    Column("value_scaled", "bigint", "The number × 10^6 rounded half away from zero; NULL when not a number or |value| ≥ 10^12"),
)
CLAUSE_COLUMNS = _RUN + (
    Column("clause_index", "bigint", "1-based order of the clause in the description"),
    Column("value_position", "bigint", "1-based position of the value within the clause (in-lists, between)"),
    Column("clause_text", "long_text", "The clause as written"),
    Column("field_name", "text", "Field the clause filters on"),
    Column("operator", "text", "eq | ne | in | not_in | gt | ge | lt | le | between | contains"),
    Column("polarity", "text", "positive (eq/in) | negative (ne/not_in) | NULL (comparisons)"),
    Column("value_text", "text", "The value as written"),
    Column("value_key", "text", "Comparison key of the value"),
    Column("date_start", "date", "First day the value names when it is an explicit date/month/year"),
    Column("date_end", "date", "Last day the value names when it is an explicit date/month/year"),
)
REPORTED_ERROR_COLUMNS = _RUN + (
    Column("error_index", "bigint", "1-based position in evaluation_metrics.error_types"),
    Column("error_label", "text", "The label as the file wrote it"),
    Column("error_key", "text", "The label folded (NFKC, case folded, no spaces) for the alias seed"),
)

_REPORTED = (
    "field_match_accuracy",
    "result_coverage",
    "condition_match_accuracy",
    "value_accuracy",
    "semantic_similarity_score",
)
_REPORTED_COUNTS = ("total_expected_fields", "matched_fields_count", "total_expected_conditions", "matched_conditions_count")
# Lists of values and labels: the Python step writes an object in one as Python text
# ("{'a': 1}"), a boolean as 'True' and a null as a value without text.
_TEXT_LISTS = ("predicted_result.predicted_values[*].value_list", "evaluation_metrics.error_types")

PARSE_SQL = f"""
with fields as (
    select line_number,
           {prepared("reject")} as prepare_reject,
           {prepared("run_id")} as run_id,
           {prepared("dataset_id")} as dataset_id,
           {prepared("sample_id")} as sample_id,
           {prepared("model")} as model,
           {prepared("run_at")} as run_at_text,
           {prepared("description", "long_text")} as query_logic_description,
           {prepared("answer_text", "long_text")} as answer_text,
           {prepared("repeated_sentence_count", "bigint")} as repeated_sentence_count,
           {prepared("predicted_metric_count", "bigint")} as predicted_metric_count,
           {", ".join(f"{prepared('reported.' + m, 'double')} as reported_{m}" for m in _REPORTED)},
           {", ".join(f"{prepared('reported.' + m, 'bigint')} as reported_{m}" for m in _REPORTED_COUNTS)},
           {prepared("reported_error_types", "long_text")} as reported_error_types,
           {wrong_type_list_entries(_TEXT_LISTS)} as wrong_type_entry
    from __records
),
typed as (
    select *, {ts_utc("run_at_text")} as run_at
    from fields
)
select line_number, run_id, dataset_id, sample_id, model, run_at, query_logic_description, answer_text,
       repeated_sentence_count, predicted_metric_count,
       {", ".join(f"reported_{m}" for m in _REPORTED + _REPORTED_COUNTS)},
       reported_error_types,
       {
    first_failure(
        WRONG_TYPE_ENTRY,
        ("prepare_reject is not null", "prepare_reject"),
        ("run_id is null", reason("missing_field", "'run_id'")),
        ("sample_id is null", reason("missing_field", "'sample_id'")),
        ("run_at_text is not null and run_at is null", reason("bad_timestamp", "run_at_text")),
        (
            " or ".join(f"reported_{m} < 0 or reported_{m} > 1" for m in _REPORTED),
            reason("bad_number", "'evaluation_metrics: a score outside 0-1'"),
        ),
    )
} as reject_reason
from typed
"""


def _run_at_problem(text: str) -> str | None:
    """Why `--run-at` is not a time, by the rule a record's run_at is read with (ts_utc).
    An empty value is no value (the load time), as the prepare step reads it."""
    if text == "":
        return None
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")  # as in the parse step, which ts_utc relies on
        (value,) = con.execute(f"select {ts_utc('t')} from (select cast(? as varchar) as t)", [text]).fetchone()  # type: ignore[misc]
    if value is None:
        return "not a time: ISO 8601 (naive = reporting-local, Z or an offset) or epoch seconds, years 1970-2999"
    return None


KIND = LoadKind(
    name="eval-results",
    table="chatbi_eval_results",
    description="One ChatBI run's answers per eval sample: description, predicted values, reported metrics.",
    columns=(
        Column("run_id", "text", "Run id (record, file wrapper, --run-id, else the file name)"),
        Column("dataset_id", "text", "Dataset the run answered (record, wrapper, --dataset-id, else 'default')"),
        Column("sample_id", "text", "Sample answered"),
        Column("model", "text", "Model or system version (record, wrapper, --model, else 'unknown')"),
        Column("run_at", "timestamp", "UTC; NULL when not given (the warehouse then uses the load time)"),
        Column("query_logic_description", "long_text", "The assistant's description of its query logic"),
        Column("answer_text", "long_text", "Description plus the predicted values as one text (for similarity)"),
        Column("repeated_sentence_count", "bigint", "Sentences of the description that repeat an earlier one"),
        Column("predicted_metric_count", "bigint", "Entries in predicted_values"),
        *(Column(f"reported_{m}", "double", f"evaluation_metrics.{m} as the file reported it") for m in _REPORTED),
        *(Column(f"reported_{m}", "bigint", f"evaluation_metrics.{m} as the file reported it") for m in _REPORTED_COUNTS),
        Column("reported_error_types", "long_text", "evaluation_metrics.error_types as the file wrote them, |-separated"),
    ),
    key=_PARENT,
    formats=("json", "jsonl"),
    parse_sql=PARSE_SQL,
    load_order=61,
    prepare=prepare_results,
    derived=(
        DerivedTable(
            "chatbi_predicted_metrics", PREDICTED_METRIC_COLUMNS, derived_rows_sql("metrics", _PARENT, PREDICTED_METRIC_COLUMNS), _PARENT
        ),
        DerivedTable(
            "chatbi_predicted_values", PREDICTED_VALUE_COLUMNS, derived_rows_sql("values", _PARENT, PREDICTED_VALUE_COLUMNS), _PARENT
        ),
        DerivedTable("chatbi_description_clauses", CLAUSE_COLUMNS, derived_rows_sql("clauses", _PARENT, CLAUSE_COLUMNS), _PARENT),
        DerivedTable(
            "chatbi_reported_errors", REPORTED_ERROR_COLUMNS, derived_rows_sql("reported_errors", _PARENT, REPORTED_ERROR_COLUMNS), _PARENT
        ),
    ),
    options=(
        KindOption("--run-id", "run id for records and files that do not name one (default: the file name)"),
        KindOption("--model", "model or system version for records and files that do not name one (default: unknown)"),
        KindOption("--run-at", "time of the run (ISO 8601; naive = reporting-local) when the file does not say", _run_at_problem),
        KindOption("--dataset-id", "dataset id for records and files that do not name one"),
    ),
)
