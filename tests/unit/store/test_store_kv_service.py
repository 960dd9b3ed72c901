"""KVService: Kestra 1.x KV semantics over the memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanner.errors import ConflictError, FlowValidationError, NotFoundError
from lanner.store.kv_service import KVExpiredError, KVService, NamespaceKV
from lanner.store.memory import MemoryKVStore, MemoryStores

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def kv() -> KVService:
    return KVService(MemoryStores().kv, clock=lambda: NOW)


def later(**delta: float) -> datetime:
    return NOW + timedelta(**delta)


def test_missing_key_fails_with_kestras_message(kv: KVService) -> None:
    message = r"^The key 'GCP_PROJECT_ID' does not exist in the namespace 'zoomcamp'\.$"
    with pytest.raises(NotFoundError, match=message):
        kv.get("zoomcamp", "GCP_PROJECT_ID")
    assert kv.get("zoomcamp", "GCP_PROJECT_ID", error_on_missing=False) is None


def test_set_then_get(kv: KVService) -> None:
    kv.set("zoomcamp", "GCP_PROJECT_ID", "kestra-sandbox", kv_type="STRING")
    assert kv.get("zoomcamp", "GCP_PROJECT_ID") == "kestra-sandbox"
    stored = kv.entry("zoomcamp", "GCP_PROJECT_ID")
    assert (stored.type, stored.creation_date, stored.update_date, stored.expiration_date) == (
        "STRING", NOW, NOW, None,
    )


def test_lookup_walks_up_parent_namespaces(kv: KVService) -> None:
    kv.set("a", "top", 1)
    kv.set("a.b", "middle", 2)
    kv.set("a.b", "top", 20)
    assert kv.get("a.b.c", "top") == 20
    assert kv.get("a.b.c", "middle") == 2
    assert kv.get("a.b.c", "top", lookup_parents=False, error_on_missing=False) is None
    with pytest.raises(NotFoundError, match=r"namespace 'a\.b\.c'"):
        kv.get("a.b.c", "absent")
    assert kv.get("ab", "top", error_on_missing=False) is None  # not a child of 'a'


def test_expired_key_fails_and_stops_the_walk(kv: KVService) -> None:
    kv.set("a", "k", "parent")
    kv.set("a.b", "k", "child", ttl="PT1H")
    assert kv.get("a.b", "k", now=later(minutes=59)) == "child"
    with pytest.raises(KVExpiredError, match="has expired"):
        kv.get("a.b", "k", now=later(hours=1))
    assert kv.get("a.b", "k", now=later(hours=1), error_on_missing=False) is None
    with pytest.raises(KVExpiredError):
        kv.entry("a.b", "k", now=later(hours=2))
    assert isinstance(KVExpiredError("x"), NotFoundError)


def test_type_is_inferred_when_not_given(kv: KVService) -> None:
    cases = {"s": ("text", "STRING"), "b": (True, "BOOLEAN"), "i": (3, "NUMBER"), "f": (2.5, "NUMBER"),
             "d": ({"a": 1}, "JSON"), "l": ([1, 2], "JSON"), "t": ((1, 2), "JSON"),
             "dt": (datetime(2026, 1, 1, tzinfo=UTC), "DATETIME"), "du": (timedelta(minutes=90), "DURATION")}
    for key, (value, _) in cases.items():
        kv.set("ns", key, value)
    stored = {e.key: (e.value, e.type) for e in kv.entries("ns")}
    assert stored["t"] == ([1, 2], "JSON")
    assert stored["dt"] == ("2026-01-01T00:00:00Z", "DATETIME")
    assert stored["du"] == ("PT1H30M", "DURATION")
    for key in ("s", "b", "i", "f", "d", "l"):
        assert stored[key] == cases[key]


@pytest.mark.parametrize(
    ("kv_type", "text", "value", "stored_type"),
    [
        ("STRING", "42", "42", "STRING"),
        ("NUMBER", "42", 42, "NUMBER"),
        ("NUMBER", " 4.5 ", 4.5, "NUMBER"),
        ("BOOLEAN", "TRUE", True, "BOOLEAN"),
        ("BOOLEAN", "yes", False, "BOOLEAN"),  # Java's parseBoolean never fails
        ("DATETIME", "2026-03-01T14:00:00+02:00", "2026-03-01T12:00:00Z", "DATETIME"),
        ("DATETIME", "2026-03-01T12:00:00.5Z", "2026-03-01T12:00:00.500000Z", "DATETIME"),
        ("DATE", "2026-03-01", "2026-03-01", "DATE"),
        ("DURATION", "P1D", "PT24H", "DURATION"),
        ("DURATION", "pt0.25s", "PT0.25S", "DURATION"),
        ("JSON", '{"a": [1, true]}', {"a": [1, True]}, "JSON"),
        ("JSON", '"quoted"', "quoted", "STRING"),
        ("json", "[1]", [1], "JSON"),
    ],
)
def test_kv_type_converts_strings(kv: KVService, kv_type: str, text: str, value: object,
                                  stored_type: str) -> None:
    entry = kv.set("ns", "k", text, kv_type=kv_type)
    assert (entry.value, entry.type) == (value, stored_type)
    assert kv.get("ns", "k") == value


@pytest.mark.parametrize(("kv_type", "text"), [("NUMBER", "abc"), ("NUMBER", "true"), ("DATETIME", "soon"),
                                               ("DURATION", "1 hour"), ("JSON", "{bad"), ("COLOR", "red")])
def test_bad_conversions_are_validation_errors(kv: KVService, kv_type: str, text: str) -> None:
    with pytest.raises(FlowValidationError) as caught:
        kv.set("ns", "k", text, kv_type=kv_type)
    assert caught.value.issues[0].path in ("value", "kvType")
    assert kv.get("ns", "k", error_on_missing=False) is None


def test_kv_type_leaves_non_strings_alone(kv: KVService) -> None:
    assert kv.set("ns", "k", 5, kv_type="STRING").value == 5


@pytest.mark.parametrize("key", ["", "-lead", ".dot", "has space", "a/b", "ü"])
def test_invalid_keys(kv: KVService, key: str) -> None:
    with pytest.raises(FlowValidationError, match="Key"):
        kv.set("ns", key, "v")
    with pytest.raises(FlowValidationError):
        kv.get("ns", key)


def test_valid_keys(kv: KVService) -> None:
    for key in ("A", "9", "a.b-c_D", "11_chat_with_rag-embedding-store"):
        kv.set("ns", key, "v")
    assert len(kv.list_keys("ns")) == 4


def test_ttl(kv: KVService) -> None:
    assert kv.set("ns", "k", "v", ttl="P1D").expiration_date == later(days=1)
    assert kv.set("ns", "k", "v", ttl=timedelta(seconds=5)).expiration_date == later(seconds=5)
    for bad in ("tomorrow", "PT0S", "-PT1H"):
        with pytest.raises(FlowValidationError):
            kv.set("ns", "k", "v", ttl=bad)


def test_overwrite_false(kv: KVService) -> None:
    kv.set("ns", "k", "one", ttl="PT1M")
    with pytest.raises(ConflictError, match="Key already exists and `overwrite` is set to `false`"):
        kv.set("ns", "k", "two", overwrite=False)
    assert kv.get("ns", "k") == "one"
    kv.set("ns", "k", "three", overwrite=False, now=later(minutes=2))  # the old one has expired
    assert kv.get("ns", "k", now=later(minutes=2)) == "three"


def test_overwrite_keeps_creation_date(kv: KVService) -> None:
    kv.set("ns", "k", "one")
    updated = kv.set("ns", "k", "two", description="second", now=later(hours=1))
    assert (updated.creation_date, updated.update_date) == (NOW, later(hours=1))
    assert updated.description == "second"


def test_list_keys_and_delete(kv: KVService) -> None:
    kv.set("ns", "b_key", 1)
    kv.set("ns", "a_key", 2)
    kv.set("ns", "a_old", 3, ttl="PT1S")
    kv.set("ns.child", "a_child", 4)
    assert kv.list_keys("ns") == ["a_key", "a_old", "b_key"]
    assert kv.list_keys("ns", now=later(seconds=2)) == ["a_key", "b_key"]
    assert kv.list_keys("ns", prefix="a_") == ["a_key", "a_old"]
    assert kv.delete("ns", "a_key") is True
    assert kv.delete("ns", "a_key") is False
    assert kv.list_keys("ns", prefix="a_") == ["a_old"]


def test_namespace_kv_is_the_task_view(kv: KVService) -> None:
    kv.set("company", "shared", "from parent")
    task_kv = NamespaceKV(kv, "company.team")
    task_kv.set("mine", "1", kv_type="NUMBER")
    assert kv.get("company.team", "mine") == 1
    assert task_kv.get("shared") == "from parent"  # parents searched without a namespace
    assert task_kv.get("shared", namespace="company.team", error_on_missing=False) is None
    assert task_kv.get("shared", namespace="company") == "from parent"
    assert task_kv.keys() == ["mine"]
    assert task_kv.delete("mine") is True


def test_service_accepts_any_kv_store() -> None:
    service = KVService(MemoryKVStore(MemoryStores()._journal))
    service.set("ns", "k", "v")
    assert service.get("ns", "k") == "v"
