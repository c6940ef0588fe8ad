"""The eval-dataset / eval-results / similarity loader kinds: the Python prepare step,
rejects with reasons, counts that reconcile, derived rows, idempotent reloads, options."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR, run_script

from chatwh.connection import Warehouse
from chatwh.kinds import all_kinds
from chatwh.loading.runner import load_file

SEED_EXAMPLE = PROJECT_DIR / "tests" / "fixtures" / "chatbi" / "seed_example.json"


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def sample(sample_id: Any, **expected: Any) -> dict[str, Any]:
    base = {
        "expected_time_range": ["上个月"],
        "expected_filters": ["北京草桥店"],
        "expected_metrics": ["销售量", "综合毛利(万元)"],
        "expected_values": ["销售量 64", "综合毛利 38.5"],
    }
    base.update(expected)
    return {"sample_id": sample_id, "query": f"问题{sample_id}", "reference_date": "2025-05-20", "expected_result": base}


def one(wh: Warehouse, sql: str) -> Any:
    return wh.fetchall(sql)[0][0]


def test_dataset_rejects_reconcile_and_reload_is_idempotent(wh: Warehouse, tmp_path: Path) -> None:
    no_query = sample(3)
    del no_query["query"]
    no_reference = sample(6)
    del no_reference["reference_date"]
    undated = sample(11, expected_time_range=[])
    del undated["reference_date"]
    path = write_jsonl(
        tmp_path / "dataset.jsonl",
        [
            sample(1),
            sample(2, expected_filters=["北京草桥店", "首次预计销售方式不等于批售"]),
            no_query,
            sample(4, expected_time_range=["本学年"]),
            sample(5, expected_values=["销售量 很多"]),
            no_reference,
            '{"sample_id": 7, "query": ',
            "[1, 2]",
            sample(1),
            sample(2.5),
            undated,
        ],
    )
    kind = all_kinds()["eval-dataset"]
    result = load_file(wh, kind, str(path), {"dataset_id": "t"})
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (11, 3, 8)
    assert result.reconciles
    reasons = dict(wh.fetchall("select line_number, reason from raw.load_rejects order by line_number"))
    assert {line: reason.split(":")[0] for line, reason in reasons.items()} == {
        3: "missing_field",
        4: "unresolvable_time_range",
        5: "bad_expected_value",
        6: "missing_reference_date",
        7: "invalid_json",
        8: "not_an_object",
        9: "duplicate_in_file",
        10: "bad_value",
    }
    assert "ambiguous" in reasons[4] and "query" in reasons[3]
    # derived rows land only for the accepted samples 1 (2 conditions), 2 (3) and 11 (1)
    assert result.derived_rows == {"chatbi_expected_conditions": 6, "chatbi_expected_metrics": 6, "chatbi_expected_values": 6}
    assert wh.fetchall(
        "select sample_id, range_start, range_end from raw.chatbi_expected_conditions where condition_type = 'time_range' order by sample_id"
    ) == [
        ("1", date(2025, 4, 1), date(2025, 4, 30)),
        ("2", date(2025, 4, 1), date(2025, 4, 30)),
    ]
    assert wh.fetchall(
        "select filter_operator, filter_polarity, filter_value_key from raw.chatbi_expected_conditions where sample_id = '2' and condition_index = 3"
    ) == [("ne", "negative", "批售")]
    assert wh.fetchall("select metric_key from raw.chatbi_expected_metrics where sample_id = '1' order by metric_index") == [
        ("销售量",),
        ("综合毛利",),
    ]
    assert wh.fetchall(
        "select number_text, value_decimals, value_scaled, rounding_unit_scaled from raw.chatbi_expected_values where sample_id = '1' order by value_index"
    ) == [
        ("64", 0, 64_000_000, 1_000_000),
        ("38.5", 1, 38_500_000, 100_000),
    ]

    again = load_file(wh, kind, str(path), {"dataset_id": "t"})
    assert (again.rows_read, again.rows_loaded, again.rows_rejected) == (11, 0, 11)
    assert again.reasons["already_loaded"] == 3
    assert one(wh, "select count(*) from raw.chatbi_eval_samples") == 3
    assert one(wh, "select count(*) from raw.chatbi_expected_metrics") == 6
    assert one(wh, "select sum(rows_read) - sum(rows_loaded) - sum(rows_rejected) from raw.load_batches") == 0


def _run_file(path: Path, results: list[dict[str, Any]], **wrapper: Any) -> Path:
    document: Any = {**wrapper, "results": results} if wrapper else results
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _result(sample_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "sample_id": sample_id,
        "predicted_result": {
            "query_logic_description": "筛选出日期大于等于2025-04-01、日期小于2025-05-01、门店名称等于北京草桥店的数据;计算销售量",
            "predicted_values": [{"metric_name": "销量(台)", "value_unit": "Volume", "value_list": ["64", "n/a"]}],
        },
        **extra,
    }


def test_results_defaults_wrapper_and_options(wh: Warehouse, tmp_path: Path) -> None:
    kind = all_kinds()["eval-results"]
    # a bare array: the run is named by the options, else by the file name
    plain = _run_file(tmp_path / "nightly_run.json", [_result(1), _result(2, evaluation_metrics={"value_accuracy": 1.5})])
    loaded = load_file(wh, kind, str(plain))
    assert (loaded.rows_loaded, loaded.rows_rejected, loaded.reasons) == (1, 1, {"bad_number": 1})
    assert wh.fetchall("select run_id, model, dataset_id, run_at from raw.chatbi_eval_results") == [
        ("nightly_run", "unknown", "default", None)
    ]

    named = _run_file(tmp_path / "other.json", [_result(1)])
    load_file(wh, kind, str(named), {"run_id": "r2", "model": "m2", "run_at": "2025-05-20 10:00:00"})
    # a wrapper wins over the options; a naive run_at is reporting-local time (UTC+8)
    wrapped = _run_file(tmp_path / "wrapped.json", [_result(1), _result(2, run_at="not a time")], run_id="r3", model="m3", dataset_id="ds")
    third = load_file(wh, kind, str(wrapped), {"run_id": "ignored", "model": "ignored"})
    assert (third.rows_loaded, third.reasons) == (1, {"bad_timestamp": 1})
    rows = wh.fetchall(
        "select run_id, model, dataset_id, cast(run_at as varchar) from raw.chatbi_eval_results where run_id <> 'nightly_run' order by run_id"
    )
    assert rows == [("r2", "m2", "default", "2025-05-20 02:00:00"), ("r3", "m3", "ds", None)]

    assert wh.fetchall(
        "select metric_key, value_position, value_text, value_scaled from raw.chatbi_predicted_values where run_id = 'r2' order by value_position"
    ) == [
        ("销量", 1, "64", 64_000_000),
        ("销量", 2, "n/a", None),
    ]
    clauses = wh.fetchall(
        "select field_name, operator, value_key, cast(date_start as varchar) from raw.chatbi_description_clauses where run_id = 'r2' order by clause_index"
    )
    assert clauses == [
        ("日期", "ge", "2025-04-01", "2025-04-01"),
        ("日期", "lt", "2025-05-01", "2025-05-01"),
        ("门店名称", "eq", "北京草桥店", None),
    ]


def test_seed_example_combined_form_through_the_cli(scratch_db: tuple[Path, dict[str, str]]) -> None:
    db, env = scratch_db
    out = run_script("load.py", "eval-dataset", str(SEED_EXAMPLE), "--reference-date", "2025-05-20", env=env).stdout
    assert "read=1 loaded=1 rejected=0" in out
    out = run_script("load.py", "eval-results", str(SEED_EXAMPLE), "--run-id", "seed", "--model", "demo", env=env).stdout
    assert "read=1 loaded=1 rejected=0" in out
    usage = run_script("load.py", "bots", str(SEED_EXAMPLE), "--run-id", "x", env=env, check=False)
    assert usage.returncode == 2 and "does not apply" in usage.stderr
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        reported = con.execute(
            "select reported_field_match_accuracy, reported_value_accuracy, reported_semantic_similarity_score, reported_error_types from raw.chatbi_eval_results"
        ).fetchall()
        assert reported == [(1.0, 0.75, 0.94, "数值偏差(错误)")]
        assert con.execute("select error_key from raw.chatbi_reported_errors").fetchall() == [("数值偏差(错误)",)]
        assert con.execute("select reference_date from raw.chatbi_eval_samples").fetchall()[0][0].isoformat() == "2025-05-20"


@pytest.mark.parametrize("run_at", ["garbage", "2025-06-01T10:00:00+25:00", "1969-12-31"])
def test_run_at_that_is_not_a_time_is_a_usage_error(run_at: str, scratch_db: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """Exit 2 with one line before any file is read (it once rejected every record
    as bad_timestamp and exited 0)."""
    db, env = scratch_db
    path = write_jsonl(tmp_path / "run.jsonl", [_result(1)])
    done = run_script("load.py", "eval-results", str(path), "--run-at", run_at, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"load: --run-at {run_at!r}: not a time: ISO 8601 (naive = reporting-local, Z or an offset) or epoch seconds, years 1970-2999"
    ]
    assert "read=" not in done.stdout and not db.exists()


def _reasons(wh: Warehouse) -> dict[int, str]:
    return dict(wh.fetchall("select line_number, reason from raw.load_rejects order by line_number"))


def test_expected_values_in_scientific_notation_or_not_finite_are_rejected(wh: Warehouse, tmp_path: Path) -> None:
    """A number is read only as written out: '销售量 1e400' once landed as metric '销售量 1e'
    with the number 400 (the exponent), silently."""
    texts = [
        "销售量 1e400",
        "销售量 1e5",
        "销售量 1.5e3",
        "销售量1E-5",
        "销售量 2.5e+3万元",
        "１e５",
        "销售量 NaN",
        "销售量 Infinity",
        "销售量 -Infinity",
    ]
    samples = [sample(1)] + [sample(i, expected_values=[text]) for i, text in enumerate(texts, start=2)]
    samples.append(sample(len(samples) + 1, expected_values=["销售量 64", "销售量 1000000000000"]))
    result = load_file(wh, all_kinds()["eval-dataset"], str(write_jsonl(tmp_path / "values.jsonl", samples)))
    assert (result.rows_loaded, result.rows_rejected) == (1, len(samples) - 1)
    reasons = _reasons(wh)
    assert {line: reason.split(":")[0] for line, reason in reasons.items()} == {
        **{line: "bad_expected_value" for line in range(2, len(texts) + 2)},
        len(samples): "value_out_of_range",
    }
    for line in range(2, 8):  # the texts in scientific notation say so
        assert "scientific notation" in reasons[line] and texts[line - 2] in reasons[line], reasons[line]
    assert wh.fetchall("select sample_id, metric_name, number_text from raw.chatbi_expected_values order by value_index") == [
        ("1", "销售量", "64"),
        ("1", "综合毛利", "38.5"),
    ]


def test_expected_lists_hold_text_or_numbers_only(wh: Warehouse, tmp_path: Path) -> None:
    """A null, boolean, object or array in an expected list is a wrong_type reject naming
    the entry (nulls were dropped, true landed as the metric 'True'); a number is its text."""
    rows = [
        sample(1, expected_metrics=["销售量", 5, 2.5]),
        sample(2, expected_metrics=[None, "销售量"]),
        sample(3, expected_metrics=["销售量", True]),
        sample(4, expected_filters=[{"门店名称": "北京草桥店"}]),
        sample(5, expected_values=[["销售量 64"]]),
        sample(6, expected_time_range=True),
        sample(7, expected_values={"销售量": 64}),
    ]
    result = load_file(wh, all_kinds()["eval-dataset"], str(write_jsonl(tmp_path / "types.jsonl", rows)))
    assert (result.rows_loaded, result.reasons) == (1, {"wrong_type": 6})
    named = {line: reason.split(" must ")[0] for line, reason in _reasons(wh).items()}
    assert named == {
        2: "wrong_type: expected_result.expected_metrics[0]",
        3: "wrong_type: expected_result.expected_metrics[1]",
        4: "wrong_type: expected_result.expected_filters[0]",
        5: "wrong_type: expected_result.expected_values[0]",
        6: "wrong_type: expected_result.expected_time_range",
        7: "wrong_type: expected_result.expected_values",
    }
    assert wh.fetchall("select metric_name from raw.chatbi_expected_metrics order by metric_index") == [("销售量",), ("5",), ("2.5",)]


def test_predicted_values_hold_text_or_numbers_only(wh: Warehouse, tmp_path: Path) -> None:
    """An object, array, boolean or null in value_list (or error_types) is a wrong_type
    reject naming the entry: {"a": 1} once landed as the Python text "{'a': 1}" and a null
    as a value row without text."""

    def with_values(sample_id: int, *value_lists: Any, **extra: Any) -> dict[str, Any]:
        record = _result(sample_id, **extra)
        record["predicted_result"]["predicted_values"] = [
            {"metric_name": f"指标{i}", "value_unit": "Volume", "value_list": values} for i, values in enumerate(value_lists)
        ]
        return record

    records = [
        with_values(1, [64, "12.5%"], 7),
        with_values(2, ["64"], [{"a": 1}]),
        with_values(3, ["64", None]),
        with_values(4, [True]),
        with_values(5, [[64]]),
        with_values(6, {"a": 1}),
        with_values(7, ["64"], evaluation_metrics={"error_types": ["数值偏差", False]}),
    ]
    result = load_file(wh, all_kinds()["eval-results"], str(_run_file(tmp_path / "run.json", records)))
    assert (result.rows_loaded, result.reasons) == (1, {"wrong_type": 6})
    named = {line: reason.split(" must ")[0] for line, reason in _reasons(wh).items()}
    assert named == {
        2: "wrong_type: predicted_result.predicted_values[1].value_list[0]",
        3: "wrong_type: predicted_result.predicted_values[0].value_list[1]",
        4: "wrong_type: predicted_result.predicted_values[0].value_list[0]",
        5: "wrong_type: predicted_result.predicted_values[0].value_list[0]",
        6: "wrong_type: predicted_result.predicted_values[0].value_list",
        7: "wrong_type: evaluation_metrics.error_types[1]",
    }
    assert wh.fetchall(
        "select metric_position, value_position, value_text, value_scaled from raw.chatbi_predicted_values order by 1, 2"
    ) == [
        (1, 1, "64", 64_000_000),
        (1, 2, "12.5%", 12_500_000),
        (2, 1, "7", 7_000_000),
    ]


@pytest.mark.parametrize("reference_date", ["garbage", "2025-02-30", "2025/05/20"])
def test_reference_date_that_is_not_a_date_is_a_usage_error(
    reference_date: str, scratch_db: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Exit 2 with one line before any file is read (it once rejected every sample as
    bad_date and exited 0)."""
    db, env = scratch_db
    undated = sample(1)
    del undated["reference_date"]
    path = write_jsonl(tmp_path / "dataset.jsonl", [undated])
    done = run_script("load.py", "eval-dataset", str(path), "--reference-date", reference_date, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"load: --reference-date {reference_date!r}: not a date: YYYY-MM-DD"]
    assert "read=" not in done.stdout and not db.exists()


def test_a_similarity_row_without_dataset_id_is_rejected(wh: Warehouse, tmp_path: Path) -> None:
    """dataset_id is required (README): it was filled with 'default', so a row without it
    landed as a score of a sample no run of a real dataset has, or doubled one that has it."""
    row = {"run_id": "r", "dataset_id": "d", "sample_id": "1", "scorer": "tfidf-char", "score": 0.5}
    path = write_jsonl(tmp_path / "scores.jsonl", [row, {k: v for k, v in row.items() if k != "dataset_id"}, {**row, "dataset_id": None}])
    result = load_file(wh, all_kinds()["similarity"], str(path), {})
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    reasons = _reasons(wh)
    assert set(reasons) == {2, 3} and all(r.startswith("missing_field") and "dataset_id" in r for r in reasons.values())
    assert wh.fetchall("select dataset_id, sample_id from raw.chatbi_similarity_scores") == [("d", "1")]
