"""Seed flows 10 and 11 unchanged but for the release notes URL (served locally): Gemini calls go
to the scripted server through Lanner's configuration, embeddings to the local model."""

from __future__ import annotations

import json
from typing import Any

from lanner.llm.fakeserver import FakeLLMServer
from lanner.model.execution import LogEntry
from lanner.testing import local_runtime

from .conftest import RELEASE_NOTES_URL, needs_local_model, seed

KEY = "AIzaSy-seed-acceptance-key-0123456789"
ANSWER = ("1. Flow editor forms\n2. Apps\n3. Assets and lineage\n4. Plugin versioning\n"
          "5. Faster PostgreSQL queue")


def run(source: str, config: dict[str, Any]) -> tuple[Any, list[LogEntry], Any]:
    with local_runtime(config=config) as local:
        local.services.kv.set("zoomcamp", "GEMINI_API_KEY", KEY)
        logs: list[LogEntry] = []
        local.runtime.on_log(logs.append)
        execution = local.start(local.runtime.deploy(source))
        final = local.wait(execution.id, timeout=300)
        store = local.services.kv.get("zoomcamp", "11_chat_with_rag-embedding-store", error_on_missing=False)
        return final, logs, store


def assert_key_never_shown(final: Any, logs: list[LogEntry]) -> None:
    shown = "\n".join(entry.message for entry in logs) + json.dumps(final.to_api(), default=str)
    assert KEY not in shown


def test_seed_10_chat_without_rag(server: FakeLLMServer) -> None:
    server.add_reply("Kestra 1.1 added many things.")
    final, logs, _ = run(seed("10_chat_without_rag.yaml"),
                         {"ai": {"providers": {"gemini": {"base-url": server.url}}}})
    assert final.state.current.value == "SUCCESS"
    assert any("Response WITHOUT RAG" in e.message and "Kestra 1.1 added many things." in e.message
               for e in logs)
    request = server.chat_requests()[0]
    assert request.path.endswith("/models/gemini-2.5-flash:generateContent")
    assert request.headers["x-goog-api-key"] == KEY
    assert "Which features were released in Kestra 1.1?" in request.text()
    assert_key_never_shown(final, logs)


@needs_local_model
def test_seed_11_chat_with_rag_offline(server: FakeLLMServer) -> None:
    server.add_reply(ANSWER)
    source = seed("11_chat_with_rag.yaml")
    assert RELEASE_NOTES_URL in source
    source = source.replace(RELEASE_NOTES_URL, f"{server.url}/docs/release-1-1/index.md")
    config = {"ai": {"providers": {"gemini": {"base-url": server.url}}, "embeddings": "local"}}
    final, logs, store = run(source, config)
    assert final.state.current.value == "SUCCESS", [e.message for e in logs]

    # Ingested chunks land in the KV store, embedded by the local model (384 dimensions).
    entries = json.loads(store)["entries"]
    assert len(entries) == 1  # no documentSplitter: the whole page is one segment, as in Kestra
    assert "## Apps: custom front-ends for flows" in entries[0]["embedded"]["text"]
    assert entries[0]["embedded"]["metadata"]["metadata"]["url"].endswith("/docs/release-1-1/index.md")
    assert len(entries[0]["embedding"]["vector"]) == 384
    assert server.embedding_requests() == []  # nothing was embedded remotely

    # The chat prompt holds the question, then the retrieved chunks; the system message is kept.
    request = server.chat_requests()[0]
    prompt = request.json["contents"][-1]["parts"][0]["text"]
    assert prompt.startswith("Which features were released in Kestra 1.1?")
    assert "Answer using the following information:" in prompt
    assert "Plugin versioning" in prompt and "Assets and lineage" in prompt
    assert "helpful assistant that answers questions about Kestra" in \
        request.json["systemInstruction"]["parts"][0]["text"]

    # textOutput is logged by the flow's Log task.
    assert any("RAG Response (with retrieved context)" in e.message and ANSWER in e.message for e in logs)
    chat = next(r for r in final.task_runs if r.task_id == "chat_with_rag").outputs
    assert chat["textOutput"] == ANSWER and chat["sources"][0]["content"] == entries[0]["embedded"]["text"]
    assert_key_never_shown(final, logs)
