"""``io.kestra.plugin.ai.completion.ChatCompletion``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from lanner.llm.api import ChatMessage as LLMMessage
from lanner.plugins.api import RunContext, TaskFailure

from ._base import (
    AiTask,
    ChatConfiguration,
    ChatMessage,
    ChatSettings,
    ai_outputs,
    chat_provider,
    closing,
    timed_chat,
)
from .providers import ModelProvider

_ROLES = {"SYSTEM": "system", "USER": "user", "AI": "assistant"}


class ChatCompletion(AiTask):
    """Send `messages` (at most one SYSTEM; the last one USER) to a language model. Outputs:
    `textOutput`, `jsonOutput`, `tokenUsage`, `finishReason`, `requestDuration`..."""

    kestra_type = "io.kestra.plugin.ai.completion.ChatCompletion"
    aliases = ("io.kestra.plugin.langchain4j.ChatCompletion",
               "io.kestra.plugin.langchain4j.completion.ChatCompletion")
    examples = (
        """\
id: chat
namespace: company.ai

tasks:
  - id: ask
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-2.5-flash
      apiKey: "{{ kv('GEMINI_API_KEY') }}"
    messages:
      - type: USER
        content: Say hello in French.
""",
    )

    provider: ModelProvider = Field(description="The language model provider (a typed map).")
    messages: list[ChatMessage] | str = Field(description="The conversation; the last message must be USER.")
    configuration: ChatConfiguration | None = Field(
        default=None, description="temperature, topK, topP, seed, maxToken, responseFormat...")
    tools: list[dict[str, Any]] | None = Field(default=None, description="Tools the model may call.")
    guardrails: dict[str, Any] | None = None
    observability: dict[str, Any] | None = None

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        for name in ("tools", "guardrails"):
            if getattr(self, name):
                raise TaskFailure(f"`{name}` is not supported by Lanner's ChatCompletion yet")
        messages = render_messages(ctx, self.messages)
        settings = ChatSettings(ctx, self.configuration)
        provider = chat_provider(ctx, self.provider, settings.raw)
        with closing(provider):
            result, duration = timed_chat(ctx, provider, messages, settings)
        return ai_outputs(ctx, result, duration, settings)


def render_messages(ctx: RunContext, messages: list[ChatMessage] | str) -> list[LLMMessage]:
    """Kestra messages (``{type: SYSTEM|USER|AI, content}``, or an expression rendering to a list
    of them) as provider messages."""
    items: list[Any]
    if isinstance(messages, str):
        rendered = ctx.render_typed(messages)
        if isinstance(rendered, str):
            import json

            try:
                rendered = json.loads(rendered)
            except ValueError:
                raise TaskFailure("`messages` must render to a list of {type, content} maps") from None
        if not isinstance(rendered, list):
            raise TaskFailure("`messages` must render to a list of {type, content} maps")
        items = [ChatMessage.model_validate(item) for item in rendered]
    else:
        items = list(messages)
    out: list[LLMMessage] = []
    for index, message in enumerate(items):
        content = ctx.render(message.content) if message.content is not None else None
        if content is None and message.contentBlocks:
            content = _text_blocks(ctx, message.contentBlocks, index)
        if content is None:
            raise TaskFailure(f"messages[{index}] has no content")
        out.append(LLMMessage(_ROLES[message.type], str(content)))  # type: ignore[arg-type]
    if not out:
        raise TaskFailure("`messages` is empty: give at least one USER message")
    if sum(1 for m in out if m.role == "system") > 1:
        raise TaskFailure("`messages` may hold at most one SYSTEM message")
    return out


def _text_blocks(ctx: RunContext, blocks: list[dict[str, Any]], index: int) -> str:
    texts = []
    for block in blocks:
        if str(block.get("type", "TEXT")).upper() != "TEXT":
            raise TaskFailure(f"messages[{index}]: only TEXT content blocks are supported by Lanner yet")
        texts.append(str(ctx.render(block.get("text") or block.get("content") or "")))
    return "\n".join(texts)
