"""``lanner executions list|show|kill|restart`` against a server."""

from __future__ import annotations

import argparse
from typing import Any

from lanner.cli.client import LannerClient, add_server_options, print_json


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="recent executions, newest first")
    listing.add_argument("--namespace", help="namespace (prefix)")
    listing.add_argument("--flow", help="flow id")
    listing.add_argument("--state", action="append", default=[], help="state (repeatable), e.g. FAILED")
    listing.add_argument("--label", action="append", default=[], metavar="KEY:VALUE", help="label filter")
    listing.add_argument("--size", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--page", type=int, default=1)
    for name, text in (("show", "one execution with its task runs"), ("kill", "kill a running execution"),
                       ("restart", "restart a failed execution (same id)")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("id", help="execution id")
    for sub in actions.choices.values():
        add_server_options(sub)
        sub.add_argument("--json", action="store_true", help="print the server's JSON answer")


def _row(execution: dict[str, Any]) -> str:
    state = execution["state"]
    return (f"{execution['id']:<23} {state['current']:<9} {execution['namespace']}.{execution['flowId']:<30} "
            f"{(state.get('startDate') or '')[:19]:<19} {state.get('duration') or ''}")


def execute(args: argparse.Namespace) -> int:
    with LannerClient.from_args(args) as client:
        if args.action == "list":
            params: dict[str, Any] = {"size": args.size, "page": args.page, "state": args.state,
                                      "labels": args.label}
            if args.namespace:
                params["namespace"] = args.namespace
            if args.flow:
                params["flowId"] = args.flow
            page = client.request("GET", "/executions/search", params=params)
            if args.json:
                print_json(page)
                return 0
            for execution in page["results"]:
                print(_row(execution))
            print(f"{len(page['results'])} of {page['total']} executions")
            return 0
        if args.action == "show":
            execution = client.request("GET", f"/executions/{args.id}")
            if args.json:
                print_json(execution)
                return 0
            _show(execution)
            return 0
        if args.action == "kill":
            client.request("DELETE", f"/executions/{args.id}/kill")
            if args.json:
                print_json({"id": args.id, "killed": True})
            else:
                print(f"kill requested for {args.id}")
            return 0
        restarted = client.request("POST", f"/executions/{args.id}/restart")
        if args.json:
            print_json(restarted)
        else:
            print(f"restarted {args.id}: {restarted['state']['current']}")
        return 0


def _show(execution: dict[str, Any]) -> None:
    print(_row(execution))
    if execution.get("inputs"):
        print(f"inputs:  {execution['inputs']}")
    labels = [f"{lb['key']}:{lb['value']}" for lb in execution.get("labels") or []]
    if labels:
        print(f"labels:  {', '.join(labels)}")
    for run in execution.get("taskRunList") or []:
        value = f" ({run['value']})" if run.get("value") else ""
        print(f"  {run['state']['current']:<9} {run['taskId']}{value}")
    if execution.get("outputs"):
        print(f"outputs: {execution['outputs']}")
