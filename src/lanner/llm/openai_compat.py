"""Any OpenAI-compatible endpoint over HTTP (OpenAI, Ollama, vLLM, LM Studio, llama.cpp...).

``POST {base_url}/chat/completions`` and ``POST {base_url}/embeddings``, where ``base_url`` ends
with the API version (``https://api.openai.com/v1``); a bare server address
(``http://localhost:11434``) gets ``/v1`` appended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from lanner.llm.api import ChatMessage, ChatResult, EmbeddingTask, LLMError
from lanner.llm.support import RetryPolicy, Sampling, http_error, parse_retry_after, scrub

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = 120.0
EMBEDDING_BATCH = 256

_FINISH_REASONS = {"stop": "STOP", "length": "LENGTH", "content_filter": "CONTENT_FILTER",
                   "tool_calls": "TOOL_EXECUTION", "function_call": "TOOL_EXECUTION"}


def normalize_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if urlsplit(url).path in ("", "/"):
        url += "/v1"
    return url


class OpenAICompatProvider:
    """Chat and embeddings through an OpenAI-compatible REST API. The API key is optional
    (local servers need none) and only ever sent as the ``Authorization`` header."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sampling: Sampling | None = None,
        vendor: str = "OpenAI-compatible endpoint",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not model:
            raise LLMError(f"{vendor}: a model name is required")
        self.model = model
        self.base_url = normalize_base_url(base_url or OPENAI_BASE_URL)
        self.timeout = timeout
        self.vendor = vendor
        self._api_key = api_key or None
        self._retry = retry or RetryPolicy()
        self._sampling = sampling or Sampling()
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                    transport=transport)
        self.last_input_tokens: int | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(model={self.model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    # ---- chat ----------------------------------------------------------------------------------
    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_schema: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatResult:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if self._sampling.top_p is not None:
            body["top_p"] = self._sampling.top_p
        if self._sampling.seed is not None:
            body["seed"] = self._sampling.seed
        if self._sampling.top_k is not None:
            body["top_k"] = self._sampling.top_k  # not OpenAI's, but Ollama/vLLM honour it
        if json_schema is not None:
            body["response_format"] = (
                {"type": "json_schema", "json_schema": {"name": "response", "schema": dict(json_schema)}}
                if json_schema else {"type": "json_object"})
        data = self._retry.call(lambda: self._post("/chat/completions", body, timeout))
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise LLMError(f"{self.vendor} returned an answer without choices: {str(data)[:300]}") from None
        usage = data.get("usage") or {}
        reason = choice.get("finish_reason")
        return ChatResult(
            text=text,
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            finish_reason=_FINISH_REASONS.get(reason, "OTHER") if reason else None,
            raw_model=data.get("model") or self.model,
        )

    # ---- embeddings ----------------------------------------------------------------------------
    def embed(self, texts: list[str], *, task: EmbeddingTask = "document") -> list[list[float]]:
        vectors: list[list[float]] = []
        tokens = 0
        for start in range(0, len(texts), EMBEDDING_BATCH):
            batch = texts[start:start + EMBEDDING_BATCH]
            body = {"model": self.model, "input": batch}
            data = self._retry.call(lambda body=body: self._post("/embeddings", body, None))  # type: ignore[misc]
            try:
                items = sorted(data["data"], key=lambda item: item.get("index", 0))
                vectors.extend([float(x) for x in item["embedding"]] for item in items)
            except (KeyError, TypeError):
                raise LLMError(f"{self.vendor} returned embeddings in an unknown shape") from None
            tokens += int((data.get("usage") or {}).get("prompt_tokens") or 0)
        if len(vectors) != len(texts):
            raise LLMError(f"{self.vendor} returned {len(vectors)} embeddings for {len(texts)} texts")
        self.last_input_tokens = tokens or None
        return vectors

    # ---- HTTP ----------------------------------------------------------------------------------
    def _post(self, path: str, body: Mapping[str, Any], timeout: float | None) -> dict[str, Any]:
        try:
            response = self._client.post(path.lstrip("/"), json=body,
                                         timeout=timeout if timeout is not None else self.timeout)
        except httpx.TimeoutException:
            raise LLMError(f"{self.vendor} did not answer within the timeout", retryable=True) from None
        except httpx.TransportError as exc:
            raise LLMError(f"cannot reach {self.vendor} at {self.base_url}: "
                           f"{scrub(str(exc), self._api_key)}", retryable=True) from None
        if response.status_code >= 400:
            raise http_error(self.vendor, response.status_code, _error_detail(response),
                             retry_after=parse_retry_after(response.headers.get("retry-after")),
                             secrets=(self._api_key,))
        try:
            data = response.json()
        except ValueError:
            raise LLMError(f"{self.vendor} answered with something that is not JSON") from None
        if not isinstance(data, dict):
            raise LLMError(f"{self.vendor} answered with unexpected JSON")
        return data


def _error_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return str(data)[:300]
