"""The Gemini provider through the real google-genai client, against recorded REST answers served
by a local HTTP server (the client's base URL points at it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("google.genai")

from lanner.llm.api import ChatMessage, LLMError
from lanner.llm.fakeserver import FakeLLMServer, FakeReply
from lanner.llm.gemini import GeminiProvider
from lanner.llm.support import RetryPolicy, Sampling

RECORDED: dict[str, Any] = json.loads((Path(__file__).parent / "recordings" / "gemini.json").read_text())
KEY = "AIzaSy-test-key-never-logged-0123456789"


def recorded(name: str, status: int = 200, headers: dict[str, str] | None = None) -> FakeReply:
    return FakeReply(status=status, body=RECORDED[name], headers=headers or {})


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


def provider(server: FakeLLMServer, sleeps: list[float], **kwargs: Any) -> GeminiProvider:
    return GeminiProvider(kwargs.pop("model", "gemini-2.5-flash"), api_key=KEY, base_url=server.url,
                          retry=RetryPolicy(max_retries=2, sleep=sleeps.append), **kwargs)


def test_chat_request_and_recorded_answer(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("generate_content"))
    gemini = provider(server, sleeps, sampling=Sampling(top_k=40, top_p=0.9, seed=7))
    result = gemini.chat([ChatMessage("system", "Answer in French."), ChatMessage("user", "Hello"),
                          ChatMessage("assistant", "Salut"), ChatMessage("user", "Say hello")],
                         temperature=0.3, max_tokens=256)
    gemini.close()

    # Thought parts are not part of the answer; thinking tokens count as output.
    assert result.text == "Bonjour ! Comment puis-je vous aider ?"
    assert (result.input_tokens, result.output_tokens, result.total_tokens) == (7, 34, 41)
    assert result.finish_reason == "STOP"
    assert result.raw_model == "gemini-2.5-flash"

    request = server.requests[-1]
    assert request.path.endswith("/models/gemini-2.5-flash:generateContent")
    assert request.headers["x-goog-api-key"] == KEY
    assert KEY not in request.path
    body = request.json
    assert body["systemInstruction"]["parts"] == [{"text": "Answer in French."}]
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["generationConfig"] == {"temperature": 0.3, "maxOutputTokens": 256, "topK": 40,
                                        "topP": 0.9, "seed": 7}


def test_max_tokens_is_length(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("max_tokens"))
    result = provider(server, sleeps).chat([ChatMessage("user", "What is new?")], max_tokens=4)
    assert (result.text, result.finish_reason, result.output_tokens) == ("Kestra 1.1 brings", "LENGTH", 4)


def test_json_schema_asks_for_json(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("json_answer"))
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}}}
    result = provider(server, sleeps).chat([ChatMessage("user", "Capital of France?")], json_schema=schema)
    assert json.loads(result.text) == {"city": "Paris", "country": "France"}
    config = server.requests[-1].json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == schema


def test_blocked_prompt(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("blocked_prompt"))
    with pytest.raises(LLMError, match=r"prompt blocked: .*SAFETY"):
        provider(server, sleeps).chat([ChatMessage("user", "something bad")])


def test_invalid_key_is_not_retried_and_not_quoted(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("invalid_key", 400))
    with pytest.raises(LLMError) as caught:
        provider(server, sleeps).chat([ChatMessage("user", "Hello")])
    assert "HTTP 400 (check the API key)" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert not caught.value.retryable and caught.value.status == 400
    assert sleeps == [] and len(server.chat_requests()) == 1


def test_model_not_found(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("model_not_found", 404))
    with pytest.raises(LLMError, match="HTTP 404 \\(check the model name\\)"):
        provider(server, sleeps, model="gemini-9.9-ultra").chat([ChatMessage("user", "Hello")])


def test_rate_limit_and_overload_are_retried(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.add_reply(recorded("quota_exceeded", 429))
    server.add_reply(recorded("unavailable", 503))
    server.add_reply(recorded("generate_content"))
    result = provider(server, sleeps).chat([ChatMessage("user", "Hello")])
    assert result.text.startswith("Bonjour")
    assert len(sleeps) == 2 and sleeps[1] > 0
    assert len(server.chat_requests()) == 3


def test_retries_give_up(server: FakeLLMServer, sleeps: list[float]) -> None:
    for _ in range(3):
        server.add_reply(recorded("unavailable", 503))
    with pytest.raises(LLMError, match="HTTP 503") as caught:
        provider(server, sleeps).chat([ChatMessage("user", "Hello")])
    assert caught.value.retryable
    assert len(sleeps) == 2


def test_embeddings(server: FakeLLMServer, sleeps: list[float]) -> None:
    vectors = provider(server, sleeps, model="gemini-embedding-001").embed(["one text", "two"], task="query")
    assert len(vectors) == 2 and len(vectors[0]) == server.dimension
    body = server.requests[-1].json
    assert server.requests[-1].path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    assert [r["taskType"] for r in body["requests"]] == ["RETRIEVAL_QUERY", "RETRIEVAL_QUERY"]
    assert body["requests"][0]["content"]["parts"] == [{"text": "one text"}]


def test_recorded_embeddings_and_options(server: FakeLLMServer, sleeps: list[float]) -> None:
    server.embedding_errors.append(FakeReply(body=RECORDED["batch_embed_contents"]))
    gemini = provider(server, sleeps, model="gemini-embedding-001", embedding_task_type="SEMANTIC_SIMILARITY",
                      output_dimensionality=4)
    vectors = gemini.embed(["a", "b"])
    assert vectors[0] == [0.0123, -0.0456, 0.0789, 0.0012]
    request = server.requests[-1].json["requests"][0]
    assert request["taskType"] == "SEMANTIC_SIMILARITY" and request["outputDimensionality"] == 4


def test_embeddings_are_batched_by_100(server: FakeLLMServer, sleeps: list[float]) -> None:
    texts = [f"text number {i}" for i in range(230)]
    vectors = provider(server, sleeps, model="gemini-embedding-001").embed(texts)
    assert len(vectors) == 230
    assert [len(r.json["requests"]) for r in server.embedding_requests()] == [100, 100, 30]


def test_unreachable_server_is_retryable() -> None:
    sleeps: list[float] = []
    gemini = GeminiProvider(api_key=KEY, base_url="http://127.0.0.1:9",
                            retry=RetryPolicy(max_retries=1, sleep=sleeps.append))
    with pytest.raises(LLMError, match=r"cannot reach Gemini at http://127\.0\.0\.1:9") as caught:
        gemini.chat([ChatMessage("user", "Hello")])
    assert caught.value.retryable and len(sleeps) == 1


def test_key_is_required_and_hidden() -> None:
    with pytest.raises(LLMError, match="needs an API key"):
        GeminiProvider(api_key="")
    gemini = GeminiProvider(api_key=KEY, base_url="http://127.0.0.1:9")
    assert KEY not in repr(gemini) and KEY not in str(vars(gemini).get("model"))
