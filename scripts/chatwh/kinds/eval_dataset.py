"""`eval-dataset`: the ChatBI evaluation set, one row per sample (issue 5).

A sample is `sample_id`, `query`, `expected_result{expected_time_range, expected_filters,
expected_metrics, expected_values}` and an optional `reference_date` (the day the question
was asked on). The whole file may be one wrapper object `{"dataset_id", "reference_date",
"samples": [...]}` whose fields are the samples' defaults; `--dataset-id` and
`--reference-date` fill what neither the sample nor the file gives (dataset_id defaults to
'default'). The design document's combined form (sample + prediction in one object) is
accepted: only the expected part is read here.

Python (chatwh/chatbi/records.py) validates each sample with pydantic and resolves what
SQL cannot: time ranges (chatwh/chatbi/time_range.py), metric-name keys, the number and
decimals of each expected value, filter values. The rows it derives land in three
derived tables in the same transaction: chatbi_expected_conditions (time ranges and
filters), chatbi_expected_metrics and chatbi_expected_values. Rejects: missing_field,
bad_value, bad_date, missing_reference_date, unresolvable_time_range (with the parser's
code), bad_expected_value (also a number in scientific notation), value_out_of_range,
value_too_long, unexpected_wrapper, wrong_type (an object, array or boolean as an id or
text; also a null as an entry of an expected list), plus the runner's
duplicate/already_loaded checks on (dataset_id, sample_id). A `--reference-date` that is
not a date is a usage error before any file is read.
"""

from __future__ import annotations

from datetime import date

from ..chatbi.records import prepare_dataset
from ..chatbi.sql import derived_rows_sql, prepared
from ..loading.kind import Column, DerivedTable, KindOption, LoadKind
from ..loading.sqlparts import WRONG_TYPE_ENTRY, first_failure, reason, wrong_type_list_entries

_PARENT = ("dataset_id", "sample_id")

CONDITION_COLUMNS = (
    Column("dataset_id", "text"),
    Column("sample_id", "text"),
    Column("condition_index", "bigint", "1-based: time ranges first, then filters, in file order"),
    Column("condition_type", "text", "time_range | filter"),
    Column("condition_text", "long_text", "The expected condition as written"),
    Column("filter_field", "text", "Field named by the filter (门店名称:北京草桥店), else NULL"),
    Column("filter_operator", "text", "eq | in | ne | not_in (a bare value is eq)"),
    Column("filter_polarity", "text", "positive (eq/in) | negative (ne/not_in)"),
    Column("filter_value", "text", "The value the filter names"),
    Column("filter_value_key", "text", "Comparison key of the value (NFKC, case folded, no spaces/quotes)"),
    Column("range_start", "date", "First day of the resolved time range (inclusive)"),
    Column("range_end", "date", "Last day of the resolved time range (inclusive)"),
)
METRIC_COLUMNS = (
    Column("dataset_id", "text"),
    Column("sample_id", "text"),
    Column("metric_index", "bigint", "1-based position in expected_metrics"),
    Column("metric_name", "text", "As written"),
    Column("metric_key", "text", "Normalised name: bracketed unit stripped, NFKC, case folded"),
)
VALUE_COLUMNS = (
    Column("dataset_id", "text"),
    Column("sample_id", "text"),
    Column("value_index", "bigint", "1-based position in expected_values"),
    Column("value_text", "text", "As written, e.g. 销售量 64"),
    Column("metric_name", "text", "The metric part of the text"),
    Column("metric_key", "text", "Normalised metric name"),
    Column("number_text", "text", "The number as written (no thousands separators, no unit)"),
    Column("value_decimals", "bigint", "Decimals the number is written with (capped at 6)"),
    Column("value_number", "double", "The number"),
    Column("value_scaled", "bigint", "The number × 10^6 (exact)"),
    Column("rounding_unit_scaled", "bigint", "10^(6 - decimals): one unit of the last written decimal, × 10^6"),
)

# The expected lists hold texts; the Python step reads a boolean as 'True' and drops a null.
_TEXT_LISTS = tuple(
    f"expected_result.{name}" for name in ("expected_time_range", "expected_filters", "expected_metrics", "expected_values")
)

PARSE_SQL = f"""
with fields as (
    select line_number,
           {prepared("reject")} as prepare_reject,
           {prepared("dataset_id")} as dataset_id,
           {prepared("sample_id")} as sample_id,
           {prepared("query", "long_text")} as query,
           {prepared("reference_date", "date")} as reference_date,
           {prepared("expected_description", "long_text")} as expected_description,
           json_array_length(json_extract(doc, '$._prepared.conditions')) as condition_count,
           json_array_length(json_extract(doc, '$._prepared.metrics')) as metric_count,
           json_array_length(json_extract(doc, '$._prepared.values')) as value_count,
           {wrong_type_list_entries(_TEXT_LISTS)} as wrong_type_entry
    from __records
)
select line_number, dataset_id, sample_id, query, reference_date, expected_description,
       condition_count, metric_count, value_count,
       {
    first_failure(
        WRONG_TYPE_ENTRY,
        ("prepare_reject is not null", "prepare_reject"),
        ("dataset_id is null", reason("missing_field", "'dataset_id'")),
        ("sample_id is null", reason("missing_field", "'sample_id'")),
    )
} as reject_reason
from fields
"""


def _reference_date_problem(text: str) -> str | None:
    """Why `--reference-date` is not a date, by the rule the prepare step reads it with
    (date.fromisoformat); an empty value is no value there too. Checked before any file
    is read: a bad value would reject every sample it fills in as bad_date."""
    if text == "":
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return "not a date: YYYY-MM-DD"
    return None


KIND = LoadKind(
    name="eval-dataset",
    table="chatbi_eval_samples",
    description="ChatBI evaluation samples: question, reference date and the expected answer (conditions, metrics, values).",
    columns=(
        Column("dataset_id", "text", "Evaluation set id (record, file wrapper, --dataset-id, else 'default')"),
        Column("sample_id", "text", "Sample id within the dataset"),
        Column("query", "long_text", "The user's question"),
        Column("reference_date", "date", "The day the question was asked on (resolves relative time ranges)"),
        Column("expected_description", "long_text", "Expected description, given or composed from the expected parts (for similarity)"),
        Column("condition_count", "bigint", "Expected conditions (time ranges + filters)"),
        Column("metric_count", "bigint", "Expected metrics as listed"),
        Column("value_count", "bigint", "Expected values as listed"),
    ),
    key=_PARENT,
    formats=("json", "jsonl"),
    parse_sql=PARSE_SQL,
    load_order=60,
    prepare=prepare_dataset,
    derived=(
        DerivedTable("chatbi_expected_conditions", CONDITION_COLUMNS, derived_rows_sql("conditions", _PARENT, CONDITION_COLUMNS), _PARENT),
        DerivedTable("chatbi_expected_metrics", METRIC_COLUMNS, derived_rows_sql("metrics", _PARENT, METRIC_COLUMNS), _PARENT),
        DerivedTable("chatbi_expected_values", VALUE_COLUMNS, derived_rows_sql("values", _PARENT, VALUE_COLUMNS), _PARENT),
    ),
    options=(
        KindOption("--dataset-id", "dataset id for records and files that do not name one"),
        KindOption(
            "--reference-date",
            "YYYY-MM-DD: the day the questions were asked on, when samples and file do not say",
            _reference_date_problem,
        ),
    ),
)
