"""``io.kestra.plugin.jdbc.sqlite.Query`` / ``Queries``."""

from __future__ import annotations

from pydantic import Field

from ._base import QueriesProperties, QueryProperties


class _Sqlite(QueryProperties):
    sqliteFile: str | None = Field(default=None, description="kestra:// URI of an existing database file.")
    outputDbFile: bool = Field(default=False, description="Keep the database file as output `databaseUri`.")


class Query(_Sqlite):
    """Run one SQL statement on SQLite."""

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
    """Run several SQL statements on SQLite."""

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
