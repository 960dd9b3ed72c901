"""The multi-process runtime's parts (gateway, executors, workers) wired in ONE process on a
SQLite file or a fresh PostgreSQL database, with short leases: what the role processes do,
without processes, so a test can stop one part and look inside the queues."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from lanner.model.execution import Execution
from lanner.runtime.distributed.config import ClusterConfig
from lanner.runtime.distributed.executor import ClusterExecutor
from lanner.runtime.distributed.gateway import ClusterGateway
from lanner.runtime.distributed.worker import ClusterWorker
from lanner.runtime.services import Services, build_services
from lanner.settings import Settings
from tests.conformance.postgres_server import pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]

FAST = ClusterConfig(lease_seconds=2.0, heartbeat_seconds=0.5, poll_seconds=0.1, worker_threads=4)


@dataclass
class Cluster:
    services: Services
    gateway: ClusterGateway
    config: ClusterConfig
    executors: list[ClusterExecutor] = field(default_factory=list)
    workers: list[ClusterWorker] = field(default_factory=list)

    def add_executor(self, start: bool = True) -> ClusterExecutor:
        executor = ClusterExecutor(self.gateway, self.config)
        self.executors.append(executor)
        return executor.start() if start else executor

    def add_worker(self, start: bool = True, **overrides: Any) -> ClusterWorker:
        config = replace(self.config, **overrides)
        worker = ClusterWorker(self.services, config)
        self.workers.append(worker)
        return worker.start() if start else worker

    def run(self, source: str, inputs: dict[str, Any] | None = None, timeout: float = 20) -> Execution:
        flow = self.gateway.deploy(source)
        execution = self.gateway.create_execution(flow, inputs)
        return self.gateway.wait(execution.id, timeout=timeout)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for executor in self.executors:
            executor.stop()
        self.gateway.stop()
        self.services.close()


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached within {timeout} s")


def _cluster(home: Path, url: str | None) -> Cluster:
    services = build_services(Settings(home=home, raw={}, environ={}), repository_url=url)
    return Cluster(services, ClusterGateway(services).start(), FAST)


@pytest.fixture
def sqlite_cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = _cluster(tmp_path, None)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_cluster(tmp_path: Path, pg_url: str) -> Iterator[Cluster]:
    cluster = _cluster(tmp_path, pg_url)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "pg"])
def cluster(request: pytest.FixtureRequest) -> Cluster:
    """Both backends: the same behaviour is expected from each."""
    found: Cluster = request.getfixturevalue(f"{request.param}_cluster")
    return found
