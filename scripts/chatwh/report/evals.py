"""ChatBI eval section: the latest eval run up to the report day vs the run it is compared
with (dim_chatbi_runs.base_run_id: the previous run on the same dataset, or the
baseline var), its error types, and the samples that regressed or were dropped."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from ..project import reporting_offset_hours
from . import charts
from . import formats as f
from .model import Section, table
from .queries import MartReader, Row

SUMMARY = "mart_chatbi_run_summary"
DIFF = "mart_chatbi_run_diff"
ERRORS = "mart_chatbi_error_distribution"
ACCURACIES = (
    ("mean_field_match_accuracy", "字段匹配 field match"),
    ("mean_result_coverage", "结果覆盖 coverage"),
    ("mean_condition_match_accuracy", "条件匹配 conditions"),
    ("mean_value_accuracy", "数值准确 values"),
    ("pass_rate", "通过率 pass rate"),
)
DELTAS = (
    ("field_match_delta", "field match"),
    ("coverage_delta", "coverage"),
    ("condition_delta", "conditions"),
    ("value_delta", "values"),
)
REGRESSION_ROWS = 15
# The rows of the Regressions table, in this order: mart_chatbi_run_diff's change_direction
# (dropped: answered by the base run, not by the latest one).
WORSE_ORDER = ("regressed", "dropped", "mixed")
NOT_ANSWERED = "not answered"
RECENT_RUNS = 8


def day_end_utc(day: date) -> datetime:
    """The first UTC instant after the reporting day (run_at is stored in UTC)."""
    return datetime.combine(day + timedelta(days=1), time()) - timedelta(hours=reporting_offset_hours())


def runs(reader: MartReader, day: date) -> list[Row] | None:
    """Every run up to the end of the day, newest first."""
    return reader.rows(
        (SUMMARY,),
        """
        select
            run_id, dataset_id, model_name, run_at, scored_samples, dataset_samples, unanswered_samples,
            mean_field_match_accuracy, mean_result_coverage, mean_condition_match_accuracy, mean_value_accuracy,
            pass_count, pass_rate, pass_rate_wilson_lower, pass_rate_wilson_upper, samples_with_errors,
            similarity_scorer, mean_semantic_similarity, base_run_id, samples_regressed, samples_improved, samples_mixed,
            samples_dropped
        from {mart_chatbi_run_summary}
        where run_at < :cutoff
        order by run_at desc, run_id desc
        """,
        {"cutoff": day_end_utc(day)},
    )


def base_run(reader: MartReader, run_id: str) -> Row | None:
    rows = reader.rows(
        (SUMMARY,),
        """
        select
            run_id, dataset_id, model_name, run_at, scored_samples, dataset_samples, unanswered_samples,
            mean_field_match_accuracy, mean_result_coverage, mean_condition_match_accuracy, mean_value_accuracy,
            pass_count, pass_rate, pass_rate_wilson_lower, pass_rate_wilson_upper, samples_with_errors,
            similarity_scorer, mean_semantic_similarity
        from {mart_chatbi_run_summary}
        where run_id = :run_id
        """,
        {"run_id": run_id},
    )
    return rows[0] if rows else None


def changed_samples(reader: MartReader, run_id: str, base_run_id: str) -> list[Row] | None:
    return reader.rows(
        (DIFF,),
        """
        select
            sample_id, query_text, change_direction, base_is_pass, is_pass,
            field_match_delta, coverage_delta, condition_delta, value_delta, base_error_types, error_types
        from {mart_chatbi_run_diff}
        where run_id = :run_id and base_run_id = :base_run_id
        order by
            case change_direction when 'regressed' then 0 when 'dropped' then 1 when 'mixed' then 2 else 3 end,
            sample_id
        """,
        {"run_id": run_id, "base_run_id": base_run_id},
    )


def error_distribution(reader: MartReader, run_ids: list[str]) -> list[Row] | None:
    if len(run_ids) == 1:
        run_ids = run_ids * 2
    return reader.rows(
        (ERRORS,),
        """
        select run_id, error_type, min(sort_order) as sort_order, sum(samples_with_error) as samples_with_error,
               sum(scored_samples) as scored_samples
        from {mart_chatbi_error_distribution}
        where run_id = :latest or run_id = :base
        group by run_id, error_type
        order by min(sort_order), error_type
        """,
        {"latest": run_ids[0], "base": run_ids[1]},
    )


def _run_label(run: Row) -> str:
    return f"{run['run_id']} ({run['model_name']}, {f.local_timestamp(run['run_at'])} {f.local_zone()})"


def _answered_regressions(run: Row) -> Any:
    """Samples that regressed while still answered: the mart's samples_regressed counts the
    dropped ones too (mart_chatbi_run_summary), the report shows them apart."""
    if run["samples_regressed"] is None:
        return None
    return int(run["samples_regressed"]) - int(run["samples_dropped"] or 0)


def _is_dropped(row: Row) -> bool:
    return row["change_direction"] == "dropped"


def _passed(flag: Any, row: Row | None = None) -> str:
    if row is not None and _is_dropped(row):
        return NOT_ANSWERED
    return "yes" if flag else "no"


def _accuracies_down(row: Row) -> str:
    """The accuracies that fell (a dropped sample has no accuracy to compare)."""
    if _is_dropped(row):
        return NOT_ANSWERED
    parts = [f"{label} {float(row[key]) * 100:+.0f} pp" for key, label in DELTAS if row[key] is not None and float(row[key]) < -1e-6]
    return ", ".join(parts) or f.DASH


def eval_section(reader: MartReader, day: date) -> Section:
    section = Section(
        key="eval",
        title="7. ChatBI 评测 · Latest eval run vs the previous one",
        intro="The newest text-to-SQL eval run up to the report day against its base run (the previous run on the same dataset, or var chatbi_baseline_run_id): mean accuracies, pass rate (all four accuracies 1.0) and the samples that got worse or were dropped (answered by the base run, not by the latest).",
        sources=[SUMMARY, DIFF, ERRORS],
    )
    all_runs = runs(reader, day)
    if all_runs is None:
        return section.mark_no_data(f"No data: {', '.join(reader.missing(SUMMARY))} is not built on this target (run `dbt build`).")
    if not all_runs:
        return section.mark_no_data(f"No data: no eval run in {SUMMARY} ran on or before {day.isoformat()}.")
    latest = all_runs[0]
    base = base_run(reader, str(latest["base_run_id"])) if latest["base_run_id"] is not None else None
    section.bullets.append(
        f"Latest run {_run_label(latest)} on dataset {latest['dataset_id']}: {f.count(latest['scored_samples'])} of "
        f"{f.count(latest['dataset_samples'])} samples scored, pass rate {f.interval(latest['pass_rate'], latest['pass_rate_wilson_lower'], latest['pass_rate_wilson_upper'])}."
    )
    if base is None:
        section.bullets.append("It has no earlier run on the same dataset to compare with.")
    else:
        section.bullets.append(
            f"Compared with {_run_label(base)}: pass rate {f.pct(base['pass_rate'])} → {f.pct(latest['pass_rate'])}; "
            f"samples regressed {f.count(_answered_regressions(latest))}, dropped {f.count(latest['samples_dropped'])} "
            f"(answered before, not now), improved {f.count(latest['samples_improved'])}, mixed {f.count(latest['samples_mixed'])}."
        )

    names = [label for _, label in ACCURACIES]
    if base is not None:
        section.charts.append(
            charts.block(
                "chart-eval-runs",
                "Mean accuracies and pass rate: previous vs latest run",
                charts.run_comparison(
                    names,
                    [base[key] for key, _ in ACCURACIES],
                    [latest[key] for key, _ in ACCURACIES],
                    f"previous {base['run_id']}",
                    f"latest {latest['run_id']}",
                ),
            )
        )
    metric_rows: list[list[str]] = []
    for key, label in ACCURACIES:
        current = latest[key]
        previous = base[key] if base is not None else None
        metric_rows.append([label, f.pct(previous), f.pct(current), f.change(current, previous, "rate")[0] if base is not None else f.DASH])
    similarity_label = f"语义相似度 similarity ({latest['similarity_scorer'] or 'no scorer'})"
    metric_rows.append(
        [
            similarity_label,
            f.number(base["mean_semantic_similarity"], 3) if base is not None else f.DASH,
            f.number(latest["mean_semantic_similarity"], 3),
            _plain_change(latest["mean_semantic_similarity"], base["mean_semantic_similarity"] if base is not None else None),
        ]
    )
    metric_rows.append(
        [
            "samples with errors",
            f.count(base["samples_with_errors"]) if base is not None else f.DASH,
            f.count(latest["samples_with_errors"]),
            _plain_change(latest["samples_with_errors"], base["samples_with_errors"] if base is not None else None, digits=0),
        ]
    )
    section.tables.append(
        table(
            "Run metrics (means over samples)",
            ["metric", f"previous {base['run_id']}" if base is not None else "previous", f"latest {latest['run_id']}", "change"],
            metric_rows,
        )
    )

    distribution = error_distribution(reader, [str(latest["run_id"]), str(base["run_id"]) if base is not None else str(latest["run_id"])])
    if distribution:
        by_type: dict[str, dict[str, Any]] = {}
        for row in distribution:
            entry = by_type.setdefault(str(row["error_type"]), {"order": row["sort_order"]})
            entry[str(row["run_id"])] = row
        columns = ["error type"] + ([f"previous {base['run_id']}"] if base is not None else []) + [f"latest {latest['run_id']}"]
        body = []
        for error_type, entry in sorted(by_type.items(), key=lambda item: (item[1]["order"] is None, item[1]["order"], item[0])):
            cells = [error_type]
            for run in ([base] if base is not None else []) + [latest]:
                row = entry.get(str(run["run_id"]))
                cells.append(
                    f"{f.count(row['samples_with_error'])} ({f.pct(f.ratio(row['samples_with_error'], row['scored_samples']))})"
                    if row
                    else f.DASH
                )
            body.append(cells)
        section.tables.append(table("Error types (samples with the error)", columns, body))
    elif distribution is None:
        section.notes.append(f"{ERRORS} is not built on this target.")

    recent = all_runs[:RECENT_RUNS]
    section.tables.append(
        table(
            f"Recent runs up to {day.isoformat()} (newest first)",
            ["run", "model", "dataset", f"run at ({f.local_zone()})", "scored", "pass rate [95% CI]", "base run"],
            [
                [
                    str(r["run_id"]),
                    str(r["model_name"]),
                    str(r["dataset_id"]),
                    f.local_timestamp(r["run_at"]),
                    f.count(r["scored_samples"]),
                    f.interval(r["pass_rate"], r["pass_rate_wilson_lower"], r["pass_rate_wilson_upper"]),
                    str(r["base_run_id"] or f.DASH),
                ]
                for r in recent
            ],
            align="llllrrl",
        )
    )

    if base is not None:
        changed = changed_samples(reader, str(latest["run_id"]), str(base["run_id"]))
        if changed is None:
            section.notes.append(f"{DIFF} is not built on this target: regressions cannot be listed.")
        else:
            worse = [r for r in changed if r["change_direction"] in WORSE_ORDER]
            # Regressed, then dropped, then mixed; sample ids in natural order (2 before 10).
            worse.sort(key=lambda r: (WORSE_ORDER.index(r["change_direction"]), _natural(str(r["sample_id"]))))
            if worse:
                section.tables.append(
                    table(
                        f"Regressions and dropped samples (samples: {len(worse)}{'; first ' + str(REGRESSION_ROWS) if len(worse) > REGRESSION_ROWS else ''})",
                        ["sample", "question", "change", "pass", "accuracies down", "errors before → now"],
                        [
                            [
                                str(r["sample_id"]),
                                f.excerpt(r["query_text"], 50),
                                str(r["change_direction"]),
                                f"{_passed(r['base_is_pass'])} → {_passed(r['is_pass'], r)}",
                                _accuracies_down(r),
                                f"{r['base_error_types'] or 'none'} → {NOT_ANSWERED if _is_dropped(r) else r['error_types'] or 'none'}",
                            ]
                            for r in worse[:REGRESSION_ROWS]
                        ],
                        align="llllll",
                    )
                )
            else:
                section.bullets.append("No sample regressed or was dropped against the previous run.")
    return section


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _plain_change(current: Any, previous: Any, digits: int = 3) -> str:
    if current is None or previous is None:
        return f.DASH
    return f"{float(current) - float(previous):+.{digits}f}"
