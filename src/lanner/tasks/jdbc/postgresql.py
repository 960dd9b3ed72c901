"""``io.kestra.plugin.jdbc.postgresql.*``: Query, Queries, CopyIn, CopyOut."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import JdbcTask, QueriesProperties, QueryProperties

SslMode = Literal["DISABLE", "ALLOW", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]


class _Postgres(JdbcTask):
    ssl: bool = Field(default=False, description="Use TLS.")
    sslMode: SslMode | None = None
    sslRootCert: str | None = Field(default=None, description="CA certificate (PEM content).")
    sslCert: str | None = Field(default=None, description="Client certificate (PEM content).")
    sslKey: str | None = Field(default=None, description="Client key (PEM content).")
    sslKeyPassword: str | None = None


class Query(_Postgres, QueryProperties):
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


class Queries(_Postgres, QueriesProperties):
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


class _Copy(_Postgres):
    table: str | None = Field(default=None, description="Target table (rendered).")
    columns: list[str] | None = Field(default=None, description="Columns, in file order.")
    format: Literal["TEXT", "CSV", "BINARY"] = Field(default="TEXT", description="File format.")
    header: bool | None = Field(default=None, description="The file starts with a header line (CSV).")
    delimiter: str | None = Field(default=None, description="Column separator (one character).")
    nullString: str | None = None
    quote: str | None = None
    escape: str | None = None
    forceNotNull: list[str] | None = None
    forceNull: list[str] | None = None
    encoding: str | None = None
    oids: bool | None = None
    freeze: bool | None = None


class CopyIn(_Copy):
    """Load a file of internal storage into a table with `COPY ... FROM STDIN`. Output: `rowCount`."""

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
    )

    from_: str = Field(alias="from", description="kestra:// URI of the file to load (rendered).")
    socketTimeout: int | None = None


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
