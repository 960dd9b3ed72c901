"""Micro-benchmark of the pure engine (not a test): ``.venv/bin/python tests/unit/engine/engine_bench.py``.

Measures only the time spent inside ``engine.process`` (time.perf_counter around each call) for
a 100-task sequential chain and a ForEach over 1,000 values (concurrencyLimit 1).
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.unit.engine.engine_driver import T0, job, make_flow

from lanner.engine import process
from lanner.engine.commands import ExecutionEnded, RunTask
from lanner.engine.events import Event, Start, TaskResult
from lanner.model.execution import Execution, StateInfo
from lanner.model.flow import Flow
from lanner.model.ids import new_id
from lanner.model.state import State
from lanner.tasks.flow.foreach import ForEach


def drive(flow: Flow) -> tuple[float, int]:
    execution = Execution(new_id(), flow.namespace, flow.id, 1, StateInfo.new(State.CREATED, T0))
    now = T0
    queue: list[Event] = [Start()]
    spent = 0.0
    calls = 0
    while queue:
        event = queue.pop(0)
        now += timedelta(milliseconds=10)
        began = time.perf_counter()
        decision = process(flow, execution, event, now)
        spent += time.perf_counter() - began
        calls += 1
        execution = decision.execution
        for command in decision.commands:
            if isinstance(command, RunTask):
                queue.append(TaskResult(command.task_run.id, State.SUCCESS, now, now,
                                        {"value": command.task_run.value}))
            elif isinstance(command, ExecutionEnded):
                assert command.state == "SUCCESS", command
    assert execution.state.current is State.SUCCESS
    return spent, calls


def main() -> None:
    chain = make_flow([job(f"t{i}") for i in range(100)])
    drive(chain)  # warm-up
    spent, calls = min(drive(chain) for _ in range(5))
    print(f"chain of 100: {spent * 1000:.1f} ms engine time, {spent * 1000 / 100:.3f} ms per task "
          f"({calls} process calls)")
    fan = make_flow([ForEach(id="each", type="io.kestra.plugin.core.flow.ForEach",
                             values=[str(i) for i in range(1000)], concurrencyLimit=1,
                             tasks=[job("child")])])
    spent, calls = min(drive(fan) for _ in range(3))
    print(f"ForEach over 1000 (limit 1): {spent * 1000:.0f} ms engine time ({calls} process calls)")


if __name__ == "__main__":
    main()
