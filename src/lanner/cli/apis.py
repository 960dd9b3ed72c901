"""``lanner apis serve``: fake CoinGecko- and Socrata-style APIs on 127.0.0.1 for the dlt blueprints.

The server (``lanner.devservices.fakeapis``) answers from generated data; the market moves only
when told to, and faults are injected on request, so a demo can show incremental loads, merges,
retries and schema changes from a shell:

    lanner apis serve --port 8766
    curl -X POST 'http://127.0.0.1:8766/_admin/advance?hours=1'      # an hour of market moves
    curl -X POST 'http://127.0.0.1:8766/_admin/fail?count=2&status=500'
    curl -X POST 'http://127.0.0.1:8766/_admin/malform'
    curl -X POST 'http://127.0.0.1:8766/_admin/field?name=ath'      # a new field: a schema change
"""

from __future__ import annotations

import argparse
import json

DEFAULT_PORT = 8766


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="serve")
    serve = actions.add_parser("serve", help="serve the fake APIs until Ctrl-C",
                               description="Serve fake CoinGecko (markets) and Socrata (NYC taxi trips) "
                                           "APIs on 127.0.0.1 until Ctrl-C.")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    serve.add_argument("--coins", type=int, default=None, help="coins in the market (default: 60)")
    serve.add_argument("--trips", type=int, default=None,
                       help="trips of the Socrata dataset (default: 100000, generated on first request)")
    serve.add_argument("--json", action="store_true", help="print the URLs as JSON, then serve")


def execute(args: argparse.Namespace) -> int:
    from lanner.devservices.fakeapis import DEFAULT_COINS, DEFAULT_TRIPS, FakeApis

    apis = FakeApis(coins=args.coins or DEFAULT_COINS, trips=args.trips or DEFAULT_TRIPS, port=args.port)
    apis.start()
    try:
        urls = {"url": apis.url, "coingecko": apis.coingecko_url, "socrata": apis.socrata_url,
                "tripsPath": apis.trips_path}
        if args.json:
            print(json.dumps(urls), flush=True)
        else:
            print(f"Fake APIs at {apis.url}", flush=True)
            print(f"  CoinGecko-style: {apis.coingecko_url}coins/markets  (dlt_crypto_prices: "
                  f"--input api_url={apis.coingecko_url})")
            print(f"  Socrata-style:   {apis.socrata_url}{apis.trips_path}  (dlt_taxi_socrata: "
                  f"--input api_url={apis.socrata_url})")
            print(f"  Controls: POST {apis.url}_admin/advance?hours=1 | fail?count=2&status=500 | "
                  "malform | field?name=ath;  GET _admin/state")
            print("Press Ctrl-C to stop.", flush=True)
        _wait_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        apis.stop()
    return 0


def _wait_forever() -> None:
    import threading

    threading.Event().wait()
