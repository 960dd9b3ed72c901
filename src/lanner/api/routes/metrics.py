"""``/metrics/...``: the metrics tasks reported, as Kestra's ``MetricController`` serves them —
per execution (paged), the names and task ids of a flow, and a metric aggregated per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request

from lanner.api.deps import call, services_of
from lanner.api.errors import ApiError
from lanner.api.query import page_and_size, parse_instant, sort_of
from lanner.model.metric import METRIC_AGGREGATIONS, MetricAggregate
from lanner.store.ports import METRIC_SORT_FIELDS, MetricQuery

router = APIRouter(tags=["Metrics"])

DEFAULT_RANGE = timedelta(days=30)  # Kestra's default window of the aggregates


@router.get("/metrics/names/{namespace}/{flow_id}", summary="Names of the metrics of a flow")
async def flow_metric_names(request: Request, namespace: str, flow_id: str) -> list[str]:
    return await call(services_of(request).metric_names, namespace, flow_id)


@router.get("/metrics/names/{namespace}/{flow_id}/{task_id}",
            summary="Names of the metrics of a task of a flow")
async def task_metric_names(request: Request, namespace: str, flow_id: str, task_id: str) -> list[str]:
    return await call(services_of(request).metric_names, namespace, flow_id, task_id)


@router.get("/metrics/tasks/{namespace}/{flow_id}",
            summary="Ids of the tasks of a flow that reported metrics")
async def flow_metric_tasks(request: Request, namespace: str, flow_id: str) -> list[str]:
    return await call(services_of(request).metric_task_ids, namespace, flow_id)


@router.get("/metrics/aggregates/{namespace}/{flow_id}/{metric}",
            summary="A metric of a flow aggregated per day")
async def flow_metric_aggregates(request: Request, namespace: str, flow_id: str, metric: str,
                                 startDate: str | None = None, endDate: str | None = None,
                                 aggregation: str = "sum") -> dict[str, Any]:
    return await _aggregates(request, namespace, flow_id, metric, None, startDate, endDate, aggregation)


@router.get("/metrics/aggregates/{namespace}/{flow_id}/{task_id}/{metric}",
            summary="A metric of a task of a flow aggregated per day")
async def task_metric_aggregates(request: Request, namespace: str, flow_id: str, task_id: str, metric: str,
                                 startDate: str | None = None, endDate: str | None = None,
                                 aggregation: str = "sum") -> dict[str, Any]:
    return await _aggregates(request, namespace, flow_id, metric, task_id, startDate, endDate, aggregation)


@router.get("/metrics/{execution_id}", summary="Metrics of an execution")
async def execution_metrics(request: Request, execution_id: str, taskRunId: str | None = None,
                            taskId: str | None = None) -> dict[str, Any]:
    params = request.query_params
    page, size = page_and_size(params, default_size=10)
    field, desc = sort_of(params, "timestamp:asc")
    if field not in METRIC_SORT_FIELDS:
        raise ApiError(400, f"Invalid sort '{params.get('sort')}': metrics sort by "
                            f"{', '.join(METRIC_SORT_FIELDS)}")
    query = MetricQuery(execution_id, task_run_id=taskRunId, task_id=taskId, page=page, size=size,
                        sort_by=field, sort_desc=desc)
    found = await call(services_of(request).metrics, query)
    return {"results": [m.to_api() for m in found.results], "total": found.total}


async def _aggregates(request: Request, namespace: str, flow_id: str, metric: str, task_id: str | None,
                      start_text: str | None, end_text: str | None, aggregation: str) -> dict[str, Any]:
    wanted = aggregation.strip().lower()
    if wanted not in METRIC_AGGREGATIONS:
        raise ApiError(400, f"Invalid aggregation '{aggregation}': expected one of "
                            f"{', '.join(METRIC_AGGREGATIONS)}")
    end = parse_instant(end_text, "endDate") if end_text else datetime.now(UTC)
    start = parse_instant(start_text, "startDate") if start_text else end - DEFAULT_RANGE
    if start > end:
        raise ApiError(400, f"Invalid date range: startDate ({start_text or start.isoformat()}) "
                            f"is after endDate ({end_text or end.isoformat()})")
    found: list[MetricAggregate] = await call(services_of(request).metric_aggregates, namespace, flow_id,
                                              metric, wanted, start, end, task_id)
    return {"aggregations": [a.to_api() for a in found], "groupBy": "day"}
