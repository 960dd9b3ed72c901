"""``lanner services up|down|status [postgres] [--port N]``: the course's services, without Docker.

``up`` starts the managed PostgreSQL 18 (``$LANNER_HOME/services/postgres``) in the background
and returns; flows that say ``jdbc:postgresql://pgdatabase:5432/ny_taxi`` reach it unchanged.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

SERVICES = ("postgres",)
COURSE_JDBC_URL = "jdbc:postgresql://pgdatabase:5432/ny_taxi"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["up", "down", "status"],
                        help="up: start in the background; down: stop; status: is it running, where")
    parser.add_argument("service", nargs="?", choices=SERVICES, default="postgres",
                        help="which service (default: postgres)")
    parser.add_argument("--port", type=int, default=None,
                        help="TCP port for 'up' (default: services.postgres.port in the configuration, "
                             "else 5432)")
    parser.add_argument("--json", action="store_true", help="print the status as JSON")


def execute(args: argparse.Namespace) -> int:
    from lanner.devservices.postgres import ManagedPostgres
    from lanner.settings import load_settings

    settings = load_settings()
    server = ManagedPostgres.from_settings(settings, port=args.port)
    if args.action == "up":
        began = time.monotonic()
        server.start()
        elapsed = time.monotonic() - began
        status = server.status()
        if args.json:
            return _print_json({**status.to_dict(), "startedNow": server.started_now,
                                "flowsUrl": COURSE_JDBC_URL, "mappedTo": _mapped(settings, status.port)})
        verb = f"started in {elapsed:.1f} s" if server.started_now else "was already running"
        print(f"PostgreSQL {verb} (pid {status.pid}), data in {server.data_dir}")
        _print_addresses(server.url, server.jdbc_url, _mapped(settings, status.port))
        print("  stop:  lanner services down postgres")
        return 0
    if args.action == "down":
        stopped = server.stop()
        if args.json:
            return _print_json({"service": "postgres", "stopped": stopped, "running": False})
        print("PostgreSQL stopped" if stopped else f"PostgreSQL was not running ({server.data_dir})")
        return 0
    status = server.status()
    if args.json:
        _print_json(status.to_dict())
        return 0 if status.running else 1
    if not status.running:
        print(f"PostgreSQL is not running (data in {server.data_dir}); start it: lanner services up")
        return 1
    print(f"PostgreSQL is running (pid {status.pid}), data in {server.data_dir}")
    _print_addresses(server.url, server.jdbc_url, _mapped(settings, status.port))
    return 0


def _mapped(settings: Any, port: int | None) -> str:
    from lanner.devservices.hosts import rewrite_jdbc_url

    return rewrite_jdbc_url(COURSE_JDBC_URL, settings, managed_port=port)


def _print_addresses(url: str, jdbc_url: str, mapped: str) -> None:
    print(f"  url:   {url}")
    print(f"  jdbc:  {jdbc_url}")
    print(f"  flows: {COURSE_JDBC_URL} is mapped to {mapped}")
    print("         (change the mapping with 'hosts: {pgdatabase: HOST[:PORT]}' in the configuration)")


def _print_json(data: dict[str, Any]) -> int:
    print(json.dumps(data, indent=2))
    return 0
