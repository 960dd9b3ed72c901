"""``io.kestra.plugin.jdbc.postgresql.*``: Query, Queries, CopyIn, CopyOut (psycopg 3).

The JDBC URL is turned into libpq keywords (``urls.py``); host names go through the ``hosts``
configuration section, so ``jdbc:postgresql://pgdatabase:5432/ny_taxi`` of the course reaches a
local server. Results are streamed from the server (``fetchSize`` rows at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, TaskOutput

from ._base import JdbcTask, QueriesProperties, QueryProperties
from ._pg import PgSession, connect
from ._session import FetchType, Session
from .pgcopy import copy_in, copy_out

CopyFormat = Literal["TEXT", "CSV", "BINARY"]
SslMode = Literal["DISABLE", "ALLOW", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]


class PostgresConnection(JdbcTask):
    ssl: bool = Field(default=False, description="Use TLS.")
    sslMode: SslMode | None = None
    sslRootCert: str | None = Field(default=None, description="CA certificate (PEM content).")
    sslCert: str | None = Field(default=None, description="Client certificate (PEM content).")
    sslKey: str | None = Field(default=None, description="Client key (PEM content).")
    sslKeyPassword: str | None = None


class _PostgresQuery(PostgresConnection, QueryProperties):
    def open_session(self, ctx: RunContext, fetch_type: FetchType) -> Session:
        return PgSession(connect(ctx, self, autocommit=True), streaming=fetch_type != "NONE")


class Query(_PostgresQuery):
    """Run one SQL statement on PostgreSQL. Outputs: `row`, `rows`, `uri`, `size` per `fetchType`."""

    kestra_type = "io.kestra.plugin.jdbc.postgresql.Query"
    examples = (
        """\
id: pg_query
namespace: company.team

tasks:
  - id: count
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://localhost:5432/db
    username: postgres
    password: "{{ secret('PG_PASSWORD') }}"
    sql: SELECT count(*) AS n FROM trips
    fetchType: FETCH_ONE
""",
    )


class Queries(_PostgresQuery, QueriesProperties):
    """Run several SQL statements (split on `;`) on PostgreSQL, in one transaction by default. Output
    `outputs`: one entry per statement returning rows."""

    kestra_type = "io.kestra.plugin.jdbc.postgresql.Queries"
    examples = (
        """\
id: pg_queries
namespace: company.team

tasks:
  - id: setup
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: jdbc:postgresql://localhost:5432/db
    username: postgres
    password: "{{ secret('PG_PASSWORD') }}"
    sql: |
      CREATE TABLE IF NOT EXISTS t (id int);
      TRUNCATE TABLE t;
""",
    )


class _Copy(PostgresConnection):
    table: str | None = Field(default=None, description="Target table (rendered).")
    columns: list[str] | None = Field(default=None, description="Columns, in file order.")
    format: Prop[CopyFormat] = Field(default="TEXT", description="File format.")
    header: Prop[bool] | None = Field(default=None, description="The file starts with a header line (CSV).")
    delimiter: str | None = Field(default=None, description="Column separator (one character).")
    nullString: str | None = None
    quote: str | None = None
    escape: str | None = None
    forceNotNull: list[str] | None = None
    forceNull: list[str] | None = None
    encoding: str | None = None
    oids: bool | None = None
    freeze: Prop[bool] | None = None


class CopyIn(_Copy):
    """Load a file of internal storage into a table with `COPY ... FROM STDIN`. Output: `rowCount`.

    Builds `COPY <table> (<columns>) FROM STDIN WITH (FORMAT CSV, HEADER TRUE, ...)` with only the
    options that are set, and streams the file to the server in chunks (never whole in memory).
    The statement runs in its own transaction: a bad row (PostgreSQL names its line) loads nothing.

    Lanner extensions: `from` may also be an `http://` or `https://` URL (downloaded while it is
    loaded), and a gzip-compressed source (`.gz`, or gzip content) is decompressed on the fly, so
    `from: https://.../yellow_tripdata_2019-01.csv.gz` needs no separate download task and no
    temporary file. A progress line (rows, MB, MB/s) is logged every 5 seconds and at the end.

    `parallelism: N` (Lanner) loads over N connections at once: PostgreSQL parses each COPY
    stream on one core, so 2 streams on 2 cores load about 1.5x faster. The decompressed stream
    is cut into 256 KiB blocks of whole records (never inside a quoted CSV field) that the N
    streams take in turn; memory stays at a few blocks whatever the file size. The header line is
    skipped by Lanner, and an error names the line of the file (`COPY t, line 1234 of the file`).
    All or nothing: the streams are committed together once every one of them finished; if one
    fails (a bad row, a lost connection, a kill), all are rolled back. The commits are not one
    atomic step: load into a staging table (UNLOGGED loads fastest) and merge from there when a
    crash at that instant must not leave half a file. CSV whose `escape` differs from its
    `quote`, and BINARY, are loaded in one stream.
    """

    kestra_type = "io.kestra.plugin.jdbc.postgresql.CopyIn"
    examples = (
        """\
id: pg_copy_in
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: https://example.com/data.csv
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: jdbc:postgresql://localhost:5432/db
    username: postgres
    password: "{{ secret('PG_PASSWORD') }}"
    from: "{{ outputs.download.uri }}"
    table: public.data
    format: CSV
    header: true
""",
        """\
id: pg_parallel_copy_in
namespace: company.team

tasks:
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: jdbc:postgresql://localhost:5432/db
    username: postgres
    password: "{{ secret('PG_PASSWORD') }}"
    from: https://github.com/DataTalksClub/nyc-tlc-data/releases/download/yellow/yellow_tripdata_2019-01.csv.gz
    table: public.yellow_tripdata_staging
    format: CSV
    header: true
    parallelism: 2
""",
    )

    from_: str = Field(alias="from", description="kestra:// URI of the file to load (rendered); Lanner also "
                                                 "takes http(s):// URLs, and gunzips `.gz` files.")
    socketTimeout: int | None = None
    parallelism: Prop[int] | None = Field(
        default=None, description="Lanner: COPY streams on as many connections (default 1); each "
                                  "PostgreSQL backend parses on its own core.")

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        return copy_in(ctx, self)


class CopyOut(_Copy):
    """Export a table or a query with `COPY ... TO STDOUT` into internal storage. Outputs: `uri`,
    `rowCount`."""

    kestra_type = "io.kestra.plugin.jdbc.postgresql.CopyOut"
    examples = (
        """\
id: pg_copy_out
namespace: company.team

tasks:
  - id: export
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    url: jdbc:postgresql://localhost:5432/db
    username: postgres
    password: "{{ secret('PG_PASSWORD') }}"
    sql: SELECT * FROM trips LIMIT 10
    format: CSV
    header: true
""",
    )

    sql: str | None = Field(default=None, description="Query to export instead of `table`.")
    forceQuote: list[str] | None = None

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        return copy_out(ctx, self)
