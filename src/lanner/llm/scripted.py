"""Scripted providers for tests: chat replies come from a list, embeddings from word hashing.

    chat = ScriptedChatProvider(["Bonjour !", LLMError("busy", retryable=True)])
    chat.chat([ChatMessage("user", "Say hello in French")]).text  # "Bonjour !"
    chat.calls[0].messages  # what was asked

The embedding provider hashes words into a fixed number of buckets, so texts sharing words are
close: enough for retrieval tests without a model.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lanner.llm.api import ChatMessage, ChatResult, EmbeddingTask, LLMError

Reply = str | ChatResult | Exception


@dataclass(frozen=True)
class ScriptedCall:
    messages: tuple[ChatMessage, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


class ScriptedChatProvider:
    """Answers each call with the next reply of the script; records every call."""

    def __init__(self, replies: Iterable[Reply], *, model: str = "scripted") -> None:
        self._replies = list(replies)
        self._lock = threading.Lock()
        self.model = model
        self.calls: list[ScriptedCall] = []

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        json_schema: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatResult:
        with self._lock:
            self.calls.append(ScriptedCall(tuple(messages), {
                "temperature": temperature, "max_tokens": max_tokens, "json_schema": json_schema,
                "timeout": timeout}))
            if not self._replies:
                raise LLMError(f"the scripted provider has no reply left for call {len(self.calls)}")
            reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, ChatResult):
            return reply
        prompt_words = sum(len(m.content.split()) for m in messages)
        return ChatResult(reply, prompt_words, len(reply.split()), "STOP", self.model)

    @property
    def remaining(self) -> int:
        return len(self._replies)


_WORD = re.compile(r"\w+", re.UNICODE)


def hashed_embedding(text: str, dimension: int = 64) -> list[float]:
    """A normalized bag-of-words vector (each word hashed into one of ``dimension`` buckets)."""
    vector = [0.0] * dimension
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
        vector[int.from_bytes(digest, "big") % dimension] += 1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


class ScriptedEmbeddingProvider:
    """Deterministic embeddings for tests (see ``hashed_embedding``); records the texts."""

    def __init__(self, dimension: int = 64, *, model: str = "scripted-embeddings") -> None:
        self.dimension = dimension
        self.model = model
        self.calls: list[tuple[list[str], EmbeddingTask]] = []

    def embed(self, texts: list[str], *, task: EmbeddingTask = "document") -> list[list[float]]:
        self.calls.append((list(texts), task))
        return [hashed_embedding(text, self.dimension) for text in texts]
