"""``lanner server [ROLE ...]``: the REST API (Kestra-compatible) with the runtime.

Without a role: everything in one process (SQLite + local files by default). With roles
(``webserver``, ``executor``, ``scheduler``, ``worker``, combinable): one process of a
multi-process Lanner sharing PostgreSQL and a file storage every process sees.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROLES = ("webserver", "executor", "scheduler", "worker")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("roles", nargs="*", metavar="ROLE",
                        help="run only these roles, sharing the database with other processes: "
                             f"{', '.join(ROLES)} (default: all of them in this process)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default: 8080)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--flows", type=Path, metavar="DIR",
                        help="deploy every *.yml/*.yaml flow under DIR at start (invalid ones are "
                             "reported and skipped)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="configuration file (default: $LANNER_HOME/config.yml)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="worker role: task runs run at once (default: cluster.worker-threads, 8)")
    parser.add_argument("--worker-group", action="append", default=[], metavar="NAME",
                        help="worker role: also take the tasks of this worker group (repeatable)")


def execute(args: argparse.Namespace) -> int:
    import sys

    if args.flows is not None and not args.flows.is_dir():
        print(f"error: --flows {args.flows} is not a directory", file=sys.stderr)
        return 1
    unknown = [role for role in args.roles if role not in ROLES]
    if unknown:
        print(f"error: unknown role {unknown[0]!r} (choose from {', '.join(ROLES)})", file=sys.stderr)
        return 2
    if not args.roles:
        from lanner.runtime.standalone import serve

        return serve(host=args.host, port=args.port, flows_dir=args.flows, config_file=args.config)
    from lanner.runtime.distributed.roles import serve_roles

    return serve_roles(args.roles, host=args.host, port=args.port, flows_dir=args.flows,
                       config_file=args.config, threads=args.threads, worker_groups=args.worker_group)
