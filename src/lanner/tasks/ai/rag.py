"""``io.kestra.plugin.ai.rag.IngestDocument`` / ``ChatCompletion``: retrieval-augmented generation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.llm.api import ChatMessage as LLMMessage
from lanner.plugins.api import RunContext, TaskFailure

from . import documents as loaders
from ._base import (
    AiTask,
    ChatConfiguration,
    ChatSettings,
    ai_outputs,
    chat_provider,
    closing,
    embedding_provider,
    llm_errors,
    timed_chat,
)
from .embeddings import EmbeddingStore
from .providers import ModelProvider
from .splitters import Splitter
from .stores import Match, Segment, open_store

# LangChain4j's DefaultContentInjector template: what Kestra's RAG ChatCompletion sends.
RAG_TEMPLATE = "{prompt}\n\nAnswer using the following information:\n{contents}"


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
    fromInternalURIs: list[str] | str | None = Field(default=None,
                                                     description="kestra:// URIs of files to ingest.")
    fromExternalURLs: list[str] | str | None = Field(default=None,
                                                     description="URLs downloaded and ingested.")
    fromDocuments: list[Document] | None = Field(default=None, description="Inline documents.")
    documentSplitter: DocumentSplitter | None = None
    metadata: dict[str, Any] | None = None
    drop: bool | str = Field(default=False, description="Empty the store before ingesting.")
    bulkSize: int | None = None

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        docs = self._load(ctx)
        extra = ctx.render(dict(self.metadata or {}))
        if isinstance(extra, Mapping):
            for doc in docs:
                doc.metadata.update(extra)
        segments = self._segments(docs)
        provider = embedding_provider(ctx, self.provider)
        store = open_store(ctx, self.embeddings, drop=_flag(ctx, self.drop))
        with closing(provider, store):
            texts = [segment.text for segment in segments]
            with llm_errors():
                vectors = provider.embed(texts, task="document") if texts else []
            store.add(segments, vectors)
            store_outputs = store.finish()
        ctx.metric("indexed.documents", float(len(docs)))
        outputs: dict[str, Any] = {"ingestedDocuments": len(docs), "embeddingStoreOutputs": store_outputs}
        tokens = getattr(provider, "last_input_tokens", None)
        if tokens is not None:
            outputs.update(inputTokenCount=tokens, totalTokenCount=tokens)
            ctx.metric("input.token.count", float(tokens))
        where = f"KV `{store_outputs['kvName']}`" if "kvName" in store_outputs else self.embeddings.type
        ctx.logger.info(f"Ingested {len(docs)} document(s) as {len(segments)} segment(s) into {where} "
                        f"with {getattr(provider, 'model', 'the embedding model')}")
        return outputs

    def _load(self, ctx: RunContext) -> list[loaders.Document]:
        docs: list[loaders.Document] = []
        if self.fromPath is not None:
            docs.extend(loaders.from_path(ctx, str(ctx.render(self.fromPath))))
        for item in self.fromDocuments or []:
            docs.append(loaders.inline(ctx, item.content, item.metadata))
        for uri in _string_list(ctx, self.fromInternalURIs, "fromInternalURIs"):
            docs.append(loaders.from_internal_uri(ctx, uri))
        for url in _string_list(ctx, self.fromExternalURLs, "fromExternalURLs"):
            docs.append(loaders.from_url(url))
        return docs

    def _segments(self, docs: list[loaders.Document]) -> list[Segment]:
        if self.documentSplitter is None:  # Kestra: no splitter, each document is one segment
            return [Segment(doc.text, dict(doc.metadata)) for doc in docs if doc.text.strip()]
        options = self.documentSplitter
        if options.maxSegmentSizeInChars <= 0:
            raise TaskFailure("documentSplitter.maxSegmentSizeInChars must be greater than 0")
        splitter = Splitter(options.splitter, options.maxSegmentSizeInChars,
                            max(options.maxOverlapSizeInChars, 0))
        segments = []
        for doc in docs:
            for index, text in enumerate(splitter.split(doc.text)):
                segments.append(Segment(text, {**doc.metadata, "index": str(index)}))
        return segments


def _flag(ctx: RunContext, value: bool | str) -> bool:
    return value if isinstance(value, bool) else ctx.render_bool(value)


def _string_list(ctx: RunContext, value: list[str] | str | None, name: str) -> list[str]:
    if value is None:
        return []
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        rendered = [rendered]
    if not isinstance(rendered, list):
        raise TaskFailure(f"`{name}` must be a list of strings")
    return [str(item) for item in rendered]



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

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        for name in ("contentRetrievers", "tools", "memory", "guardrails"):
            if getattr(self, name):
                raise TaskFailure(f"`{name}` is not supported by Lanner's RAG ChatCompletion yet")
        prompt = str(ctx.render(self.prompt))
        settings = ChatSettings(ctx, self.chatConfiguration)
        matches = self._retrieve(ctx, prompt) if self.embeddings is not None else []
        user = prompt
        if matches:
            user = RAG_TEMPLATE.format(prompt=prompt, contents="\n\n".join(m.segment.text for m in matches))
        messages = []
        if self.systemMessage:
            messages.append(LLMMessage("system", str(ctx.render(self.systemMessage))))
        messages.append(LLMMessage("user", user))
        provider = chat_provider(ctx, self.chatProvider, settings.raw)
        with closing(provider):
            result, duration = timed_chat(ctx, provider, messages, settings)
        outputs = ai_outputs(ctx, result, duration, settings)
        outputs["sources"] = [{"content": m.segment.text, "metadata": m.segment.metadata} for m in matches]
        outputs["completion"] = outputs["textOutput"]  # deprecated name, still read by older flows
        return outputs

    def _retrieve(self, ctx: RunContext, prompt: str) -> list[Match]:
        assert self.embeddings is not None
        options = ctx.render(dict(self.contentRetrieverConfiguration or {}))
        try:
            max_results = int(options.get("maxResults", 3))
            min_score = float(options.get("minScore", 0.0))
        except (TypeError, ValueError, AttributeError):
            raise TaskFailure("contentRetrieverConfiguration: maxResults and minScore must be "
                              "numbers") from None
        provider = embedding_provider(ctx, self.embeddingProvider or self.chatProvider)
        store = open_store(ctx, self.embeddings, drop=False)
        with closing(provider, store):
            with llm_errors():
                vector = provider.embed([prompt], task="query")[0]
            matches = store.search(vector, max_results, min_score)
        ctx.logger.debug(f"Retrieved {len(matches)} segment(s) for the prompt")
        return matches
