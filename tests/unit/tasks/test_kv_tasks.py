"""kv.Set / Get / Delete / GetKeys against the real KV service on a memory store."""

from __future__ import annotations

import pytest

from lanner.model.state import State
from lanner.tasks.core.kv import Delete, Get, GetKeys, Set

NS = "company.team"


def test_set_stores_a_string_in_the_flow_namespace(harness):
    result = harness.run(
        harness.task(Set, {"key": "GCP_PROJECT_ID", "kvType": "STRING", "value": "kestra-sandbox"})
    )
    assert result.state is State.SUCCESS
    assert result.outputs is None
    entry = harness.kv_store.get(NS, "GCP_PROJECT_ID")
    assert (entry.value, entry.type) == ("kestra-sandbox", "STRING")


@pytest.mark.parametrize(
    ("kv_type", "raw", "stored"),
    [
        ("NUMBER", "42", 42),
        ("NUMBER", "4.5", 4.5),
        ("BOOLEAN", "TRUE", True),
        ("BOOLEAN", "yes", False),
        ("JSON", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("DATETIME", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("DURATION", "PT90S", "PT1M30S"),
        ("STRING", "42", "42"),
    ],
)
def test_set_converts_string_values_to_kv_type(harness, kv_type, raw, stored):
    result = harness.run(harness.task(Set, {"key": "k", "kvType": kv_type, "value": raw}))
    assert result.state is State.SUCCESS, result.error
    entry = harness.kv_store.get(NS, "k")
    assert entry.value == stored
    assert entry.type == kv_type


def test_set_keeps_the_type_of_a_single_expression(harness):
    task = harness.task(Set, {"key": "numbers", "value": "{{ inputs.numbers }}"})
    harness.run(task, {"inputs": {"numbers": [1, 2, 3]}})
    entry = harness.kv_store.get(NS, "numbers")
    assert (entry.value, entry.type) == ([1, 2, 3], "JSON")


def test_set_renders_key_and_namespace(harness):
    task = harness.task(Set, {"key": "{{ inputs.k }}", "value": "v", "namespace": "other.{{ inputs.k }}"})
    harness.run(task, {"inputs": {"k": "abc"}})
    assert harness.kv_store.get("other.abc", "abc").value == "v"


def test_set_with_ttl_expires(harness):
    harness.run(harness.task(Set, {"key": "temp", "value": "v", "ttl": "PT1H"}))
    get = harness.task(Get, {"key": "temp"})
    assert harness.run(get).outputs == {"value": "v"}
    harness.clock.advance(hours=2)
    assert harness.run(get).outputs == {"value": None}


def test_set_without_overwrite_fails_on_an_existing_key(harness):
    harness.run(harness.task(Set, {"key": "k", "value": "first"}))
    result = harness.run(harness.task(Set, {"key": "k", "value": "second", "overwrite": False}))
    assert result.state is State.FAILED
    assert "Key already exists and `overwrite` is set to `false`" in result.error
    assert harness.kv_store.get(NS, "k").value == "first"


def test_set_rejects_an_invalid_key(harness):
    result = harness.run(harness.task(Set, {"key": "bad key", "value": "v"}))
    assert result.state is State.FAILED
    assert "bad key" in result.error


def test_set_rejects_an_unconvertible_number(harness):
    result = harness.run(harness.task(Set, {"key": "k", "value": "abc", "kvType": "NUMBER"}))
    assert result.state is State.FAILED
    assert "NUMBER" in result.error


def test_get_missing_key_is_null_or_fails_with_error_on_missing(harness):
    assert harness.run(harness.task(Get, {"key": "nope"})).outputs == {"value": None}
    result = harness.run(harness.task(Get, {"key": "nope", "errorOnMissing": True}))
    assert result.state is State.FAILED
    assert result.error == (
        "No value found for key 'nope' in namespace 'company.team' and `errorOnMissing` is set to true"
    )


def test_get_reads_typed_value_from_another_namespace(harness):
    harness.kv.set("shared", "limit", 10)
    assert harness.run(harness.task(Get, {"key": "limit", "namespace": "shared"})).outputs == {"value": 10}


def test_delete_reports_whether_a_value_existed(harness):
    harness.kv.set(NS, "k", "v")
    assert harness.run(harness.task(Delete, {"key": "k"})).outputs == {"deleted": True}
    assert harness.kv_store.get(NS, "k") is None
    assert harness.run(harness.task(Delete, {"key": "k"})).outputs == {"deleted": False}
    failed = harness.run(harness.task(Delete, {"key": "k", "errorOnMissing": True}))
    assert failed.state is State.FAILED


def test_get_keys_lists_live_keys_with_prefix(harness):
    harness.kv.set(NS, "GCP_A", "1")
    harness.kv.set(NS, "GCP_B", "2", ttl="PT1M")
    harness.kv.set(NS, "OTHER", "3")
    assert harness.run(harness.task(GetKeys, {})).outputs == {"keys": ["GCP_A", "GCP_B", "OTHER"]}
    assert harness.run(harness.task(GetKeys, {"prefix": "GCP_"})).outputs == {"keys": ["GCP_A", "GCP_B"]}
    harness.clock.advance(minutes=5)
    assert harness.run(harness.task(GetKeys, {"prefix": "GCP_"})).outputs == {"keys": ["GCP_A"]}
