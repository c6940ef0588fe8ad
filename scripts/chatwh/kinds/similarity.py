"""`similarity`: semantic-similarity scores of eval answers, one row per run × sample × scorer.

Written by `python scripts/score_similarity.py --run-id ID [--scorer NAME]` (which loads
them itself) or by any tool that writes the same JSONL: `run_id`, `dataset_id` (required,
never defaulted), `sample_id`, `scorer` (e.g. tfidf-char, openai-embedding:bge-m3, openai-judge:qwen2.5),
`score` (0-1), optional `scorer_model`, `expected_text`, `predicted_text`, `scored_at`.
Scores of different scorers are never averaged together: the scorer is part of the key
(run_id, dataset_id, sample_id, scorer), so re-scoring with the same scorer is an
already_loaded reject, and a new scorer adds rows.
"""

from __future__ import annotations

from ..loading.kind import Column, LoadKind
from ..loading.sqlparts import WRONG_TYPE, field, first_failure, number, reason, ts_utc, wrong_type_field

# dataset_id is required, not defaulted: a score without it cannot be tied to a sample of
# the run (the marts join on run_id, dataset_id, sample_id), and a row of one sample with
# and one without it would be two scores of one sample. Checked after the score, so a row
# that also has a bad score reports that.
PARSE_SQL = f"""
with fields as (
    select line_number,
           {field("run_id")} as run_id,
           {field("dataset_id")} as dataset_id,
           {field("sample_id")} as sample_id,
           {field("scorer")} as scorer,
           {field("score")} as score_text,
           {field("scorer_model")} as scorer_model,
           {field("expected_text")} as expected_text,
           {field("predicted_text")} as predicted_text,
           {field("scored_at")} as scored_at_text,
           {
    wrong_type_field(("run_id", "dataset_id", "sample_id", "scorer", "scorer_model", "expected_text", "predicted_text"))
} as wrong_type_field
    from __records
),
typed as (
    select *,
           {number("score_text")} as score,
           {ts_utc("scored_at_text")} as scored_at
    from fields
)
select line_number, run_id, dataset_id, sample_id, scorer, score, scorer_model, expected_text, predicted_text, scored_at,
       {
    first_failure(
        WRONG_TYPE,
        ("run_id is null", reason("missing_field", "'run_id'")),
        ("sample_id is null", reason("missing_field", "'sample_id'")),
        ("scorer is null", reason("missing_field", "'scorer'")),
        ("score_text is null", reason("missing_field", "'score'")),
        ("score is null or score < 0 or score > 1", reason("bad_number", "'score (0-1)=' || score_text")),
        ("dataset_id is null", reason("missing_field", "'dataset_id'")),
        ("scored_at_text is not null and scored_at is null", reason("bad_timestamp", "scored_at_text")),
        (
            "length(run_id) > 128 or length(dataset_id) > 128 or length(sample_id) > 128 or length(scorer) > 128 or length(scorer_model) > 200",
            reason("value_too_long", "'run_id/dataset_id/sample_id/scorer/scorer_model'"),
        ),
    )
} as reject_reason
from typed
"""

KIND = LoadKind(
    name="similarity",
    table="chatbi_similarity_scores",
    description="Semantic similarity of a run's answer to the expected one, per scorer.",
    columns=(
        Column("run_id", "text"),
        Column("dataset_id", "text", "Required: the dataset of the scored sample"),
        Column("sample_id", "text"),
        Column("scorer", "text", "Scorer name; scores of different scorers are never averaged together"),
        Column("score", "double", "0-1"),
        Column("scorer_model", "text", "Model behind the scorer (embedding or judge model), NULL for offline scorers"),
        Column("expected_text", "long_text", "The expected text that was compared"),
        Column("predicted_text", "long_text", "The predicted text that was compared"),
        Column("scored_at", "timestamp", "UTC"),
    ),
    key=("run_id", "dataset_id", "sample_id", "scorer"),
    formats=("jsonl", "json", "csv"),
    parse_sql=PARSE_SQL,
    load_order=62,
)
