"""Remote runs: ``lanner run NAMESPACE.FLOW_ID --server URL`` executes a deployed flow on a server
and follows its logs until it ends. ``lanner.cli.run`` calls ``run_remote(args)`` when its
argument is not a file; ``args`` are that command's (flow, input, label, json, log_level, server).
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from lanner.cli.client import ClientError, LannerClient, add_server_options, split_flow_ref

OK_STATES = ("SUCCESS", "WARNING")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flow", metavar="NAMESPACE.FLOW_ID", help="a flow deployed on the server")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="an input value (repeatable); KEY=@path uploads a file for a FILE input")
    parser.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE",
                        help="a label added to the execution (repeatable)")
    parser.add_argument("--json", action="store_true", help="print only the final execution as JSON")
    parser.add_argument("--log-level", default="DEBUG", choices=["TRACE", "DEBUG", "INFO", "WARN", "ERROR"],
                        help="lowest log level shown")
    add_server_options(parser)


def execute(args: argparse.Namespace) -> int:
    return run_remote(args)


def _pairs(values: list[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep:
            raise ClientError(f"--{what} '{value}' is not KEY=VALUE")
        pairs.append((key.strip(), rest))
    return pairs


def _start(client: LannerClient, namespace: str, flow_id: str, args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, str] = {}
    with ExitStack() as stack:
        files: dict[str, Any] = {}
        for key, value in _pairs(list(getattr(args, "input", []) or []), "input"):
            if value.startswith("@"):
                path = Path(value[1:]).expanduser()
                if not path.is_file():
                    raise ClientError(f"--input {key}: no such file: {path}")
                files[key] = (path.name, stack.enter_context(path.open("rb")))
            else:
                data[key] = value
        labels = [f"{k}:{v}" for k, v in _pairs(list(getattr(args, "label", []) or []), "label")]
        created: dict[str, Any] = client.request(
            "POST", f"/executions/{namespace}/{flow_id}", data=data or None, files=files or None,
            params={"labels": labels} if labels else None)
    return created


def run_remote(args: argparse.Namespace) -> int:
    """Execute ``args.flow`` (NAMESPACE.FLOW_ID) on the server and follow it; the exit code is 0
    when the execution ends in SUCCESS or WARNING."""
    from lanner.cli.display import RunDisplay, print_summary
    from lanner.model.execution import Execution, LogEntry

    if getattr(args, "trigger_date", None):
        raise ClientError("--trigger-date only applies to local flow files; on a server, use "
                          "'lanner backfill'")
    as_json = bool(getattr(args, "json", False))
    namespace, flow_id = split_flow_ref(args.flow)
    log_stream = sys.stderr if as_json else sys.stdout
    with LannerClient.from_args(args) as client:
        created = _start(client, namespace, flow_id, args)
        execution_id = created["id"]
        print(f"Execution {execution_id} of {namespace}.{flow_id} started on {client.server}",
              file=log_stream)
        display = RunDisplay(log_stream, min_level=getattr(args, "log_level", None) or "DEBUG", live=False)
        try:
            for event_id, data in client.events(f"/logs/{execution_id}/follow"):
                if event_id == "end":
                    break
                display.log(LogEntry.from_api(data))
        except KeyboardInterrupt:
            print(f"\ndetached: {execution_id} goes on on the server "
                  f"(stop it with: lanner executions kill {execution_id})", file=sys.stderr)
            return 130
        final: dict[str, Any] = client.request("GET", f"/executions/{execution_id}")
    if as_json:
        print(json.dumps(final, ensure_ascii=False, default=str))
    else:
        print_summary(Execution.from_record(final))
    return 0 if final["state"]["current"] in OK_STATES else 1
