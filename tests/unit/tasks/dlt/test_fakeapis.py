"""The fake CoinGecko/Socrata APIs the dlt blueprints, tests, bench and demo run against."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import httpx
import pytest

from lanner.devservices.fakeapis import LATE_BY, FakeApis, Market


@pytest.fixture
def apis() -> Iterator[FakeApis]:
    with FakeApis(coins=25, trips=1_234) as served:
        yield served


def _markets(apis: FakeApis, **params: object) -> httpx.Response:
    return httpx.get(apis.coingecko_url + "coins/markets", params={"vs_currency": "usd", **params})


def test_markets_page_by_market_cap_and_only_move_when_told(apis: FakeApis) -> None:
    first = _markets(apis, per_page=10, page=1).json()
    assert [c["market_cap_rank"] for c in first] == list(range(1, 11))
    assert first[0]["id"] == "bitcoin" and first[0]["last_updated"].endswith("Z")
    assert len(_markets(apis, per_page=10, page=3).json()) == 5
    assert _markets(apis, per_page=10, page=4).json() == []
    assert _markets(apis, per_page=10, page=1).json() == first  # no clock of its own
    apis.advance()
    moved = {c["id"]: c["last_updated"] for c in _markets(apis, per_page=100).json()}
    before = {c["id"]: c["last_updated"] for c in first}
    assert any(moved[i] > before[i] for i in before)


def test_each_step_has_one_late_update_stamped_before_the_previous_newest() -> None:
    market = Market(10, seed=1)
    newest = max(c.last_updated for c in market.coins)
    market.advance()
    late = [c for c in market.coins if c.last_updated < newest]
    assert any(newest - c.last_updated <= LATE_BY for c in late)


def test_the_markets_are_the_same_for_the_same_seed() -> None:
    one, two = Market(20, seed=3), Market(20, seed=3)
    one.advance(2)
    two.advance(2)
    assert one.page(20, 1) == two.page(20, 1)


def test_socrata_pages_are_strings_with_iso_timestamps(apis: FakeApis) -> None:
    url = apis.socrata_url + apis.trips_path
    page = httpx.get(url, params={"$limit": 1000, "$offset": 0, "$order": ":id"}).json()
    assert len(page) == 1000 and all(isinstance(v, str) for v in page[0].values())
    pickup = page[0]["tpep_pickup_datetime"]
    assert pickup.count("T") == 1 and pickup.endswith(".000")
    assert all(name == name.lower() for row in page for name in row)  # Socrata's field names
    rest = httpx.get(url, params={"$limit": 1000, "$offset": 1000}).json()
    assert len(rest) == 234 and httpx.get(url, params={"$offset": 5000}).json() == []
    assert len(httpx.get(url).json()) == 1000  # Socrata's default page size
    assert httpx.get(url, params={"$limit": "x"}).status_code == 400
    assert httpx.get(url, params={"$limit": 50_001}).status_code == 400
    assert apis.trip_count == 1_234


def test_faults_and_schema_changes(apis: FakeApis) -> None:
    apis.fail_next(2, status=503, path="/api/v3/")
    assert [_markets(apis).status_code for _ in range(3)] == [503, 503, 200]
    apis.malform_next(1)
    broken = _markets(apis)
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    apis.add_market_field("ath")
    assert "ath" in _markets(apis).json()[0]
    assert httpx.get(apis.url + "nope").status_code == 404


def test_admin_endpoints_drive_a_demo_from_a_shell(apis: FakeApis) -> None:
    assert httpx.post(apis.url + "_admin/advance", params={"hours": 2}).json() == {"ok": True}
    httpx.post(apis.url + "_admin/fail", params={"count": 1, "status": 429})
    assert _markets(apis).status_code == 429
    httpx.post(apis.url + "_admin/field", params={"name": "ath"})
    state = httpx.get(apis.url + "_admin/state").json()
    assert state["step"] == 2 and state["marketFields"] == ["ath"] and state["requests"] == 1
    assert httpx.get(apis.url + "_admin/advance").status_code == 405


def test_the_cli_serves_until_interrupted(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from lanner.cli import apis as cli

    def interrupt() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_wait_forever", interrupt)
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    assert cli.execute(parser.parse_args(["serve", "--port", "0", "--coins", "5"])) == 0
    out = capsys.readouterr().out
    assert "/api/v3/coins/markets" in out and "resource/2upf-qytp.json" in out and "stopped" in out
