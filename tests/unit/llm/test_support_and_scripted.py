from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from lanner.errors import LannerError
from lanner.llm.api import ChatMessage, ChatResult, LLMError
from lanner.llm.scripted import ScriptedChatProvider, ScriptedEmbeddingProvider, hashed_embedding
from lanner.llm.support import RetryPolicy, http_error, pick, scrub


def test_llm_error_is_a_lanner_error() -> None:
    error = LLMError("busy", retryable=True, status=503)
    assert isinstance(error, LannerError) and error.retryable and error.status == 503
    assert not LLMError("bad").retryable


def test_retry_policy_backoff_grows_and_is_capped() -> None:
    sleeps: list[float] = []
    busy = LLMError("busy", retryable=True)
    calls: Iterator[str | LLMError] = iter([busy, busy, "ok"])

    def flaky() -> str:
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    policy = RetryPolicy(max_retries=3, initial_delay=1.0, max_delay=1.5, sleep=sleeps.append)
    assert policy.call(flaky) == "ok"
    assert 0.5 <= sleeps[0] <= 1.0 and 0.75 <= sleeps[1] <= 1.5


def test_retry_policy_does_not_retry_terminal_errors() -> None:
    sleeps: list[float] = []

    def broken() -> None:
        raise LLMError("bad request")

    with pytest.raises(LLMError):
        RetryPolicy(sleep=sleeps.append).call(broken)
    assert sleeps == []


def test_http_error_wording() -> None:
    error = http_error("OpenAI", 429, "slow down key=sk-secret-1", retry_after=3, secrets=("sk-secret-1",))
    assert str(error) == "OpenAI answered HTTP 429 (rate limited or out of quota): slow down key=******"
    assert error.retryable and error.retry_after == 3  # type: ignore[attr-defined]
    assert not http_error("OpenAI", 400, "").retryable


def test_scrub_and_pick() -> None:
    assert scrub("a secret b", "secret") == "a ****** b"
    assert scrub("short ab", "ab") == "short ab"  # too short to be a key: left alone
    data = {"gemini": {"model-name": "m", "apiKey": "k"}}
    assert pick(data, "gemini", "modelName") == "m" and pick(data, "Gemini", "api-key") == "k"
    assert pick(data, "nope", "x") is None


def test_scripted_chat_provider() -> None:
    provider = ScriptedChatProvider(["first", ChatResult("second", 1, 2, "LENGTH"),
                                     LLMError("down", retryable=True)])
    assert provider.chat([ChatMessage("user", "hello world")], temperature=0.5).text == "first"
    assert provider.chat([ChatMessage("user", "x")]).finish_reason == "LENGTH"
    with pytest.raises(LLMError, match="down"):
        provider.chat([ChatMessage("user", "x")])
    with pytest.raises(LLMError, match="no reply left"):
        provider.chat([ChatMessage("user", "x")])
    assert provider.calls[0].messages == (ChatMessage("user", "hello world"),)
    assert provider.calls[0].options["temperature"] == 0.5 and provider.remaining == 0


def test_hashed_embeddings_are_normalized_and_similar_for_shared_words() -> None:
    a, b, c = (hashed_embedding(t) for t in ("red apple pie", "apple pie recipe", "database index"))
    assert math.isclose(sum(x * x for x in a), 1.0)

    def dot(x: list[float], y: list[float]) -> float:
        return sum(p * q for p, q in zip(x, y, strict=True))

    assert dot(a, b) > dot(a, c)
    embeddings = ScriptedEmbeddingProvider(dimension=8)
    assert len(embeddings.embed(["x"], task="query")[0]) == 8 and embeddings.calls == [(["x"], "query")]
    assert hashed_embedding("") == [0.0] * 64
