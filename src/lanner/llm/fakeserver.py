"""A local HTTP server that speaks the OpenAI and Gemini REST APIs with scripted replies.

For tests and offline demos: point a provider's base URL at ``server.url`` and every chat call
gets the next scripted reply, in the vendor's own JSON shape; embeddings are computed by word
hashing (``scripted.hashed_embedding``). Every request is recorded. It can also serve documents
(``GET /docs/<name>``) for ``fromExternalURLs``.

    with FakeLLMServer(["Bonjour !"]) as server:
        provider = OpenAICompatProvider("llama3", base_url=server.url)
        provider.chat([ChatMessage("user", "Hello")]).text   # "Bonjour !"
        server.requests[-1].json["messages"]

Routes: ``POST .../chat/completions``, ``POST .../embeddings`` (OpenAI), ``POST
.../models/{model}:generateContent``, ``POST .../models/{model}:batchEmbedContents`` (Gemini).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lanner.llm.scripted import hashed_embedding


@dataclass(frozen=True)
class FakeReply:
    """A scripted answer: a text (wrapped in the vendor's shape) or a raw status + JSON body."""

    text: str | None = None
    status: int = 200
    body: Any = None  # sent as is (JSON) when given: recorded vendor responses, errors
    headers: Mapping[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    json: Any

    def text(self) -> str:
        """Every message text of a chat request, joined (for "the prompt contains..." checks)."""
        return "\n".join(_texts(self.json))


def _texts(body: Any) -> list[str]:
    if isinstance(body, dict):
        if isinstance(body.get("text"), str):
            return [body["text"]]
        if isinstance(body.get("content"), str):
            return [body["content"]]
        return [text for value in body.values() for text in _texts(value)]
    if isinstance(body, list):
        return [text for item in body for text in _texts(item)]
    return []


class FakeLLMServer:
    def __init__(self, replies: Iterable[str | FakeReply] = (), *, documents: Mapping[str, str] | None = None,
                 embedding_dimension: int = 64) -> None:
        self._replies = [r if isinstance(r, FakeReply) else FakeReply(text=r) for r in replies]
        self.embedding_errors: list[FakeReply] = []
        self.documents: dict[str, str] = dict(documents or {})
        self.dimension = embedding_dimension
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- script --------------------------------------------------------------------------------
    def add_reply(self, reply: str | FakeReply) -> None:
        with self._lock:
            self._replies.append(reply if isinstance(reply, FakeReply) else FakeReply(text=reply))

    @property
    def remaining(self) -> int:
        return len(self._replies)

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(("/chat/completions", ":generateContent"))]

    def embedding_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(("/embeddings", ":batchEmbedContents"))]

    # ---- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake LLM server is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeLLMServer:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-llm-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- answers -------------------------------------------------------------------------------
    def _next_reply(self, pool: list[FakeReply]) -> FakeReply | None:
        with self._lock:
            return pool.pop(0) if pool else None

    def answer(self, method: str, path: str, headers: Mapping[str, str],
               body: Any) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(headers), body))
        if method == "GET":
            name = path.split("?", 1)[0].removeprefix("/docs/")
            if name in self.documents:
                kind = "text/html" if name.endswith((".html", ".htm")) else "text/markdown"
                return 200, self.documents[name], {"Content-Type": f"{kind}; charset=utf-8"}
            return 404, {"error": {"message": f"no document {name}"}}, {}
        if path.endswith(("/embeddings", ":batchEmbedContents")):
            scripted = self._next_reply(self.embedding_errors)
            if scripted is not None:
                return scripted.status, scripted.body, dict(scripted.headers)
            return 200, self._embeddings(path, body), {}
        if path.endswith(("/chat/completions", ":generateContent")):
            reply = self._next_reply(self._replies)
            if reply is None:
                return 400, {"error": {"code": 400, "message": "fake server: no scripted reply left",
                                       "status": "INVALID_ARGUMENT"}}, {}
            if reply.body is not None or reply.text is None:
                return reply.status, reply.body, dict(reply.headers)
            gemini = path.endswith(":generateContent")
            shaped = _gemini_reply(path, body, reply) if gemini else _openai_reply(body, reply)
            return reply.status, shaped, dict(reply.headers)
        return 404, {"error": {"message": f"unknown route {path}"}}, {}

    def _embeddings(self, path: str, body: Any) -> Any:
        if path.endswith(":batchEmbedContents"):
            requests = body.get("requests", []) if isinstance(body, dict) else []
            texts = [" ".join(_texts(item.get("content"))) for item in requests]
            return {"embeddings": [{"values": hashed_embedding(t, self.dimension)} for t in texts]}
        inputs = body.get("input", []) if isinstance(body, dict) else []
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        tokens = sum(len(t.split()) for t in texts)
        return {"object": "list", "model": body.get("model"),
                "data": [{"object": "embedding", "index": i, "embedding": hashed_embedding(t, self.dimension)}
                         for i, t in enumerate(texts)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _openai_reply(body: Any, reply: FakeReply) -> dict[str, Any]:
    prompt_tokens = sum(len(t.split()) for t in _texts(body.get("messages", [])))
    output_tokens = len((reply.text or "").split())
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}", "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                     "finish_reason": reply.finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": output_tokens,
                  "total_tokens": prompt_tokens + output_tokens},
    }


def _gemini_reply(path: str, body: Any, reply: FakeReply) -> dict[str, Any]:
    prompt_tokens = sum(len(t.split()) for t in _texts(body))
    output_tokens = len((reply.text or "").split())
    model = path.rsplit("/", 1)[-1].split(":", 1)[0]
    reason = {"stop": "STOP", "length": "MAX_TOKENS"}.get(reply.finish_reason, reply.finish_reason.upper())
    return {
        "candidates": [{"content": {"parts": [{"text": reply.text}], "role": "model"},
                        "finishReason": reason, "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt_tokens, "candidatesTokenCount": output_tokens,
                          "totalTokenCount": prompt_tokens + output_tokens},
        "modelVersion": model,
        "responseId": f"fake-{time.monotonic_ns()}",
    }


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests read server.requests instead

        def _respond(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers_in = dict(self.headers.items())
            status, payload, headers = server.answer(self.command, self.path, headers_in, body)
            if isinstance(payload, str) and headers.get("Content-Type", "").startswith("text/"):
                data = payload.encode("utf-8")
            else:
                data = json.dumps(payload).encode("utf-8")
                headers.setdefault("Content-Type", "application/json")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = _respond
        do_GET = _respond

    return Handler
