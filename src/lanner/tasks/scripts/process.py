"""Run one command as its own process group, streaming its output line by line as it comes.

Why a process group: a script usually starts children (``sh -c 'wget ... | gunzip'``, ``python``);
killing only the shell would leave them running. On kill (``ctx.is_killed()``, also set by the
worker when the task times out) the whole group gets SIGTERM, then SIGKILL after a short grace.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LineHandler = Callable[[str, bool], None]  # (line, is_stderr)

POLL_SECONDS = 0.05
KILL_GRACE_SECONDS = 2.0
# After the main process exits, children still holding the pipes get this long before being killed.
ORPHAN_GRACE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ProcessResult:
    exit_code: int
    killed: bool


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: LineHandler,
    is_killed: Callable[[], bool],
    on_start: Callable[[int], None] | None = None,
    on_kill: Callable[[], None] | None = None,
) -> ProcessResult:
    """Run ``argv`` to its end (or until killed); every output line goes to ``on_line`` on the
    calling thread, in arrival order."""
    lines: queue.Queue[tuple[str, bool] | None] = queue.Queue()
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    if on_start is not None:
        on_start(process.pid)
    assert process.stdout is not None and process.stderr is not None
    readers = [_reader(process.stdout, False, lines), _reader(process.stderr, True, lines)]
    open_streams = len(readers)
    killed = False
    exited_at: float | None = None
    while open_streams:
        try:
            item = lines.get(timeout=POLL_SECONDS)
        except queue.Empty:
            pass  # nothing new: check for a kill and for the exit below
        else:
            if item is None:
                open_streams -= 1
            else:
                on_line(*item)
        if not killed and is_killed():
            killed = True
            if on_kill is not None:
                on_kill()
            _terminate_group(process)
        if exited_at is None and process.poll() is not None:
            exited_at = time.monotonic()
        elif exited_at is not None and time.monotonic() - exited_at > ORPHAN_GRACE_SECONDS:
            # The main process is gone but background children keep the pipes open: end them.
            _signal_group(process, signal.SIGKILL)
    exit_code = process.wait()
    for reader in readers:
        reader.join()
    return ProcessResult(exit_code=exit_code, killed=killed)


def _reader(stream: IO[bytes], stderr: bool, lines: queue.Queue[tuple[str, bool] | None]) -> threading.Thread:
    def pump() -> None:
        with stream:
            for raw in stream:
                lines.put((raw.decode("utf-8", errors="replace").rstrip("\r\n"), stderr))
        lines.put(None)

    thread = threading.Thread(target=pump, name="lanner-script-" + ("stderr" if stderr else "stdout"),
                              daemon=True)
    thread.start()
    return thread


def _terminate_group(process: subprocess.Popen[bytes]) -> None:
    _signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(KILL_GRACE_SECONDS)
    # Children may outlive the shell; SIGKILL whatever is left of the group.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
