"""A small client for any OpenAI-compatible HTTP API (OpenAI, vLLM, Ollama, LiteLLM ...).

Configuration comes from the environment, so a local vLLM server works without code
changes:

    OPENAI_BASE_URL   e.g. http://127.0.0.1:8000/v1 (default https://api.openai.com/v1)
    OPENAI_API_KEY    sent as a Bearer token when set (local servers often need none)

Every request has a timeout; timeouts, connection errors, HTTP 429 and 5xx are retried
with exponential backoff; any other HTTP error fails at once. `LLMError` says which.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class LLMError(RuntimeError):
    """A request failed for good (after its retries, or with a non-retryable status)."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 3
    backoff_s: float = 0.5

    @classmethod
    def from_env(cls, *, timeout_s: float = 30.0, max_retries: int = 3, backoff_s: float = 0.5) -> LLMConfig:
        return cls(
            base_url=os.environ.get("OPENAI_BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            api_key=os.environ.get("OPENAI_API_KEY") or None,
            timeout_s=timeout_s,
            max_retries=max_retries,
            backoff_s=backoff_s,
        )


def model_from_env(*names: str) -> str | None:
    """The first of the given env vars that is set (e.g. CHATBI_EMBEDDING_MODEL, OPENAI_MODEL)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class OpenAICompatibleClient:
    def __init__(self, config: LLMConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._http = httpx.Client(base_url=config.base_url, headers=headers, timeout=config.timeout_s, transport=transport)
        self.requests_sent = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OpenAICompatibleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST JSON with retries; the parsed JSON reply, or LLMError."""
        last_error = ""
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                time.sleep(self.config.backoff_s * (2 ** (attempt - 1)))
            self.requests_sent += 1
            try:
                response = self._http.post(path, json=payload)
            except httpx.TimeoutException:
                last_error = f"timed out after {self.config.timeout_s:g}s"
                continue
            except httpx.TransportError as exc:
                last_error = f"connection failed: {exc}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                raise LLMError(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
            try:
                return response.json()
            except ValueError:
                raise LLMError(f"{path}: the reply is not JSON: {response.text[:200]}") from None
        raise LLMError(f"{path}: {last_error} (gave up after {self.config.max_retries + 1} attempts)")

    def embeddings(self, model: str, texts: list[str]) -> list[list[float]]:
        reply = self.post("/embeddings", {"model": model, "input": texts})
        try:
            data = sorted(reply["data"], key=lambda item: item.get("index", 0))
            vectors = [list(map(float, item["embedding"])) for item in data]
        except (KeyError, TypeError, ValueError):
            raise LLMError(f"/embeddings: unexpected reply shape: {str(reply)[:200]}") from None
        if len(vectors) != len(texts):
            raise LLMError(f"/embeddings: asked for {len(texts)} vectors, got {len(vectors)}")
        return vectors

    def chat(self, model: str, messages: list[dict[str, str]], *, temperature: float = 0.0) -> str:
        reply = self.post("/chat/completions", {"model": model, "messages": messages, "temperature": temperature})
        try:
            return str(reply["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"/chat/completions: unexpected reply shape: {str(reply)[:200]}") from None


def parse_json_reply(text: str) -> Any:
    """JSON from a model's reply, tolerating ```json fences and text around the object."""
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip(), flags=re.IGNORECASE)
    try:
        return json.loads(cleaned)
    except ValueError:
        match = re.search(r"(\{.*\}|\[.*\])", cleaned, flags=re.DOTALL)
        if match:
            return json.loads(match.group(1))
        raise
