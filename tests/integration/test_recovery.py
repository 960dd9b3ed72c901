"""A process dies mid-execution (kill -9 is simulated by dropping the runtime without stopping
it cleanly); a new runtime on the same SQLite file resumes the execution."""

from __future__ import annotations

import time
from pathlib import Path

from lanner.runtime.local import LocalRun
from lanner.runtime.services import build_services
from lanner.settings import Settings

FLOW = """id: recover
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ kv('nap') }}"
    retry:
      type: constant
      interval: PT0.1S
      maxAttempt: 2
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}-done"
"""


def _services(home: Path):  # type: ignore[no-untyped-def]
    return build_services(Settings(home=home, raw={}, environ={}))


def test_an_interrupted_task_is_retried_after_a_restart(tmp_path: Path) -> None:
    crashed = LocalRun(_services(tmp_path)).__enter__()
    crashed.services.kv.set("company.team", "nap", "PT30S")
    flow = crashed.runtime.deploy(FLOW)
    execution = crashed.start(flow)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        current = crashed.runtime.get(execution.id)
        if current and any(r.task_id == "slow" for r in current.task_runs):
            break
        time.sleep(0.02)
    # "kill -9": the old runtime's threads are abandoned; its state is only what is on disk.
    crashed.runtime._stopping = True

    with LocalRun(_services(tmp_path)) as restarted:
        restarted.services.kv.set("company.team", "nap", "PT0.1S")  # the retry is quick
        assert restarted.runtime.recover() == 1
        final = restarted.wait(execution.id, timeout=60)
    assert final.state.current.value == "SUCCESS"
    assert next(r for r in final.task_runs if r.task_id == "last").outputs == {"value": "one-done"}
    slow = next(r for r in final.task_runs if r.task_id == "slow")
    assert slow.attempts[0].state.current.value == "FAILED"  # the interrupted attempt
    assert len(slow.attempts) == 2  # retried once, per its policy
