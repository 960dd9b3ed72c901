"""Kestra's execution and task-run states, and the ONE table of allowed transitions.

Every state change in Lanner goes through :func:`check_transition` (via ``StateInfo.with_state``);
an illegal one raises. Groups mirror Kestra's ``State.Type`` predicates (kestra-reference §2.2).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    CREATED = "CREATED"
    SUBMITTED = "SUBMITTED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESTARTED = "RESTARTED"
    KILLING = "KILLING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    QUEUED = "QUEUED"
    RETRYING = "RETRYING"
    RETRIED = "RETRIED"
    SKIPPED = "SKIPPED"
    BREAKPOINT = "BREAKPOINT"
    RESUBMITTED = "RESUBMITTED"

    @property
    def is_terminated(self) -> bool:
        return self in TERMINATED

    @property
    def is_failed(self) -> bool:
        return self is State.FAILED

    @property
    def is_running(self) -> bool:
        return self in RUNNING_GROUP

    @property
    def is_created(self) -> bool:
        return self in CREATED_GROUP

    @property
    def is_paused(self) -> bool:
        return self is State.PAUSED

    @property
    def is_retrying(self) -> bool:
        return self in (State.RETRYING, State.RETRIED)


TERMINATED = frozenset(
    {
        State.FAILED,
        State.WARNING,
        State.SUCCESS,
        State.KILLED,
        State.CANCELLED,
        State.RETRIED,
        State.SKIPPED,
        State.RESUBMITTED,
    }
)
TERMINATED_NO_FAIL = frozenset(
    {State.WARNING, State.SUCCESS, State.RETRIED, State.SKIPPED, State.RESUBMITTED}
)
CREATED_GROUP = frozenset({State.CREATED, State.RESTARTED})
RUNNING_GROUP = frozenset({State.RUNNING, State.KILLING})
# States in which an execution holds one of its flow's concurrency slots. CREATED and QUEUED do
# not: Kestra counts executions that already started (three created at once: two start, the
# third is refused), and a QUEUED one is waiting for exactly such a slot.
OCCUPIES_CONCURRENCY_SLOT = frozenset(
    {State.RUNNING, State.PAUSED, State.RESTARTED, State.KILLING, State.RETRYING, State.BREAKPOINT}
)

_S = State
_ANY_TERMINAL = TERMINATED

# from-state -> states it may move to. Same-state "moves" are no-ops and never checked.
TRANSITIONS: dict[State, frozenset[State]] = {
    _S.CREATED: frozenset(
        {_S.SUBMITTED, _S.RUNNING, _S.QUEUED, _S.CANCELLED, _S.FAILED, _S.SKIPPED, _S.KILLED,
         _S.KILLING, _S.SUCCESS, _S.WARNING, _S.PAUSED}
    ),
    _S.SUBMITTED: frozenset({_S.RUNNING, _S.KILLED, _S.KILLING, _S.FAILED, _S.CREATED}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.CREATED, _S.KILLED, _S.KILLING, _S.CANCELLED, _S.FAILED}),
    _S.RUNNING: frozenset(
        {_S.SUCCESS, _S.WARNING, _S.FAILED, _S.KILLING, _S.KILLED, _S.PAUSED, _S.RETRYING,
         _S.RETRIED, _S.BREAKPOINT, _S.CANCELLED, _S.SKIPPED}
    ),
    _S.PAUSED: frozenset(
        {_S.RUNNING, _S.KILLING, _S.KILLED, _S.FAILED, _S.SUCCESS, _S.WARNING, _S.CANCELLED,
         _S.RESTARTED}
    ),
    _S.RETRYING: frozenset({_S.RUNNING, _S.CREATED, _S.KILLING, _S.KILLED, _S.FAILED}),
    _S.KILLING: frozenset({_S.KILLED, _S.FAILED, _S.SUCCESS, _S.WARNING}),
    # A restarted task run is dispatched again (SUBMITTED) or, for a Pause, paused again.
    _S.RESTARTED: frozenset({_S.RUNNING, _S.CREATED, _S.KILLING, _S.KILLED, _S.SKIPPED, _S.FAILED,
                             _S.SUCCESS, _S.WARNING, _S.SUBMITTED, _S.PAUSED}),
    _S.BREAKPOINT: frozenset({_S.RUNNING, _S.KILLING, _S.KILLED}),
    # Terminal states only leave through restart/replay (and a Pause resumed after a WARNING).
    _S.SUCCESS: frozenset({_S.RESTARTED, _S.RESUBMITTED}),
    _S.WARNING: frozenset({_S.RESTARTED, _S.RESUBMITTED, _S.SUCCESS}),
    _S.FAILED: frozenset({_S.RESTARTED, _S.RETRYING, _S.RETRIED, _S.WARNING, _S.RESUBMITTED}),
    _S.KILLED: frozenset({_S.RESTARTED, _S.RESUBMITTED}),
    _S.CANCELLED: frozenset({_S.RESTARTED}),
    _S.RETRIED: frozenset(),
    _S.SKIPPED: frozenset({_S.RESTARTED}),
    _S.RESUBMITTED: frozenset(),
}


def can_transition(current: State, target: State) -> bool:
    return current is target or target in TRANSITIONS[current]


def check_transition(current: State, target: State, what: str = "state") -> None:
    from lanner.errors import IllegalTransitionError

    if not can_transition(current, target):
        raise IllegalTransitionError(f"illegal {what} transition {current.value} -> {target.value}")


def fail_state(allow_failure: bool, allow_warning: bool) -> State:
    """Kestra's ``State.Type.fail(task)``: the state a failed task ends in."""
    if allow_failure:
        return State.SUCCESS if allow_warning else State.WARNING
    return State.FAILED


def final_state_of(states: list[State]) -> State:
    """Priority KILLED > FAILED > WARNING > PAUSED > SUCCESS (``guessFinalState``)."""
    for candidate in (State.KILLED, State.FAILED, State.WARNING, State.PAUSED):
        if candidate in states:
            return candidate
    return State.SUCCESS
