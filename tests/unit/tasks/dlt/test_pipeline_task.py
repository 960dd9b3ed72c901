"""``io.lanner.plugin.dlt.Pipeline`` through the worker against the fake CoinGecko API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from lanner.devservices.fakeapis import FakeApis
from lanner.model.state import State


def markets(api: str, **task: Any) -> dict[str, Any]:
    return {
        "datasetName": "crypto",
        "http": {"backoffFactor": 0},
        "restApi": {
            "client": {"base_url": api, "paginator": {
                "type": "page_number", "base_page": 1, "page_param": "page", "total_path": None,
                "stop_after_empty_page": True}},
            "resources": [{
                "name": "markets",
                "endpoint": {"path": "coins/markets", "params": {"vs_currency": "usd", "per_page": 10},
                             "incremental": {"cursor_path": "last_updated",
                                             "initial_value": "2000-01-01T00:00:00Z", "lag": 600}},
                "primary_key": ["id", "last_updated"], "write_disposition": "merge"}],
        },
        **task,
    }


def query(database: str, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(database, read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_rest_api_source_loads_into_duckdb_under_lanner_home(run_dlt, apis: FakeApis, harness) -> None:
    result = run_dlt(markets(apis.coingecko_url))
    assert result.state is State.SUCCESS, result.error
    out = result.outputs
    assert out["rowCount"] == 30 and out["tables"]["markets"]["rows"] == 30
    assert out["tables"]["markets"]["loadIds"] == out["loadIds"] and len(out["loadIds"]) == 1
    assert out["pipelineName"] == "my_flow_my_task" and out["datasetName"] == "crypto"
    expected_dir = run_dlt.home / "dlt" / "company.team" / "my_flow"
    assert out["database"] == str(expected_dir / "my_flow_my_task_warehouse.duckdb")
    assert (expected_dir / "my_flow_my_task" / "state.json").exists()
    assert out["schemaChanges"] == [{"table": "markets", "created": True, "newColumns": [
        "id", "symbol", "name", "image", "current_price", "market_cap", "market_cap_rank", "total_volume",
        "high_24h", "low_24h", "price_change_24h", "price_change_percentage_24h", "circulating_supply",
        "last_updated"]}]
    newest = max(last for _, last in apis.served_market_records())
    assert out["incremental"] == {"markets": {"last_updated": newest}}
    assert query(out["database"], "SELECT count(*) FROM crypto.markets") == [(30,)]
    messages = harness.messages()
    assert any(m.startswith("dlt: Making GET request to") for m in harness.messages("DEBUG"))
    assert any(m.startswith("Loaded in ") for m in messages)


def test_runs_merge_each_record_once_and_the_cursor_advances(run_dlt, apis: FakeApis) -> None:
    cursors = []
    for _ in range(3):
        result = run_dlt(markets(apis.coingecko_url))
        assert result.state is State.SUCCESS, result.error
        cursors.append(result.outputs["incremental"]["markets"]["last_updated"])
        apis.advance()
    assert cursors == sorted(cursors) and len(set(cursors)) == 3
    served = apis.served_market_records()
    rows = query(result.outputs["database"], "SELECT id, last_updated FROM crypto.markets")
    assert len(rows) == len(served)
    stamps = {(i, ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z") for i, ts in rows}
    assert stamps == served


def test_http_500_twice_is_retried_by_dlt_and_logged(run_dlt, apis: FakeApis, harness) -> None:
    apis.fail_next(2, status=500)
    result = run_dlt(markets(apis.coingecko_url))
    assert result.state is State.SUCCESS, result.error
    warnings = [m for m in harness.messages("WARN") if "answered HTTP 500" in m]
    assert len(warnings) == 2
    assert "page=1" in warnings[0] and "up to 5 attempt(s)" in warnings[0]


def test_without_dlt_retries_an_http_error_fails_the_attempt_cleanly(run_dlt, apis: FakeApis) -> None:
    apis.fail_next(1, status=503)
    result = run_dlt(markets(apis.coingecko_url, http={"maxAttempts": 1}))
    assert result.state is State.FAILED
    assert "HTTP 503" in result.error and "coins/markets" in result.error
    assert "nothing was loaded" in result.error


def test_malformed_json_fails_with_the_url_and_loads_nothing(run_dlt, apis: FakeApis, tmp_path: Path) -> None:
    database = str(tmp_path / "prices.duckdb")
    first = run_dlt(markets(apis.coingecko_url, url=database))
    assert first.state is State.SUCCESS, first.error
    apis.advance()
    apis.malform_next(1, path="/api/v3/coins/markets")
    failed = run_dlt(markets(apis.coingecko_url, url=database))
    assert failed.state is State.FAILED
    assert failed.error.startswith("Malformed JSON from GET ") and "coins/markets" in failed.error
    assert "page=1" in failed.error and "(HTTP 200, " in failed.error
    assert "Nothing was loaded by this run" in failed.error
    assert query(database, "SELECT count(*) FROM crypto.markets") == [(30,)]
    assert query(database, "SELECT count(*) FROM crypto._dlt_loads") == [(1,)]
    again = run_dlt(markets(apis.coingecko_url, url=database))  # nothing pending: a clean new load
    assert again.state is State.SUCCESS, again.error
    assert len(again.outputs["loadIds"]) == 1


def test_a_new_field_is_a_new_column_reported_in_outputs_and_logs(run_dlt, apis: FakeApis, harness) -> None:
    assert run_dlt(markets(apis.coingecko_url)).state is State.SUCCESS
    apis.advance()
    apis.add_market_field("ath")
    result = run_dlt(markets(apis.coingecko_url))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["schemaChanges"] == [{"table": "markets", "created": False, "newColumns": ["ath"]}]
    assert "Schema change: table markets has new column(s) ath" in harness.messages("INFO")


def test_a_frozen_schema_contract_refuses_a_new_column_and_keeps_the_cursor(run_dlt, apis: FakeApis) -> None:
    first = run_dlt(markets(apis.coingecko_url))
    assert first.state is State.SUCCESS
    apis.advance()
    apis.add_market_field("ath")
    refused = run_dlt(markets(apis.coingecko_url, schemaContract="freeze"))
    assert refused.state is State.FAILED
    assert "failed at the normalize step: DataValidationError" in refused.error and "ath" in refused.error
    assert "pipeline state (incremental cursors) restored" in refused.error
    evolved = run_dlt(markets(apis.coingecko_url))  # the same records again, not stuck on the package
    assert evolved.state is State.SUCCESS, evolved.error
    assert evolved.outputs["schemaChanges"][0]["newColumns"] == ["ath"]
    assert evolved.outputs["incremental"] != first.outputs["incremental"]


SCRIPT = """
import dlt

@dlt.source
def shop(count: int = 2):
    @dlt.resource(primary_key="id")
    def orders():
        yield [{"id": i, "amount": i * 10} for i in range(count)]

    @dlt.resource
    def customers():
        yield [{"name": "Ada"}]

    return orders, customers
"""


def test_a_script_source_with_args_hints_and_a_resource_selection(run_dlt) -> None:
    task = {"script": SCRIPT, "args": {"count": "{{ 3 + 2 }}"}, "resources": ["orders"],
            "writeDisposition": "merge", "datasetName": "shop"}
    for _ in range(2):
        result = run_dlt(task)
        assert result.state is State.SUCCESS, result.error
    assert result.outputs["tables"] == {"orders": {"rows": 5, "loadIds": result.outputs["loadIds"]}}
    assert query(result.outputs["database"], "SELECT count(*), sum(amount) FROM shop.orders") == [(5, 100)]


def test_a_plain_function_becomes_a_resource_named_after_it(run_dlt) -> None:
    code = "def numbers(n=3):\n    return [{'n': i} for i in range(n)]\n"
    result = run_dlt({"script": code, "entrypoint": "numbers", "args": {"n": 4}, "tableName": "nums"})
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["tables"]["nums"]["rows"] == 4


def test_a_namespace_file_holds_the_source(run_dlt, harness) -> None:
    harness.files.put_bytes("kestra:///company/team/_files/pipelines/shop.py", SCRIPT.encode())
    result = run_dlt({"namespaceFile": "pipelines/shop.py", "datasetName": "shop"})
    assert result.state is State.SUCCESS, result.error
    assert set(result.outputs["tables"]) == {"orders", "customers"}


@pytest.mark.parametrize(("code", "message"), [
    ("x = 1\n", "defines no dlt source or resource"),
    ("import dlt\na = dlt.resource([1], name='a')\nb = dlt.resource([2], name='b')\n", "several sources"),
    ("def broken(:\n", "line 1"),
    ("raise RuntimeError('boom')\n", "failed while loading: RuntimeError: boom"),
])
def test_script_errors_are_clear(run_dlt, code: str, message: str) -> None:
    result = run_dlt({"script": code})
    assert result.state is State.FAILED
    assert message in result.error


def test_exactly_one_source_is_required(harness) -> None:
    from lanner.tasks.dlt.pipeline import Pipeline

    with pytest.raises(ValueError, match="exactly one source"):
        harness.task(Pipeline, {"script": "x = 1", "namespaceFile": "a.py"})
    with pytest.raises(ValueError, match="exactly one source"):
        harness.task(Pipeline, {"datasetName": "x"})


def test_an_invalid_rest_api_config_is_reported(run_dlt, apis: FakeApis) -> None:
    result = run_dlt({"restApi": {"client": {"base_url": apis.coingecko_url},
                                  "resources": [{"name": "x", "endpoint": {"paginator": {"type": "nope"}}}]}})
    assert result.state is State.FAILED
    assert result.error.startswith("Invalid `restApi` configuration")
