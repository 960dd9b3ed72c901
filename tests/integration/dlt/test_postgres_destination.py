"""The dlt task into the Lanner-managed PostgreSQL: the default URL and credentials, the course's
`pgdatabase` host mapped to the running server."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from lanner.devservices.postgres import ManagedPostgres, temporary_postgres
from lanner.testing import run_flow

pytestmark = pytest.mark.slow

FLOW = """
id: to_postgres
namespace: lanner.demo
tasks:
  - id: load
    type: io.lanner.plugin.dlt.Pipeline
    destination: postgres
    datasetName: shop
    primaryKey: id
    writeDisposition: merge
    script: |
      import dlt

      @dlt.resource
      def orders():
          yield [{"id": i % 5, "amount": i} for i in range(8)]
"""


@pytest.fixture(scope="module")
def postgres() -> Iterator[ManagedPostgres]:
    with temporary_postgres() as server:
        yield server


def test_by_default_the_managed_postgres_receives_the_data(postgres: ManagedPostgres) -> None:
    config = {"hosts": {"pgdatabase": f"127.0.0.1:{postgres.port}"}}
    for _ in range(2):
        result = run_flow(FLOW, config=config)
        assert result.state == "SUCCESS", result.messages("ERROR")
    assert result.outputs("load")["database"] == f"root@127.0.0.1:{postgres.port}/ny_taxi"
    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="root", password="root",
                         dbname="ny_taxi") as conn:
        rows = conn.execute("SELECT id, amount FROM shop.orders ORDER BY id").fetchall()
    assert rows == [(0, 5), (1, 6), (2, 7), (3, 3), (4, 4)]  # merge on id: the last value of each
