"""The bundled taxi blueprints against a local data server, a real PostgreSQL 18 and DuckDB."""

from __future__ import annotations

import csv
import gzip
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lanner.devservices.dataserver import DataServer
from lanner.devservices.postgres import ManagedPostgres, temporary_postgres
from lanner.devservices.taxidata import generate

BLUEPRINTS = Path(__file__).resolve().parents[3] / "src" / "lanner" / "blueprints"
ROWS = 30_000
DUPLICATES_PER_10K = 40  # 120 exact duplicate lines inside the month


@dataclass
class BlueprintEnv:
    postgres: ManagedPostgres
    server: DataServer
    root: Path

    def flow(self, name: str) -> str:
        return (BLUEPRINTS / name).read_text()

    def inputs(self, taxi: str, month: str, **more: str) -> dict[str, str]:
        return {"taxi": taxi, "year": "2019", "month": month, "release_url": self.server.url, **more}

    @property
    def config(self) -> dict[str, Any]:
        return {"hosts": {"pgdatabase": f"127.0.0.1:{self.postgres.port}"}}

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(host="127.0.0.1", port=self.postgres.port, user="root", password="root",
                             dbname="ny_taxi", autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])

    def path(self, taxi: str, month: str) -> Path:
        return self.root / taxi / f"{taxi}_tripdata_{month}.csv.gz"

    def csv_rows(self, taxi: str, month: str) -> list[tuple[str, ...]]:
        with gzip.open(self.path(taxi, month), "rt", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            return [tuple(row) for row in reader]


@pytest.fixture(scope="session")
def blueprint_env() -> Iterator[BlueprintEnv]:
    root = Path(tempfile.mkdtemp(prefix="lanner-blueprints-"))
    for taxi in ("yellow", "green"):
        generate(taxi, 2019, 1, ROWS, out=root / taxi, duplicates_per_10k=DUPLICATES_PER_10K)
        generate(taxi, 2019, 2, 2_000, out=root / taxi, seed=2)
    with temporary_postgres() as postgres, DataServer(root) as server:
        yield BlueprintEnv(postgres, server, root)


@pytest.fixture
def broken_month(blueprint_env: BlueprintEnv) -> Iterator[tuple[str, int]]:
    """yellow 2019-03 with a malformed row in the middle: (month, its line number in the file)."""
    path = generate("yellow", 2019, 3, 20_000, out=blueprint_env.root / "yellow", seed=3).path
    lines = gzip.decompress(path.read_bytes()).split(b"\n")
    bad_line = 12_345
    lines.insert(bad_line - 1, b"1,not-a-timestamp,2019-03-01 00:00:00,1,1.0,1,N,1,2,1,5.0,0,0,0,0,0,5.0,")
    path.write_bytes(gzip.compress(b"\n".join(lines), compresslevel=1))
    try:
        yield "03", bad_line
    finally:
        path.unlink()
