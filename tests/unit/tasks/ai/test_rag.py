"""``IngestDocument`` + RAG ``ChatCompletion`` on the KV embedding store; embeddings from the fake
server (OpenAI-compatible, word hashing), so retrieval is deterministic and needs no model."""

from __future__ import annotations

import json
from pathlib import Path

from lanner.llm.fakeserver import FakeLLMServer

from .conftest import KEY, run_ai_flow

PROVIDER = """\
      type: io.kestra.plugin.ai.provider.OpenAI
      modelName: text-embedding-3-small
      apiKey: sk-embed-secret"""

RAG = f"""\
id: rag
namespace: company.ai
tasks:
  - id: ingest
    type: io.kestra.plugin.ai.rag.IngestDocument
    provider:
{PROVIDER}
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    drop: true
    metadata:
      source: handbook
    documentSplitter:
      splitter: PARAGRAPH
      maxSegmentSizeInChars: 80
      maxOverlapSizeInChars: 0
    fromDocuments:
      - content: |
          Lanner schedules flows with cron triggers.

          PostgreSQL tables are loaded with the CopyIn task.

          The cat sleeps on the warm sofa.
        metadata:
          title: notes
  - id: answer
    type: io.kestra.plugin.ai.rag.ChatCompletion
    chatProvider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-2.5-flash
      apiKey: "{{{{ kv('GEMINI_API_KEY') }}}}"
    embeddingProvider:
{PROVIDER}
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    contentRetrieverConfiguration:
      maxResults: 2
    systemMessage: Answer from the documents.
    prompt: How are PostgreSQL tables loaded?
"""


def test_ingest_then_answer_with_the_top_chunks(server: FakeLLMServer) -> None:
    server.add_reply("With the CopyIn task.")
    run = run_ai_flow(RAG, server, read_kv=("rag-embedding-store",))
    assert run.state == "SUCCESS", run.messages()

    ingest = run.outputs("ingest")
    assert ingest["ingestedDocuments"] == 1
    assert ingest["embeddingStoreOutputs"] == {"kvName": "rag-embedding-store"}
    assert ingest["inputTokenCount"] == 21
    store = json.loads(run.kv["rag-embedding-store"])
    texts = [entry["embedded"]["text"] for entry in store["entries"]]
    assert texts == ["Lanner schedules flows with cron triggers.",
                     "PostgreSQL tables are loaded with the CopyIn task.",
                     "The cat sleeps on the warm sofa."]
    assert store["entries"][1]["embedded"]["metadata"]["metadata"] == {
        "title": "notes", "source": "handbook", "index": "1"}
    assert len(store["entries"][0]["embedding"]["vector"]) == server.dimension

    answer = run.outputs("answer")
    assert answer["textOutput"] == answer["completion"] == "With the CopyIn task."
    assert answer["sources"][0]["content"] == "PostgreSQL tables are loaded with the CopyIn task."
    assert len(answer["sources"]) == 2

    chat = server.chat_requests()[0].json
    prompt = chat["contents"][0]["parts"][0]["text"]
    assert prompt.startswith("How are PostgreSQL tables loaded?\n\nAnswer using the following information:\n"
                             "PostgreSQL tables are loaded with the CopyIn task.\n\n")
    assert chat["systemInstruction"]["parts"][0]["text"] == "Answer from the documents."
    # The query was embedded as a query, with the same model, on the embeddings route.
    embedded = [r.json["input"] for r in server.embedding_requests()]
    assert embedded[-1] == ["How are PostgreSQL tables loaded?"]
    text = run.everything_logged_or_output()
    assert KEY not in text and "sk-embed-secret" not in text


def test_min_score_can_leave_the_prompt_alone(server: FakeLLMServer) -> None:
    server.add_reply("I don't know.")
    flow = RAG.replace("      maxResults: 2", "      maxResults: 2\n      minScore: 0.99")
    run = run_ai_flow(flow, server)
    assert run.state == "SUCCESS"
    assert run.outputs("answer")["sources"] == []
    prompt = server.chat_requests()[0].json["contents"][0]["parts"][0]["text"]
    assert prompt == "How are PostgreSQL tables loaded?"


def test_drop_false_appends_and_custom_kv_name(server: FakeLLMServer) -> None:
    previous = {"entries": [{"id": "x", "embedding": {"vector": [0.0] * server.dimension},
                             "embedded": {"text": "older text", "metadata": {"metadata": {}}}}]}
    flow = (RAG.replace("    drop: true\n", "    drop: false\n")
               .replace("type: io.kestra.plugin.ai.embeddings.KestraKVStore",
                        "type: io.kestra.plugin.ai.embeddings.KestraKVStore\n      kvName: my-store"))
    server.add_reply("ok")
    run = run_ai_flow(flow, server, kv={"my-store": json.dumps(previous)}, read_kv=("my-store",))
    assert run.state == "SUCCESS", run.messages()
    entries = json.loads(run.kv["my-store"])["entries"]
    assert entries[0]["embedded"]["text"] == "older text" and len(entries) == 4


def test_other_embedding_model_fails_clearly(server: FakeLLMServer) -> None:
    previous = {"entries": [{"id": "x", "embedding": {"vector": [0.1] * 3},
                             "embedded": {"text": "t", "metadata": {"metadata": {}}}}]}
    flow = RAG.replace("    drop: true\n", "    drop: false\n")
    run = run_ai_flow(flow, server, kv={"rag-embedding-store": json.dumps(previous)})
    assert run.state == "FAILED"
    expected = "holds 3-dimensional embeddings but the embedding model returns 64"
    assert any(expected in m for m in run.messages())


SOURCES = """\
id: sources
namespace: company.ai
inputs:
  - id: notes
    type: FILE
tasks:
  - id: ingest
    type: io.kestra.plugin.ai.rag.IngestDocument
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      modelName: text-embedding-3-small
      apiKey: sk-embed-secret
      baseUrl: "{{ vars.base }}/v1"
    embeddings:
      type: io.kestra.plugin.ai.embeddings.KestraKVStore
    fromInternalURIs:
      - "{{ inputs.notes }}"
    fromExternalURLs:
      - "{{ vars.base }}/docs/page.html"
variables:
  base: BASE
"""


def test_internal_files_and_html_pages(server: FakeLLMServer, tmp_path: Path) -> None:
    server.documents["page.html"] = ("<html><head><title>t</title><style>p {}</style></head><body><h1>Release"
                                     "</h1><p>Apps &amp; forms</p><script>x()</script></body></html>")
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nKeep flows small.\n")
    run = run_ai_flow(SOURCES.replace("BASE", server.url), inputs={"notes": f"@{notes}"},
                      read_kv=("sources-embedding-store",))
    assert run.state == "SUCCESS", run.messages()
    assert run.outputs("ingest")["ingestedDocuments"] == 2
    entries = json.loads(run.kv["sources-embedding-store"])["entries"]
    texts = [e["embedded"]["text"] for e in entries]
    assert texts == ["# Notes\nKeep flows small.\n", "Release\n\nApps & forms"]
    assert entries[1]["embedded"]["metadata"]["metadata"] == {"url": f"{server.url}/docs/page.html"}


def test_download_failure_is_clear(server: FakeLLMServer, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("x")
    run = run_ai_flow(SOURCES.replace("BASE", server.url).replace("page.html", "missing.md"),
                      inputs={"notes": f"@{notes}"})
    assert run.state == "FAILED"
    assert any("/docs/missing.md: HTTP 404" in m for m in run.messages())
