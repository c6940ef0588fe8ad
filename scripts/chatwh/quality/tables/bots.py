"""raw.bots: the bot catalogue (one row per bot version)."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ..framework import ERROR, SuiteContext

TABLE = "bots"
DAY_COLUMN = None  # a catalogue, not a daily feed


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        *(
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=ERROR)
            for c in ("bot_id", "bot_name", "model_name", "business_line", "tags")
        ),
        # Tags are |-separated, trimmed, never empty between two bars.
        gxe.ExpectColumnValuesToNotMatchRegex(column="tags", regex=r"(^\|)|(\|\|)|(\|$)|(^\s)|(\s$)", severity=ERROR),
        # Staging keeps each bot's latest version by (_loaded_at, _line_number): that order
        # must be total, or "the latest version" would depend on the engine.
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["bot_id", "_loaded_at", "_line_number"], severity=ERROR),
    ]
