"""``lanner server [ROLE...]`` processes for tests: each in its own process group (so a kill -9
takes its whole tree), its output collected by a thread, and all of them killed by the
fixture's finalizer whatever happens."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

LANNER = str(Path(sys.executable).with_name("lanner"))
USER, PASSWORD = "scale@lanner.local", "Scale-Out-42"
TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def configuration(repository_url: str | None = None, **cluster: Any) -> str:
    """LANNER_CONFIGURATION text: basic auth, the repository, ``cluster:`` settings (YAML is a
    superset of JSON)."""
    config: dict[str, Any] = {"server": {"basic-auth": {"username": USER, "password": PASSWORD}}}
    if repository_url:
        config["repository"] = {"url": repository_url}
    if cluster:
        config["cluster"] = {key.replace("_", "-"): value for key, value in cluster.items()}
    return json.dumps(config)


@dataclass
class LannerProcess:
    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str | None = None
    reader: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in list(self.lines)):
                return
            if self.process.poll() is not None:
                time.sleep(0.1)  # let the reader thread catch the last lines
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.output}")
            time.sleep(0.02)
        raise AssertionError(f"{self.name} did not print {text!r} within {timeout} s:\n{self.output}")

    def wait_for_ping(self, timeout: float = 30) -> float:
        assert self.url is not None
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                time.sleep(0.1)
                raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.output}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    return time.monotonic() - began
            time.sleep(0.02)
        raise AssertionError(f"{self.name} did not answer /ping within {timeout} s:\n{self.output}")

    def http(self) -> httpx.Client:
        assert self.url is not None
        return httpx.Client(base_url=self.url, auth=(USER, PASSWORD), timeout=30)

    def kill9(self) -> None:
        """SIGKILL to the whole process group: no handler runs, nothing is flushed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        return self.process.returncode


class Processes:
    """Starts processes and kills every one of them at the end."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = {**os.environ, "LANNER_HOME": str(home), **env}
        for key in ("LANNER_SERVER", "LANNER_CONFIG"):
            self.env.pop(key, None)
        self.started: list[LannerProcess] = []

    def start(self, name: str, *roles: str, web: bool = False, args: tuple[str, ...] = (),
              env: dict[str, str] | None = None) -> LannerProcess:
        command = [LANNER, "server", *roles, *args]
        url = None
        if web:
            port = free_port()
            command += ["--port", str(port)]
            url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(command, env={**self.env, **(env or {})}, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        started = LannerProcess(name, process, url=url)
        started.reader = threading.Thread(target=_read, args=(process, started.lines), daemon=True)
        started.reader.start()
        self.started.append(started)
        return started

    def kill_all(self) -> None:
        for started in self.started:
            with contextlib.suppress(Exception):
                started.kill9()
            if started.reader is not None:
                started.reader.join(timeout=5)
            if started.process.stdout is not None:
                started.process.stdout.close()


def _read(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))


@contextlib.contextmanager
def processes(home: Path, env: dict[str, str]) -> Iterator[Processes]:
    running = Processes(home, env)
    try:
        yield running
    finally:
        running.kill_all()


def wait_for_state(client: httpx.Client, execution_id: str, states: set[str],
                   timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/main/executions/{execution_id}").json()
        if body["state"]["current"] in states:
            return body
        time.sleep(0.05)
    current = body.get("state", {}).get("current")
    pytest.fail(f"{execution_id} is {current}, not in {states} after {timeout} s")


def deploy(client: httpx.Client, source: str) -> None:
    response = client.post("/api/v1/main/flows", content=source,
                           headers={"Content-Type": "application/x-yaml"})
    assert response.status_code == 200, response.text


def set_kv(client: httpx.Client, namespace: str, key: str, value: str) -> None:
    response = client.put(f"/api/v1/main/namespaces/{namespace}/kv/{key}", content=json.dumps(value),
                          headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 204), response.text


def attempts(execution: dict[str, Any], task_id: str) -> list[dict[str, Any]]:
    run = next(r for r in execution["taskRunList"] if r["taskId"] == task_id)
    found: list[dict[str, Any]] = run.get("attempts") or []
    return found
