"""raw.quality_judgements: LLM-judge ratings of logged answers."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ...kinds.conversation_logs import QUALITY_RATINGS
from ..framework import ERROR, SuiteContext

TABLE = "quality_judgements"
DAY_COLUMN = None  # judged in runs when someone starts the judge, not a daily feed


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="quality_rating", value_set=list(QUALITY_RATINGS), severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="quality_rating", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="confidence_score", min_value=0, max_value=1, severity=ERROR),
    ]
