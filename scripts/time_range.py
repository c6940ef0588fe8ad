"""Resolve a Chinese business time expression to an inclusive date range.

    python scripts/time_range.py 上个月 --reference-date 2025-05-15
    {"start": "2025-04-01", "end": "2025-04-30"}

The conventions (weeks start on Monday, current periods run to the reference date,
previous periods are whole, rolling windows end on it ...) are documented in
scripts/chatwh/chatbi/time_range.py; the loader resolves `expected_time_range` with the
same module.

Exit codes: 0 resolved (prints {"start", "end"}); 3 the expression was rejected (prints
{"error": CODE, "message": ...}; codes: empty, invalid_date, reversed_range,
contradictory, relative_to_relative, missing_start, missing_end, ambiguous,
unrecognised); 2 usage error (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.chatbi.time_range import TimeRangeError, resolve  # noqa: E402
from chatwh.cli import iso_date  # noqa: E402

EXIT_REJECTED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", help="the time expression, e.g. 上个月, 近三天, 2024年4月1日到2024年4月30日")
    parser.add_argument(
        "--reference-date",
        type=iso_date,
        default=None,
        help="the day the question was asked on (YYYY-MM-DD); default: today's local date",
    )
    args = parser.parse_args(argv)
    reference = args.reference_date or date.today()
    try:
        found = resolve(args.expression, reference)
    except TimeRangeError as exc:
        print(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
        return EXIT_REJECTED
    print(json.dumps(found.as_json(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
