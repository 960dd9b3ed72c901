"""The OpenAI-compatible provider over real HTTP against the local scripted server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanner.llm.api import ChatMessage, LLMError
from lanner.llm.fakeserver import FakeLLMServer, FakeReply
from lanner.llm.openai_compat import OpenAICompatProvider, normalize_base_url
from lanner.llm.support import RetryPolicy, Sampling

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make(server: FakeLLMServer, sleeps: list[float]) -> Iterator[Any]:
    made: list[OpenAICompatProvider] = []

    def build(**kwargs: Any) -> OpenAICompatProvider:
        kwargs.setdefault("api_key", KEY)
        provider = OpenAICompatProvider(kwargs.pop("model", "llama3.2"), base_url=server.url + "/v1",
                                        retry=RetryPolicy(max_retries=2, sleep=sleeps.append), **kwargs)
        made.append(provider)
        return provider

    yield build
    for provider in made:
        provider.close()


def test_chat_request_and_answer(server: FakeLLMServer, make: Any) -> None:
    server.add_reply("Bonjour !")
    result = make(sampling=Sampling(top_p=0.5, seed=3)).chat(
        [ChatMessage("system", "Be brief."), ChatMessage("user", "Say hello in French")],
        temperature=0.1, max_tokens=20)
    assert result.text == "Bonjour !"
    assert (result.input_tokens, result.output_tokens, result.total_tokens) == (6, 2, 8)
    assert result.finish_reason == "STOP" and result.raw_model == "llama3.2"
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.json == {"model": "llama3.2", "temperature": 0.1, "max_tokens": 20, "top_p": 0.5,
                            "seed": 3,
                            "messages": [{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": "Say hello in French"}]}


def test_no_key_no_authorization_header(server: FakeLLMServer, make: Any) -> None:
    server.add_reply("hi")
    make(api_key=None).chat([ChatMessage("user", "hello")])
    assert "Authorization" not in server.requests[-1].headers


def test_json_modes(server: FakeLLMServer, make: Any) -> None:
    server.add_reply('{"a": 1}')
    server.add_reply('{"b": 2}')
    provider = make()
    provider.chat([ChatMessage("user", "json please")], json_schema={"type": "object"})
    assert server.requests[-1].json["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "response", "schema": {"type": "object"}}}
    provider.chat([ChatMessage("user", "any json")], json_schema={})
    assert server.requests[-1].json["response_format"] == {"type": "json_object"}


def test_finish_reason_length(server: FakeLLMServer, make: Any) -> None:
    server.add_reply(FakeReply(text="cut", finish_reason="length"))
    assert make().chat([ChatMessage("user", "x")]).finish_reason == "LENGTH"


def test_429_is_retried_with_retry_after(server: FakeLLMServer, make: Any, sleeps: list[float]) -> None:
    server.add_reply(FakeReply(status=429, body={"error": {"message": "Rate limit reached"}},
                               headers={"Retry-After": "2"}))
    server.add_reply(FakeReply(status=502, body="bad gateway"))
    server.add_reply("finally")
    assert make().chat([ChatMessage("user", "x")]).text == "finally"
    assert sleeps[0] == 2.0 and len(sleeps) == 2


def test_401_fails_at_once_without_the_key(server: FakeLLMServer, make: Any, sleeps: list[float]) -> None:
    server.add_reply(FakeReply(status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(LLMError) as caught:
        make().chat([ChatMessage("user", "x")])
    message = str(caught.value)
    assert "HTTP 401 (check the API key)" in message and KEY not in message and "******" in message
    assert not caught.value.retryable and sleeps == []


def test_unreachable_server() -> None:
    sleeps: list[float] = []
    provider = OpenAICompatProvider("m", base_url="http://127.0.0.1:9/v1",
                                    retry=RetryPolicy(max_retries=1, sleep=sleeps.append))
    with pytest.raises(LLMError, match=r"cannot reach OpenAI-compatible endpoint at http://127\.0\.0\.1:9/v1"):
        provider.chat([ChatMessage("user", "x")])
    provider.close()
    assert len(sleeps) == 1


def test_answer_without_choices(server: FakeLLMServer, make: Any) -> None:
    server.add_reply(FakeReply(body={"object": "chat.completion"}))
    with pytest.raises(LLMError, match="without choices"):
        make().chat([ChatMessage("user", "x")])


def test_embeddings_in_order_and_batched(server: FakeLLMServer, make: Any) -> None:
    texts = [f"document {i}" for i in range(300)]
    provider = make(model="nomic-embed-text")
    vectors = provider.embed(texts)
    assert len(vectors) == 300 and len(vectors[0]) == server.dimension
    requests = server.embedding_requests()
    assert [len(r.json["input"]) for r in requests] == [256, 44]
    assert requests[0].path == "/v1/embeddings"
    assert provider.last_input_tokens == 600
    # The same text always gives the same vector (the server hashes words).
    assert provider.embed(["document 7"])[0] == vectors[7]


def test_embedding_errors(server: FakeLLMServer, make: Any) -> None:
    error = {"error": {"message": "model is not an embedder"}}
    server.embedding_errors.append(FakeReply(status=400, body=error))
    with pytest.raises(LLMError, match="HTTP 400: model is not an embedder"):
        make().embed(["x"])


@pytest.mark.parametrize(("given", "expected"), [
    ("http://localhost:11434", "http://localhost:11434/v1"),
    ("http://localhost:11434/", "http://localhost:11434/v1"),
    ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
    ("https://generativelanguage.googleapis.com/v1beta/openai", "https://generativelanguage.googleapis.com/v1beta/openai"),
])
def test_base_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


def test_repr_hides_key() -> None:
    provider = OpenAICompatProvider("gpt-4o-mini", api_key=KEY)
    assert KEY not in repr(provider)
    provider.close()
    with pytest.raises(LLMError, match="model name is required"):
        OpenAICompatProvider("", api_key=KEY)
