"""Google Gemini through the ``google-genai`` SDK (the Generative Language API, an API key).

``base_url`` replaces Google's endpoint (a proxy, or a local server in tests); the SDK keeps its
REST paths under it: ``{base_url}/v1beta/models/{model}:generateContent`` and
``:batchEmbedContents``. The SDK's own retries stay off: ``RetryPolicy`` retries, the same way
for every provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lanner.llm.api import (
    GEMINI_CHAT_MODEL,
    ChatMessage,
    ChatResult,
    EmbeddingTask,
    LLMError,
)
from lanner.llm.support import RetryPolicy, Sampling, http_error, scrub

DEFAULT_TIMEOUT = 120.0
EMBEDDING_BATCH = 100  # batchEmbedContents accepts at most 100 requests

_FINISH_REASONS = {"STOP": "STOP", "MAX_TOKENS": "LENGTH", "SAFETY": "CONTENT_FILTER",
                   "RECITATION": "CONTENT_FILTER", "BLOCKLIST": "CONTENT_FILTER",
                   "PROHIBITED_CONTENT": "CONTENT_FILTER", "SPII": "CONTENT_FILTER",
                   "IMAGE_SAFETY": "CONTENT_FILTER", "MALFORMED_FUNCTION_CALL": "TOOL_EXECUTION",
                   "UNEXPECTED_TOOL_CALL": "TOOL_EXECUTION"}
_TASK_TYPES: dict[str, str] = {"document": "RETRIEVAL_DOCUMENT", "query": "RETRIEVAL_QUERY"}


class GeminiProvider:
    """Chat (``generate_content``) and embeddings (``embed_content``) with one API key."""

    def __init__(
        self,
        model: str = GEMINI_CHAT_MODEL,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sampling: Sampling | None = None,
        embedding_task_type: str | None = None,
        output_dimensionality: int | None = None,
    ) -> None:
        if not api_key:
            raise LLMError("Google Gemini needs an API key (`apiKey` in the flow, or `ai.gemini.api-key` / "
                           "the GEMINI_API_KEY environment variable in Lanner's configuration)")
        genai = _import_genai()
        from google.genai import types

        self.model = model or GEMINI_CHAT_MODEL
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self._api_key = api_key
        self._retry = retry or RetryPolicy()
        self._sampling = sampling or Sampling()
        self._task_type = embedding_task_type
        self._dimensions = output_dimensionality
        options = types.HttpOptions(timeout=int(timeout * 1000), base_url=self.base_url)
        self._client = genai.Client(api_key=api_key, http_options=options)
        self.last_input_tokens: int | None = None

    def __repr__(self) -> str:
        return f"GeminiProvider(model={self.model!r}, base_url={self.base_url!r})"

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
        from google.genai import types

        system = "\n\n".join(m.content for m in messages if m.role == "system") or None
        contents = [types.Content(role="model" if m.role == "assistant" else "user",
                                  parts=[types.Part(text=m.content)])
                    for m in messages if m.role != "system"]
        if not contents:
            raise LLMError("Gemini needs at least one user message")
        config = types.GenerateContentConfig(
            system_instruction=system,
            temperature=temperature,
            max_output_tokens=max_tokens,
            top_k=self._sampling.top_k,
            top_p=self._sampling.top_p,
            seed=self._sampling.seed,
            response_mime_type="application/json" if json_schema is not None else None,
            response_json_schema=dict(json_schema) if json_schema else None,
            http_options=types.HttpOptions(timeout=int(timeout * 1000)) if timeout else None,
        )
        response = self._retry.call(lambda: self._call(
            lambda: self._client.models.generate_content(model=self.model, contents=contents, config=config)))
        candidates = response.candidates or []
        if not candidates:
            feedback = response.prompt_feedback
            reason = feedback.block_reason if feedback is not None else None
            raise LLMError(f"Gemini returned no answer (prompt blocked: {reason})" if reason
                           else "Gemini returned no answer")
        candidate = candidates[0]
        parts = (candidate.content.parts if candidate.content else None) or []
        text = "".join(part.text for part in parts if part.text and not part.thought)
        usage = response.usage_metadata
        output_tokens = None
        if usage is not None and (usage.candidates_token_count is not None or usage.thoughts_token_count):
            output_tokens = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        reason = candidate.finish_reason
        reason_name = getattr(reason, "value", reason)
        return ChatResult(
            text=text,
            input_tokens=usage.prompt_token_count if usage is not None else None,
            output_tokens=output_tokens,
            finish_reason=_FINISH_REASONS.get(str(reason_name), "OTHER") if reason_name else None,
            raw_model=response.model_version or self.model,
        )

    # ---- embeddings ----------------------------------------------------------------------------
    def embed(self, texts: list[str], *, task: EmbeddingTask = "document") -> list[list[float]]:
        from google.genai import types

        config = types.EmbedContentConfig(task_type=self._task_type or _TASK_TYPES[task],
                                          output_dimensionality=self._dimensions)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBEDDING_BATCH):
            batch = list(texts[start:start + EMBEDDING_BATCH])
            response = self._retry.call(lambda batch=batch: self._call(  # type: ignore[misc]
                lambda: self._client.models.embed_content(model=self.model, contents=batch, config=config)))
            for embedding in response.embeddings or []:
                vectors.append([float(x) for x in embedding.values or []])
        if len(vectors) != len(texts):
            raise LLMError(f"Gemini returned {len(vectors)} embeddings for {len(texts)} texts")
        self.last_input_tokens = None  # the Gemini API does not report embedding tokens
        return vectors

    # ---- errors --------------------------------------------------------------------------------
    def _call(self, fn: Any) -> Any:
        """Run one SDK call, turning its errors into ``LLMError`` (keys scrubbed)."""
        from google.genai import errors

        try:
            return fn()
        except errors.APIError as exc:
            status = int(exc.code or 0)
            detail = str(exc.message or exc.status or "")
            # Gemini answers a wrong key with a 400 naming it; its base URL is rarely the cause.
            hint = ("check the API key" if status == 400 and "API key" in detail else
                    "check the model name" if status == 404 else None)
            raise http_error("Gemini", status, detail, secrets=(self._api_key,), hint=hint) from None
        except LLMError:
            raise
        except Exception as exc:  # the SDK's transport: httpx or httpx2, timeouts included
            if _is_transport_error(exc):
                where = self.base_url or "Google's endpoint"
                detail = scrub(str(exc), self._api_key) or type(exc).__name__
                raise LLMError(f"cannot reach Gemini at {where}: {detail}", retryable=True) from None
            raise LLMError(f"Gemini call failed: {scrub(str(exc), self._api_key)}") from None


def _import_genai() -> Any:
    """Import the SDK once. Its sources hold a string with an invalid escape: compiling them (no
    bytecode cached yet, e.g. a fresh install) warns, and under ``-W error`` that warning is a
    SyntaxError, so the first import runs with that warning silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        from google import genai
    return genai


def _is_transport_error(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError):
        return True
    try:
        import httpx2
    except ImportError:
        return False
    return isinstance(exc, httpx2.TransportError)
