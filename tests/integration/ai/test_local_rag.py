"""Retrieval with the real local model: the Lanner provider type `LocalEmbeddings` and a splitter."""

from __future__ import annotations

import json

from lanner.llm.fakeserver import FakeLLMServer
from lanner.testing import local_runtime

from .conftest import needs_local_model

FLOW = """\
id: local_rag
namespace: company.ai
tasks:
  - id: ingest
    type: io.kestra.plugin.ai.rag.IngestDocument
    provider:
      type: io.lanner.plugin.ai.provider.LocalEmbeddings
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    drop: true
    fromExternalURLs:
      - "{{ vars.base }}/docs/release-1-1/index.md"
    documentSplitter:
      splitter: RECURSIVE
      maxSegmentSizeInChars: 300
      maxOverlapSizeInChars: 0
  - id: answer
    type: io.kestra.plugin.ai.rag.ChatCompletion
    chatProvider:
      type: io.kestra.plugin.ai.provider.OpenAI
      modelName: llama3.2
      apiKey: none
      baseUrl: "{{ vars.base }}/v1"
    embeddingProvider:
      type: io.lanner.plugin.ai.provider.LocalEmbeddings
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    contentRetrieverConfiguration:
      maxResults: 2
    prompt: Can I install two versions of the same plugin and pin one in a flow?
variables:
  base: BASE
"""


@needs_local_model
def test_the_most_relevant_section_comes_first(server: FakeLLMServer) -> None:
    server.add_reply("Yes: plugin versioning.")
    with local_runtime() as local:
        execution = local.start(local.runtime.deploy(FLOW.replace("BASE", server.url)))
        final = local.wait(execution.id, timeout=300)
        store = json.loads(local.services.kv.get("company.ai", "local_rag-embedding-store"))
    assert final.state.current.value == "SUCCESS"
    assert len(store["entries"]) >= 5
    assert all(len(e["embedded"]["text"]) <= 300 for e in store["entries"])
    sources = next(r for r in final.task_runs if r.task_id == "answer").outputs or {}
    sources = sources["sources"]
    assert "Several versions of the same plugin can be installed" in sources[0]["content"]
    prompt = server.chat_requests()[0].json["messages"][-1]["content"]
    assert prompt.startswith("Can I install two versions") and sources[0]["content"] in prompt
