"""``lanner backfill NAMESPACE.FLOW_ID --start --end [--trigger ID] [--dry-run]``.

Creates a backfill of a Schedule trigger on the server (one execution per fire time between
start and end, one after the other). ``--dry-run`` only lists those fire times, computed from the
flow's Schedule (its conditions included) exactly as the scheduler enumerates them; with a flow
FILE instead of NAMESPACE.FLOW_ID it needs no server.
"""

from __future__ import annotations

import argparse
from datetime import datetime, time
from pathlib import Path
from typing import Any

from lanner.cli.client import ClientError, LannerClient, add_server_options, print_json, split_flow_ref

SCHEDULE = "io.kestra.plugin.core.trigger.Schedule"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flow", metavar="NAMESPACE.FLOW_ID", help="the flow (or a flow file with --dry-run)")
    parser.add_argument("--start", required=True, help="first date, e.g. 2019-01-01 or 2019-01-01T09:00:00Z")
    parser.add_argument("--end", help="last date, inclusive (a bare date means the whole day; default: now)")
    parser.add_argument("--trigger", metavar="ID",
                        help="which Schedule trigger (needed when there are several)")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="an input of the backfill executions (repeatable)")
    parser.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE",
                        help="a label of the backfill executions (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="only list the dates that would run")
    add_server_options(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep:
            raise ClientError(f"--{what} '{value}' is not KEY=VALUE")
        out[key.strip()] = rest
    return out


def parse_date(text: str, zone: Any, *, end: bool = False) -> datetime:
    """An ISO date-time (zone-less: in the trigger's zone), or a bare date (its first or last second)."""
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
        day = datetime.fromisoformat(text).date()
    except ValueError:
        raise ClientError(f"'{text}' is not a date (use 2019-01-01 or 2019-01-01T09:00:00Z)") from None
    if end:
        return datetime.combine(day, time(23, 59, 59), zone)
    return datetime.combine(day, time(0, 0), zone)


def pick_schedule(flow: Any, trigger_id: str | None) -> Any:
    schedules = [t for t in flow.triggers if getattr(type(t), "kestra_type", "") == SCHEDULE]
    if trigger_id is not None:
        chosen = [t for t in schedules if t.id == trigger_id]
        if not chosen:
            known = ", ".join(t.id for t in schedules) or "none"
            raise ClientError(f"{flow.namespace}.{flow.id} has no Schedule trigger '{trigger_id}' "
                              f"(Schedule triggers: {known})")
        return chosen[0]
    if len(schedules) != 1:
        if not schedules:
            raise ClientError(f"{flow.namespace}.{flow.id} has no Schedule trigger to backfill")
        raise ClientError("the flow has several Schedule triggers: choose one with --trigger "
                          + " / ".join(t.id for t in schedules))
    return schedules[0]


def _source(args: argparse.Namespace, client: LannerClient | None) -> str:
    path = Path(args.flow)
    if path.is_file():
        return path.read_text("utf-8")
    namespace, flow_id = split_flow_ref(args.flow)
    assert client is not None
    flow = client.request("GET", f"/flows/{namespace}/{flow_id}", params={"source": "true"})
    return str(flow["source"])


def execute(args: argparse.Namespace) -> int:
    from lanner.plugins.flowparse import load_flow

    local_file = Path(args.flow).is_file()
    client = None if (local_file and args.dry_run) else LannerClient.from_args(args)
    try:
        flow = load_flow(_source(args, client))
        schedule = pick_schedule(flow, args.trigger)
        zone = schedule.zone
        start = parse_date(args.start, zone)
        end = parse_date(args.end, zone, end=True) if args.end else datetime.now(zone)
        if end < start:
            raise ClientError("--end is before --start")
        from lanner.scheduler.backfill import dry_run

        times = dry_run(schedule, start, end, flow=flow)  # what the scheduler will emit, conditions included
        if args.dry_run:
            return _print_dry_run(flow, schedule, times, args.json)
        assert client is not None
        labels = [{"key": k, "value": v} for k, v in _pairs(args.label, "label").items()]
        body = {"namespace": flow.namespace, "flowId": flow.id, "triggerId": schedule.id,
                "backfill": {"start": start.isoformat(), "end": end.isoformat(),
                             "inputs": _pairs(args.input, "input"), "labels": labels}}
        context = client.request("PUT", "/triggers", json=body)
    finally:
        if client is not None:
            client.__exit__()
    if args.json:
        print_json(context)
    else:
        print(f"backfill created for {flow.namespace}.{flow.id} trigger {schedule.id}: {len(times)} "
              f"execution(s) from {start.isoformat()} to {end.isoformat()}, one after the other")
    return 0


def _print_dry_run(flow: Any, schedule: Any, times: list[datetime], as_json: bool) -> int:
    from lanner.scheduler.cron import iso_in_zone

    dates = [iso_in_zone(t) for t in times]
    if as_json:
        print_json({"namespace": flow.namespace, "flowId": flow.id, "triggerId": schedule.id, "dates": dates})
        return 0
    for date in dates:
        print(date)
    span = f" ({dates[0]} .. {dates[-1]})" if dates else ""
    print(f"{len(dates)} execution(s) would run for {flow.namespace}.{flow.id} trigger {schedule.id}{span}")
    return 0
