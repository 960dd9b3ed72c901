"""``io.kestra.plugin.ai.rag.IngestDocument`` / ``ChatCompletion``: retrieval-augmented generation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._base import AiTask, ChatConfiguration
from .embeddings import EmbeddingStore
from .providers import ModelProvider


class DocumentSplitter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    splitter: Literal["RECURSIVE", "PARAGRAPH", "LINE", "SENTENCE", "WORD"] = "RECURSIVE"
    maxSegmentSizeInChars: int = 0
    maxOverlapSizeInChars: int = 0


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    content: str
    metadata: dict[str, Any] | None = None


class IngestDocument(AiTask):
    """Split documents, embed them with `provider` and add them to the `embeddings` store. Outputs:
    `ingestedDocuments`, token counts, `embeddingStoreOutputs`."""

    kestra_type = "io.kestra.plugin.ai.rag.IngestDocument"
    aliases = ("io.kestra.plugin.langchain4j.rag.IngestDocument",)
    examples = (
        """\
id: ingest
namespace: company.ai

tasks:
  - id: ingest
    type: io.kestra.plugin.ai.rag.IngestDocument
    provider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-embedding-001
      apiKey: "{{ kv('GEMINI_API_KEY') }}"
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    drop: true
    fromDocuments:
      - content: Lanner runs Kestra flows with Python.
""",
    )

    provider: ModelProvider = Field(description="The embedding model provider.")
    embeddings: EmbeddingStore = Field(description="Where the embeddings are stored.")
    fromPath: str | None = Field(default=None, description="Working-dir path of files to ingest.")
    fromInternalURIs: list[str] | None = Field(default=None, description="kestra:// URIs of files to ingest.")
    fromExternalURLs: list[str] | None = Field(default=None, description="URLs downloaded and ingested.")
    fromDocuments: list[Document] | None = Field(default=None, description="Inline documents.")
    documentSplitter: DocumentSplitter | None = None
    metadata: dict[str, Any] | None = None
    drop: bool = Field(default=False, description="Empty the store before ingesting.")
    bulkSize: int | None = None


class ChatCompletion(AiTask):
    """Answer `prompt` with a language model, adding the most relevant documents of the `embeddings`
    store to the context. Outputs: `textOutput`, `tokenUsage`, `sources`..."""

    kestra_type = "io.kestra.plugin.ai.rag.ChatCompletion"
    aliases = ("io.kestra.plugin.langchain4j.rag.ChatCompletion",)
    examples = (
        """\
id: rag_chat
namespace: company.ai

tasks:
  - id: answer
    type: io.kestra.plugin.ai.rag.ChatCompletion
    chatProvider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-2.5-flash
      apiKey: "{{ kv('GEMINI_API_KEY') }}"
    embeddingProvider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-embedding-001
      apiKey: "{{ kv('GEMINI_API_KEY') }}"
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    prompt: What is Lanner?
""",
    )

    chatProvider: ModelProvider = Field(description="The language model answering.")
    embeddingProvider: ModelProvider | None = Field(default=None, description="The embedding model "
                                                                              "(default: chatProvider).")
    embeddings: EmbeddingStore | None = Field(default=None, description="The store searched for context.")
    systemMessage: str | None = None
    prompt: str = Field(description="The question (rendered).")
    chatConfiguration: ChatConfiguration | None = None
    contentRetrieverConfiguration: dict[str, Any] | None = Field(
        default=None, description="`{maxResults: 3, minScore: 0.0}`.")
    contentRetrievers: list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None
    memory: dict[str, Any] | None = None
    guardrails: dict[str, Any] | None = None
