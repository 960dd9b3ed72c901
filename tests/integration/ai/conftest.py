"""Offline AI acceptance: the course's seed flows 10 and 11 against the local scripted model
server (Gemini REST shapes) and the real local embedding model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.llm import local_embeddings
from lanner.llm.fakeserver import FakeLLMServer

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
RELEASE_NOTES = (Path(__file__).parent / "data" / "release-1-1.md").read_text()
RELEASE_NOTES_URL = ("https://raw.githubusercontent.com/kestra-io/docs/refs/heads/main/src/contents/blogs/"
                     "release-1-1/index.md")

needs_local_model = pytest.mark.skipif(not local_embeddings.is_available(),
                                       reason="the local embedding stack is not installed")


def seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"seed flow {name} not found beside the repository")
    return path.read_text()


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(documents={"release-1-1/index.md": RELEASE_NOTES}) as fake:
        yield fake
