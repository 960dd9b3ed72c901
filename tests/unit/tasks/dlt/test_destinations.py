"""Where the dlt task loads: connection strings, defaults, and the local warehouse catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lanner.plugins.api import TaskFailure
from lanner.tasks.dlt import destinations


class _Logger:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class _Ctx:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.masked: list[str] = []
        self.logger = _Logger()

    def mask(self, value: str) -> None:
        self.masked.append(value)

    def is_killed(self) -> bool:
        return False


def test_postgres_defaults_to_the_managed_server_through_the_hosts_table() -> None:
    ctx = _Ctx({"hosts": {"pgdatabase:5432": "127.0.0.1:54329"}})
    target = destinations.postgres_target(ctx, None, None, None)  # type: ignore[arg-type]
    assert target.kind == "postgres" and target.where == "root@127.0.0.1:54329/ny_taxi"
    credentials = str(target.offline.config_params["credentials"])
    assert credentials.startswith("postgresql://root:root@127.0.0.1:54329/ny_taxi?")
    assert "root" in ctx.masked


def test_postgres_urls_keep_their_credentials_quoted_and_masked() -> None:
    ctx = _Ctx({"services": {"postgres": {"database": "other"}}})
    target = destinations.postgres_target(ctx, "jdbc:postgresql://db.example:6543/shop?sslmode=require",  # type: ignore[arg-type]
                                          "ada", "p@ss:word")
    credentials = str(target.offline.config_params["credentials"])
    assert credentials.startswith("postgresql://ada:p%40ss%3Aword@db.example:6543/shop?")
    assert "sslmode=require" in credentials and ctx.masked == ["p@ss:word"]
    assert target.outputs == {"database": "ada@db.example:6543/shop"}


def test_duckdb_takes_a_path_or_a_jdbc_url_but_not_memory(tmp_path: Path) -> None:
    ctx: Any = _Ctx({})
    default = tmp_path / "a" / "p_warehouse.duckdb"
    assert destinations.duckdb_target(ctx, None, default).outputs == {"database": str(default)}
    given = destinations.duckdb_target(ctx, f"jdbc:duckdb:{tmp_path}/x.duckdb", default)
    assert given.where == f"{tmp_path}/x.duckdb" and given.file_format == "jsonl"
    with pytest.raises(TaskFailure, match="in-memory database would vanish"):
        destinations.duckdb_target(ctx, "jdbc:duckdb:", default)


def test_real_bigquery_gets_the_key_and_the_project() -> None:
    key = {"type": "service_account", "project_id": "from-key", "private_key_id": "k" * 20,
           "private_key": "-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n",
           "client_email": "sa@from-key.iam.gserviceaccount.com", "token_uri": "https://oauth2.example/token"}
    ctx: Any = _Ctx({"gcp": {"mode": "cloud"}})
    target = destinations.bigquery_target(ctx, "my-project", json.dumps(key), "EU")
    assert target.kind == "bigquery" and target.outputs == {"projectId": "my-project"}
    assert target.offline.config_params["credentials"]["project_id"] == "my-project"
    assert target.offline.config_params["location"] == "EU"
    assert target.open is None and target.file_format is None


def test_local_bigquery_loads_over_the_warehouse_connection_and_updates_its_catalog(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    ctx: Any = _Ctx({"gcp": {"mode": "local", "local": {"warehouse": str(warehouse)}}})
    target = destinations.bigquery_target(ctx, "demo", None, None)
    assert target.outputs["warehouse"] == str(warehouse) and target.outputs["local"] is True
    with target.session() as session:
        conn = session.destination.config_params["credentials"]
        conn.execute("CREATE SCHEMA ds; CREATE TABLE ds.t AS SELECT range AS id FROM range(3)")
        session.after_load("ds", ["t", "missing"])
        conn.execute("ALTER TABLE ds.t ADD COLUMN note VARCHAR; INSERT INTO ds.t VALUES (3, 'x')")
        session.after_load("ds", ["t"])
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        info = json.loads(conn.execute("SELECT info FROM _lanner_bq.tables WHERE name = 't'").fetchone()[0])
        rows = conn.execute("SELECT sum(total_rows) FROM _lanner_bq.partitions WHERE name = 't'").fetchone()
    assert [c["name"] for c in info["columns"]] == ["id", "note"]
    assert [c["type"] for c in info["columns"]] == ["INT64", "STRING"]
    assert rows == (4,)
