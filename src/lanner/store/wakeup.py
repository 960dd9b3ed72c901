"""In-process wake-ups by channel: the queues' ``wait_for_*`` for memory and SQLite, and the
local end of Postgres LISTEN/NOTIFY.

Each thread remembers how many signals of a channel it has seen, so a signal sent while it
was busy (between two waits) wakes its next wait at once instead of being lost. A thread's
first wait only counts signals sent after it started.
"""

from __future__ import annotations

import threading

JOBS_CHANNEL = "lanner_jobs"
EVENTS_CHANNEL = "lanner_events"


class Wakeup:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._counts: dict[str, int] = {}
        self._seen = threading.local()
        self._closed = False

    def _seen_by_this_thread(self) -> dict[str, int]:
        seen: dict[str, int] | None = getattr(self._seen, "counts", None)
        if seen is None:
            seen = self._seen.counts = {}
        return seen

    def watch(self, channel: str) -> None:
        """Start counting ``channel``'s signals for this thread (a first ``wait`` does it too)."""
        seen = self._seen_by_this_thread()
        if channel not in seen:
            with self._condition:
                seen[channel] = self._counts.get(channel, 0)

    def notify(self, channel: str) -> None:
        with self._condition:
            self._counts[channel] = self._counts.get(channel, 0) + 1
            self._condition.notify_all()

    def wait(self, channel: str, timeout: float) -> bool:
        """True when ``channel`` was signalled since this thread last looked; False on timeout."""
        seen = self._seen_by_this_thread()
        with self._condition:
            last = seen.setdefault(channel, self._counts.get(channel, 0))
            woken = self._condition.wait_for(
                lambda: self._closed or self._counts.get(channel, 0) > last, timeout
            )
            seen[channel] = self._counts.get(channel, 0)
            return bool(woken) and not self._closed

    def close(self) -> None:
        """Wake every waiter (they return False) and make later waits return at once."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
