"""Transport shapes: Lanner records -> Kestra's JSON (field names as Kestra's API has them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from lanner.api.ports import TriggerView
from lanner.files.namespace_files import DirectoryEntry
from lanner.model.execution import iso
from lanner.store.ports import Backfill, KVEntry, StoredFlow, TriggerState


def plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, tuples as lists, keys as strings."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"PT{value.total_seconds():g}S"
    return value


def paged(results: Sequence[Any], total: int) -> dict[str, Any]:
    return {"results": list(results), "total": total}


def _load_yaml(source: str) -> Any:
    """Read as flows are read (``2019-01-01`` and ``yes`` stay strings, as in Kestra)."""
    from lanner.model.loader import load_yaml

    return load_yaml(source).data


def labels_list(labels: Any) -> list[dict[str, str]]:
    if isinstance(labels, Mapping):
        return [{"key": str(k), "value": str(v)} for k, v in labels.items()]
    if isinstance(labels, list):
        return [{"key": str(lb.get("key")), "value": str(lb.get("value"))}
                for lb in labels if isinstance(lb, Mapping)]
    return []


def flow_json(stored: StoredFlow, *, with_source: bool = False) -> dict[str, Any]:
    """Kestra's Flow / FlowWithSource: the YAML as JSON, plus revision and state."""
    data = _load_yaml(stored.source)
    body: dict[str, Any] = plain(data) if isinstance(data, Mapping) else {}
    body["id"] = stored.id
    body["namespace"] = stored.namespace
    body["revision"] = stored.revision
    body["labels"] = labels_list(body.get("labels"))
    body["disabled"] = bool(body.get("disabled", False))
    body["deleted"] = stored.deleted
    body["updated"] = iso(stored.updated)
    if with_source:
        body["source"] = stored.source
    return body


def kv_entry_json(entry: KVEntry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "description": entry.description,
        "creationDate": iso(entry.creation_date),
        "updateDate": iso(entry.update_date),
        "expirationDate": iso(entry.expiration_date),
    }


def kv_value_json(entry: KVEntry) -> dict[str, Any]:
    return {"type": entry.type, "value": entry.value}


def backfill_json(backfill: Backfill) -> dict[str, Any]:
    """Kestra's Backfill, plus Lanner's progress counters (``total``, ``done``)."""
    return {
        "start": iso(backfill.start),
        "end": iso(backfill.end),
        "currentDate": iso(backfill.current_date),
        "inputs": plain(dict(backfill.inputs)),
        "labels": [{"key": k, "value": v} for k, v in backfill.labels],
        "paused": backfill.paused,
        "total": backfill.total,
        "done": backfill.done,
        "createdDate": iso(backfill.created),
    }


def trigger_context_json(state: TriggerState) -> dict[str, Any]:
    """Kestra's ``Trigger`` (trigger context)."""
    return {
        "tenantId": "main",
        "namespace": state.namespace,
        "flowId": state.flow_id,
        "triggerId": state.trigger_id,
        "date": iso(state.last_date),
        "nextExecutionDate": iso(state.next_execution_date),
        "backfill": backfill_json(state.backfill) if state.backfill is not None else None,
        "executionId": state.execution_id,
        "updatedDate": iso(state.updated),
        "disabled": state.disabled,
    }


def trigger_view_json(view: TriggerView) -> dict[str, Any]:
    """One row of ``/triggers/search``: ``{abstractTrigger, triggerContext}``."""
    return {"abstractTrigger": plain(dict(view.definition)),
            "triggerContext": trigger_context_json(view.state)}


def directory_json(entry: DirectoryEntry) -> dict[str, Any]:
    return {"fileName": entry.file_name, "type": entry.type, "size": entry.size}
