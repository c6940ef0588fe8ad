"""raw.chatbi_predicted_values: each value of each predicted metric."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_predicted_values"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["run_id", "dataset_id", "sample_id", "metric_position", "value_position"], severity=ERROR
        ),
        gxe.ExpectColumnValuesToBeBetween(column="value_position", min_value=1, severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="value_text", severity=ERROR),
    ]
