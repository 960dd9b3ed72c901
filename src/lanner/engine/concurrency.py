"""The flow-level concurrency limit, checked when a CREATED execution is first processed
(kestra-reference §1.7). ``running`` is counted by the shell in the same transaction."""

from __future__ import annotations

from lanner.engine.work import Work
from lanner.model.state import State


def admit(work: Work, running: int) -> bool:
    """True when the execution may start; otherwise it is QUEUED, CANCELLED or FAILED here."""
    limit = work.flow.concurrency
    if limit is None or running < limit.limit:
        return True
    if limit.behavior == "QUEUE":
        work.set_state(State.QUEUED)
        work.log("INFO", f"Execution is queued due to concurrency limit exceeded, {running} running(s)")
    elif limit.behavior == "CANCEL":
        work.set_state(State.CANCELLED)
        work.log("INFO", "Execution is cancelled due to concurrency limit exceeded")
    else:
        work.set_state(State.FAILED)
        work.log("ERROR", "Execution is FAILED due to concurrency limit exceeded")
    return False
