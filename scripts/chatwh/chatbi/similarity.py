"""Semantic-similarity scorers for eval answers: one score in [0, 1] per (expected, predicted).

- `tfidf-char` (offline, the default): character 1-3-gram TF-IDF vectors (scikit-learn, no
  download) and their cosine. The vocabulary and IDF are fitted on the dataset's expected
  texts, so a pair scores the same in every run of that dataset.
- `openai-embedding:<model>`: cosine of the two embeddings from an OpenAI-compatible
  /embeddings endpoint, negative cosines clipped to 0; texts are sent in batches.
- `openai-judge:<model>`: a judge prompt on /chat/completions that answers
  {"score": 0-1}; one request per pair.

A failed batch (after the client's retries) leaves its pairs without a score (None); the
caller reports them. Scores of different scorers are never mixed: each row records its
scorer name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .llm import LLMError, OpenAICompatibleClient, parse_json_reply

Progress = Callable[[int], None]


@dataclass
class ScoreBatchResult:
    scores: list[float | None]
    errors: list[str] = field(default_factory=list)


class Scorer(Protocol):
    name: str
    model: str | None

    def score(self, pairs: list[tuple[str, str]], progress: Progress | None = None) -> ScoreBatchResult: ...


def _clip(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return max(0.0, min(1.0, value))


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 0.0 if norm == 0 else dot / norm


class TfidfCharScorer:
    name = "tfidf-char"
    model: str | None = None

    def __init__(self, corpus: list[str], ngram_range: tuple[int, int] = (1, 3)) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t for t in corpus if t and t.strip()] or [" "]
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, lowercase=True)
        self._vectorizer.fit(texts)

    def score(self, pairs: list[tuple[str, str]], progress: Progress | None = None) -> ScoreBatchResult:
        import numpy as np

        if not pairs:
            return ScoreBatchResult([])
        # rows are L2-normalised, so the row-wise dot product is the cosine (0 for a text
        # with no known n-gram, whose vector is all zeros)
        expected = self._vectorizer.transform([p[0] or "" for p in pairs])
        predicted = self._vectorizer.transform([p[1] or "" for p in pairs])
        cosines = np.asarray(expected.multiply(predicted).sum(axis=1)).ravel()
        scores: list[float | None] = []
        for (left, right), cosine_value in zip(pairs, cosines):
            # an empty text has no direction: two empty texts are alike, one empty is not
            if not (left or "").strip() or not (right or "").strip():
                scores.append(1.0 if (left or "").strip() == (right or "").strip() else 0.0)
            else:
                scores.append(round(_clip(float(cosine_value)), 6))
        if progress:
            progress(len(pairs))
        return ScoreBatchResult(scores)


class EmbeddingScorer:
    def __init__(self, client: OpenAICompatibleClient, model: str, batch_size: int = 32) -> None:
        self.client = client
        self.model = model
        self.name = f"openai-embedding:{model}"
        self.batch_size = max(1, batch_size)

    def score(self, pairs: list[tuple[str, str]], progress: Progress | None = None) -> ScoreBatchResult:
        result = ScoreBatchResult([None] * len(pairs))
        # each batch embeds both texts of batch_size // 2 pairs (at least one pair)
        per_batch = max(1, self.batch_size // 2)
        for start in range(0, len(pairs), per_batch):
            chunk = pairs[start : start + per_batch]
            texts = [text for pair in chunk for text in pair]
            try:
                vectors = self.client.embeddings(self.model, texts)
            except LLMError as exc:
                result.errors.append(f"pairs {start + 1}-{start + len(chunk)}: {exc}")
            else:
                for offset in range(len(chunk)):
                    result.scores[start + offset] = round(_clip(cosine(vectors[2 * offset], vectors[2 * offset + 1])), 6)
            if progress:
                progress(len(chunk))
        return result


JUDGE_SYSTEM = "你是一个严格的评测裁判，只输出 JSON。"
JUDGE_PROMPT = """请判断 ChatBI 系统的回答与期望结果在语义上的一致程度。
考虑：查询的时间范围、筛选条件、指标是否一致，数值是否一致；措辞不同但含义相同视为一致。
只输出 JSON：{{"score": 0 到 1 之间的小数}}，1 表示完全一致，0 表示完全无关。

期望结果：
{expected}

系统回答：
{predicted}
"""


class JudgeScorer:
    def __init__(self, client: OpenAICompatibleClient, model: str) -> None:
        self.client = client
        self.model = model
        self.name = f"openai-judge:{model}"

    def score(self, pairs: list[tuple[str, str]], progress: Progress | None = None) -> ScoreBatchResult:
        result = ScoreBatchResult([None] * len(pairs))
        for index, (expected, predicted) in enumerate(pairs):
            messages = [
                {"role": "system", "content": JUDGE_SYSTEM},
                {"role": "user", "content": JUDGE_PROMPT.format(expected=expected, predicted=predicted)},
            ]
            try:
                reply = self.client.chat(self.model, messages)
                parsed = parse_json_reply(reply)
                value = float(parsed["score"] if isinstance(parsed, dict) else parsed)
                if math.isnan(value) or not 0.0 <= value <= 1.0:
                    raise ValueError(f"score {value} outside 0-1")
                result.scores[index] = round(value, 6)
            except LLMError as exc:
                result.errors.append(f"pair {index + 1}: {exc}")
            except (ValueError, KeyError, TypeError) as exc:
                result.errors.append(f"pair {index + 1}: unreadable judge reply ({exc})")
            if progress:
                progress(1)
        return result
