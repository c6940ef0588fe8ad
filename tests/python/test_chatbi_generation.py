"""scripts/generate_eval_queries.py (offline and --llm against a local server) and the
demo generator's eval dataset and runs."""

from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import generate_eval_queries
import pytest
from conftest import PROJECT_DIR, query, scratch_env

from chatwh.chatbi.dictionaries import load_dictionaries
from chatwh.chatbi.generation import COMPARISON_CATEGORY, generate_samples
from chatwh.chatbi.time_range import resolve
from chatwh.connection import connect
from chatwh.kinds import all_kinds
from chatwh.loading.runner import load_file

REFERENCE = date(2025, 5, 20)


def test_composition_rules() -> None:
    d = load_dictionaries()
    fixed_values = {v for _, v in d.fixed_conditions}
    dynamic_values = {v for _, v in d.dynamic_conditions} | {v for _, v in d.random_value_fields}
    indicators = {i.name: i for i in d.indicators}
    biz_dates = {e for e, _ in d.biz_dates}
    samples = generate_samples(300, 11, REFERENCE, d, simulate_values=True)
    assert [s["sample_id"] for s in samples] == list(range(1, 301))
    compared = 0
    for s in samples:
        expected, query = s["expected_result"], s["query"]
        ranges = expected["expected_time_range"]
        assert all(expression in query for expression in ranges)
        resolved = [resolve(expression, REFERENCE) for expression in ranges]  # only resolvable expressions are used
        if len(ranges) == 2:  # a comparison of two periods that do not overlap
            compared += 1
            assert s["generation"]["time_category"] == COMPARISON_CATEGORY and s["generation"]["factor"] != "极端案例"
            first, second = resolved
            assert first.end < second.start or second.end < first.start
        else:
            (time_expression,) = ranges
            assert time_expression in biz_dates
        fixed, dynamic = expected["expected_filters"]
        assert fixed in fixed_values and dynamic in dynamic_values
        assert fixed in query and dynamic in query
        metrics = expected["expected_metrics"]
        assert 2 <= len(metrics) <= 4 and len(set(metrics)) == len(metrics)
        assert all(m in indicators and m in query for m in metrics)
        assert [v.rsplit(" ", 1)[0] for v in expected["expected_values"]] == metrics
        for value, name in zip(expected["expected_values"], metrics):
            number = float(value.rsplit(" ", 1)[1].rstrip("%"))
            assert indicators[name].typical_min <= number <= indicators[name].typical_max
        if s["generation"]["factor"] == "复杂查询":
            assert len(query) > 200
    roles = Counter(s["generation"]["role"] for s in samples)
    factors = Counter(s["generation"]["factor"] for s in samples)
    assert set(roles) == {"采购专员", "销售代表", "运营分析师", "财务专员", "市场策划", "管理层"}
    assert set(factors) == {"情感表达", "语法变异", "模糊查询", "极端案例", "复杂查询"}
    assert roles["采购专员"] > roles["管理层"] and factors["情感表达"] > factors["极端案例"]
    assert len({s["generation"]["variant"] for s in samples}) == 7
    assert 0.08 * len(samples) <= compared <= 0.22 * len(samples)  # a share compares two periods
    # deterministic per seed
    assert generate_samples(5, 11, REFERENCE, d) == generate_samples(5, 11, REFERENCE, d)
    assert generate_samples(5, 11, REFERENCE, d) != generate_samples(5, 12, REFERENCE, d)


@pytest.fixture
def scratch_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "w.duckdb"
    for name, value in scratch_env(db).items():
        monkeypatch.setenv(name, value)
    return db


def test_cli_offline_output_loads_cleanly(tmp_path: Path, scratch_warehouse: Path) -> None:
    out = tmp_path / "eval.json"
    assert generate_eval_queries.main(["--count", "12", "--seed", "3", "--out", str(out), "--reference-date", "2025-05-20"]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["dataset_id"] == "generated-3" and document["reference_date"] == "2025-05-20"
    assert len(document["samples"]) == 12 and all(s["expected_result"]["expected_values"] == [] for s in document["samples"])
    with connect() as wh:
        result = load_file(wh, all_kinds()["eval-dataset"], str(out))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (12, 12, 0)
    ranges = sum(len(s["expected_result"]["expected_time_range"]) for s in document["samples"])
    assert ranges > 12  # some samples compare two periods
    assert result.derived_rows["chatbi_expected_conditions"] == ranges + 2 * 12  # their time ranges + 2 filters each


class FakeChat(BaseHTTPRequestHandler):
    calls: Counter[str] = Counter()

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        mode = self.path.split("/")[1]
        FakeChat.calls[mode] += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        original = prompt.rsplit("原始问题：", 1)[1].split("\n", 1)[0].strip()
        reply = json.dumps({"original": original, "variants": [f"请问{original}", f"麻烦查一下：{original}"]}, ensure_ascii=False)
        status, payload = (500, {"error": "x"}) if mode == "fail" else (200, {"choices": [{"message": {"content": reply}}]})
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def chat_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_llm_variants(chat_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{chat_server}/ok/v1")
    out = tmp_path / "eval.json"
    code = generate_eval_queries.main(
        ["--count", "3", "--seed", "5", "--out", str(out), "--reference-date", "2025-05-20", "--llm", "--variants", "2", "--model", "m"]
    )
    assert code == 0
    samples = json.loads(out.read_text(encoding="utf-8"))["samples"]
    assert len(samples) == 3 + 3 * 2
    originals = {s["sample_id"]: s for s in samples[:3]}
    for variant in samples[3:]:
        source = originals[variant["variant_of"]]
        assert variant["expected_result"] == source["expected_result"]
        assert source["query"] in variant["query"] and variant["query"] != source["query"]
        assert variant["generation"]["llm_model"] == "m"

    monkeypatch.setenv("OPENAI_BASE_URL", f"{chat_server}/fail/v1")
    failed = generate_eval_queries.main(
        ["--count", "2", "--out", str(out), "--reference-date", "2025-05-20", "--llm", "--model", "m", "--retries", "0"]
    )
    assert failed == 4
    assert len(json.loads(out.read_text(encoding="utf-8"))["samples"]) == 2  # the originals are kept


def test_demo_writes_a_dataset_and_two_runs_that_load_cleanly(tmp_path: Path, scratch_warehouse: Path) -> None:
    from chatwh.demo import chatbi
    from chatwh.demo.context import build_context

    ctx = build_context(tmp_path / "landing", date(2025, 6, 28), 7, 0.5, 7)
    written = chatbi.write(ctx)
    assert written == {"eval-dataset": 25, "eval-results": 50, "similarity": 50}
    kinds = all_kinds()
    with connect() as wh:
        for kind in ("eval-dataset", "eval-results", "similarity"):
            for path in sorted((tmp_path / "landing" / kind).iterdir()):
                result = load_file(wh, kinds[kind], str(path))
                assert result.rows_rejected == 0, (path, result.reasons)
        runs = wh.fetchall("select run_id, model, count(*) from raw.chatbi_eval_results group by run_id, model order by model")
        assert [(r[1], r[2]) for r in runs] == [("deepseek-v3", 25), ("qwen2.5-7b-instruct", 25)]
        # the design document's example is sample 1, with its own reference date
        assert wh.fetchall("select reference_date from raw.chatbi_eval_samples where sample_id = '1'")[0][0] == date(2025, 5, 20)
        # the weaker model reports its own metrics with the document's other spellings
        labels = {r[0] for r in wh.fetchall("select distinct error_label from raw.chatbi_reported_errors")}
        assert "数值偏差(错误)" in labels
    # the same context writes byte-identical files
    run_file = tmp_path / "landing" / "eval-results" / "chatbi_run_deepseek-v3.json"
    first = run_file.read_bytes()
    assert chatbi.write(ctx) == written
    assert run_file.read_bytes() == first


def test_demo_two_range_samples_are_evaluated_as_the_simulated_answers_intend(tmp_path: Path, scratch_warehouse: Path) -> None:
    """Demo samples that compare two periods expect two time ranges; the demo's answers
    state each range with its own clauses (or misstate one, or forget the second). The
    condition checks the marts compute must agree, sample by sample, with what the
    simulated assistant meant to get right (the weaker run's own evaluation_metrics)."""
    from chatwh.demo import chatbi
    from chatwh.demo.context import build_context
    from chatwh.landing import land_folder

    landing = tmp_path / "landing"
    chatbi.write(build_context(landing, date(2025, 6, 28), 7, 1.0, 7))
    dataset = json.loads((landing / "eval-dataset" / "chatbi_eval_dataset.json").read_text(encoding="utf-8"))
    two_ranges = {str(s["sample_id"]) for s in dataset["samples"] if len(s["expected_result"]["expected_time_range"]) == 2}
    assert 0.08 * len(dataset["samples"]) <= len(two_ranges) <= 0.25 * len(dataset["samples"])
    with connect() as wh:
        report = land_folder(wh, landing, skip_landed=False)
    assert report.rows_rejected == 0
    completed = subprocess.run(
        [str(PROJECT_DIR / ".venv" / "bin" / "dbt"), "run", "--select", "+fct_chatbi_condition_checks", "--quiet"],
        cwd=PROJECT_DIR,
        env=scratch_env(scratch_warehouse),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    rows = query(
        scratch_warehouse,
        "select r.model, c.sample_id, c.condition_type, c.is_matched from fct_chatbi_condition_checks c"
        " join raw.chatbi_eval_results r on r.run_id = c.run_id and r.sample_id = c.sample_id",
    )
    matched: dict[tuple[str, str], list[int]] = {}
    range_checks: dict[tuple[str, str], list[int]] = {}
    for model, sample_id, condition_type, is_matched in rows:
        matched.setdefault((model, sample_id), []).append(int(is_matched))
        if condition_type == "time_range":
            range_checks.setdefault((model, sample_id), []).append(int(is_matched))
    run = json.loads((landing / "eval-results" / "chatbi_run_qwen2.5-7b-instruct.json").read_text(encoding="utf-8"))
    checked = 0
    for result in run["results"][1:]:  # after the design document's example (its own answer and metrics)
        sample_id = str(result["sample_id"])
        checks = matched[("qwen2.5-7b-instruct", sample_id)]
        intended = result["evaluation_metrics"]["condition_match_accuracy"]
        if sample_id in two_ranges:
            assert len(range_checks[("qwen2.5-7b-instruct", sample_id)]) == 2
            checked += 1
        assert sum(checks) == pytest.approx(intended * len(checks), abs=0.01), sample_id
    assert checked == len(two_ranges)
    # both ranges of a comparison match when the answer states both right, for either model
    for model in ("qwen2.5-7b-instruct", "deepseek-v3"):
        assert any(range_checks[(model, s)] == [1, 1] for s in two_ranges), model
    # and the weaker model gets some of them wrong
    assert any(0 in range_checks[("qwen2.5-7b-instruct", s)] for s in two_ranges)
