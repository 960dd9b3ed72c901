"""`python -m bench [suite ...]`: run the benchmark suites and print one table."""

from __future__ import annotations

import argparse
import importlib

from bench.table import render

SUITES = {"core": "bench.core", "server": "bench.server", "copilot": "bench.copilot", "ui": "bench.ui",
          "gcp": "bench.gcp", "taxi": "bench.taxi", "dlt": "bench.dlt"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("suites", nargs="*", help=f"which suites (default: all of {', '.join(SUITES)})")
    args = parser.parse_args()
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {list(SUITES)}")
    rows = []
    for name in args.suites or list(SUITES):
        rows.extend(importlib.import_module(SUITES[name]).rows())
    print(render(rows))


if __name__ == "__main__":
    main()
