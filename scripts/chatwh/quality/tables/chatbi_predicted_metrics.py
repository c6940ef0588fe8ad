"""raw.chatbi_predicted_metrics: the metrics a run answered with, per sample."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_predicted_metrics"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["run_id", "dataset_id", "sample_id", "metric_position"], severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="metric_key", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="value_count", min_value=0, severity=ERROR),
    ]
