"""``lanner kv get|set|list|delete NAMESPACE [KEY [VALUE]]`` against a server."""

from __future__ import annotations

import argparse
import json

from lanner.cli.client import LannerClient, add_server_options, print_json


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    get = actions.add_parser("get", help="print a value")
    get.add_argument("namespace")
    get.add_argument("key")
    put = actions.add_parser("set", help="set a value")
    put.add_argument("namespace")
    put.add_argument("key")
    put.add_argument("value", help="JSON (42, true, {...}, \"text\") or, if not JSON, a plain string")
    put.add_argument("--string", action="store_true", help="store VALUE as a string even if it is JSON")
    put.add_argument("--ttl", help="ISO-8601 duration after which the key expires, e.g. PT1H")
    listing = actions.add_parser("list", help="keys of a namespace")
    listing.add_argument("namespace")
    delete = actions.add_parser("delete", help="delete a key")
    delete.add_argument("namespace")
    delete.add_argument("key")
    for sub in actions.choices.values():
        add_server_options(sub)
        sub.add_argument("--json", action="store_true", help="print the server's JSON answer")


def body_of(value: str, as_string: bool) -> str:
    """The API parses the body as JSON; a plain word is quoted so that it stays a string."""
    if not as_string:
        try:
            json.loads(value)
            return value
        except ValueError:
            pass
    return json.dumps(value)


def execute(args: argparse.Namespace) -> int:
    base = f"/namespaces/{args.namespace}/kv"
    with LannerClient.from_args(args) as client:
        if args.action == "get":
            found = client.request("GET", f"{base}/{args.key}")
            if args.json:
                print_json(found)
            else:
                value = found["value"]
                print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        elif args.action == "set":
            headers = {"Content-Type": "text/plain"}
            if args.ttl:
                headers["ttl"] = args.ttl
            client.request("PUT", f"{base}/{args.key}", content=body_of(args.value, args.string).encode(),
                           headers=headers)
            if args.json:
                print_json(client.request("GET", f"{base}/{args.key}"))
            else:
                print(f"set {args.namespace}/{args.key}")
        elif args.action == "list":
            entries = client.request("GET", base)
            if args.json:
                print_json(entries)
            else:
                for entry in entries:
                    expires = f"  (expires {entry['expirationDate']})" if entry.get("expirationDate") else ""
                    print(f"{entry['key']}{expires}")
        else:
            deleted = client.request("DELETE", f"{base}/{args.key}")
            if args.json:
                print_json({"deleted": deleted})
            else:
                print(f"deleted {args.namespace}/{args.key}" if deleted else f"{args.key} did not exist")
            return 0 if deleted else 1
    return 0
