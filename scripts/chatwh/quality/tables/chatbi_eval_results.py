"""raw.chatbi_eval_results: one run of the assistant, one row per sample."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_eval_results"
DAY_COLUMN = None  # runs happen when someone evaluates a model, not daily

REPORTED_SHARES = (
    "reported_field_match_accuracy",
    "reported_result_coverage",
    "reported_condition_match_accuracy",
    "reported_value_accuracy",
    "reported_semantic_similarity_score",
)


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        # run_at may be NULL: a run without one is dated by its load (README, eval-results).
        gxe.ExpectColumnValuesToNotBeNull(column="model", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="predicted_metric_count", min_value=0, severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="repeated_sentence_count", min_value=0, severity=ERROR),
        # What the file claimed: accuracies are shares.
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1, severity=ERROR) for c in REPORTED_SHARES),
        # One model per run: a run that mixes models would be compared with itself.
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["run_id", "dataset_id", "sample_id"], severity=ERROR),
    ]
