"""Blueprint `dlt_crypto_prices`: hourly CoinGecko-style prices, incremental + merge."""

from __future__ import annotations

import pytest

from lanner.devservices.fakeapis import FakeApis
from tests.integration.dlt.conftest import Lanner, blueprint, outputs, query

FLOW = "dlt_crypto_prices.yaml"


def _ms(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@pytest.fixture
def market(apis: FakeApis) -> FakeApis:
    """The module's server, with a fresh market (the fixture is shared with the taxi tests)."""
    from lanner.devservices.fakeapis import Market

    apis.state.market = Market(60, seed=7)
    apis.state.faults.clear()
    return apis


@pytest.mark.slow
def test_three_hourly_runs_hold_every_distinct_record_once(lanner: Lanner, market: FakeApis) -> None:
    cursors, runs = [], []
    for hour in range(3):
        if hour == 2:
            market.add_market_field("ath")  # the API grows a field: a new column
        run = lanner.run(blueprint(FLOW), {"api_url": market.coingecko_url})
        assert run.state.current.value == "SUCCESS", lanner.messages(run, "ERROR")
        runs.append(outputs(run, "load_markets"))
        cursors.append(runs[-1]["incremental"]["markets"]["last_updated"])
        market.advance()  # an hour later: prices move, one update arrives late
    assert cursors == sorted(cursors) and len(set(cursors)) == 3, cursors
    database = runs[-1]["database"]
    assert database.startswith(str(lanner.home / "dlt" / "lanner.demo" / "dlt_crypto_prices"))
    rows = query(database, "SELECT id, last_updated FROM crypto.markets")
    served = market.served_market_records()
    assert len(rows) == len(served) == len({(i, _ms(t)) for i, t in rows})  # merge: no duplicates
    assert {(i, _ms(t)) for i, t in rows} == served  # lag: the late updates were not missed
    assert runs[1]["rowCount"] > 0 and runs[1]["schemaChanges"] == []
    assert runs[2]["schemaChanges"] == [{"table": "markets", "created": False, "newColumns": ["ath"]}]
    assert query(database, "SELECT count(ath) > 0 FROM crypto.markets") == [(True,)]


def test_into_the_local_bigquery_warehouse_the_tables_are_queryable(lanner: Lanner, market: FakeApis,
                                                                     tmp_path) -> None:  # type: ignore[no-untyped-def]
    inputs = {"api_url": market.coingecko_url, "destination": "bigquery"}
    first = lanner.run(blueprint(FLOW), inputs)
    assert first.state.current.value == "SUCCESS", lanner.messages(first, "ERROR")
    load = outputs(first, "load_markets")
    assert load["destination"] == "bigquery" and load["local"] is True
    market.advance()
    market.add_market_field("ath")
    assert lanner.run(blueprint(FLOW), inputs).state.current.value == "SUCCESS"
    check = lanner.run("""
id: check
namespace: lanner.demo
tasks:
  - id: count
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: demo
    fetchType: FETCH_ONE
    sql: SELECT COUNT(*) AS n, COUNT(ath) AS with_ath FROM `demo.crypto.markets`
""")
    assert check.state.current.value == "SUCCESS", lanner.messages(check, "ERROR")
    row = outputs(check, "count")["row"]
    assert row["n"] == len(market.served_market_records()) and 0 < row["with_ath"] < row["n"]
    assert outputs(check, "count")["totalBytesProcessed"] > 0


RETRIED = """
id: retried
namespace: lanner.demo
tasks:
  - id: load
    type: io.lanner.plugin.dlt.Pipeline
    datasetName: crypto
    http:
      maxAttempts: 1
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
    restApi:
      client:
        base_url: "{{ inputs.api_url }}"
        paginator: {type: page_number, base_page: 1, page_param: page, total_path: null}
      resources:
        - name: markets
          endpoint: {path: coins/markets, params: {per_page: 100}}
          primary_key: [id, last_updated]
          write_disposition: merge
inputs:
  - id: api_url
    type: STRING
"""


def test_http_500_twice_then_200_succeeds_through_the_task_retry_policy(lanner: Lanner,
                                                                        market: FakeApis) -> None:
    market.fail_next(2, status=500)
    run = lanner.run(RETRIED, {"api_url": market.coingecko_url})
    assert run.state.current.value == "SUCCESS", lanner.messages(run, "ERROR")
    task_run = next(r for r in run.task_runs if r.task_id == "load")
    assert [a.state.current.value for a in task_run.attempts] == ["FAILED", "FAILED", "SUCCESS"]
    errors = lanner.messages(run, "ERROR")
    assert len(errors) == 2 and all("HTTP 500" in e for e in errors)
    assert outputs(run, "load")["rowCount"] == 60


def test_malformed_json_fails_clearly_and_loads_nothing(lanner: Lanner, market: FakeApis) -> None:
    no_retry = RETRIED.replace("      maxAttempts: 3", "      maxAttempts: 1")
    market.malform_next(1)
    run = lanner.run(no_retry, {"api_url": market.coingecko_url})
    assert run.state.current.value == "FAILED"
    errors = lanner.messages(run, "ERROR")
    assert len(errors) == 1 and errors[0].startswith("Malformed JSON from GET "), errors
    assert "coins/markets" in errors[0] and "Nothing was loaded by this run" in errors[0]
    database = lanner.home / "dlt" / "lanner.demo" / "retried" / "retried_load_warehouse.duckdb"
    if database.exists():
        tables = query(database, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'crypto'")
        assert ("markets",) not in tables
    again = lanner.run(no_retry, {"api_url": market.coingecko_url})
    assert again.state.current.value == "SUCCESS", lanner.messages(again, "ERROR")
    assert len(outputs(again, "load")["loadIds"]) == 1
    assert query(database, "SELECT count(*) FROM crypto.markets") == [(60,)]
