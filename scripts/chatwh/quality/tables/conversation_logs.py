"""raw.conversation_logs: the Chainlit audit log lines."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ...kinds.conversation_logs import QUALITY_RATINGS
from ..framework import ERROR, WARN, SuiteContext

TABLE = "conversation_logs"
DAY_COLUMN = "logged_at"


def expectations(ctx: SuiteContext) -> list[Any]:
    t = ctx.thresholds
    return [
        gxe.ExpectColumnValuesToBeInSet(column="log_form", value_set=["basic", "enhanced"], severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="quality_rating", value_set=list(QUALITY_RATINGS), severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="logged_at", severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="response_time_s", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="response_time_s", min_value=0, severity=ERROR),
        # A 20-minute "answer" is a stuck request or a unit error (ms logged as s).
        gxe.ExpectColumnValuesToBeBetween(column="response_time_s", max_value=t.max_response_time_s, severity=WARN),
        gxe.ExpectColumnValuesToBeBetween(column="confidence_score", min_value=0, max_value=1, severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="token_count", min_value=0, severity=ERROR),
        # Answer quality is reported per session and model: both should be logged.
        gxe.ExpectColumnValuesToNotBeNull(column="session_id", mostly=t.min_filled_share, severity=WARN),
        gxe.ExpectColumnValuesToNotBeNull(column="model_name", mostly=t.min_filled_share, severity=WARN),
        # Content-derived ids are for lines that lack one; most lines should carry theirs.
        gxe.ExpectColumnValuesToBeInSet(column="message_id_derived", value_set=[False], mostly=t.min_filled_share, severity=WARN),
    ]
