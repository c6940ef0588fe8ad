"""raw.chatbi_expected_metrics: the metrics each sample asks for."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_expected_metrics"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["dataset_id", "sample_id", "metric_index"], severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="metric_key", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="metric_index", min_value=1, severity=ERROR),
    ]
