"""Providers from Lanner's ``ai:`` configuration and from Kestra task provider maps."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.llm.api import (
    ChatMessage,
    ChatProvider,
    EmbeddingProvider,
    LLMError,
    close_provider,
    embedding_provider_from_config,
    embedding_provider_from_task,
    provider_from_config,
    provider_from_task,
)
from lanner.llm.gemini import GeminiProvider
from lanner.llm.local_embeddings import LocalEmbeddingProvider
from lanner.llm.openai_compat import OpenAICompatProvider
from lanner.llm.scripted import ScriptedChatProvider

GEMINI = "io.kestra.plugin.ai.provider.GoogleGemini"
KEY = "AIza-factory-test-key"


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def built(provider: Any) -> Any:
    close_provider(provider)
    return provider


def test_gemini_from_config_with_kebab_keys() -> None:
    provider = built(provider_from_config(
        {"type": "gemini", "gemini": {"model-name": "gemini-2.5-pro", "api-key": KEY, "base-url": "http://x:1"}}))
    assert isinstance(provider, GeminiProvider) and isinstance(provider, ChatProvider)
    assert (provider.model, provider.base_url) == ("gemini-2.5-pro", "http://x:1")
    assert KEY not in repr(provider)


def test_gemini_defaults_and_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    provider = built(provider_from_config({"type": "gemini"}))
    assert provider.model == "gemini-2.5-flash"
    embeddings = built(embedding_provider_from_config({"gemini": {"apiKey": KEY}}))
    assert isinstance(embeddings, GeminiProvider) and isinstance(embeddings, EmbeddingProvider)
    assert embeddings.model == "gemini-embedding-001"


def test_gemini_without_key() -> None:
    with pytest.raises(LLMError, match="needs an API key"):
        provider_from_config({"type": "gemini", "gemini": {"api-key": ""}})


def test_openai_compatible_from_config() -> None:
    provider = built(provider_from_config(
        {"type": "openai", "openai": {"base-url": "http://localhost:11434", "model-name": "llama3.2"},
         "timeout": 5, "max-retries": 0}))
    assert isinstance(provider, OpenAICompatProvider)
    assert (provider.base_url, provider.model) == ("http://localhost:11434/v1", "llama3.2")
    assert provider.timeout == 5.0


def test_config_errors() -> None:
    with pytest.raises(LLMError, match="no language model is configured"):
        provider_from_config(None)
    with pytest.raises(LLMError, match=r"unknown ai\.type 'claude'"):
        provider_from_config({"type": "claude"})
    with pytest.raises(LLMError, match="must be a map"):
        provider_from_config("gemini")
    with pytest.raises(LLMError, match=r"ai\.timeout must be a number"):
        provider_from_config({"type": "openai", "timeout": "soon"})
    with pytest.raises(LLMError, match="embedding-model-name"):
        embedding_provider_from_config({"type": "openai", "openai": {"model-name": "m"}})


def test_scripted_from_config() -> None:
    provider = provider_from_config({"type": "scripted", "scripted": {"replies": ["one", "two"]}})
    assert isinstance(provider, ScriptedChatProvider)
    assert provider.chat([ChatMessage("user", "x")]).text == "one"


def test_local_embeddings_switch() -> None:
    assert isinstance(embedding_provider_from_config({"embeddings": "local"}), LocalEmbeddingProvider)
    local = embedding_provider_from_config({"embeddings": {"type": "LOCAL"}})
    assert isinstance(local, LocalEmbeddingProvider)
    task_map = {"type": GEMINI, "modelName": "gemini-embedding-001", "apiKey": KEY}
    assert isinstance(embedding_provider_from_task(task_map, ai_config={"embeddings": "local"}),
                      LocalEmbeddingProvider)
    assert isinstance(embedding_provider_from_task({"type": "io.lanner.plugin.ai.provider.LocalEmbeddings"}),
                      LocalEmbeddingProvider)


def test_gemini_task_map_and_base_url_override() -> None:
    task_map = {"type": GEMINI, "modelName": "gemini-2.5-flash", "apiKey": KEY}
    provider = built(provider_from_task(task_map, ai_config={"providers": {"gemini": {"base-url": "http://f:1"}}},
                                        sampling={"topK": "3", "seed": 1}))
    assert isinstance(provider, GeminiProvider) and provider.base_url == "http://f:1"
    # The flow's own baseUrl wins over Lanner's redirection.
    own = built(provider_from_task({**task_map, "baseUrl": "http://own:2"},
                                   ai_config={"providers": {"gemini": {"base-url": "http://f:1"}}}))
    assert own.base_url == "http://own:2"
    legacy_type = "io.kestra.plugin.langchain4j.provider.GoogleGemini"
    legacy = built(provider_from_task({**task_map, "type": legacy_type}))
    assert isinstance(legacy, GeminiProvider)


def test_openai_and_ollama_task_maps() -> None:
    openai = built(provider_from_task({"type": "io.kestra.plugin.ai.provider.OpenAI",
                                       "modelName": "gpt-4o-mini", "apiKey": "sk-x"}))
    assert openai.base_url == "https://api.openai.com/v1"
    ollama = built(provider_from_task({"type": "io.kestra.plugin.ai.provider.Ollama", "modelName": "llama3.2",
                                       "endpoint": "http://localhost:11434"}))
    assert isinstance(ollama, OpenAICompatProvider) and ollama.base_url == "http://localhost:11434/v1"
    embed = built(embedding_provider_from_task({"type": "io.kestra.plugin.ai.provider.Ollama",
                                                "modelName": "nomic-embed-text", "endpoint": "http://o:1"}))
    assert isinstance(embed, OpenAICompatProvider) and embed.model == "nomic-embed-text"


def test_task_map_errors() -> None:
    with pytest.raises(LLMError, match="apiKey` is empty"):
        provider_from_task({"type": GEMINI, "modelName": "gemini-2.5-flash", "apiKey": ""})
    with pytest.raises(LLMError, match="Anthropic is not supported by Lanner yet"):
        provider_from_task({"type": "io.kestra.plugin.ai.provider.Anthropic", "modelName": "claude"})
    with pytest.raises(LLMError, match="embedding model only"):
        provider_from_task({"type": "io.lanner.plugin.ai.provider.LocalEmbeddings"})
    with pytest.raises(LLMError, match=r"configuration\.topK must be a number"):
        provider_from_task({"type": GEMINI, "modelName": "m", "apiKey": KEY}, sampling={"topK": "many"})
