"""In-process wake-ups (``Wakeup``) and the memory journal's after-commit hooks."""

from __future__ import annotations

import threading

import pytest

from lanner.store.journal import Journal
from lanner.store.wakeup import Wakeup


def test_a_signal_between_two_waits_is_not_lost() -> None:
    wakeup = Wakeup()
    assert wakeup.wait("jobs", 0) is False  # the first wait only counts later signals
    wakeup.notify("jobs")
    wakeup.notify("jobs")
    assert wakeup.wait("jobs", 0) is True
    assert wakeup.wait("jobs", 0) is False  # both signals seen at once
    wakeup.notify("events")
    assert wakeup.wait("jobs", 0) is False  # channels are separate


def test_each_thread_keeps_its_own_count() -> None:
    wakeup = Wakeup()
    wakeup.wait("jobs", 0)
    seen: list[bool] = []
    other_ready, notified = threading.Event(), threading.Event()

    def other() -> None:
        wakeup.wait("jobs", 0)
        other_ready.set()
        notified.wait()
        seen.append(wakeup.wait("jobs", 5))

    thread = threading.Thread(target=other)
    thread.start()
    other_ready.wait()
    wakeup.notify("jobs")
    notified.set()
    thread.join()
    assert seen == [True]
    assert wakeup.wait("jobs", 0) is True  # this thread had not seen it either


def test_close_releases_waiters() -> None:
    wakeup = Wakeup()
    wakeup.close()
    assert wakeup.wait("jobs", 5) is False


def test_journal_hooks_run_after_commit_and_are_dropped_on_rollback() -> None:
    journal = Journal()
    ran: list[str] = []
    journal.after_commit(lambda: ran.append("now"))
    with journal.transaction():
        journal.after_commit(lambda: ran.append("outer"))
        with pytest.raises(ValueError), journal.transaction():
            journal.after_commit(lambda: ran.append("undone"))
            raise ValueError
        assert ran == ["now"]
    with pytest.raises(ValueError), journal.transaction():
        journal.after_commit(lambda: ran.append("rolled back"))
        raise ValueError
    assert ran == ["now", "outer"]
