"""raw.chatbi_eval_samples: the ChatBI evaluation set, one row per sample."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, WARN, SuiteContext

TABLE = "chatbi_eval_samples"
DAY_COLUMN = None  # an evaluation set, not a daily feed


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="query", severity=ERROR),
        # Relative time ranges (上个月) resolve against it; every sample needs one.
        gxe.ExpectColumnValuesToNotBeNull(column="reference_date", severity=ERROR),
        *(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=ERROR)
            for c in ("condition_count", "metric_count", "value_count")
        ),
        # A sample without expected metrics cannot score coverage or values.
        gxe.ExpectColumnValuesToBeBetween(column="metric_count", min_value=1, severity=WARN),
    ]
