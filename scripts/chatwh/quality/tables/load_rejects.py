"""raw.load_rejects: every rejected record with file, line and reason."""

from __future__ import annotations

from typing import Any

import great_expectations.expectations as gxe

from ...kinds import all_kinds
from ..framework import ERROR, SuiteContext

TABLE = "load_rejects"
DAY_COLUMN = None


def expectations(ctx: SuiteContext) -> list[Any]:
    return [
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, severity=ERROR) for c in ("batch_id", "kind", "reason_code", "reason")),
        gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=sorted(all_kinds()), severity=ERROR),
        # A reason code is a short snake_case word (the part before ':').
        gxe.ExpectColumnValuesToMatchRegex(column="reason_code", regex=r"^[a-z][a-z_]*$", severity=ERROR),
        gxe.ExpectColumnValuesToBeBetween(column="line_number", min_value=0, severity=ERROR),
    ]
