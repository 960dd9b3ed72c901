"""``lanner server ROLE...``: one process of a multi-process Lanner sharing PostgreSQL and a file
storage that every process sees.

- ``webserver``: the REST API; creates executions (stored + ``Start`` event in one
  transaction), reads state from the database; deploys ``--flows`` at start.
- ``executor``: consumes the event queue, runs the engine, enqueues task jobs, fires timers.
- ``scheduler``: Schedule triggers and backfills; ``claim_tick`` keeps N schedulers from
  emitting a tick twice.
- ``worker``: claims task jobs and runs them (``--threads``, ``--worker-group``).

Roles combine (``lanner server webserver executor scheduler``). Each process prints one
``ready`` line, and stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from lanner.errors import ConfigurationError

ROLES = ("webserver", "executor", "scheduler", "worker")


def check_repository(url: str, roles: Sequence[str]) -> None:
    if url.startswith("memory"):
        raise ConfigurationError(
            f"'lanner server {' '.join(roles)}' shares its state with other processes through the "
            "database: configure repository.url (postgresql://...), not memory://")


def serve_roles(roles: Sequence[str], *, host: str = "127.0.0.1", port: int = 8080,
                flows_dir: Path | None = None, config_file: Path | None = None,
                threads: int | None = None, worker_groups: Sequence[str] = (),
                out: TextIO = sys.stdout) -> int:
    from lanner import __version__
    from lanner.runtime.distributed.config import ClusterConfig
    from lanner.runtime.distributed.gateway import ClusterGateway
    from lanner.runtime.services import build_services
    from lanner.settings import load_settings

    began = time.monotonic()
    chosen = [role for role in ROLES if role in roles]
    settings = load_settings(config_file=config_file)
    check_repository(settings.repository_url, chosen)
    config = ClusterConfig.from_settings(settings).with_worker(threads, worker_groups)
    services = build_services(settings)
    gateway = ClusterGateway(services)
    stops: list[Callable[[], None]] = [services.close, gateway.stop]
    try:
        ready_parts: list[str] = []
        if "executor" in chosen:
            from lanner.runtime.distributed.executor import ClusterExecutor

            if "scheduler" not in chosen:
                _flow_trigger_hook(gateway)  # Flow triggers fire where executions end
            executor = ClusterExecutor(gateway, config).start()
            stops.append(executor.stop)
            ready_parts.append(f"executor {executor.id}")
        if "scheduler" in chosen:
            from lanner.runtime.scheduling import SchedulerThread

            scheduler = SchedulerThread(gateway).start()
            stops.append(scheduler.stop)
            ready_parts.append("scheduler")
        if "worker" in chosen:
            from lanner.runtime.distributed.worker import ClusterWorker

            worker = ClusterWorker(services, config).start()
            stops.append(worker.stop)
            ready_parts.append(f"worker {worker.id} ({config.worker_threads} threads, groups "
                               f"{[g for g in worker.groups if g] or 'none'})")
        gateway.start()
        summary = ", ".join(ready_parts)
        if "webserver" in chosen:
            def ready_line() -> str:
                return (f"Lanner {__version__} webserver ready on http://{host}:{port} in "
                        f"{time.monotonic() - began:.2f} s" + (f"; {summary}" if summary else ""))

            return _serve_api(gateway, settings, host, port, flows_dir, out, ready_line)
        print(f"Lanner {__version__} ready in {time.monotonic() - began:.2f} s: {summary}",
              file=out, flush=True)
        _wait_for_signal()
        return 0
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                print(f"while stopping: {exc}", file=sys.stderr)


def _flow_trigger_hook(gateway: Any) -> None:
    """An executor without a scheduler in its process still starts the executions of Flow
    triggers and applies ``stopAfter``: the scheduler's end hook, without its loop."""
    from lanner.runtime.scheduling import SchedulerThread

    SchedulerThread(gateway)  # registers its end listener on the gateway; its loop never starts


def _serve_api(gateway: Any, settings: Any, host: str, port: int, flows_dir: Path | None, out: TextIO,
               ready_line: Callable[[], str]) -> int:
    from lanner import __version__
    from lanner.api.app import create_app
    from lanner.runtime.api_services import RuntimeApiServices
    from lanner.runtime.standalone import (
        deploy_startup_flows,
        describe_credentials,
        resolve_credentials,
        serve_http,
    )

    creds = resolve_credentials(settings, host)
    api = RuntimeApiServices(gateway, basic_auth_enabled=True)
    deployed = deploy_startup_flows(api.deploy_flow, flows_dir, out)
    app = create_app(api, basic_auth=(creds.username, creds.password), title="Lanner", version=__version__)

    def ready() -> None:
        print(f"{ready_line()} ({deployed} flows); {describe_credentials(creds, settings)}",
              file=out, flush=True)

    return 0 if serve_http(app, host, port, ready) else 1


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handle(sig: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stop.wait(1.0):
        pass
