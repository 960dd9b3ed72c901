"""The one place where failures of task (user) code are caught and turned into data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from lanner.errors import LannerError
from lanner.plugins.api import TaskFailure


@dataclass
class Caught:
    """What escaped the boundary: ``error`` is None when the code ended normally."""

    error: Exception | None = None

    @property
    def message(self) -> str:
        return failure_message(self.error) if self.error is not None else ""

    @property
    def expected(self) -> bool:
        """A failure reported on purpose (clean message): no traceback worth showing."""
        return isinstance(self.error, TaskFailure | LannerError)


@contextlib.contextmanager
def user_code_boundary() -> Iterator[Caught]:
    """Run user code; any ``Exception`` is caught into the yielded ``Caught``.

    ``BaseException`` (KeyboardInterrupt, SystemExit) is not caught: stopping Lanner must work.
    """
    caught = Caught()
    try:
        yield caught
    except Exception as exc:
        caught.error = exc


# Exceptions whose message alone is clear; others get their type name in front ("KeyError: 'x'").
_SELF_EXPLAINING = (TaskFailure, LannerError, ValueError, RuntimeError, OSError)


def failure_message(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, _SELF_EXPLAINING) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
