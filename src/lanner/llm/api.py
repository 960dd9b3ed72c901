"""The LLM client API shared by the AI tasks and the copilot.

Two protocols (``ChatProvider``, ``EmbeddingProvider``), their value types, one error type, and the
factories that build a provider from Lanner's configuration (``ai:`` section) or from a Kestra task's
provider map (``type: io.kestra.plugin.ai.provider.GoogleGemini`` ...).

Concrete providers live beside this module (``gemini``, ``openai_compat``, ``local_embeddings``,
``scripted``) and are imported lazily, so importing this module never needs ``google-genai`` or
``torch``. API keys are held privately by the providers: never logged, never part of a result, an
error message or a ``repr``.

Lanner configuration understood here (keys are kebab- or camel-case)::

    ai:
      type: gemini                      # or openai (any OpenAI-compatible endpoint)
      gemini: {model-name: gemini-2.5-flash, api-key: ${GEMINI_API_KEY}, base-url: ...}
      openai: {base-url: http://localhost:11434/v1, api-key: ..., model-name: llama3.2}
      timeout: 60                       # seconds per request (default 60)
      max-retries: 3                    # on 429/5xx/network errors, with exponential backoff
      # Applied to providers declared in flows (Kestra task provider maps):
      providers:
        gemini: {base-url: http://127.0.0.1:8089}   # every GoogleGemini call goes there
        openai: {base-url: ...}
        ollama: {base-url: ...}
      embeddings: local                 # every embedding model of every flow -> the local model
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from lanner.errors import LannerError

Role = Literal["system", "user", "assistant"]
EmbeddingTask = Literal["document", "query"]

GEMINI_CHAT_MODEL = "gemini-2.5-flash"
GEMINI_EMBEDDING_MODEL = "gemini-embedding-001"
LOCAL_EMBEDDING_MODEL = "all-MiniLM-L6-v2"

# Kestra provider types (and Lanner's own local embedding model) understood by ``provider_from_task``.
KESTRA_GEMINI = "io.kestra.plugin.ai.provider.GoogleGemini"
KESTRA_OPENAI = "io.kestra.plugin.ai.provider.OpenAI"
KESTRA_OLLAMA = "io.kestra.plugin.ai.provider.Ollama"
LANNER_LOCAL_EMBEDDINGS = "io.lanner.plugin.ai.provider.LocalEmbeddings"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatResult:
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None  # Kestra's words: STOP, LENGTH, CONTENT_FILTER, TOOL_EXECUTION, OTHER
    raw_model: str | None = None  # the model that answered, as the provider reported it

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)


@runtime_checkable
class ChatProvider(Protocol):
    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_schema: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatResult:
        """One completion. ``json_schema`` asks for a JSON answer matching it (``text`` is the
        JSON; an empty schema ``{}`` asks for any JSON object). ``timeout`` is seconds for this
        call (default: the provider's). Raises ``LLMError``."""
        ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    def embed(self, texts: list[str], *, task: EmbeddingTask = "document") -> list[list[float]]:
        """One vector per text, in order. ``task`` lets models that care embed queries and
        documents differently. Raises ``LLMError``."""
        ...


class LLMError(LannerError):
    """A language/embedding model call failed. ``retryable``: the same call may succeed later
    (rate limit, server error, network); ``status``: the HTTP status when there was one."""

    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


def provider_from_config(section: Mapping[str, Any] | Any) -> ChatProvider:
    """The chat provider configured in Lanner's ``ai:`` section (``Settings.section("ai")`` or a
    plain dict). Raises ``LLMError`` when the section is missing or incomplete."""
    from lanner.llm.factory import chat_from_config

    return chat_from_config(section)


def embedding_provider_from_config(section: Mapping[str, Any] | Any) -> EmbeddingProvider:
    """The embedding provider of Lanner's ``ai:`` section: the local model when ``embeddings:
    local``, else the chat provider's vendor with its embedding model."""
    from lanner.llm.factory import embeddings_from_config

    return embeddings_from_config(section)


def provider_from_task(provider_map: Mapping[str, Any], *, ai_config: Mapping[str, Any] | None = None,
                       sampling: Mapping[str, Any] | None = None) -> ChatProvider:
    """A chat provider from a Kestra task's RENDERED provider map (``type``, ``modelName``,
    ``apiKey``, ``baseUrl``/``endpoint``...). ``ai_config`` (Lanner's ``ai:`` section) may redirect
    it (``providers.gemini.base-url``); ``sampling`` is Kestra's ChatConfiguration (``topK``,
    ``topP``, ``seed``), applied to every call."""
    from lanner.llm.factory import chat_from_task

    return chat_from_task(provider_map, ai_config, sampling)


def embedding_provider_from_task(provider_map: Mapping[str, Any], *,
                                 ai_config: Mapping[str, Any] | None = None) -> EmbeddingProvider:
    """An embedding provider from a Kestra task's rendered provider map; ``ai_config`` with
    ``embeddings: local`` swaps in the local model whatever the map says."""
    from lanner.llm.factory import embeddings_from_task

    return embeddings_from_task(provider_map, ai_config)


def close_provider(provider: object) -> None:
    """Release a provider's HTTP connections (concrete providers have ``close()``; the protocols
    do not require it). Safe on any object."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()
