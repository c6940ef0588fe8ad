"""raw.chatbi_expected_values: the expected numbers (`销售量 64`) of each sample."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_expected_values"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["dataset_id", "sample_id", "value_index"], severity=ERROR),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, severity=ERROR) for c in ("metric_key", "value_number", "value_scaled")),
        # Values are compared at the decimals they are written with (capped at 6).
        gxe.ExpectColumnValuesToBeBetween(column="value_decimals", min_value=0, max_value=6, severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="rounding_unit_scaled", value_set=[10**k for k in range(7)], severity=ERROR),
    ]
