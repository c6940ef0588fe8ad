"""scripts/score_similarity.py against a local OpenAI-compatible server (127.0.0.1, in a
thread) that answers correctly, with HTTP 500, and too slowly; and the offline scorer."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import score_similarity
from conftest import PROJECT_DIR, scratch_env

from chatwh.connection import connect
from chatwh.kinds import all_kinds
from chatwh.loading.runner import load_file

FIXTURE = PROJECT_DIR / "tests" / "fixtures" / "chatbi"
PAIRS = 14  # cases-v1 answers all 14 samples of the cases dataset


def fake_embedding(text: str) -> list[float]:
    """A deterministic 3-d 'embedding' the test can recompute."""
    return [1.0, float(len(text) % 7), float(sum(ch.isdigit() for ch in text))]


class FakeOpenAI(BaseHTTPRequestHandler):
    """/<mode>/v1/embeddings and /<mode>/v1/chat/completions; mode ok | flaky | fail | slow."""

    calls: Counter[str] = Counter()
    auth: list[str] = []

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        mode = self.path.split("/")[1]
        FakeOpenAI.calls[mode] += 1
        FakeOpenAI.auth.append(self.headers.get("Authorization", ""))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if mode == "fail" or (mode == "flaky" and FakeOpenAI.calls[mode] == 1):
            return self._reply(500, {"error": "internal"})
        if mode == "slow":
            time.sleep(1.0)
        if self.path.endswith("/embeddings"):
            data = [{"index": i, "embedding": fake_embedding(t)} for i, t in enumerate(body["input"])]
            return self._reply(200, {"data": data, "model": body["model"]})
        content = '```json\n{"score": 0.8}\n```'
        return self._reply(200, {"choices": [{"message": {"role": "assistant", "content": content}}]})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def warehouse_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "w.duckdb"
    for name, value in scratch_env(db).items():
        monkeypatch.setenv(name, value)
    for name in ("OPENAI_MODEL", "CHATBI_EMBEDDING_MODEL", "CHATBI_JUDGE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    kinds = all_kinds()
    with connect() as wh:
        load_file(wh, kinds["eval-dataset"], str(FIXTURE / "eval-dataset" / "cases_dataset.json"))
        load_file(wh, kinds["eval-results"], str(FIXTURE / "eval-results" / "cases_run_v1.json"))
    return db


def scores(scorer: str) -> list[tuple[Any, ...]]:
    with connect() as wh:
        if not wh.table_exists("raw", "chatbi_similarity_scores"):
            return []
        return wh.fetchall(
            "select sample_id, score, scorer_model, expected_text, predicted_text from raw.chatbi_similarity_scores where scorer = :scorer order by sample_id",
            {"scorer": scorer},
        )


def run(tmp_path: Path, *args: str) -> int:
    return score_similarity.main(["--run-id", "cases-v1", "--out", str(tmp_path / "scores.jsonl"), *args])


def test_embeddings_answered_correctly(server: str, warehouse_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server}/ok/v1")
    monkeypatch.setenv("CHATBI_EMBEDDING_MODEL", "test-embed")
    before = FakeOpenAI.calls["ok"]
    assert run(tmp_path, "--scorer", "openai-embedding", "--batch-size", "4") == 0
    assert FakeOpenAI.calls["ok"] - before == math.ceil(PAIRS / 2)  # 4 texts = 2 pairs per request
    assert FakeOpenAI.auth[-1] == "Bearer sk-test"
    rows = scores("openai-embedding:test-embed")
    assert len(rows) == PAIRS
    for _, score, model, expected, predicted in rows:
        a, b = fake_embedding(expected), fake_embedding(predicted)
        cosine = sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
        assert score == pytest.approx(max(0.0, min(1.0, cosine)), abs=1e-6)
        assert model == "test-embed"
    # a second run finds nothing left to score for this scorer
    assert run(tmp_path, "--scorer", "openai-embedding") == 0
    assert len(scores("openai-embedding:test-embed")) == PAIRS


def test_judge_retries_after_a_500(server: str, warehouse_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server}/flaky/v1")
    before = FakeOpenAI.calls["flaky"]
    assert run(tmp_path, "--scorer", "openai-judge", "--model", "judge-1", "--retries", "2", "--backoff", "0.01") == 0
    assert FakeOpenAI.calls["flaky"] - before == PAIRS + 1  # the first request failed once
    rows = scores("openai-judge:judge-1")
    assert [r[1] for r in rows] == [0.8] * PAIRS


def test_a_server_that_always_fails(
    server: str, warehouse_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server}/fail/v1")
    before = FakeOpenAI.calls["fail"]
    assert run(tmp_path, "--scorer", "openai-embedding", "--model", "e", "--batch-size", "32", "--retries", "1", "--backoff", "0.01") == 4
    assert FakeOpenAI.calls["fail"] - before == 2  # one batch of 14 pairs, tried twice
    assert "HTTP 500" in capsys.readouterr().err
    assert scores("openai-embedding:e") == []


def test_a_server_that_is_too_slow(
    server: str, warehouse_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server}/slow/v1")
    started = time.monotonic()
    code = run(
        tmp_path,
        "--scorer",
        "openai-embedding",
        "--model",
        "e",
        "--batch-size",
        "32",
        "--timeout",
        "0.3",
        "--retries",
        "1",
        "--backoff",
        "0.01",
    )
    assert code == 4
    assert time.monotonic() - started < 10
    assert "timed out" in capsys.readouterr().err
    assert scores("openai-embedding:e") == []


def test_offline_tfidf_scorer_and_usage_errors(warehouse_env: Path, tmp_path: Path) -> None:
    assert run(tmp_path) == 0
    rows = scores("tfidf-char")
    assert len(rows) == PAIRS and all(0 < r[1] <= 1 and r[2] is None for r in rows)
    lines = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {line["scorer"] for line in lines} == {"tfidf-char"} and len(lines) == PAIRS
    assert score_similarity.main(["--run-id", "no-such-run"]) == 2
    assert run(tmp_path, "--scorer", "openai-embedding") == 2  # no model configured


def test_tfidf_identical_and_disjoint_texts() -> None:
    from chatwh.chatbi.similarity import TfidfCharScorer

    scorer = TfidfCharScorer(["上个月北京草桥店销售量", "采购量和检测量"])
    result = scorer.score([("上个月北京草桥店销售量", "上个月北京草桥店销售量"), ("上个月北京草桥店销售量", "xyz"), ("", "")])
    assert result.scores == [pytest.approx(1.0), 0.0, 1.0]


def _sample(sample_id: int, place: str, metric: str, value: str) -> dict[str, Any]:
    expected = {
        "expected_time_range": ["上个月"],
        "expected_filters": [place],
        "expected_metrics": [metric],
        "expected_values": [f"{metric} {value}"],
    }
    return {"sample_id": sample_id, "query": f"上个月{place}的{metric}", "expected_result": expected}


def _answer(run_id: str, dataset_id: str, sample_id: int, description: str, metric: str, value: str) -> dict[str, Any]:
    predicted = {
        "query_logic_description": description,
        "predicted_values": [{"metric_name": metric, "value_unit": "Volume", "value_list": [value]}],
    }
    return {
        "run_id": run_id,
        "model": "m",
        "run_at": "2025-05-20 09:00:00",
        "dataset_id": dataset_id,
        "sample_id": sample_id,
        "predicted_result": predicted,
    }


def test_tfidf_scores_a_pair_the_same_in_every_run_of_its_dataset(warehouse_env: Path, tmp_path: Path) -> None:
    """Each pair is scored with its own dataset's corpus: run r1 (datasets a and b) and run r2
    (b only) with identical answers to b give b's pairs identical scores."""
    datasets = {
        "a": [_sample(1, "上海徐汇店", "采购量", "120"), _sample(2, "东北大区", "检测量和上架量", "300")],
        "b": [_sample(1, "北京草桥店", "销售量", "64"), _sample(2, "北京望京店", "综合毛利", "38")],
    }
    for dataset_id, samples in datasets.items():
        path = tmp_path / f"dataset_{dataset_id}.json"
        path.write_text(
            json.dumps({"dataset_id": dataset_id, "reference_date": "2025-05-20", "samples": samples}, ensure_ascii=False), "utf-8"
        )
        with connect() as wh:
            assert load_file(wh, all_kinds()["eval-dataset"], str(path)).rows_loaded == 2
    answers_b = [
        (1, "筛选出日期大于等于2025-04-01、门店名称等于北京草桥店的数据;计算销售量", "销售量", "64"),
        (2, "筛选出门店名称等于北京望京店的数据;计算综合毛利", "综合毛利", "40"),
    ]
    runs = {
        "r1": [_answer("r1", "a", 1, "筛选出门店名称等于上海徐汇店的数据;计算采购量", "采购量", "120")]
        + [_answer("r1", "b", *answer) for answer in answers_b],
        "r2": [_answer("r2", "b", *answer) for answer in answers_b],
    }
    for run_id, records in runs.items():
        path = tmp_path / f"run_{run_id}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
        with connect() as wh:
            assert load_file(wh, all_kinds()["eval-results"], str(path)).rows_loaded == len(records)
        assert score_similarity.main(["--run-id", run_id, "--out", str(tmp_path / f"{run_id}.jsonl")]) == 0
    with connect() as wh:
        rows = wh.fetchall(
            "select run_id, sample_id, score from raw.chatbi_similarity_scores where dataset_id = 'b' and scorer = 'tfidf-char' order by sample_id, run_id"
        )
    by_run = {run_id: {sample_id: score for r, sample_id, score in rows if r == run_id} for run_id in ("r1", "r2")}
    assert set(by_run["r1"]) == {"1", "2"}
    assert by_run["r1"] == by_run["r2"]


def test_an_unusable_out_is_a_usage_error_before_scoring(warehouse_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "a_file"
    a_file.touch()
    for out in (a_file / "scores.jsonl", tmp_path):
        with pytest.raises(SystemExit) as exited:
            score_similarity.main(["--run-id", "cases-v1", "--out", str(out)])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "--out" in err and "Traceback" not in err
    assert scores("tfidf-char") == []


def test_a_write_that_fails_is_one_line_exit_2_and_lands_nothing(
    warehouse_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def disk_full(path: object, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(score_similarity, "open", disk_full, raising=False)
    assert run(tmp_path) == 2
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and "scores.jsonl" in err and "Traceback" not in err
    assert scores("tfidf-char") == []
