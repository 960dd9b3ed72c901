"""``io.kestra.plugin.jdbc.duckdb.Query`` / ``Queries``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import QueriesProperties, QueryProperties


class _DuckDb(QueryProperties):
    url: str = Field(default="jdbc:duckdb:", description="`jdbc:duckdb:` (in memory) or a database file.")
    inputFiles: dict[str, Any] | str | None = Field(
        default=None, description="File name -> content or kestra:// URI, written into the working dir.")
    outputFiles: list[str] | None = Field(default=None, description="Names of files the SQL writes to "
                                                                    "(`{{ outputFiles.<name> }}`).")
    databaseUri: str | None = Field(default=None, description="kestra:// URI of an existing DuckDB file.")
    outputDbFile: bool = Field(default=False, description="Keep the database file as output `databaseUri`.")
    communityExtensions: list[str] | None = None


class Query(_DuckDb):
    """Run SQL on an embedded DuckDB, in the task's working directory (`{{ workingDir }}`)."""

    kestra_type = "io.kestra.plugin.jdbc.duckdb.Query"
    examples = (
        """\
id: duckdb_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 42 AS answer
    fetchType: FETCH_ONE
""",
    )


class Queries(_DuckDb, QueriesProperties):
    """Run several SQL statements on an embedded DuckDB. Output `outputs`: one entry per statement
    returning rows."""

    kestra_type = "io.kestra.plugin.jdbc.duckdb.Queries"
    examples = (
        """\
id: duckdb_queries
namespace: company.team

tasks:
  - id: queries
    type: io.kestra.plugin.jdbc.duckdb.Queries
    sql: |
      CREATE TABLE t AS SELECT 1 AS x;
      SELECT * FROM t;
    fetchType: STORE
""",
    )
