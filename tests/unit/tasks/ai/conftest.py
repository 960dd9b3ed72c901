"""AI task tests: flows run on the real in-memory runtime, models served by the local scripted
server (``lanner.llm.fakeserver``): OpenAI-compatible and Gemini answers, hashed embeddings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from lanner.llm.fakeserver import FakeLLMServer
from lanner.model.execution import Execution, LogEntry
from lanner.testing import local_runtime

KEY = "AIza-unit-test-key-0123456789"


@dataclass
class AiRun:
    execution: Execution
    logs: list[LogEntry]
    kv: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return self.execution.state.current.value

    def outputs(self, task_id: str) -> Mapping[str, Any]:
        return next(r.outputs or {} for r in self.execution.task_runs if r.task_id == task_id)

    def messages(self) -> list[str]:
        return [entry.message for entry in self.logs]

    def everything_logged_or_output(self) -> str:
        return "\n".join(self.messages()) + repr([r.outputs for r in self.execution.task_runs])


def run_ai_flow(source: str, server: FakeLLMServer | None = None, *, kv: Mapping[str, Any] | None = None,
                config: Mapping[str, Any] | None = None, read_kv: tuple[str, ...] = (),
                inputs: Mapping[str, Any] | None = None, namespace: str = "company.ai") -> AiRun:
    ai: dict[str, Any] = {"timeout": 10, "max-retries": 0}
    if server is not None:
        ai["providers"] = {"gemini": {"base-url": server.url}, "openai": {"base-url": server.url}}
    ai.update((config or {}).get("ai", {}))
    with local_runtime(config={**(config or {}), "ai": ai}) as local:
        local.services.kv.set(namespace, "GEMINI_API_KEY", KEY)
        for key, value in (kv or {}).items():
            local.services.kv.set(namespace, key, value)
        logs: list[LogEntry] = []
        local.runtime.on_log(logs.append)
        flow = local.runtime.deploy(source)
        execution = local.start(flow, inputs)
        final = local.wait(execution.id, timeout=60)
        values = {key: local.services.kv.get(namespace, key, error_on_missing=False) for key in read_kv}
        return AiRun(final, logs, values)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake
