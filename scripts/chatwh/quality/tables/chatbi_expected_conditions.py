"""raw.chatbi_expected_conditions: the expected time ranges and filters of each sample."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_expected_conditions"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["dataset_id", "sample_id", "condition_index"], severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="condition_type", value_set=["time_range", "filter"], severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="filter_operator", value_set=["eq", "in", "ne", "not_in"], severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="filter_polarity", value_set=["positive", "negative"], severity=ERROR),
        # A resolved range is inclusive and runs forwards.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="range_end", column_B="range_start", or_equal=True, ignore_row_if="either_value_is_missing", severity=ERROR
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="range_start", row_condition='condition_type == "time_range"', condition_parser="pandas", severity=ERROR
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="filter_value", row_condition='condition_type == "filter"', condition_parser="pandas", severity=ERROR
        ),
    ]
