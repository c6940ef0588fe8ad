"""raw.feedback_events: like/dislike and other behaviour events."""

from __future__ import annotations

import csv
from typing import Any

import great_expectations.expectations as gxe

from ...project import PROJECT_DIR
from ..framework import ERROR, WARN, SuiteContext

TABLE = "feedback_events"
DAY_COLUMN = "bhv_time"

# bhv_type values the feedback document names: like/dislike on answers, and the
# behaviours of its recommendation examples. The document lists common values only, so
# another type is allowed but warned about: it may be new or misspelt ('Like',
# 'thumbs_up'). On answer items only like/dislike count, and anything else fails there.
KNOWN_BHV_TYPES = ("like", "dislike", "click", "expose", "cart", "collect", "comment", "buy")
ANSWER_BHV_TYPES = ("like", "dislike")
# Item types of the document's goods examples; answer item types come from the seed.
OTHER_ITEM_TYPES = ("goods", "item")


def answer_item_types() -> list[str]:
    """The item types the marts count as answer feedback (seeds/feedback_item_types.csv)."""
    with open(PROJECT_DIR / "seeds" / "feedback_item_types.csv", encoding="utf-8") as handle:
        return [row["item_type"] for row in csv.DictReader(handle) if str(row.get("is_answer_feedback", "1")).strip() == "1"]


def expectations(ctx: SuiteContext) -> list[Any]:
    answer_items = answer_item_types()
    answer_condition = f"item_type in {answer_items!r}"
    return [
        gxe.ExpectColumnValuesToBeInSet(column="bhv_type", value_set=list(KNOWN_BHV_TYPES), severity=WARN),
        gxe.ExpectColumnValuesToBeInSet(column="item_type", value_set=sorted(set(answer_items) | set(OTHER_ITEM_TYPES)), severity=WARN),
        # Feedback on an answer is a like or a dislike; anything else there is miscoded.
        gxe.ExpectColumnValuesToBeInSet(
            column="bhv_type", value_set=list(ANSWER_BHV_TYPES), row_condition=answer_condition, condition_parser="pandas", severity=ERROR
        ),
        gxe.ExpectColumnValuesToBeInSet(column="cmd", value_set=["add", "none"], severity=ERROR),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, severity=ERROR) for c in ("biz_id", "trace_id", "rn", "bhv_time", "reach_time")),
        # An event reaches the server after it happened.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="reach_time", column_B="bhv_time", or_equal=True, severity=ERROR),
        # user_id or imei identifies the user (the loader rejects rows with neither).
        gxe.ExpectColumnValuesToNotBeNull(column="user_id", row_condition="imei.isna()", condition_parser="pandas", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="problem_code_count", min_value=0, max_value=20, severity=ERROR),
        # Codes only make sense on a dislike; a like with problem codes is a client bug.
        gxe.ExpectColumnValuesToBeNull(
            column="problem_codes", row_condition='bhv_type == "like"', condition_parser="pandas", mostly=0.99, severity=WARN
        ),
    ]
