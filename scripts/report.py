"""The daily report: one self-contained HTML file (and optionally Markdown) for a day.

    python scripts/report.py --date 2025-06-01 --out warehouse/reports/report_2025-06-01.html
                             [--markdown PATH.md] [--target NAME] [--with-texts]
    python scripts/report.py --date yesterday --out 'warehouse/reports/report_{date}.html'

`--date` takes YYYY-MM-DD (in the years the warehouse stores, 1970-2999), `today` or
`yesterday` (reporting time: UTC shifted by var reporting_utc_offset_hours); `{date}` in
--out / --markdown becomes the date.

Sections: KPI tiles with day-over-day change, the funnel per tag, model comparison with
confidence intervals, latency percentiles and quality mix, top questions, feedback rates
and problem codes, the latest ChatBI eval run vs the previous one, firing alerts and the
article's improvement suggestions.

Users' texts: the top questions table always shows the wording of the questions asked by
at least var top_questions_min_askers different people (a wording at least that many
typed, else the normalised question), as mart_top_questions shows them in Metabase;
--with-texts does not change that. The answers to review list ids, reasons and ratings,
and the users' question and answer texts only with --with-texts (a report for reviewers:
they come from a restricted mart).

Everything is read from the marts dbt built on the target (dates bound as query
parameters); a section whose marts are not built or have no rows for the day says so
instead of failing. The HTML embeds plotly.js and needs no network to be viewed.

Exit codes: 0 written; 2 usage error (an unusable --out or --markdown path too), the
target cannot be reached or a file could not be written.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatwh.cli import STORED_YEARS, iso_date, output_file_problem, positive_int, stored_date, write_problem  # noqa: E402
from chatwh.connection import WarehouseError, connect  # noqa: E402
from chatwh.project import ProfileError, load_target, reporting_offset_hours  # noqa: E402
from chatwh.report import ReportOptions, build_report, render_html, render_markdown  # noqa: E402


def report_day(text: str) -> date:
    if text in ("today", "yesterday"):
        local_today = (datetime.now(UTC) + timedelta(hours=reporting_offset_hours())).date()
        return local_today - timedelta(days=1 if text == "yesterday" else 0)
    try:
        iso_date(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD, today or yesterday): {text!r}") from None
    # In the years the warehouse stores: a day near year 1 or 9999 overflowed the day
    # before or after it that the report reads (a traceback, not a usage error).
    return stored_date(text)


def dated(path: Path, day: date) -> Path:
    return Path(str(path).replace("{date}", day.isoformat()))


def write_atomic(path: Path, text: str) -> None:
    """Write next to the destination, then rename: a reader never sees half a report. A
    write that fails (a full disk) leaves no `.<name>.partial` behind, and the report
    already there as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--date",
        type=report_day,
        required=True,
        help=f"reporting day: YYYY-MM-DD (years {STORED_YEARS[0]}-{STORED_YEARS[1]}), today or yesterday",
    )
    parser.add_argument("--out", type=Path, required=True, help="HTML file to write")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown version here")
    parser.add_argument("--target", help="profiles.yml target (default: the profile's default)")
    texts = parser.add_mutually_exclusive_group()
    texts.add_argument(
        "--with-texts",
        action="store_true",
        help=(
            "put the users' question and answer texts in the review list (restricted: a report for reviewers only);"
            " the top questions show shared wordings either way"
        ),
    )
    texts.add_argument("--no-texts", action="store_true", help="leave the texts out (the default)")
    parser.add_argument("--top-questions", type=positive_int, default=10, help="questions in the top list (default 10)")
    parser.add_argument("--review-limit", type=positive_int, default=10, help="answers in the review list (default 10)")
    args = parser.parse_args(argv)
    args.out = dated(args.out, args.date)
    if args.markdown:
        args.markdown = dated(args.markdown, args.date)
    if args.out.suffix.lower() not in (".html", ".htm"):
        parser.error(f"--out must be an .html file: {args.out}")
    # Checked before the warehouse is read: an unusable path is a usage error, not a traceback.
    for flag, path in (("--out", args.out), ("--markdown", args.markdown)):
        problem = output_file_problem(path) if path else None
        if problem:
            parser.error(f"{flag}: {problem}")

    started = time.monotonic()
    options = ReportOptions(top_questions=args.top_questions, review_limit=args.review_limit, include_texts=args.with_texts)
    try:
        target = load_target(args.target)
        with connect(args.target, read_only=True) as warehouse:
            report = build_report(warehouse, args.date, target=target.name, options=options)
    except (ProfileError, WarehouseError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    for path, render in ((args.out, render_html), (args.markdown, render_markdown)):
        if path is None:
            continue
        try:
            write_atomic(path, render(report))
        except OSError as exc:  # what no check up front foresaw (a full disk, say)
            print(f"report: {write_problem(path, exc)}", file=sys.stderr)
            return 2
    empty = [s.key for s in report.sections if s.no_data]
    print(f"report {args.date}: {len(report.sections)} sections, {len(report.charts)} charts, {time.monotonic() - started:.1f}s")
    if empty:
        print(f"  sections without data: {', '.join(empty)}")
    print(f"  html: {args.out.resolve()}")
    if args.markdown:
        print(f"  markdown: {args.markdown.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
