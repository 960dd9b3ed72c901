"""Two public REST APIs, faked on 127.0.0.1 from generated data, for the dlt blueprints offline.

- CoinGecko-style markets: ``GET {url}api/v3/coins/markets?vs_currency=usd&per_page=100&page=1``
  returns a JSON array of coins ordered by market cap (``id``, ``symbol``, ``current_price``,
  ``market_cap``, ... ``last_updated``). The market moves only when told to (``advance()``): each
  step is one hour of a virtual clock; most coins get a new price and ``last_updated``, and one
  coin reports a *late* update stamped a few minutes before the previous step's newest one (what
  an incremental cursor without ``lag`` misses).
- Socrata-style trips: ``GET {url}resource/{dataset}.json?$limit=50000&$offset=0`` pages through
  generated NYC yellow-taxi trips (``taxidata``), with Socrata's conventions: lower-case field
  names, every value a string, ISO timestamps with milliseconds, empty fields left out.

Faults for error-handling lessons, for the next N requests (optionally only under a path):
``fail_next(2, status=500)``, ``malform_next(1)`` (a 200 with truncated JSON), and a schema change
``add_market_field("ath")``. The same controls are HTTP endpoints for demos driven from a shell:
``POST {url}_admin/advance?hours=1``, ``/_admin/fail?count=2&status=500``, ``/_admin/malform``,
``/_admin/field?name=ath``; ``GET {url}_admin/state``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import random
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lanner.devservices import taxidata

SOCRATA_DATASET = "2upf-qytp"  # the id the blueprint uses by default; any 4x4 id serves the trips
DEFAULT_COINS = 60
DEFAULT_TRIPS = 100_000
SOCRATA_DEFAULT_LIMIT = 1_000  # Socrata's page size without $limit
SOCRATA_MAX_LIMIT = 50_000
MARKET_START = datetime(2024, 1, 1, tzinfo=UTC)
LATE_BY = timedelta(minutes=5)  # how far before the previous newest update a late update is stamped

_FAMOUS = (("bitcoin", "btc", "Bitcoin", 42_000.0), ("ethereum", "eth", "Ethereum", 2_300.0),
           ("tether", "usdt", "Tether", 1.0), ("binancecoin", "bnb", "BNB", 310.0),
           ("solana", "sol", "Solana", 100.0), ("ripple", "xrp", "XRP", 0.6),
           ("usd-coin", "usdc", "USDC", 1.0), ("cardano", "ada", "Cardano", 0.55),
           ("dogecoin", "doge", "Dogecoin", 0.09), ("tron", "trx", "TRON", 0.11))

_log = logging.getLogger(__name__)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class _Coin:
    id: str
    symbol: str
    name: str
    price: float
    supply: float
    last_updated: datetime
    change_24h: float = 0.0


@dataclass
class _Fault:
    kind: str  # "status" | "malformed"
    remaining: int
    status: int = 500
    path: str = ""


class Market:
    """The coins and their virtual clock; deterministic for a seed."""

    def __init__(self, coins: int, seed: int) -> None:
        self.seed = seed
        self.step = 0
        self.extra_fields: list[str] = []
        self.served: set[tuple[str, str]] = set()
        self.coins: list[_Coin] = []
        for index in range(coins):
            rng = random.Random(f"{seed}:coin:{index}")
            if index < len(_FAMOUS):
                coin_id, symbol, name, price = _FAMOUS[index]
            else:
                coin_id, symbol, name = f"coin-{index:03d}", f"c{index:03d}", f"Coin {index:03d}"
                price = round(math.exp(rng.uniform(-4, 5)), 6)
            moment = MARKET_START - timedelta(seconds=rng.randint(1, 600))
            self.coins.append(_Coin(coin_id, symbol, name, price, rng.uniform(1e6, 1e10), moment))

    @property
    def now(self) -> datetime:
        return MARKET_START + timedelta(hours=self.step)

    def advance(self, hours: int = 1) -> None:
        for _ in range(hours):
            newest = max(c.last_updated for c in self.coins)
            self.step += 1
            for index, coin in enumerate(self.coins):
                rng = random.Random(f"{self.seed}:tick:{self.step}:{index}")
                if rng.random() < 0.6:  # most coins trade within the hour
                    change = rng.gauss(0, 0.02)
                    coin.change_24h = round(coin.price * change, 8)
                    coin.price = round(coin.price * (1 + change), 8)
                    coin.last_updated = self.now - timedelta(seconds=rng.randint(1, 600))
            late = self.coins[self.step % len(self.coins)]
            late.last_updated = newest - LATE_BY + timedelta(milliseconds=self.step)

    def page(self, per_page: int, page: int) -> list[dict[str, Any]]:
        ranked = sorted(self.coins, key=lambda c: -c.price * c.supply)
        chosen = ranked[(page - 1) * per_page: page * per_page]
        rows = []
        for coin in chosen:
            rank = ranked.index(coin) + 1
            change = round(100 * coin.change_24h / coin.price, 5) if coin.price else 0
            row: dict[str, Any] = {
                "id": coin.id, "symbol": coin.symbol, "name": coin.name,
                "image": f"https://assets.example/coins/{coin.id}.png",
                "current_price": coin.price, "market_cap": round(coin.price * coin.supply),
                "market_cap_rank": rank, "total_volume": round(coin.price * coin.supply * 0.04),
                "high_24h": round(coin.price * 1.03, 8), "low_24h": round(coin.price * 0.97, 8),
                "price_change_24h": coin.change_24h,
                "price_change_percentage_24h": change,
                "circulating_supply": round(coin.supply, 2), "last_updated": _iso(coin.last_updated),
            }
            for name in self.extra_fields:
                row[name] = round(coin.price * 1.5, 8)
            rows.append(row)
            self.served.add((coin.id, row["last_updated"]))
        return rows


class Trips:
    """Generated yellow-taxi trips, served Socrata-style. The CSV lines stay in memory (about
    110 bytes a trip); a page is converted to JSON when asked for."""

    def __init__(self, rows: int, year: int, month: int, seed: int) -> None:
        work = Path(tempfile.mkdtemp(prefix="lanner-fakeapis-"))
        try:
            made = taxidata.generate("yellow", year, month, rows, out=work / "trips.csv", seed=seed,
                                     duplicates_per_10k=0, gzip=False)
            lines = made.path.read_bytes().splitlines()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.columns = [name.lower() for name in lines[0].decode().split(",")]
        self.lines = lines[1:]
        self._timestamps = {i for i, name in enumerate(self.columns) if name.endswith("_datetime")}

    def __len__(self) -> int:
        return len(self.lines)

    def page(self, limit: int, offset: int) -> list[dict[str, str]]:
        chunk = b"\n".join(self.lines[offset: offset + limit]).decode()
        rows = []
        for values in csv.reader(io.StringIO(chunk)):
            row = {}
            for index, value in enumerate(values):
                if value == "":
                    continue  # Socrata leaves null fields out
                if index in self._timestamps:
                    value = value.replace(" ", "T") + ".000"
                row[self.columns[index]] = value
            rows.append(row)
        return rows


@dataclass
class _State:
    market: Market
    trips: Trips | None
    trips_spec: tuple[int, int, int, int]
    dataset: str
    faults: list[_Fault] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trips_data(self) -> Trips:
        with self.lock:
            if self.trips is None:  # generated on first use: market-only users never pay for it
                rows, year, month, seed = self.trips_spec
                self.trips = Trips(rows, year, month, seed)
            return self.trips

    def take_fault(self, path: str) -> _Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and path.startswith(fault.path):
                    fault.remaining -= 1
                    return fault
            return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "LannerFakeApis/1"
    state: _State

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path
        try:
            if path.startswith("/_admin/"):
                self._admin(method, path[len("/_admin/"):], query)
                return
            with self.state.lock:
                self.state.requests += 1
            fault = self.state.take_fault(path)
            if fault is not None and fault.kind == "status":
                self._json({"error": f"injected failure (HTTP {fault.status})"}, fault.status)
                return
            body = self._route(path, query)
            if body is None:
                return
            data = json.dumps(body).encode()
            if fault is not None:  # malformed: a 200 whose JSON stops short
                data = data[: max(1, len(data) // 2)]
            self._send(200, data)
        except _BadRequest as exc:
            self._json({"error": True, "message": str(exc)}, 400)
        except Exception as exc:  # a broken request must not kill the server
            _log.exception("fake API request failed: %s", self.path)
            self._json({"error": str(exc)}, 500)

    def _route(self, path: str, query: dict[str, str]) -> Any:
        if path.rstrip("/") == "/api/v3/coins/markets":
            per_page = _int(query, "per_page", 100, 1, 250)
            page = _int(query, "page", 1, 1, 1_000_000)
            with self.state.lock:
                return self.state.market.page(per_page, page)
        if path.startswith("/resource/") and path.endswith(".json"):
            limit = _int(query, "$limit", SOCRATA_DEFAULT_LIMIT, 0, SOCRATA_MAX_LIMIT)
            offset = _int(query, "$offset", 0, 0, 1 << 62)
            return self.state.trips_data().page(limit, offset)
        if path.rstrip("/") == "/api/v3/ping":
            return {"gecko_says": "(V3) To the Moon!"}
        self._json({"error": f"not found: {path}"}, 404)
        return None

    def _admin(self, method: str, action: str, query: dict[str, str]) -> None:
        state = self.state
        if action == "state":
            with state.lock:
                body = {"step": state.market.step, "now": _iso(state.market.now), "requests": state.requests,
                        "marketFields": list(state.market.extra_fields),
                        "servedMarketRecords": len(state.market.served)}
            self._json(body, 200)
            return
        if method != "POST":
            self._json({"error": "use POST"}, 405)
            return
        if action == "advance":
            with state.lock:
                state.market.advance(_int(query, "hours", 1, 1, 10_000))
        elif action == "fail":
            with state.lock:
                state.faults.append(_Fault("status", _int(query, "count", 1, 1, 1000),
                                           _int(query, "status", 500, 400, 599), query.get("path", "")))
        elif action == "malform":
            with state.lock:
                state.faults.append(_Fault("malformed", _int(query, "count", 1, 1, 1000),
                                           path=query.get("path", "")))
        elif action == "field":
            with state.lock:
                state.market.extra_fields.append(query.get("name") or "ath")
        else:
            self._json({"error": f"unknown admin action {action}"}, 404)
            return
        self._json({"ok": True}, 200)

    def _json(self, body: Any, status: int) -> None:
        self._send(status, json.dumps(body).encode())

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - %s", self.address_string(), format % args)


class _BadRequest(Exception):
    pass


def _int(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise _BadRequest(f"{name} must be an integer, got {text!r}") from None
    if not low <= value <= high:
        raise _BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value


class FakeApis:
    """``with FakeApis() as apis: apis.coingecko_url, apis.socrata_url`` (both end with ``/``)."""

    def __init__(self, *, coins: int = DEFAULT_COINS, trips: int = DEFAULT_TRIPS, year: int = 2019,
                 month: int = 1, seed: int = taxidata.DEFAULT_SEED, dataset: str = SOCRATA_DATASET,
                 port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requested_port = port
        self.state = _State(Market(coins, seed), None, (trips, year, month, seed), dataset)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake APIs are not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def coingecko_url(self) -> str:
        """Replaces ``https://api.coingecko.com/api/v3/``."""
        return f"{self.url}api/v3/"

    @property
    def socrata_url(self) -> str:
        """Replaces ``https://data.cityofnewyork.us/`` (paths ``resource/{dataset}.json``)."""
        return self.url

    @property
    def trips_path(self) -> str:
        return f"resource/{self.state.dataset}.json"

    # ---- controls -------------------------------------------------------------------------------

    def advance(self, hours: int = 1) -> None:
        """Move the market ``hours`` steps of its virtual clock."""
        with self.state.lock:
            self.state.market.advance(hours)

    def fail_next(self, count: int, status: int = 500, path: str = "") -> None:
        """The next ``count`` API requests (under ``path``, if given) answer HTTP ``status``."""
        with self.state.lock:
            self.state.faults.append(_Fault("status", count, status, path))

    def malform_next(self, count: int = 1, path: str = "") -> None:
        """The next ``count`` API requests answer 200 with truncated (malformed) JSON."""
        with self.state.lock:
            self.state.faults.append(_Fault("malformed", count, path=path))

    def add_market_field(self, name: str = "ath") -> None:
        """From now on every coin has one more field: a schema change for the loader."""
        with self.state.lock:
            self.state.market.extra_fields.append(name)

    def served_market_records(self) -> set[tuple[str, str]]:
        """Every distinct ``(id, last_updated)`` the markets endpoint has returned so far."""
        with self.state.lock:
            return set(self.state.market.served)

    @property
    def trip_count(self) -> int:
        return len(self.state.trips_data())

    @property
    def requests(self) -> int:
        return self.state.requests

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeApis:
        from lanner.errors import ConfigurationError

        handler = type("_BoundHandler", (_Handler,), {"state": self.state})
        try:
            self._server = ThreadingHTTPServer((self.host, self.requested_port), handler)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot serve the fake APIs on {self.host}:{self.requested_port}: {exc.strerror or exc}; "
                "pick another port (0 picks a free one)") from exc
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="lanner-fake-apis", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeApis:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
