"""Fixtures of the copilot tests."""

from __future__ import annotations

import pytest

from lanner.copilot.retrieval import Retriever


@pytest.fixture(scope="session")
def lexical() -> Retriever:
    return Retriever()
