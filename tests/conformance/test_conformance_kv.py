"""KVStore conformance: put/get/list/delete, values of every JSON type, expiry kept."""

from __future__ import annotations

import pytest
from tests.conformance.conformance_builders import at

from lanner.store.ports import KVEntry, Stores


def entry(key: str, value: object, namespace: str = "company.team", kv_type: str = "STRING",
          expires: float | None = None, description: str | None = None) -> KVEntry:
    return KVEntry(
        namespace=namespace,
        key=key,
        value=value,
        type=kv_type,
        description=description,
        creation_date=at(0),
        update_date=at(1),
        expiration_date=at(expires) if expires is not None else None,
    )


@pytest.mark.parametrize(
    ("value", "kv_type"),
    [
        ("kestra-sandbox", "STRING"),
        ("", "STRING"),
        (42, "NUMBER"),
        (4.5, "NUMBER"),
        (True, "BOOLEAN"),
        ({"a": [1, {"b": None}], "ü": "✓"}, "JSON"),
        ([1, "two"], "JSON"),
        (None, "JSON"),
        ("2026-03-01T12:00:00Z", "DATETIME"),
        ("PT1H", "DURATION"),
    ],
)
def test_put_get_round_trip(stores: Stores, value: object, kv_type: str) -> None:
    stored = entry("k", value, kv_type=kv_type, description="about k")
    stores.kv.put(stored)
    assert stores.kv.get("company.team", "k") == stored


def test_missing_key(stores: Stores) -> None:
    assert stores.kv.get("company.team", "nope") is None
    assert stores.kv.delete("company.team", "nope") is False


def test_put_replaces(stores: Stores) -> None:
    stores.kv.put(entry("k", "one"))
    replaced = entry("k", 2, kv_type="NUMBER", expires=100)
    stores.kv.put(replaced)
    assert stores.kv.get("company.team", "k") == replaced
    assert len(stores.kv.list("company.team")) == 1


def test_expired_entries_are_still_returned(stores: Stores) -> None:
    old = entry("k", "v", expires=10)
    stores.kv.put(old)
    found = stores.kv.get("company.team", "k")
    assert found == old
    assert found is not None and found.expired(at(10)) and not found.expired(at(9))


def test_list_is_per_namespace_and_sorted(stores: Stores) -> None:
    for key in ("b", "A", "a.c", "a"):
        stores.kv.put(entry(key, key))
    stores.kv.put(entry("z", "z", namespace="company.team.sub"))
    stores.kv.put(entry("y", "y", namespace="company"))
    assert [e.key for e in stores.kv.list("company.team")] == ["A", "a", "a.c", "b"]
    assert [e.key for e in stores.kv.list("company.team.sub")] == ["z"]
    assert stores.kv.list("empty") == []


def test_delete(stores: Stores) -> None:
    stores.kv.put(entry("k", "v"))
    stores.kv.put(entry("k", "v", namespace="company"))
    assert stores.kv.delete("company.team", "k") is True
    assert stores.kv.get("company.team", "k") is None
    assert stores.kv.get("company", "k") is not None
