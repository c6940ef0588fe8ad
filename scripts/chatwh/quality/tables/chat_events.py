"""raw.chat_events: the funnel's events."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ...kinds.chat_events import EVENT_TYPES
from ..framework import ERROR, WARN, SuiteContext

TABLE = "chat_events"
DAY_COLUMN = "event_time"


def expectations(ctx: SuiteContext) -> list[Any]:
    filled = ctx.thresholds.min_filled_share
    return [
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=list(EVENT_TYPES), severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="event_time", severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="user_id", severity=ERROR),
        gxe.ExpectColumnValuesToNotBeNull(column="bot_id", severity=ERROR),
        # Messages without a session cannot be sessionised (the loader rejects them).
        gxe.ExpectColumnValuesToNotBeNull(
            column="session_id", row_condition='event_type.str.endswith("_message")', condition_parser="pandas", severity=ERROR
        ),
        # Optional, but KPIs by model fall back to the bot's default when it is missing.
        gxe.ExpectColumnValuesToNotBeNull(column="model_name", mostly=filled, severity=WARN),
        gxe.ExpectColumnValuesToNotBeNull(column="platform", mostly=filled, severity=WARN),
        # Every funnel starts with exposures; a day of only messages means a lost feed.
        gxe.ExpectColumnDistinctValuesToContainSet(column="event_type", value_set=["exposure", "click"], severity=WARN),
    ]
