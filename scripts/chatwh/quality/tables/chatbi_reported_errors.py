"""raw.chatbi_reported_errors: the error types a results file reported, one per row."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_reported_errors"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["run_id", "dataset_id", "sample_id", "error_index"], severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="error_label", severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="error_key", severity=ERROR),
    ]
