"""Retry policies (kestra-reference §2.9): which policy applies, and when the next attempt is due.

Pure date math: the base is always a recorded date (the last attempt's end), never a clock, and
the ``random`` policy draws from a hash of the task run id so a decision can be replayed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from lanner.engine.durations import parse_duration
from lanner.model.execution import Attempt, Execution
from lanner.model.retry import ConstantRetry, ExponentialRetry, RandomRetry, Retry

RetryPolicy = ConstantRetry | ExponentialRetry | RandomRetry

_ADAPTER: TypeAdapter[RetryPolicy] = TypeAdapter(Retry)


def as_policy(raw: Any) -> RetryPolicy | None:
    """A flow-level ``retry`` may still be a plain mapping: validate it on the way in."""
    if raw is None:
        return None
    if isinstance(raw, ConstantRetry | ExponentialRetry | RandomRetry):
        return raw
    return _ADAPTER.validate_python(raw)


def retry_delay(policy: RetryPolicy, attempt_count: int, seed: str) -> timedelta:
    """Delay after ``attempt_count`` attempts (Kestra's ``nextRetryDate(attemptCount, last)``)."""
    if isinstance(policy, ConstantRetry):
        return parse_duration(policy.interval)
    if isinstance(policy, ExponentialRetry):
        # Kestra 1.x (latest): interval * factor^(n-1), capped to maxInterval.
        factor = policy.delayFactor if policy.delayFactor is not None else 2.0
        interval = parse_duration(policy.interval)
        cap = parse_duration(policy.maxInterval)
        try:
            delay = interval * (factor ** max(0, attempt_count - 1))
        except OverflowError:
            return cap
        return min(delay, cap)
    low = parse_duration(policy.minInterval)
    high = parse_duration(policy.maxInterval)
    digest = hashlib.blake2b(f"{seed}:{attempt_count}".encode(), digest_size=8).digest()
    fraction = int.from_bytes(digest, "big") / 2**64
    return low + (high - low) * fraction


def next_task_retry(policy: RetryPolicy, attempts: Sequence[Attempt], seed: str) -> datetime | None:
    """When the task run's next attempt is due, or None when maxAttempt/maxDuration is reached."""
    if not attempts:
        return None
    count = len(attempts)
    if policy.maxAttempt is not None and count >= policy.maxAttempt:
        return None
    last = attempts[-1].state.histories[-1].date
    due = last + retry_delay(policy, count, seed)
    if policy.maxDuration is not None:
        first = attempts[0].state.start_date
        if due > first + parse_duration(policy.maxDuration):
            return None
    return due


def next_execution_retry(policy: RetryPolicy, execution: Execution, last: datetime) -> datetime | None:
    """CREATE_NEW_EXECUTION counts executions (``metadata.attemptNumber``), not task attempts."""
    if policy.maxAttempt is not None and execution.attempt_number >= policy.maxAttempt:
        return None
    due = last + retry_delay(policy, execution.attempt_number, execution.id)
    if policy.maxDuration is not None:
        origin = execution.original_created_date or execution.state.start_date
        if due > origin + parse_duration(policy.maxDuration):
            return None
    return due
