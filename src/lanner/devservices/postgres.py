"""A PostgreSQL 18 that Lanner manages for its users: the course's ``pgdatabase`` without Docker.

``ManagedPostgres(data_dir)`` keeps a cluster in ``data_dir/pgdata`` (initialised once), listens
on 127.0.0.1 only, and makes sure the role (a superuser, with its password, as the Docker image's
``POSTGRES_USER`` is) and the database exist. The server is detached from the caller: ``lanner
services up`` returns while it keeps running; PostgreSQL's own ``postmaster.pid`` tells whether
it runs, on which port. Local socket connections are trusted (the socket is private to the
server's OS user); TCP connections need the password (scram-sha-256).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from lanner.devservices import pgprocess
from lanner.errors import ConfigurationError, ConflictError, FrameworkError

if TYPE_CHECKING:
    import psycopg

    from lanner.settings import Settings

COURSE_PORT = 5432
BOOTSTRAP_ROLE = "postgres"  # superuser made by initdb; used over the socket to create the rest
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS


@dataclass(frozen=True)
class PostgresStatus:
    running: bool
    data_dir: Path
    pid: int | None = None
    port: int | None = None
    url: str | None = None
    jdbc_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"service": "postgres", "running": self.running, "dataDir": str(self.data_dir),
                "pid": self.pid, "port": self.port, "url": self.url, "jdbcUrl": self.jdbc_url}


class ManagedPostgres:
    def __init__(self, data_dir: Path, port: int = COURSE_PORT, user: str = "root", password: str = "root",
                 database: str = "ny_taxi", *, host: str = "127.0.0.1", durable: bool = True) -> None:
        """``durable=False`` trades crash safety for speed (no fsync): for throwaway test servers."""
        self.data_dir = Path(data_dir).absolute()
        self.port, self.user, self.password, self.database = port, user, password, database
        self.host, self.durable = host, durable
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "postgres.log"
        self.started_now = False  # False after start() when the server was already running

    @classmethod
    def from_settings(cls, settings: Settings, port: int | None = None) -> ManagedPostgres:
        """The user's managed instance: ``services.postgres`` in the configuration."""
        def get(key: str) -> Any:
            return settings.section("services", "postgres", key)

        return cls(managed_data_dir(settings), port=int(port or get("port") or COURSE_PORT),
                   user=str(get("username") or get("user") or "root"),
                   password=str(get("password") or "root"), database=str(get("database") or "ny_taxi"))

    # ---- addresses --------------------------------------------------------------------------------
    @property
    def effective_port(self) -> int:
        """The port of the running server (it may differ from the one asked for), else the asked one."""
        running = pgprocess.read_postmaster(self.pgdata)
        return running.port if running else self.port

    @property
    def url(self) -> str:
        return (f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{self.host}:{self.effective_port}/{quote(self.database, safe='')}")

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.effective_port}/{self.database}"

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        import psycopg

        return psycopg.connect(self.url, **kwargs)

    # ---- lifecycle ----------------------------------------------------------------------------------
    def status(self) -> PostgresStatus:
        running = pgprocess.read_postmaster(self.pgdata)
        if running is None:
            return PostgresStatus(False, self.data_dir)
        return PostgresStatus(True, self.data_dir, running.pid, running.port, self.url, self.jdbc_url)

    def start(self, timeout: float = 60.0) -> ManagedPostgres:
        running = pgprocess.read_postmaster(self.pgdata)
        if running is not None:
            if running.port != self.port:
                raise ConflictError(
                    f"the managed PostgreSQL in {self.data_dir} already runs on port {running.port} "
                    f"(pid {running.pid}); stop it first ('lanner services down postgres') to use "
                    f"port {self.port}")
            self.started_now = False
            self._ensure_role_and_database(running.socket_dir)
            return self
        self._check_port_free()
        user = pgprocess.server_os_user()
        pgprocess.hand_over(self.data_dir, user, mode=0o755)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(user, timeout)
        socket_dir = self._socket_dir(user)
        pgprocess.hand_over_file(self.log_file, user)
        options = [f"-c listen_addresses={self.host}", f"-p {self.port}",
                   f"-k {shlex.quote(str(socket_dir))}", "-c unix_socket_permissions=0700"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        done = pgprocess.run(["pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w",
                              "-t", str(int(timeout)), "-o", " ".join(options), "start"],
                             user=user, cwd=self.data_dir, timeout=timeout + 5, new_session=True)
        if done.returncode != 0:
            self._explain_start_failure(done.stdout + done.stderr)
        self.started_now = True
        self._ensure_role_and_database(str(socket_dir))
        return self

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server (fast shutdown: open sessions are rolled back). False if it was not running.

        We send the signal ourselves (SIGINT, what ``pg_ctl -m fast`` sends) instead of running
        ``pg_ctl`` as the server's user: that user may have lost access to the folders above the
        data directory meanwhile (pytest resets ``/tmp/pytest-of-<user>`` to 0700, for one).
        """
        running = pgprocess.read_postmaster(self.pgdata)
        if running is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(running.pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while pgprocess.read_postmaster(self.pgdata) is not None:  # the server removes its pid file last
            if time.monotonic() > deadline:
                raise FrameworkError(f"PostgreSQL (pid {running.pid}) did not stop within {timeout:.0f} s; "
                                     f"see {self.log_file}")
            time.sleep(0.02)
        return True

    def __enter__(self) -> ManagedPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- steps ----------------------------------------------------------------------------------------
    def _check_port_free(self) -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds
        try:
            probe.bind((self.host, self.port))
        except OSError as exc:
            raise self._port_taken(str(exc.strerror or exc)) from exc
        finally:
            probe.close()

    def _port_taken(self, why: str) -> ConfigurationError:
        return ConfigurationError(
            f"port {self.port} on {self.host} is already in use ({why}): another PostgreSQL, perhaps "
            f"the course's docker compose? Pick another port: 'lanner services up postgres --port "
            f"{self.port + 1}' or 'services: {{postgres: {{port: {self.port + 1}}}}}' in the "
            f"configuration. Flows that say pgdatabase:{COURSE_PORT} follow the managed port.")

    def _initdb(self, user: pgprocess.OsUser | None, timeout: float) -> None:
        pgprocess.hand_over(self.pgdata, user)
        args = ["initdb", "-D", str(self.pgdata), "-U", BOOTSTRAP_ROLE, "-E", "UTF8", "--locale=C",
                "--auth-local=trust", "--auth-host=scram-sha-256"]
        if not self.durable:
            args.append("--no-sync")
        done = pgprocess.run(args, user=user, cwd=self.data_dir, timeout=timeout)
        if done.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)  # a half-made cluster would never start
            raise FrameworkError(f"initdb failed in {self.pgdata}: {(done.stdout + done.stderr).strip()}")

    def _socket_dir(self, user: pgprocess.OsUser | None) -> Path:
        """The data directory itself when the socket path fits, else a short private folder in /tmp."""
        wanted = self.data_dir / "run"
        if len(str(wanted / f".s.PGSQL.{self.port}")) > _SOCKET_PATH_MAX:
            import hashlib

            digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
            wanted = Path(tempfile.gettempdir()) / f"lanner-pg-{digest}"
        pgprocess.hand_over(wanted, user)
        return wanted

    def _explain_start_failure(self, output: str) -> None:
        log = pgprocess.log_tail(self.log_file)
        if "could not bind" in log or "Address already in use" in log:
            raise self._port_taken("address already in use")
        raise FrameworkError(f"PostgreSQL did not start: {output.strip()}\n"
                             f"last lines of {self.log_file}:\n{log}")

    def _ensure_role_and_database(self, socket_dir: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(host=socket_dir, port=self.effective_port, user=BOOTSTRAP_ROLE,
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            role = sql.Identifier(self.user)
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.user,)).fetchone()
            verb = sql.SQL("ALTER" if exists else "CREATE")
            conn.execute(sql.SQL("{} ROLE {} WITH LOGIN SUPERUSER PASSWORD {}").format(
                verb, role, sql.Literal(self.password)))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(self.database), role))


def managed_data_dir(settings: Settings) -> Path:
    """Where the user's managed PostgreSQL lives: ``$LANNER_HOME/services/postgres`` by default."""
    configured = settings.section("services", "postgres", "data-dir")
    return Path(str(configured)).expanduser() if configured else settings.home / "services" / "postgres"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def temporary_postgres(base_dir: Path | None = None, *, user: str = "root", password: str = "root",
                       database: str = "ny_taxi", attempts: int = 3) -> Iterator[ManagedPostgres]:
    """A throwaway server on a free port, in a fresh folder (under ``base_dir``), removed after.

    As root, keep ``base_dir`` out of pytest's ``tmp_path``: pytest makes ``/tmp/pytest-of-root``
    private again whenever any session starts, and the server's user must traverse it. The
    default (the system temp folder) is safe. Start-up takes about 0.6 s; share one per session.
    """
    folder = Path(tempfile.mkdtemp(prefix="lanner-pg-", dir=base_dir))
    server: ManagedPostgres | None = None
    try:
        for attempt in range(attempts):  # a free port can be taken between probing and binding
            server = ManagedPostgres(folder, free_port(), user, password, database, durable=False)
            try:
                server.start()
                break
            except ConfigurationError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1)
        assert server is not None
        yield server
    finally:
        if server is not None:
            with contextlib.suppress(Exception):
                server.stop()
        shutil.rmtree(folder, ignore_errors=True)
