"""raw.chatbi_description_clauses: the (field, operator, value) clauses parsed from each
predicted query description."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_description_clauses"
DAY_COLUMN = None

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between", "contains")


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["run_id", "dataset_id", "sample_id", "clause_index", "value_position"], severity=ERROR
        ),
        gxe.ExpectColumnValuesToBeInSet(column="operator", value_set=list(OPERATORS), severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="polarity", value_set=["positive", "negative"], severity=ERROR),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="date_end", column_B="date_start", or_equal=True, ignore_row_if="either_value_is_missing", severity=ERROR
        ),
    ]
