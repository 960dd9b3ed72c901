"""``io.kestra.plugin.jdbc.sqlite.Query`` / ``Queries`` on the standard library's sqlite3.

``jdbc:sqlite:`` (or ``jdbc:sqlite::memory:``) is an in-memory database; ``jdbc:sqlite:/path.db``
a file; a relative path (``jdbc:sqlite:data.db``) is a file of the working directory, where
``sqliteFile`` (a kestra:// URI) is copied first when given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import RunContext, TaskFailure, inside

from ._base import QueriesProperties, QueryProperties
from ._session import FetchType, RowSet, Session
from .sqltext import bind_named
from .urls import sqlite_path


class SqliteSession:
    def __init__(self, connection: sqlite3.Connection, database: Path | None) -> None:
        self.connection = connection
        self.database = database
        self.cursor = connection.cursor()
        self._closed = False

    def execute(self, sql: str, parameters: Mapping[str, Any] | None, fetch_size: int) -> RowSet | None:
        if parameters:
            self.cursor.execute(bind_named(sql, parameters, "colon"), dict(parameters))
        else:
            self.cursor.execute(sql)
        if self.cursor.description is None:
            return None
        return RowSet([column[0] for column in self.cursor.description], self._batches(fetch_size))

    def _batches(self, fetch_size: int) -> Iterator[list[Any]]:
        while batch := self.cursor.fetchmany(fetch_size):
            yield batch

    def begin(self) -> None:
        self.connection.execute("BEGIN")

    def commit(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")

    def rollback(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")

    def cancel(self) -> None:
        self.connection.interrupt()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.connection.close()

    def describe_error(self, error: Exception) -> str | None:
        if isinstance(error, sqlite3.ProgrammingError) and "binding" in str(error):
            return f"{error} (check `parameters`: every :name needs a value)"
        return str(error) if isinstance(error, sqlite3.Error) else None


class _Sqlite(QueryProperties):
    url: str = Field(default="jdbc:sqlite:", description="`jdbc:sqlite:` (in memory), `jdbc:sqlite:/path.db` "
                                                         "or a file name in the working directory.")
    sqliteFile: str | None = Field(default=None, description="kestra:// URI of an existing database file.")
    outputDbFile: bool = Field(default=False, description="Keep the database file as output `databaseUri`.")

    def open_session(self, ctx: RunContext, fetch_type: FetchType) -> Session:
        database = self._database_file(ctx)
        try:
            # Autocommit mode: transactions are begun explicitly (see ``run_statements``).
            connection = sqlite3.connect(str(database) if database else ":memory:", isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as error:
            raise TaskFailure(f"Cannot open the SQLite database {database}: {error}") from None
        return SqliteSession(connection, database)

    def _database_file(self, ctx: RunContext) -> Path | None:
        path = sqlite_path(str(ctx.render(self.url) or ""))
        workdir = ctx.working_dir()
        if path is None and (self.sqliteFile or self.outputDbFile):
            path = "database.db"
        if path is None:
            return None
        database = Path(path) if Path(path).is_absolute() else inside(workdir, path)
        if self.sqliteFile:
            uri = str(ctx.render(self.sqliteFile)).strip()
            try:
                ctx.storage.download(uri, database)
            except Exception as error:
                raise TaskFailure(f"Cannot read `sqliteFile` '{uri}': {error}") from None
        return database

    def extra_outputs(self, ctx: RunContext, session: Session) -> dict[str, Any]:
        assert isinstance(session, SqliteSession)
        if not self.outputDbFile:
            return {}
        session.close()
        assert session.database is not None
        return {"databaseUri": ctx.storage.put_file(session.database)}


class Query(_Sqlite):
    """Run one SQL statement on SQLite. Outputs: `row` / `rows` / `uri` / `size` per `fetchType`."""

    kestra_type = "io.kestra.plugin.jdbc.sqlite.Query"
    examples = (
        """\
id: sqlite_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.sqlite.Query
    url: jdbc:sqlite:data.db
    sql: SELECT 1 AS one
    fetchType: FETCH
""",
    )


class Queries(_Sqlite, QueriesProperties):
    """Run several SQL statements on SQLite, in one transaction by default. Output `outputs`: one
    entry per statement returning rows."""

    kestra_type = "io.kestra.plugin.jdbc.sqlite.Queries"
    examples = (
        """\
id: sqlite_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.sqlite.Queries
    url: jdbc:sqlite:data.db
    sql: |
      CREATE TABLE IF NOT EXISTS t (x int);
      INSERT INTO t VALUES (1);
""",
    )
