"""raw.chatbi_similarity_scores: semantic-similarity scores, per run × sample × scorer."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "chatbi_similarity_scores"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="score", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=1, severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="scorer", severity=ERROR),
    ]
