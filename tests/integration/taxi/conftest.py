"""A real PostgreSQL 18 and a local server of generated TLC files, shared by the taxi tests."""

from __future__ import annotations

import csv
import gzip
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lanner.devservices.dataserver import GITHUB_PREFIX, DataServer
from lanner.devservices.postgres import ManagedPostgres, temporary_postgres
from lanner.devservices.taxidata import generate

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
ROWS = 100_000


@dataclass
class TaxiEnv:
    postgres: ManagedPostgres
    server: DataServer
    root: Path

    def flow(self, name: str) -> str:
        """A seed flow with only the download URL prefix rewritten to the local server."""
        return (SEEDS / name).read_text().replace(GITHUB_PREFIX, self.server.url)

    @property
    def config(self) -> dict[str, Any]:
        # The flows keep `jdbc:postgresql://pgdatabase:5432/ny_taxi`: the host table maps it.
        return {"hosts": {"pgdatabase": f"127.0.0.1:{self.postgres.port}"}}

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(host="127.0.0.1", port=self.postgres.port, user="root", password="root",
                             dbname="ny_taxi", autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])

    def csv_rows(self, taxi: str, month: str) -> list[list[str]]:
        path = self.root / taxi / f"{taxi}_tripdata_{month}.csv.gz"
        with gzip.open(path, "rt", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            return list(reader)


@pytest.fixture(scope="session")
def taxi_env() -> Iterator[TaxiEnv]:
    root = Path(tempfile.mkdtemp(prefix="lanner-tlc-"))
    for taxi in ("yellow", "green"):
        generate(taxi, 2019, 1, ROWS, out=root / taxi, duplicates_per_10k=5)
        for month in range(2, 13):
            generate(taxi, 2019, month, 2_000 + month, out=root / taxi, seed=month)
    try:
        with temporary_postgres() as postgres, DataServer(root) as server:
            yield TaxiEnv(postgres, server, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
