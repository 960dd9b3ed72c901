"""Lanner room: engine — the pure executor. ``process(flow, execution, event, now)`` returns the
next execution and the commands for the shell; it does no I/O and reads no clock."""

from lanner.engine.executor import Decision, process

__all__ = ["Decision", "process"]
