"""``io.kestra.plugin.ai.completion.ChatCompletion``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AiTask, ChatConfiguration, ChatMessage
from .providers import ModelProvider


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
