"""``lanner run FILE``: run a flow to completion on embedded defaults (SQLite + local files).

``lanner run NAMESPACE.FLOW_ID --server URL`` runs a deployed flow on a server instead."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    from lanner.cli.client import add_server_options

    parser.add_argument("flow", help="path of a flow YAML file, or NAMESPACE.FLOW_ID of a flow "
                                     "deployed on a server")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="an input value (repeatable); KEY=@path uploads a file for a FILE input")
    parser.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE",
                        help="a label added to the execution (repeatable)")
    parser.add_argument("--trigger-date", metavar="DATE",
                        help="run as the flow's Schedule would on DATE (e.g. 2019-01-01): sets "
                             "trigger.date/next/previous")
    parser.add_argument("--trigger", metavar="ID", help="which Schedule trigger --trigger-date uses "
                        "(default: the first one)")
    parser.add_argument("--json", action="store_true",
                        help="print only the final execution as JSON (Kestra's API shape) on stdout; "
                             "logs go to stderr")
    parser.add_argument("--log-level", default="DEBUG",
                        choices=["TRACE", "DEBUG", "INFO", "WARN", "ERROR"],
                        help="lowest log level shown (all levels are stored)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="kill the execution if it has not finished after N seconds")
    add_server_options(parser)


def _pairs(values: list[str], what: str) -> list[tuple[str, str]]:
    from lanner.errors import InputError, Issue

    pairs: list[tuple[str, str]] = []
    bad = [v for v in values if "=" not in v]
    if bad:
        raise InputError([Issue(f"--{what}", f"'{v}' is not KEY=VALUE", hint=f"--{what} name=Ada")
                          for v in bad])
    for value in values:
        key, _, rest = value.partition("=")
        pairs.append((key.strip(), rest))
    return pairs


def _print_issues(error: Exception, stream: object, file: Path) -> None:
    from dataclasses import replace

    from lanner.errors import issues_of

    for issue in issues_of(error):
        located = issue if issue.file else replace(issue, file=str(file))
        print(located.located(), file=stream)  # type: ignore[call-overload]


def execute(args: argparse.Namespace) -> int:
    from lanner.errors import FlowValidationError, InputError

    path = Path(args.flow)
    if not path.is_file():
        if args.server or _looks_like_flow_uid(args.flow):
            from lanner.cli.remote.run import run_remote

            return int(run_remote(args))
        print(f"error: no such flow file: {path}", file=sys.stderr)
        return 1
    try:
        return _run(args, path)
    except InputError as exc:
        print(f"{path}: invalid inputs:", file=sys.stderr)
        _print_issues(exc, sys.stderr, path)
        return 1
    except FlowValidationError as exc:
        print(f"{path}: the flow cannot run:", file=sys.stderr)
        _print_issues(exc, sys.stderr, path)
        return 1


def _stop_like_ctrl_c() -> None:
    """SIGTERM (``timeout``, ``docker stop``, a cancelled CI job) and SIGHUP (a closed terminal)
    take Ctrl-C's path: the execution is killed, its scripts stopped and its state stored, instead
    of the process vanishing with the execution left RUNNING, holding a concurrency slot."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def _looks_like_flow_uid(text: str) -> bool:
    """``zoomcamp.04_postgres_taxi``: a namespace and a flow id, not a file name."""
    return "." in text and "/" not in text and not text.endswith((".yml", ".yaml"))


def _run(args: argparse.Namespace, path: Path) -> int:
    from lanner.cli.display import RunDisplay, print_summary
    from lanner.model.inputs import mask_secret_inputs, secret_input_ids
    from lanner.runtime.local import LocalRun

    inputs = dict(_pairs(args.input, "input"))
    labels = _pairs(args.label, "label")
    log_stream = sys.stderr if args.json else sys.stdout
    _stop_like_ctrl_c()
    with LocalRun() as local:
        flow = local.deploy_file(path)
        for child in local.deploy_subflows_beside(flow, path):
            print(f"{child}: deployed (a subflow of {path.name})", file=sys.stderr)
        display = RunDisplay(log_stream, min_level=args.log_level, live=False if args.json else None)
        local.runtime.on_log(display.log)
        local.runtime.on_change(display.change)
        with display:
            execution = local.start(flow, inputs, labels=labels, trigger_date=args.trigger_date,
                                    trigger_id=args.trigger)
            try:
                final = local.wait(execution.id, timeout=args.timeout)
            except TimeoutError:
                local.runtime.kill(execution.id)
                final = local.wait(execution.id, timeout=30)
                print(f"the execution did not finish within {args.timeout:g}s and was killed",
                      file=sys.stderr)
    if args.json:
        body = mask_secret_inputs(final.to_api(), secret_input_ids(flow.inputs))
        print(json.dumps(body, default=str, ensure_ascii=False))
    else:
        print_summary(final)
    return 0 if final.state.current.value in ("SUCCESS", "WARNING") else 1
