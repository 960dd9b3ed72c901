"""Building providers from Lanner's ``ai:`` configuration and from Kestra task provider maps.

The layout of the ``ai:`` section is documented in ``lanner.llm.api``. Provider maps come from
flows (``type: io.kestra.plugin.ai.provider.GoogleGemini``, ``modelName``, ``apiKey``...), already
rendered by the task.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lanner.llm.api import (
    GEMINI_CHAT_MODEL,
    GEMINI_EMBEDDING_MODEL,
    KESTRA_GEMINI,
    KESTRA_OLLAMA,
    KESTRA_OPENAI,
    LANNER_LOCAL_EMBEDDINGS,
    ChatProvider,
    EmbeddingProvider,
    LLMError,
)
from lanner.llm.support import RetryPolicy, Sampling, as_mapping, pick, text_or_none

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 120.0

# Legacy names of the same providers (Kestra's langchain4j plugin).
_ALIASES = {
    "io.kestra.plugin.langchain4j.provider.GoogleGemini": KESTRA_GEMINI,
    "io.kestra.plugin.langchain4j.provider.OpenAI": KESTRA_OPENAI,
    "io.kestra.plugin.langchain4j.provider.Ollama": KESTRA_OLLAMA,
}
SUPPORTED_TASK_PROVIDERS = (KESTRA_GEMINI, KESTRA_OPENAI, KESTRA_OLLAMA, LANNER_LOCAL_EMBEDDINGS)


def _timeout(section: Mapping[str, Any]) -> float:
    value = pick(section, "timeout")
    try:
        return float(value) if value is not None else DEFAULT_TIMEOUT
    except (TypeError, ValueError):
        raise LLMError(f"ai.timeout must be a number of seconds, got {value!r}") from None


def _retry(section: Mapping[str, Any]) -> RetryPolicy:
    value = pick(section, "max-retries")
    try:
        return RetryPolicy(max_retries=int(value)) if value is not None else RetryPolicy()
    except (TypeError, ValueError):
        raise LLMError(f"ai.max-retries must be an integer, got {value!r}") from None


def _env(*names: str) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def _openai_key(sub: Mapping[str, Any], kind: str) -> str | None:
    return text_or_none(pick(sub, "api-key")) or (_env("OPENAI_API_KEY") if kind == "openai" else None)


def _config_kind(section: Mapping[str, Any]) -> str:
    kind = text_or_none(pick(section, "type"))
    if kind is None:
        kind = next((name for name in ("gemini", "openai") if pick(section, name) is not None), None)
    if kind is None:
        raise LLMError("no language model is configured: set `ai: {type: gemini, gemini: {api-key: ...}}`"
                       " or `ai: {type: openai, openai: {base-url: ..., model-name: ...}}` in Lanner's "
                       "configuration")
    return kind.lower()


# ---- Lanner configuration ----------------------------------------------------------------------
def chat_from_config(section: Any) -> ChatProvider:
    section = as_mapping(section)
    kind = _config_kind(section)
    timeout, retry = _timeout(section), _retry(section)
    if kind in ("gemini", "google", "googlegemini"):
        from lanner.llm.gemini import GeminiProvider

        sub = pick(section, "gemini") or {}
        return GeminiProvider(
            text_or_none(pick(sub, "model-name")) or GEMINI_CHAT_MODEL,
            api_key=text_or_none(pick(sub, "api-key")) or _env("GEMINI_API_KEY", "GOOGLE_API_KEY") or "",
            base_url=text_or_none(pick(sub, "base-url")), timeout=timeout, retry=retry)
    if kind in ("openai", "ollama", "openai-compatible"):
        from lanner.llm.openai_compat import OpenAICompatProvider

        sub = pick(section, kind) or pick(section, "openai") or {}
        return OpenAICompatProvider(
            text_or_none(pick(sub, "model-name")) or DEFAULT_OPENAI_MODEL, api_key=_openai_key(sub, kind),
            base_url=text_or_none(pick(sub, "base-url")), timeout=timeout, retry=retry)
    if kind == "scripted":
        from lanner.llm.scripted import ScriptedChatProvider

        replies = pick(section, "scripted", "replies") or []
        return ScriptedChatProvider([str(reply) for reply in replies])
    raise LLMError(f"unknown ai.type {kind!r}: use gemini or openai (any OpenAI-compatible endpoint)")


def embeddings_from_config(section: Any) -> EmbeddingProvider:
    section = as_mapping(section)
    if _wants_local_embeddings(section):
        from lanner.llm.local_embeddings import LocalEmbeddingProvider

        return LocalEmbeddingProvider()
    kind = _config_kind(section)
    timeout, retry = _timeout(section), _retry(section)
    if kind in ("gemini", "google", "googlegemini"):
        from lanner.llm.gemini import GeminiProvider

        sub = pick(section, "gemini") or {}
        return GeminiProvider(
            text_or_none(pick(sub, "embedding-model-name")) or GEMINI_EMBEDDING_MODEL,
            api_key=text_or_none(pick(sub, "api-key")) or _env("GEMINI_API_KEY", "GOOGLE_API_KEY") or "",
            base_url=text_or_none(pick(sub, "base-url")), timeout=timeout, retry=retry)
    if kind in ("openai", "ollama", "openai-compatible"):
        from lanner.llm.openai_compat import OpenAICompatProvider

        sub = pick(section, kind) or pick(section, "openai") or {}
        model = text_or_none(pick(sub, "embedding-model-name"))
        if model is None:
            raise LLMError(f"set ai.{kind}.embedding-model-name (or `ai.embeddings: local`) to embed texts")
        return OpenAICompatProvider(
            model, api_key=_openai_key(sub, kind),
            base_url=text_or_none(pick(sub, "base-url")), timeout=timeout, retry=retry)
    raise LLMError(f"ai.type {kind!r} has no embedding model: set `ai.embeddings: local`")


def _wants_local_embeddings(section: Mapping[str, Any]) -> bool:
    value = pick(section, "embeddings")
    if isinstance(value, Mapping):
        value = pick(value, "type")
    return isinstance(value, str) and value.strip().lower() == "local"


# ---- Kestra task provider maps -----------------------------------------------------------------
def canonical_type(provider_map: Mapping[str, Any]) -> str:
    kind = str(provider_map.get("type") or "")
    kind = _ALIASES.get(kind, kind)
    if kind not in SUPPORTED_TASK_PROVIDERS:
        short = ", ".join(name.rsplit(".", 1)[-1] for name in SUPPORTED_TASK_PROVIDERS)
        raise LLMError(f"model provider {kind or '(no type)'} is not supported by Lanner yet "
                       f"(supported: {short})")
    return kind


def _sampling(options: Mapping[str, Any] | None) -> Sampling:
    if not options:
        return Sampling()

    def number(name: str, kind: type) -> Any:
        value = pick(options, name)
        if value is None or value == "":
            return None
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise LLMError(f"configuration.{name} must be a number, got {value!r}") from None

    return Sampling(top_k=number("topK", int), top_p=number("topP", float), seed=number("seed", int))


def _task_base_url(provider_map: Mapping[str, Any], ai_config: Mapping[str, Any], vendor: str) -> str | None:
    """The flow's own ``baseUrl`` wins; else Lanner's ``ai.providers.<vendor>.base-url``."""
    own = text_or_none(provider_map.get("baseUrl"))
    if vendor == "ollama":
        own = own or text_or_none(provider_map.get("endpoint"))
    return own or text_or_none(pick(ai_config, "providers", vendor, "base-url"))


def chat_from_task(provider_map: Mapping[str, Any], ai_config: Mapping[str, Any] | None = None,
                   sampling: Mapping[str, Any] | None = None) -> ChatProvider:
    config = as_mapping(ai_config)
    kind = canonical_type(provider_map)
    model = text_or_none(provider_map.get("modelName"))
    timeout, retry = _timeout(config), _retry(config)
    if kind == KESTRA_GEMINI:
        from lanner.llm.gemini import GeminiProvider

        return GeminiProvider(model or GEMINI_CHAT_MODEL, api_key=_task_key(provider_map, "GoogleGemini"),
                              base_url=_task_base_url(provider_map, config, "gemini"),
                              timeout=timeout, retry=retry, sampling=_sampling(sampling))
    if kind in (KESTRA_OPENAI, KESTRA_OLLAMA):
        from lanner.llm.openai_compat import OpenAICompatProvider

        ollama = kind == KESTRA_OLLAMA
        return OpenAICompatProvider(
            model or "", api_key=None if ollama else _task_key(provider_map, "OpenAI"),
            base_url=_task_base_url(provider_map, config, "ollama" if ollama else "openai")
            or ("http://localhost:11434" if ollama else None),
            timeout=timeout, retry=retry, sampling=_sampling(sampling),
            vendor="Ollama" if ollama else "OpenAI")
    raise LLMError(f"{kind} is an embedding model only: it cannot answer chat messages")


def embeddings_from_task(provider_map: Mapping[str, Any], ai_config: Mapping[str, Any] | None = None,
                         ) -> EmbeddingProvider:
    config = as_mapping(ai_config)
    kind = canonical_type(provider_map)
    if kind == LANNER_LOCAL_EMBEDDINGS or _wants_local_embeddings(config):
        from lanner.llm.local_embeddings import LocalEmbeddingProvider

        return LocalEmbeddingProvider()
    model = text_or_none(provider_map.get("modelName"))
    timeout, retry = _timeout(config), _retry(config)
    if kind == KESTRA_GEMINI:
        from lanner.llm.gemini import GeminiProvider

        options = provider_map.get("embeddingModelConfiguration") or {}
        dimensions = pick(options, "outputDimensionality")
        return GeminiProvider(model or GEMINI_EMBEDDING_MODEL,
                              api_key=_task_key(provider_map, "GoogleGemini"),
                              base_url=_task_base_url(provider_map, config, "gemini"), timeout=timeout,
                              retry=retry, embedding_task_type=text_or_none(pick(options, "taskType")),
                              output_dimensionality=int(dimensions) if dimensions else None)
    from lanner.llm.openai_compat import OpenAICompatProvider

    ollama = kind == KESTRA_OLLAMA
    return OpenAICompatProvider(
        model or "", api_key=None if ollama else _task_key(provider_map, "OpenAI"),
        base_url=_task_base_url(provider_map, config, "ollama" if ollama else "openai")
        or ("http://localhost:11434" if ollama else None),
        timeout=timeout, retry=retry, vendor="Ollama" if ollama else "OpenAI")


def _task_key(provider_map: Mapping[str, Any], vendor: str) -> str:
    key = text_or_none(provider_map.get("apiKey"))
    if key is None:
        raise LLMError(f"the {vendor} provider's `apiKey` is empty: set it, e.g. "
                       "`apiKey: \"{{ kv('GEMINI_API_KEY') }}\"` with the key in the namespace's KV store")
    return key
