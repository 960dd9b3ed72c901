"""``lanner server``: the REST API (Kestra-compatible) with the runtime, in one process."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default: 8080)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--flows", type=Path, metavar="DIR",
                        help="deploy every *.yml/*.yaml flow under DIR at start (invalid ones are "
                             "reported and skipped)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file (default: $LANNER_HOME/config.yml)")


def execute(args: argparse.Namespace) -> int:
    import sys

    from lanner.runtime.standalone import serve

    if args.flows is not None and not args.flows.is_dir():
        print(f"error: --flows {args.flows} is not a directory", file=sys.stderr)
        return 1
    return serve(host=args.host, port=args.port, flows_dir=args.flows, config_file=args.config)
