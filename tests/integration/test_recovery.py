"""A process dies mid-execution (kill -9 is simulated by dropping the runtime without stopping
it cleanly); a new runtime on the same SQLite file resumes the execution."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from lanner.runtime.local import LocalRun
from lanner.runtime.services import build_services, utc_now
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


def _forget(crashed: LocalRun) -> None:
    """Release what the "dead" runtime's process would have lost with it (its run lease)."""
    if crashed.runtime.lease is not None:
        crashed.runtime.lease.close()


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
    _forget(crashed)
    assert final.state.current.value == "SUCCESS"
    assert next(r for r in final.task_runs if r.task_id == "last").outputs == {"value": "one-done"}
    slow = next(r for r in final.task_runs if r.task_id == "slow")
    assert slow.attempts[0].state.current.value == "FAILED"  # the interrupted attempt
    assert len(slow.attempts) == 2  # retried once, per its policy


SCHEDULED = """id: later
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: hi
"""


def _started(execution) -> datetime:  # type: ignore[no-untyped-def]
    return next(h.date for h in execution.state.histories if h.state.value == "RUNNING")


def test_an_execution_scheduled_for_later_waits_for_its_date(tmp_path: Path) -> None:
    with LocalRun(_services(tmp_path)) as local:
        flow = local.runtime.deploy(SCHEDULED)
        due = utc_now() + timedelta(seconds=1)
        execution = local.runtime.create_execution(flow, schedule_date=due)
        time.sleep(0.3)
        assert local.runtime.get(execution.id).state.current.value == "CREATED"  # type: ignore[union-attr]
        final = local.wait(execution.id, timeout=30)
    assert final.state.current.value == "SUCCESS"
    assert final.schedule_date == due and _started(final) >= due


def test_a_scheduled_execution_keeps_its_date_across_a_restart(tmp_path: Path) -> None:
    crashed = LocalRun(_services(tmp_path)).__enter__()
    flow = crashed.runtime.deploy(SCHEDULED)
    due = utc_now() + timedelta(seconds=1.5)
    execution = crashed.runtime.create_execution(flow, schedule_date=due)
    crashed.runtime._stopping = True  # "kill -9" before it is due

    with LocalRun(_services(tmp_path)) as restarted:
        assert restarted.runtime.recover() == 1
        time.sleep(0.3)
        assert restarted.runtime.get(execution.id).state.current.value == "CREATED"  # type: ignore[union-attr]
        final = restarted.wait(execution.id, timeout=30)
    _forget(crashed)
    assert final.state.current.value == "SUCCESS" and _started(final) >= due
