"""Shared pieces of the AI tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lanner.plugins.api import RunContext, RunnableTask, TaskFailure, TaskOutput


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["SYSTEM", "USER", "AI"]
    content: str | None = None
    contentBlocks: list[dict[str, Any]] | None = None


class AiTask(RunnableTask):
    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: AI "
                          "tasks are validated but not executed by this version (coming next).")


ChatConfiguration = dict[str, Any]
