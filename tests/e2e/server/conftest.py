"""``lanner server`` as a subprocess on a free port, with a private LANNER_HOME and basic auth set
through LANNER_CONFIGURATION; CLI commands run as subprocesses against it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

USER, PASSWORD = "e2e@lanner.local", "E2e-Secret-42"

# Until the lead lists them in lanner.cli.main.COMMANDS, register the API helper's commands.
LAUNCHER = """
import sys
from lanner.cli import main as cli
cli.COMMANDS.setdefault("server", ("lanner.cli.server", "REST API server"))
cli.COMMANDS.setdefault("deploy", ("lanner.cli.remote.deploy", "Deploy flows to a server"))
cli.COMMANDS.setdefault("executions", ("lanner.cli.remote.executions", "Executions on a server"))
cli.COMMANDS.setdefault("backfill", ("lanner.cli.remote.backfill", "Backfill a schedule"))
cli.COMMANDS.setdefault("kv", ("lanner.cli.remote.kv", "KV store of a server"))
cli.COMMANDS.setdefault("remote-run", ("lanner.cli.remote.run", "Run a deployed flow"))
sys.exit(cli.main(sys.argv[1:]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def lanner_command(*args: str) -> list[str]:
    return [sys.executable, "-c", LAUNCHER, *args]


@dataclass
class Server:
    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[str]
    ready_seconds: float
    output: list[str] = field(default_factory=list)

    def http(self, auth: bool = True) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(USER, PASSWORD) if auth else None, timeout=30)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(lanner_command(*args, "--server", self.url), capture_output=True, text=True,
                              timeout=timeout, env=self.env, check=False)

    def stop(self, timeout: float = 30) -> str:
        """SIGTERM, then what the server printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=timeout)
        return out


def start_server(home: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    environ = {**os.environ, "LANNER_HOME": str(home),
               "LANNER_CONFIGURATION": f"server:\n  basic-auth:\n    username: {USER}\n"
                                       f"    password: {PASSWORD}\n",
               "LANNER_USERNAME": USER, "LANNER_PASSWORD": PASSWORD, **(env or {})}
    environ.pop("LANNER_SERVER", None)
    began = time.monotonic()
    process = subprocess.Popen(lanner_command("server", "--port", str(port), *extra), env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = began + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[0]}")
        try:
            if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                return Server(url, home, environ, process, time.monotonic() - began)
        except httpx.HTTPError:
            time.sleep(0.02)
    process.kill()
    raise AssertionError("the server did not answer /ping within 30 s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path / "home")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


ServerFactory = Callable[..., Server]
