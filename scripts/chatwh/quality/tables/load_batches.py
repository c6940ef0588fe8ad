"""raw.load_batches: one row per loaded file, with its reconciliation columns
(computed in quality/extract.py: unreconciled_rows, rejects_not_logged, reject_share)."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ...kinds import all_kinds
from ..framework import ERROR, WARN, SuiteContext

TABLE = "load_batches"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    share = ctx.thresholds.max_reject_share
    return [
        gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=sorted(all_kinds()), severity=ERROR),
        # read = loaded + rejected for every file, and every rejected row has its reason.
        gxe.ExpectColumnValuesToBeInSet(column="unreconciled_rows", value_set=[0], severity=ERROR),
        gxe.ExpectColumnValuesToBeInSet(column="rejects_not_logged", value_set=[0], severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="rows_read", min_value=0, severity=ERROR),
        # Share of a file's rows rejected (reloaded rows excluded): recent files fail the
        # run, older ones (already judged when they were loaded) only warn.
        gxe.ExpectColumnValuesToBeBetween(column="reject_share_recent", min_value=0, max_value=share, severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="reject_share", min_value=0, max_value=share, severity=WARN),
    ]
