"""``lanner server``: stores + runtime + REST API in one process, served by uvicorn.

Start: settings -> services (SQLite + local files by default) -> runtime -> bundled blueprints and
``--flows DIR`` deployed (a flow that fails validation is reported and skipped) -> executions left
unfinished by the previous process resumed (``Runtime.recover``) -> scheduler thread -> API on
``host:port``. SIGINT/SIGTERM: the server stops accepting, open streams get a few seconds, then
the scheduler and the runtime stop. Running executions are *not* killed: they are resumed at the
next start (a task interrupted at a worker is failed there and retried per its retry policy), so
a paused execution still waits for its resume after a restart, as in Kestra.

Credentials: ``server.basic-auth`` from the configuration. When none is configured the course's
``admin@kestra.io`` / ``Admin1234!`` are used on a loopback address (what the course's commands
send); on any other address a random password is generated once, kept in
``$LANNER_HOME/credentials`` (mode 600) and printed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from lanner.errors import LannerError, issues_of
from lanner.settings import Settings

COURSE_CREDENTIALS = ("admin@kestra.io", "Admin1234!")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    origin: str  # configuration | course-default | generated | credentials-file


def credentials_file(settings: Settings) -> Path:
    return settings.home / "credentials"


def read_credentials_file(settings: Settings) -> tuple[str, str] | None:
    path = credentials_file(settings)
    try:
        data = json.loads(path.read_text("utf-8"))
        return str(data["username"]), str(data["password"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def resolve_credentials(settings: Settings, host: str) -> Credentials:
    configured = settings.basic_auth
    if configured is not None:
        return Credentials(*configured, origin="configuration")
    if host in LOOPBACK or host.startswith("127."):
        return Credentials(*COURSE_CREDENTIALS, origin="course-default")
    stored = read_credentials_file(settings)
    if stored is not None:
        return Credentials(*stored, origin="credentials-file")
    password = secrets.token_urlsafe(18)
    path = credentials_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"username": "admin@lanner.local", "password": password}, handle)
    return Credentials("admin@lanner.local", password, origin="generated")


def describe_credentials(creds: Credentials, settings: Settings) -> str:
    if creds.origin == "configuration":
        return f"basic auth: {creds.username} (from the configuration)"
    if creds.origin == "course-default":
        return (f"basic auth: {creds.username} / {creds.password} (the course's defaults; set "
                "server.basic-auth in the configuration to change them)")
    if creds.origin == "generated":
        return (f"basic auth: {creds.username} / {creds.password} (generated once, saved in "
                f"{credentials_file(settings)})")
    return f"basic auth: {creds.username} (password in {credentials_file(settings)})"


def flow_files(flows_dir: Path | None) -> Iterator[Path]:
    blueprints = Path(__file__).resolve().parent.parent / "blueprints"
    yield from sorted(blueprints.glob("*.yaml"))
    if flows_dir is not None:
        yield from sorted(p for p in flows_dir.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def deploy_startup_flows(deploy: Callable[[str], Any], flows_dir: Path | None, out: TextIO) -> int:
    """Deploy every flow file; an invalid one is reported and skipped. Returns how many deployed."""
    return sum(deploy_flow_file(deploy, path, out) for path in flow_files(flows_dir))


def deploy_flow_file(
    deploy: Callable[[str], Any], path: Path, out: TextIO, *, reloaded: bool = False
) -> bool:
    """Deploy one file; an invalid one is reported (file:line) and skipped."""
    try:
        deploy(path.read_text("utf-8"))
    except (LannerError, OSError, UnicodeDecodeError) as exc:
        issues = issues_of(exc)
        first = issues[0]
        where = f"{path}:{first.line}" if first.line else str(path)
        more = f" (+{len(issues) - 1} more)" if len(issues) > 1 else ""
        print(f"skipped {where}: {first.path + ': ' if first.path else ''}{first.message}{more}",
              file=out, flush=True)
        return False
    if reloaded:
        print(f"reloaded {path}", file=out, flush=True)
    return True


def serve_http(app: Any, host: str, port: int, on_ready: Callable[[], None]) -> bool:
    """Serve ``app`` with uvicorn until SIGINT/SIGTERM; ``on_ready`` once it listens. Returns
    whether it started (False: the port was taken...)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # Not uvicorn's: it re-raises the signal once served, which would end the process
            # before the runtime is stopped. A second Ctrl-C forces the exit.
            if self.should_exit:
                self.force_exit = sig == signal.SIGINT
                return
            self.should_exit = True

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                on_ready()

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=3, server_header=False)
    server = Server(config)
    server.run()
    return bool(server.started)


def _recover(runtime: Any, home: Path) -> int:
    """Resume what a previous server (or a dead ``lanner run``) left unfinished, but not what a
    ``lanner run`` still alive on the same home is running: two processes would run it."""
    from lanner.runtime.leases import leases_dir, live_executions, orphaned_executions

    directory = leases_dir(home)
    live = live_executions(directory)  # before the dead leases are locked below (a second lock
    with orphaned_executions(directory) as orphans:  # of this process would look alive)
        resumed: int = runtime.recover(skip=live - orphans)  # resumed here; their leases removed
    return resumed


def serve(host: str = "127.0.0.1", port: int = 8080, flows_dir: Path | None = None,
          config_file: Path | None = None, out: TextIO = sys.stdout) -> int:
    from lanner import __version__
    from lanner.api.app import create_app
    from lanner.runtime.api_services import RuntimeApiServices
    from lanner.runtime.executor_loop import Runtime
    from lanner.runtime.scheduling import SchedulerThread
    from lanner.runtime.services import build_services
    from lanner.settings import load_settings

    began = time.monotonic()
    settings = load_settings(config_file=config_file)
    services = build_services(settings)
    runtime = Runtime(services).start()
    creds = resolve_credentials(settings, host)
    api = RuntimeApiServices(runtime, basic_auth_enabled=True)
    deployed = deploy_startup_flows(api.deploy_flow, flows_dir, out)
    resumed = _recover(runtime, settings.home)
    scheduler = SchedulerThread(runtime).start()
    watcher = None
    if flows_dir is not None:
        from lanner.runtime.flowwatch import FlowWatcher

        watcher = FlowWatcher(flows_dir, api.deploy_flow, out).start()
    app = create_app(api, basic_auth=(creds.username, creds.password), title="Lanner", version=__version__)

    def ready() -> None:
        print(f"Lanner {__version__} ready on http://{host}:{port} in "
              f"{time.monotonic() - began:.2f} s ({deployed} flows"
              + (f", {resumed} unfinished executions resumed" if resumed else "")
              + f"); {describe_credentials(creds, settings)}", file=out, flush=True)

    started = False
    try:
        started = serve_http(app, host, port, ready)
    finally:
        if watcher is not None:
            watcher.stop()
        scheduler.stop()
        running = len(services.stores.executions.unfinished())
        runtime.stop()
        services.close()
        if running:
            print(f"stopped with {running} unfinished execution(s): they resume at the next start",
                  file=out)
    return 0 if started else 1
