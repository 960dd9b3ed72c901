"""Where a pipeline loads: DuckDB, PostgreSQL (the Lanner-managed one by default) or BigQuery
(real, or Lanner's local BigQuery warehouse in ``gcp: {mode: local}``).

A ``Target`` gives dlt two things: a destination without a connection, used to normalize (dlt
needs the destination's capabilities to shape the files), and a ``session()`` that yields the
destination to sync state with and load into. For the local BigQuery warehouse the session holds
the warehouse's lock and loads over its connection (dlt's DuckDB destination, dataset = schema),
then tells the warehouse catalog what changed, so the BigQuery tasks that follow see the tables,
their columns and per-partition statistics (the bytes-processed figures) up to date.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from lanner.plugins.api import RunContext, TaskFailure

MANAGED_POSTGRES = "jdbc:postgresql://pgdatabase:5432/{database}"


@dataclass
class Session:
    destination: Any
    after_load: Callable[[str, Iterable[str]], None] = lambda dataset, tables: None


@dataclass
class Target:
    kind: str
    where: str  # for logs and outputs; never a password
    offline: Any  # the destination used to normalize (no connection)
    open: Callable[[], AbstractContextManager[Session]] | None = field(repr=False, default=None)
    outputs: dict[str, Any] = field(default_factory=dict)
    file_format: str | None = None  # the load-file format when the task sets none (None: dlt's)

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self.open is None:
            yield Session(self.offline)
            return
        with self.open() as session:
            yield session


# ---- DuckDB ------------------------------------------------------------------------------------

def duckdb_target(ctx: RunContext, url: str | None, default_path: Path) -> Target:
    import dlt

    from ..jdbc.urls import duckdb_path

    text = (url or "").strip()
    if text.lower().startswith("jdbc:"):
        path = Path(duckdb_path(text) or "")
    else:
        path = Path(text) if text else default_path
    if not str(path) or str(path) == ".":
        raise TaskFailure("The duckdb destination needs a database file: `url: /path/to/file.duckdb` "
                          "(or jdbc:duckdb:/path/to/file.duckdb); an in-memory database would vanish")
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    destination = dlt.destinations.duckdb(credentials=str(path))
    # DuckDB reads JSON lines in one COPY; dlt's default for it, INSERT statements, is ~30x slower.
    return Target("duckdb", str(path), destination, outputs={"database": str(path)}, file_format="jsonl")


# ---- PostgreSQL --------------------------------------------------------------------------------

def postgres_target(ctx: RunContext, url: str | None, username: str | None, password: str | None) -> Target:
    import dlt

    from .._config import config_value
    from ..jdbc.urls import hosts_config, parse_postgres_url

    managed = config_value(ctx.config or {}, "services", "postgres") or {}
    managed = managed if isinstance(managed, Mapping) else {}
    if not url:  # the Lanner-managed PostgreSQL (`lanner services up postgres`), the course's pgdatabase
        url = MANAGED_POSTGRES.format(database=managed.get("database") or "ny_taxi")
        username = username or str(managed.get("username") or "root")
        password = password if password is not None else str(managed.get("password") or "root")
    target = parse_postgres_url(url, hosts_config(ctx.config or {}))
    user = username or target.params.get("user")
    secret = password if password is not None else target.params.get("password")
    if secret:
        ctx.mask(str(secret))
    host, port = target.addresses[0]
    auth = quote(str(user or ""), safe="")
    if secret:
        auth += ":" + quote(str(secret), safe="")
    query = {k: v for k, v in target.params.items() if k in ("sslmode", "sslrootcert", "sslcert", "sslkey",
                                                            "connect_timeout", "application_name")}
    query.setdefault("connect_timeout", 10)
    database = target.params.get("dbname") or "postgres"
    connection = (f"postgresql://{auth}@{host}:{port}/{quote(str(database), safe='')}"
                  + (f"?{urlencode(query)}" if query else ""))
    where = f"{user or ''}@{host}:{port}/{database}"
    return Target("postgres", where, dlt.destinations.postgres(credentials=connection),
                  outputs={"database": where})


# ---- BigQuery ----------------------------------------------------------------------------------

def bigquery_target(ctx: RunContext, project_id: str | None, service_account: str | None,
                    location: str | None) -> Target:
    import dlt

    from ..gcp.auth import gcp_mode, parse_service_account

    info = parse_service_account(ctx, service_account) if service_account else None
    project = project_id or (info or {}).get("project_id")
    if gcp_mode(ctx) == "local":
        return _local_bigquery(ctx, project)
    try:
        import google.cloud.bigquery  # noqa: F401 - dlt's BigQuery client needs it at load time
    except ImportError:  # pragma: no cover - depends on the installation
        raise TaskFailure("The bigquery destination needs dlt's BigQuery dependencies: pip install "
                          "'dlt[bigquery]'; or use Lanner's local BigQuery (gcp: {mode: local})") from None
    from dlt.common.configuration.specs import GcpServiceAccountCredentials

    if info is not None:
        credentials: Any = {**info, "project_id": project or info.get("project_id")}
    else:  # Application Default Credentials, found by dlt (or its own configuration)
        credentials = GcpServiceAccountCredentials()
        credentials.project_id = project
    destination = dlt.destinations.bigquery(credentials=credentials, location=location or "US")
    return Target("bigquery", f"BigQuery project {project or '(default)'}", destination,
                  outputs={"projectId": project})


def _local_bigquery(ctx: RunContext, project: str | None) -> Target:
    import dlt

    from ..gcp.auth import local_notice
    from ..gcp.bq_warehouse import open_warehouse, warehouse_path

    path = warehouse_path(ctx)

    @contextmanager
    def open_session() -> Iterator[Session]:
        local_notice(ctx, "BigQuery", f"the local DuckDB warehouse {path}")
        with open_warehouse(ctx, path) as (conn, catalog):
            def after_load(dataset: str, tables: Iterable[str]) -> None:
                sync_catalog(conn, catalog, dataset, tables)

            yield Session(dlt.destinations.duckdb(credentials=conn), after_load)

    return Target("bigquery", f"the local BigQuery warehouse {path}", dlt.destinations.duckdb(),
                  open_session, outputs={"projectId": project, "warehouse": str(path), "local": True},
                  file_format="jsonl")


def sync_catalog(conn: Any, catalog: Any, dataset: str, tables: Iterable[str]) -> None:
    """Bring the warehouse catalog up to date with tables dlt just wrote in ``dataset``: adopt
    new ones, add new columns, recompute the per-partition statistics."""
    from ..gcp.bq_catalog import META
    from ..gcp.bq_schema import Column, bq_type_of_duck

    conn.begin()
    try:
        for name in tables:
            columns = conn.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
                "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [dataset, name]).fetchall()
            known = conn.execute(f"SELECT count(*) FROM {META}.tables WHERE dataset = ? AND name = ?",
                                 [dataset, name]).fetchone()[0]
            if not columns:
                if known:
                    catalog.drop_table(dataset, name)
                continue
            info = catalog.table(dataset, name)  # a table new to the catalog is adopted, with stats
            if not known or info is None:
                continue
            by_name = {c.name.lower(): c for c in info.columns}
            fresh = tuple(by_name.get(column.lower()) or Column(column, bq_type_of_duck(kind))
                          for column, kind in columns)
            if fresh != info.columns:
                info = replace(info, columns=fresh, modified=time.time())
                catalog.put_table(info)
            catalog.recompute_stats(info)
        conn.commit()
    except Exception:
        conn.rollback()
        catalog.forget()
        raise
