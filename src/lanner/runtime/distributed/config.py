"""Knobs of the multi-process runtime, from the ``cluster:`` section of the configuration.

```yaml
cluster:
  lease-seconds: 30        # a worker's (or executor's) hold on a job; re-queued when it lapses
  heartbeat-seconds: 10    # how often holders extend their leases (default: lease / 3)
  poll-seconds: 1.0        # safety-net polling when no wake-up arrives (LISTEN/NOTIFY is a hint)
  worker-threads: 8        # task runs one worker process runs at once
  worker-groups: [gpu]     # besides the jobs of no group, a worker takes these groups' jobs
```
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lanner.errors import ConfigurationError
from lanner.settings import Settings

TIMER_GROUP = "lanner.timers"  # timer jobs: claimed by executors, never by workers
TASK_JOB = "task"
TIMER_JOB = "timer"


@dataclass(frozen=True)
class ClusterConfig:
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 10.0
    poll_seconds: float = 1.0
    worker_threads: int = 8
    worker_groups: tuple[str, ...] = field(default_factory=tuple)

    @staticmethod
    def from_settings(settings: Settings) -> ClusterConfig:
        def number(key: str, default: float) -> float:
            value: Any = settings.section("cluster", key)
            if value is None:
                return default
            try:
                parsed = float(value)
            except (TypeError, ValueError):
                raise ConfigurationError(f"cluster.{key} must be a number, got {value!r}") from None
            if parsed <= 0:
                raise ConfigurationError(f"cluster.{key} must be positive, got {value!r}")
            return parsed

        lease = number("lease-seconds", 30.0)
        groups: Any = settings.section("cluster", "worker-groups") or ()
        if isinstance(groups, str):
            groups = [g.strip() for g in groups.split(",")]
        return ClusterConfig(
            lease_seconds=lease,
            heartbeat_seconds=min(number("heartbeat-seconds", lease / 3), lease / 2),
            poll_seconds=number("poll-seconds", 1.0),
            worker_threads=int(number("worker-threads", 8)),
            worker_groups=tuple(str(g) for g in groups if g),
        )

    def with_worker(self, threads: int | None, groups: Sequence[str]) -> ClusterConfig:
        if TIMER_GROUP in groups:
            raise ConfigurationError(f"worker group '{TIMER_GROUP}' is reserved")
        return replace(self, worker_threads=threads or self.worker_threads,
                       worker_groups=tuple(groups) or self.worker_groups)


def process_id(role: str) -> str:
    """Who holds a lease: readable in the jobs table (host, pid) and unique per start."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
