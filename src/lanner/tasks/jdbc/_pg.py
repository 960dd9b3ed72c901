"""PostgreSQL through psycopg 3: connecting from a JDBC URL, and a ``Session`` for the queries.

Messages of failures keep PostgreSQL's own words (``password authentication failed for user
"root"``, ``relation "x" does not exist`` with its LINE, ``COPY t, line 4, column x``), prefixed
with where Lanner tried to connect; a password is never part of them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from ._session import RowSet
from .sqltext import bind_named
from .urls import PgTarget, hosts_config, parse_postgres_url, ssl_mode

if TYPE_CHECKING:
    import psycopg

    from .postgresql import PostgresConnection

CONNECT_TIMEOUT_SECONDS = 10  # pgjdbc's default connectTimeout


def psycopg_module() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        raise TaskFailure("The PostgreSQL tasks need the psycopg package: pip install 'psycopg[binary]'") \
            from None
    return psycopg


def target_for(ctx: RunContext, task: PostgresConnection) -> PgTarget:
    """The libpq keywords of a task: its URL (hosts mapped), credentials and TLS properties."""
    url = ctx.render(task.url)
    target = parse_postgres_url(str(url or ""), hosts_config(ctx.config))
    if target.ignored:
        ignored = ", ".join(target.ignored)
        ctx.logger.debug(f"JDBC URL parameters without a libpq equivalent, ignored: {ignored}")
    username, password = task.rendered_credentials(ctx)
    if username:
        target.params["user"] = username
    if password is not None:
        target.params["password"] = password
    elif target.params.get("password"):
        ctx.mask(str(target.params["password"]))
    if task.sslMode:
        target.params["sslmode"] = ssl_mode(str(ctx.render(task.sslMode)))
    elif task.ssl and "sslmode" not in target.params:
        # libpq's "require" also verifies the server against sslRootCert when one is given.
        target.params["sslmode"] = "require"
    for prop, keyword, private in (("sslRootCert", "sslrootcert", False), ("sslCert", "sslcert", False),
                                   ("sslKey", "sslkey", True)):
        content = getattr(task, prop)
        if content:
            target.params[keyword] = str(_pem_file(ctx, keyword, str(ctx.render(content)), private))
    if task.sslKeyPassword:
        secret = str(ctx.render(task.sslKeyPassword))
        ctx.mask(secret)
        target.params["sslpassword"] = secret
    target.params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    return target


def _pem_file(ctx: RunContext, name: str, content: str, private: bool) -> Any:
    path = ctx.working_dir() / f"{name}.pem"
    path.write_text(content if content.endswith("\n") else content + "\n", encoding="utf-8")
    if private:
        os.chmod(path, 0o600)  # libpq refuses a key others can read
    return path


def connect(ctx: RunContext, task: PostgresConnection, *, autocommit: bool) -> psycopg.Connection[Any]:
    pg = psycopg_module()
    target = target_for(ctx, task)
    user = target.params.get("user")
    ctx.logger.debug(f"Connecting to PostgreSQL at {target.where}" + (f" as {user}" if user else ""))
    try:
        connection: psycopg.Connection[Any] = pg.connect(autocommit=autocommit, **target.params)
    except pg.Error as error:
        raise TaskFailure(connection_failure(target, error)) from None
    return connection


def connection_failure(target: PgTarget, error: Exception) -> str:
    user = target.params.get("user")
    message = _scrub(str(error).strip(), target.params.get("password"))
    who = f" as {user}" if user else ""
    text = f"Cannot connect to PostgreSQL at {target.where}{who}: {message}"
    if "resolve host" in message or "translate host name" in message:
        text += (" (hint: a docker-compose service name such as 'pgdatabase' can be mapped to this "
                 "machine with the `hosts` configuration section, e.g. hosts: {pgdatabase: 127.0.0.1})")
    elif "Connection refused" in message:
        text += " (hint: is PostgreSQL running there? `lanner services up postgres` starts one)"
    return text


def _scrub(message: str, password: Any) -> str:
    if password:
        message = message.replace(str(password), "******")
    return message


def describe(error: Exception) -> str | None:
    """PostgreSQL's message of a server or driver error (None for other exceptions)."""
    psycopg = psycopg_module()
    if not isinstance(error, psycopg.Error):
        return None
    text = str(error).strip()
    sqlstate = getattr(getattr(error, "diag", None), "sqlstate", None)
    return f"{text} (SQLSTATE {sqlstate})" if sqlstate else text


class PgSession:
    """``Session`` on one psycopg connection (autocommit unless a transaction is begun)."""

    def __init__(self, connection: psycopg.Connection[Any], streaming: bool) -> None:
        self.connection = connection
        self.cursor = connection.cursor()
        # Results are streamed (never all in memory) when their rows are kept (FETCH, STORE...).
        self.streaming = streaming

    def execute(self, sql: str, parameters: Mapping[str, Any] | None, fetch_size: int) -> RowSet | None:
        query, params = (bind_named(sql, parameters, "pyformat"), parameters) if parameters else (sql, None)
        if not self.streaming:
            self.cursor.execute(query, params)
            if self.cursor.description is None:
                return None
            return RowSet(self._columns(), iter(()))
        return self._stream(query, params, fetch_size)

    def _stream(self, query: str, params: Mapping[str, Any] | None, fetch_size: int) -> RowSet | None:
        psycopg = psycopg_module()
        rows = self.cursor.stream(query, params, size=fetch_size)
        try:
            first = next(rows, None)
        except psycopg.ProgrammingError as error:
            # psycopg ran the statement, but it returned no result set (DDL, INSERT...).
            if "didn't produce a result" in str(error):
                return None
            raise
        columns = self._columns() if first is not None else []
        return RowSet(columns, _batches(first, rows, fetch_size))

    def _columns(self) -> list[str]:
        return [column.name for column in self.cursor.description or ()]

    def begin(self) -> None:
        self.connection.autocommit = False  # psycopg opens the transaction at the next statement

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def cancel(self) -> None:
        self.connection.cancel_safe()

    def close(self) -> None:
        self.connection.close()

    def describe_error(self, error: Exception) -> str | None:
        return describe(error)


def _batches(first: Sequence[Any] | None, rows: Iterator[Sequence[Any]], size: int) -> Iterator[list[Any]]:
    if first is None:
        return
    batch: list[Any] = [first]
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        # Rows not read (FETCH_ONE) are drained, not cancelled: a cancel would abort the open
        # transaction and fail the statements after this one.
        with contextlib.suppress(Exception):
            for _ in rows:
                pass
