"""Query strings of the search endpoints, both Kestra 1.x ``filters[field][OP]=value`` and the
older plain parameters (``namespace=``, ``state=``, ``labels=k:v``...)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.datastructures import QueryParams

from lanner.api.errors import ApiError
from lanner.model.state import State
from lanner.store.ports import ExecutionQuery

_FILTER = re.compile(r"^filters\[(\w+)\]\[(\w+)\](?:\[([^\]]*)\])?$")
DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Filter:
    field: str
    op: str
    value: str
    key: str | None = None  # filters[labels][EQUALS][team]=data


def filters(params: QueryParams) -> list[Filter]:
    found = []
    for name, value in params.multi_items():
        match = _FILTER.match(name)
        if match:
            found.append(Filter(match.group(1), match.group(2).upper(), value, match.group(3)))
    return found


def first(params: QueryParams, name: str, found: list[Filter]) -> str | None:
    """A plain parameter, else the first ``filters[name][...]`` value."""
    if params.get(name):
        return params[name]
    return next((f.value for f in found if f.field == name), None)


def label_pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    pairs = []
    for text in values:
        key, sep, value = text.partition(":")
        if not sep or not key:
            raise ApiError(422, f"Invalid label '{text}': expected key:value")
        pairs.append((key, value))
    return pairs


def parse_instant(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApiError(422, f"Invalid date for '{name}': '{text}' (expected ISO-8601)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def page_and_size(params: QueryParams, default_size: int = 10) -> tuple[int, int]:
    try:
        page = int(params.get("page", 1))
        size = int(params.get("size", default_size))
    except ValueError:
        raise ApiError(422, "Invalid paging: page and size must be numbers") from None
    if page < 1 or size < 1:
        raise ApiError(422, "Invalid paging: page and size start at 1")
    return page, min(size, 10_000)


def sort_of(params: QueryParams, default: str) -> tuple[str, bool]:
    """``sort=id:asc`` -> ("id", False); the last segment before ':' names the field."""
    text = params.get("sort") or default
    name, _, direction = text.partition(":")
    return name.rsplit(".", 1)[-1], direction.lower() == "desc"


def _time_range(text: str) -> timedelta:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text.strip().upper())
    if match is None or not any(match.groups()):
        raise ApiError(422, f"Invalid timeRange '{text}' (expected an ISO-8601 duration such as PT1H)")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def execution_query(params: QueryParams, namespace: str | None = None,
                    flow_id: str | None = None) -> ExecutionQuery:
    found = filters(params)
    states: list[str] = list(params.getlist("state"))
    labels = label_pairs(params.getlist("labels"))
    start_after = start_before = None
    for item in found:
        if item.field == "state":
            states += [s for s in item.value.split(",") if s]
        elif item.field == "labels":
            labels += [(item.key, item.value)] if item.key else label_pairs([item.value])
        elif item.field == "startDate":
            moment = parse_instant(item.value, "startDate")
            if item.op.startswith("GREATER"):
                start_after = moment
            else:
                start_before = moment
        elif item.field == "endDate":
            start_before = parse_instant(item.value, "endDate")
        elif item.field == "timeRange":
            start_after = datetime.now(UTC) - _time_range(item.value)
    if params.get("startDate"):
        start_after = parse_instant(params["startDate"], "startDate")
    if params.get("endDate"):
        start_before = parse_instant(params["endDate"], "endDate")
    if params.get("timeRange"):
        start_after = datetime.now(UTC) - _time_range(params["timeRange"])
    try:
        parsed_states = [State(s.strip().upper()) for s in states] or None
    except ValueError as exc:
        raise ApiError(422, f"Invalid state: {exc}") from None
    page, size = page_and_size(params)
    _, desc = sort_of(params, "state.startDate:desc")
    return ExecutionQuery(
        namespace=namespace or first(params, "namespace", found),
        flow_id=flow_id or first(params, "flowId", found),
        states=parsed_states,
        labels=labels or None,
        start_after=start_after,
        start_before=start_before,
        text=first(params, "q", found),
        page=page,
        size=size,
        sort_desc=desc,
    )


def split_documents(text: str) -> list[str]:
    """YAML documents separated by ``---`` lines; blank ones dropped."""
    return [doc for doc in DOCUMENT_SEPARATOR.split(text) if doc.strip()]
