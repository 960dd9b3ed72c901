"""The PGVector store against Lanner's managed PostgreSQL: a full round trip where the server has
the `vector` extension, else a failure that says what is missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from lanner.devservices.postgres import ManagedPostgres, temporary_postgres
from lanner.llm.fakeserver import FakeLLMServer
from lanner.testing import local_runtime

PASSWORD = "pg-vector-secret"

FLOW = """\
id: pg_rag
namespace: company.ai
tasks:
  - id: ingest
    type: io.kestra.plugin.ai.rag.IngestDocument
    provider: &embedder
      type: io.kestra.plugin.ai.provider.OpenAI
      modelName: text-embedding-3-small
      apiKey: sk-x
      baseUrl: "BASE/v1"
    embeddings: &store
      type: io.kestra.plugin.ai.embeddings.PGVector
      host: 127.0.0.1
      port: PORT
      user: root
      password: "{{ kv('PG_PASSWORD') }}"
      database: postgres
      table: embeddings
      useIndex: true
    drop: true
    fromDocuments:
      - content: PostgreSQL tables are loaded with the CopyIn task.
      - content: The cat sleeps on the warm sofa.
  - id: answer
    type: io.kestra.plugin.ai.rag.ChatCompletion
    chatProvider: *embedder
    embeddingProvider: *embedder
    embeddings: *store
    contentRetrieverConfiguration:
      maxResults: 1
    prompt: How are PostgreSQL tables loaded?
"""


@pytest.fixture(scope="module")
def postgres() -> Iterator[ManagedPostgres]:
    with temporary_postgres(user="root", password=PASSWORD, database="postgres") as server:
        yield server


def has_vector_extension(server: ManagedPostgres) -> bool:
    with psycopg.connect(host="127.0.0.1", port=server.effective_port, user="root", password=PASSWORD,
                         dbname="postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        return row is not None


def test_pgvector_store(postgres: ManagedPostgres) -> None:
    with FakeLLMServer(["With CopyIn."]) as server, local_runtime() as local:
        local.services.kv.set("company.ai", "PG_PASSWORD", PASSWORD)
        logs: list[Any] = []
        local.runtime.on_log(logs.append)
        source = FLOW.replace("BASE", server.url).replace("PORT", str(postgres.effective_port))
        final = local.wait(local.start(local.runtime.deploy(source)).id, timeout=60)
        messages = [entry.message for entry in logs]
        assert PASSWORD not in "\n".join(messages) + json.dumps(final.to_api(), default=str)
        if not has_vector_extension(postgres):
            assert final.state.current.value == "FAILED"
            assert any("cannot enable the `vector` extension" in m for m in messages)
            return
        assert final.state.current.value == "SUCCESS", messages
        sources = next(r for r in final.task_runs if r.task_id == "answer").outputs or {}
        sources = sources["sources"]
        assert [s["content"] for s in sources] == ["PostgreSQL tables are loaded with the CopyIn task."]
