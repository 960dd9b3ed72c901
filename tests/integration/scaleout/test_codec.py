"""What crosses processes keeps its types: events and RunTask jobs round-trip through JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from lanner.engine import process
from lanner.engine.commands import RunTask
from lanner.engine.events import (
    Dequeue,
    Event,
    Kill,
    Restart,
    Resume,
    Start,
    SubflowCreated,
    SubflowEnded,
    TaskResult,
    TaskStarted,
    Tick,
)
from lanner.model.execution import Execution, StateInfo
from lanner.model.state import State
from lanner.plugins.flowparse import load_flow
from lanner.runtime.distributed.codec import (
    TAG,
    decode_event,
    decode_run_task,
    encode_event,
    encode_run_task,
    from_json,
    to_json,
)

NOW = datetime(2024, 5, 17, 8, 30, 1, 123456, tzinfo=UTC)

EVENTS: list[Event] = [
    Start(running=2), Dequeue(), TaskStarted("tr", NOW, "w1"),
    TaskResult("tr", State.WARNING, NOW, NOW + timedelta(seconds=1), {"at": NOW, "n": [1, 2.5, None]}, "w"),
    Tick(), Kill(), Resume({"ok": True}), SubflowCreated("tr", "child"),
    SubflowEnded("tr", "child", State.FAILED, {"x": "y"}), Restart(),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_events_round_trip(event: Event) -> None:
    text = encode_event(event)
    json.loads(text)  # plain JSON in the queue
    assert decode_event(text) == event


def test_values_keep_their_types() -> None:
    value = {"when": NOW, "day": date(2024, 1, 2), "wait": timedelta(minutes=3), "cost": Decimal("1.10"),
             "raw": b"\x00\xff", "state": State.SUCCESS, "nested": [{"t": (1, 2)}], TAG: "a user's key"}
    back = from_json(json.loads(json.dumps(to_json(value))))
    assert back == {**value, "nested": [{"t": [1, 2]}]}
    assert isinstance(back["state"], State)


def test_a_run_task_travels_as_data_and_finds_its_task_again() -> None:
    flow = load_flow("""\
id: f
namespace: n
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
""").model_copy(update={"revision": 3})
    execution = Execution(id="e1", namespace="n", flow_id="f", flow_revision=3,
                          state=StateInfo.new(State.CREATED, NOW))
    command: RunTask | None = None
    for event in (Start(), Tick()):
        decision = process(flow, execution, event, NOW)
        execution = decision.execution
        command = next((c for c in decision.commands if isinstance(c, RunTask)), command)
    assert command is not None and command.task.id == "inner"
    payload = json.loads(json.dumps(encode_run_task(command, 3)))
    back = decode_run_task(payload, flow)
    assert back.task is command.task
    assert back.task_run == command.task_run
    assert back.attempt_number == command.attempt_number
    assert back.variables == command.variables
