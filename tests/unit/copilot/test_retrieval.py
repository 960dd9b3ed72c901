"""Retrieval of the types a request needs: BM25 over the catalog, embeddings when available."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from bench.copilot import load_cases, recall_at

from lanner.copilot.catalog import catalog, type_doc
from lanner.copilot.retrieval import Retriever, clauses, stem, tokenize
from lanner.llm.api import LLMError
from lanner.llm.scripted import ScriptedEmbeddingProvider


def test_tokens_are_split_lowered_stemmed_and_stop_words_dropped() -> None:
    assert tokenize("LoadFromGcs the Files") == ["load", "gcs", "fil"]
    assert stem("schedules") == stem("scheduled") == stem("schedule")
    assert tokenize("if it exists", prose=True) == ["exist"]  # control words only count in names


def test_a_request_with_several_steps_is_split_into_clauses() -> None:
    assert clauses("Run a query on Postgres every day at 6am and log the rows") == [
        "Run a query on Postgres", "every day at 6am", "log the rows"]
    assert clauses("Say hello") == []


@pytest.mark.parametrize(("request_text", "expected"), [
    ("Load a CSV into a PostgreSQL table with COPY", "io.kestra.plugin.jdbc.postgresql.CopyIn"),
    ("Run my Python script", "io.kestra.plugin.scripts.python.Script"),
    ("every hour", "io.kestra.plugin.core.trigger.Schedule"),
    ("Create a GCS bucket", "io.kestra.plugin.gcp.gcs.CreateBucket"),
    ("ask gemini a question", "io.kestra.plugin.ai.completion.ChatCompletion"),
])
def test_the_best_type_comes_first(lexical: Retriever, request_text: str, expected: str) -> None:
    assert lexical.search(request_text, 3)[0].type == expected


def test_multi_step_requests_get_every_step(lexical: Retriever) -> None:
    found = [h.type for h in lexical.search(
        "Every night at 2am, dump the orders table from Postgres and upload the file to a GCS bucket", 8)]
    for needed in ("io.kestra.plugin.jdbc.postgresql.CopyOut", "io.kestra.plugin.core.trigger.Schedule",
                   "io.kestra.plugin.gcp.gcs.Upload"):
        assert needed in found


def test_recall_at_8_on_the_benchmark_requests_is_at_least_0_9(lexical: Retriever) -> None:
    cases = load_cases()
    assert len(cases) >= 40
    recall, misses = recall_at(lambda q: [h.type for h in lexical.search(q, 8)], cases)
    assert recall >= 0.9, misses
    heldout_cases = load_cases(section="heldout")
    heldout, misses = recall_at(lambda q: [h.type for h in lexical.search(q, 8)], heldout_cases)
    assert heldout >= 0.9, misses


def test_every_benchmark_type_exists() -> None:
    known = {doc.type for doc in catalog()}
    for section in ("prompts", "heldout"):
        for _, types in load_cases(section=section):
            for any_of in types:
                assert set(any_of.split("|")) <= known, any_of


def test_hybrid_retrieval_fuses_embeddings() -> None:
    embeddings = ScriptedEmbeddingProvider()
    retriever = Retriever(embeddings=embeddings)
    assert retriever.mode == "hybrid"
    hits = retriever.search("Upload a file to Google Cloud Storage and load it into BigQuery", 8)
    assert len(hits) == 8
    assert "io.kestra.plugin.gcp.gcs.Upload" in [h.type for h in hits]
    documents, task = embeddings.calls[0]
    assert task == "document" and len(documents) == len(catalog())  # the catalog, embedded once
    retriever.search("log hello", 8)
    assert [call[1] for call in embeddings.calls] == ["document", "query", "query"]


class _Broken:
    def embed(self, texts: Sequence[str], *, task: str = "document") -> list[list[float]]:
        raise LLMError("no model")


def test_a_failing_embedding_model_degrades_to_lexical(caplog: pytest.LogCaptureFixture) -> None:
    retriever = Retriever(embeddings=_Broken())  # type: ignore[arg-type]
    hits = retriever.search("Run my Python script", 3)
    assert hits[0].type == "io.kestra.plugin.scripts.python.Script"
    assert retriever.mode == "lexical"
    assert "lexical retrieval only" in caplog.text


def test_the_catalog_describes_each_type_from_its_schema() -> None:
    doc = type_doc("io.kestra.core.tasks.log.Log")  # an alias resolves to the current type
    assert doc is not None and doc.type == "io.kestra.plugin.core.log.Log"
    assert "io.kestra.core.tasks.log.Log" in doc.aliases
    names = [p.name for p in doc.properties]
    assert "message" in names and "id" not in names and "retry" not in names
    message = next(p for p in doc.properties if p.name == "message")
    assert message.required
    assert type_doc("io.kestra.plugin.nope.Nothing") is None
