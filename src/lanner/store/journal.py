"""The lock and undo log the memory stores share, so ``transaction()`` can roll them back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import TypeVar

Undo = Callable[[], None]
K = TypeVar("K")
V = TypeVar("V")


class Journal:
    """One re-entrant lock for every memory store, plus the undo log of the open transaction
    and what to run once it commits."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._undo: list[Undo] | None = None
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the open transaction commits (at once outside a transaction)."""
        with self.lock:
            if self._undo is not None:
                self._after_commit.append(hook)
                return
        hook()

    def record(self, undo: Undo) -> None:
        if self._undo is not None:
            self._undo.append(undo)

    def assign(self, mapping: MutableMapping[K, V], key: K, value: V | None) -> None:
        """``mapping[key] = value`` (``None``: delete), undone if the transaction fails."""
        had = key in mapping
        previous = mapping.get(key)
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value

        def undo() -> None:
            if had:
                mapping[key] = previous  # type: ignore[assignment]  # present before: a V
            else:
                mapping.pop(key, None)

        self.record(undo)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        hooks: list[Callable[[], None]] = []
        with self.lock:
            outer = self._undo is None
            if outer:
                self._undo = []
            assert self._undo is not None
            mark, hooks_mark = len(self._undo), len(self._after_commit)
            try:
                yield
            except BaseException:
                undo_log = self._undo
                while len(undo_log) > mark:
                    undo_log.pop()()
                del self._after_commit[hooks_mark:]
                raise
            finally:
                if outer:
                    self._undo = None
                    hooks, self._after_commit = self._after_commit, []
        for hook in hooks:  # after the lock: a woken thread can act at once
            hook()


def namespace_matches(namespace: str, wanted: str | None) -> bool:
    """Kestra's namespace filter: the namespace itself or any child namespace."""
    return wanted is None or namespace == wanted or namespace.startswith(wanted + ".")
