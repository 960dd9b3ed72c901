"""Shared pieces of the AI tasks: message schema, provider building, outputs.

Providers come from ``lanner.llm``; the ``ai:`` section of Lanner's configuration (``ctx.config``)
may redirect them (``providers.gemini.base-url``) or swap every embedding model for the local one
(``embeddings: local``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from lanner.llm.api import (
    ChatProvider,
    ChatResult,
    EmbeddingProvider,
    LLMError,
    close_provider,
    embedding_provider_from_task,
    provider_from_task,
)
from lanner.plugins.api import RunContext, RunnableTask, TaskFailure, TaskOutput
from lanner.tasks._config import config_value

T = TypeVar("T")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["SYSTEM", "USER", "AI"]
    content: str | None = None
    contentBlocks: list[dict[str, Any]] | None = None


class AiTask(RunnableTask):
    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise TaskFailure(f"{self.kestra_type} cannot run in this Lanner version")


ChatConfiguration = dict[str, Any]


def ai_config(ctx: RunContext) -> Mapping[str, Any]:
    """The ``ai:`` section of Lanner's configuration (any key case), or ``{}``."""
    section = config_value(ctx.config, "ai")
    return section if isinstance(section, Mapping) else {}


def render_provider(ctx: RunContext, provider: BaseModel) -> dict[str, Any]:
    """The provider map with its expressions rendered; its secrets are masked in logs at once."""
    data = provider.model_dump(exclude_none=True, by_alias=True)
    rendered = ctx.render(data)
    if not isinstance(rendered, dict):
        raise TaskFailure("the model provider must render to a map")
    for name in ("apiKey", "password", "clientPem"):
        secret = rendered.get(name)
        if isinstance(secret, str) and secret:
            ctx.mask(secret)
    return rendered


def chat_provider(ctx: RunContext, provider: BaseModel,
                  configuration: Mapping[str, Any] | None = None) -> ChatProvider:
    with llm_errors():
        return provider_from_task(render_provider(ctx, provider), ai_config=ai_config(ctx),
                                  sampling=configuration)


def embedding_provider(ctx: RunContext, provider: BaseModel) -> EmbeddingProvider:
    with llm_errors():
        return embedding_provider_from_task(render_provider(ctx, provider), ai_config=ai_config(ctx))


@contextmanager
def llm_errors() -> Iterator[None]:
    """Model errors fail the task with their (already key-free) message."""
    try:
        yield
    except LLMError as exc:
        raise TaskFailure(str(exc)) from None


@contextmanager
def closing(*providers: object) -> Iterator[None]:
    try:
        yield
    finally:
        for provider in providers:
            close_provider(provider)


# ---- chat configuration ------------------------------------------------------------------------
class ChatSettings:
    """Kestra's ChatConfiguration, rendered: what each chat call gets."""

    def __init__(self, ctx: RunContext, configuration: Mapping[str, Any] | None) -> None:
        raw = ctx.render(dict(configuration or {}))
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}
        self.temperature = _number(self.raw.get("temperature"), float, "temperature")
        self.max_tokens = _number(self.raw.get("maxToken"), int, "maxToken")
        response_format = self.raw.get("responseFormat") or {}
        if not isinstance(response_format, Mapping):
            raise TaskFailure("configuration.responseFormat must be a map: "
                              "{type: TEXT|JSON, jsonSchema: ...}")
        kind = str(response_format.get("type") or "TEXT").upper()
        if kind not in ("TEXT", "JSON"):
            raise TaskFailure(f"configuration.responseFormat.type must be TEXT or JSON, got {kind}")
        self.json = kind == "JSON"
        schema = response_format.get("jsonSchema")
        if isinstance(schema, str) and schema.strip():
            try:
                schema = json.loads(schema)
            except ValueError:
                raise TaskFailure("configuration.responseFormat.jsonSchema is not valid JSON") from None
        self.json_schema: dict[str, Any] | None = (dict(schema) if isinstance(schema, Mapping) else {}) \
            if self.json else None


def _number(value: Any, kind: Callable[[Any], T], name: str) -> T | None:
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise TaskFailure(f"configuration.{name} must be a number, got {value!r}") from None


def timed_chat(ctx: RunContext, provider: ChatProvider, messages: list[Any],
               settings: ChatSettings) -> tuple[ChatResult, int]:
    """One chat call and its duration in milliseconds (Kestra's ``requestDuration``)."""
    started = time.monotonic()
    with llm_errors():
        result = provider.chat(messages, temperature=settings.temperature, max_tokens=settings.max_tokens,
                               json_schema=settings.json_schema)
    return result, int((time.monotonic() - started) * 1000)


def ai_outputs(ctx: RunContext, result: ChatResult, duration_ms: int,
               settings: ChatSettings) -> dict[str, Any]:
    """Kestra's AIOutput: ``textOutput`` (TEXT) or ``jsonOutput`` (JSON), token usage and more."""
    outputs: dict[str, Any] = {
        "textOutput": None if settings.json else result.text,
        "tokenUsage": token_usage(result),
        "finishReason": result.finish_reason,
        "requestDuration": duration_ms,
        "toolExecutions": [],
        "guardrailViolated": False,
    }
    if settings.json:
        outputs["jsonOutput"] = _parse_json(result.text)
    usage = outputs["tokenUsage"]
    for name, key in (("input.token.count", "inputTokenCount"), ("output.token.count", "outputTokenCount"),
                      ("total.token.count", "totalTokenCount")):
        if usage.get(key) is not None:
            ctx.metric(name, float(usage[key]))
    ctx.logger.debug(f"{result.raw_model}: {usage.get('inputTokenCount')} input token(s), "
                     f"{usage.get('outputTokenCount')} output token(s), {duration_ms} ms")
    return outputs


def token_usage(result: ChatResult) -> dict[str, Any]:
    return {"inputTokenCount": result.input_tokens, "outputTokenCount": result.output_tokens,
            "totalTokenCount": result.total_tokens}


def _parse_json(text: str) -> Any:
    body = text.strip()
    if body.startswith("```"):  # some models fence JSON even when asked for JSON only
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return json.loads(body)
    except ValueError:
        raise TaskFailure(f"the model did not answer valid JSON: {text[:200]}") from None
