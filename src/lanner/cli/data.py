"""``lanner data generate|serve``: the course's NYC taxi files, offline.

``generate`` writes synthetic months laid out like the GitHub release
(``DIR/{taxi}/{taxi}_tripdata_{yyyy-MM}.csv.gz``); ``serve`` serves such a folder on 127.0.0.1 and
prints the URL prefix that replaces ``https://github.com/DataTalksClub/nyc-tlc-data/releases/download/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DEFAULT_SERVE_PORT = 8765


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="generate|serve")
    gen = actions.add_parser("generate", help="write synthetic trip files",
                             description="Write synthetic NYC taxi trip files with the real headers.")
    gen.add_argument("--taxi", nargs="+", choices=["yellow", "green"], default=["yellow"],
                     help="taxi type(s) (default: yellow)")
    gen.add_argument("--month", nargs="+", default=["2019-01"], metavar="YYYY-MM",
                     help="month(s), e.g. 2019-01 2019-02 (default: 2019-01)")
    gen.add_argument("--rows", type=int, default=None, help="rows per file (default: 100000)")
    gen.add_argument("--out", type=Path, default=None,
                     help="folder laid out like the release (default: $LANNER_HOME/data/nyc-tlc-data)")
    gen.add_argument("--no-gzip", action="store_true", help="write .csv instead of .csv.gz")
    gen.add_argument("--seed", type=int, default=None, help="random seed (same seed, same bytes)")
    gen.add_argument("--duplicates-per-10k", type=float, default=None, metavar="N",
                     help="exact duplicate rows per 10,000 (default: 3)")
    gen.add_argument("--json", action="store_true", help="print the generated files as JSON")

    serve = actions.add_parser("serve", help="serve trip files over HTTP on 127.0.0.1",
                               description="Serve a release-shaped folder on 127.0.0.1 until Ctrl-C.")
    serve.add_argument("dir", nargs="?", type=Path, default=None,
                       help="folder to serve (default: $LANNER_HOME/data/nyc-tlc-data)")
    serve.add_argument("--port", type=int, default=DEFAULT_SERVE_PORT,
                       help=f"port (default: {DEFAULT_SERVE_PORT}; 0 picks a free one)")
    serve.add_argument("--generate-missing", action="store_true",
                       help="generate a requested month that is not on disk yet")
    serve.add_argument("--rows", type=int, default=None,
                       help="rows of files generated on request (default: 10000)")


def default_data_dir() -> Path:
    from lanner.settings import load_settings

    return load_settings().home / "data" / "nyc-tlc-data"


def execute(args: argparse.Namespace) -> int:
    if args.action == "generate":
        return _generate(args)
    return _serve(args)


def _generate(args: argparse.Namespace) -> int:
    from lanner.devservices import taxidata

    root = args.out or default_data_dir()
    months = [taxidata.parse_month(m) for m in args.month]
    seed = taxidata.DEFAULT_SEED if args.seed is None else args.seed
    duplicates = (taxidata.DEFAULT_DUPLICATES_PER_10K if args.duplicates_per_10k is None
                  else args.duplicates_per_10k)
    gzip = not args.no_gzip
    rows = taxidata.DEFAULT_ROWS if args.rows is None else args.rows
    report = []
    for taxi in args.taxi:
        for year, month in months:
            began = time.monotonic()
            made = taxidata.generate(taxi, year, month, rows, seed=seed, duplicates_per_10k=duplicates,
                                     gzip=gzip, out=taxidata.release_path(root, taxi, year, month, gzip=gzip))
            seconds = time.monotonic() - began
            report.append({"path": str(made.path), "rows": made.rows, "duplicateRows": made.duplicate_rows,
                           "bytes": made.bytes, "seconds": round(seconds, 3)})
            if not args.json:
                print(f"{made.path}  {made.rows:,} rows ({made.duplicate_rows} duplicates), "
                      f"{made.bytes / 1e6:.1f} MB in {seconds:.1f} s")
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"serve them with: lanner data serve {root}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from lanner.devservices.dataserver import DEFAULT_LAZY_ROWS, GITHUB_PREFIX, DataServer

    root = args.dir or default_data_dir()
    rows = DEFAULT_LAZY_ROWS if args.rows is None else args.rows
    server = DataServer(root, port=args.port, generate_missing=args.generate_missing, lazy_rows=rows)
    server.start()
    print(f"Serving {root} at {server.url}", flush=True)
    print(f"Use {server.url} in place of {GITHUB_PREFIX}")
    example = "yellow_tripdata_2019-01.csv"
    print(f"  e.g. wget -qO- {server.url}yellow/{example}.gz | gunzip > {example}")
    if args.generate_missing:
        print(f"Months not on disk are generated on first request ({rows:,} rows each).")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.stop()
    return 0
