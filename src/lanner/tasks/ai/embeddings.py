"""Embedding stores (``embeddings: {type: io.kestra.plugin.ai.embeddings.*}``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class EmbeddingStore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    kestra_type: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    deprecated_aliases: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[tuple[str, ...]] = ()

    type: str


class KestraKVStore(EmbeddingStore):
    """An in-memory embedding store saved as one value of the flow namespace's KV store."""

    kestra_type = "io.kestra.plugin.ai.embeddings.KestraKVStore"
    aliases = ("io.kestra.plugin.langchain4j.embeddings.KestraKVStore",)

    kvName: str = Field(default="{{ flow.id }}-embedding-store", description="The KV key holding the store.")
