"""Seed flows 06-09 offline: generated TLC files on a local server, GCP in local mode."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lanner.devservices.dataserver import GITHUB_PREFIX, DataServer
from lanner.devservices.taxidata import generate

SEEDS = Path(__file__).resolve().parents[4].parent / "shared" / "seed-flows"
ROWS = 20_000
# A service-account key as the course stores it (base64 in SECRET_GCP_CREDS); local mode only
# parses it (for its project id) and masks it.
FAKE_KEY = {"type": "service_account", "project_id": "kestra-sandbox",
            "private_key_id": "0f1e2d3c4b5a69788796",
            "private_key": "-----BEGIN PRIVATE KEY-----\nNOTAREALKEYBUTLONGENOUGHTOBEMASKED\n"
                           "-----END PRIVATE KEY-----\n",
            "client_email": "kestra@kestra-sandbox.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token"}


@dataclass
class SeedEnv:
    data: Path
    server: DataServer
    home: Path

    def flow(self, name: str) -> str:
        """A seed flow with only the download URL prefix rewritten to the local server."""
        return (SEEDS / name).read_text().replace(GITHUB_PREFIX, self.server.url)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def config(self) -> dict[str, Any]:
        return {"gcp": {"mode": "local", "local": {"storage-dir": str(self.home / "storage"),
                                                   "warehouse": str(self.warehouse)}}}

    @property
    def environ(self) -> dict[str, str]:
        secret = base64.b64encode(json.dumps(FAKE_KEY).encode()).decode()
        return {**os.environ, "SECRET_GCP_CREDS": secret}

    def csv_rows(self, taxi: str, month: str) -> int:
        with gzip.open(self.data / taxi / f"{taxi}_tripdata_{month}.csv.gz", "rt") as handle:
            return sum(1 for _ in handle) - 1


@pytest.fixture(scope="session")
def seed_data() -> Iterator[tuple[Path, DataServer]]:
    root = Path(tempfile.mkdtemp(prefix="lanner-gcp-tlc-"))
    for taxi in ("yellow", "green"):
        generate(taxi, 2019, 1, ROWS, out=root / taxi, duplicates_per_10k=5)
    for month in (2, 3):
        generate("green", 2019, month, 3_000 + month, out=root / "green", seed=month, duplicates_per_10k=5)
    try:
        with DataServer(root) as server:
            yield root, server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def seed_env(seed_data: tuple[Path, DataServer], tmp_path: Path) -> SeedEnv:
    return SeedEnv(seed_data[0], seed_data[1], tmp_path)
