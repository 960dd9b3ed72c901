"""``trigger_store``: the scheduler's TriggerStore on each embedded backend (memory, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanner.store.factory import open_stores
from lanner.store.ports import TriggerStore


@pytest.fixture(params=["memory://", "sqlite:///:memory:"], ids=["memory", "sqlite"])
def trigger_store(request: pytest.FixtureRequest) -> Iterator[TriggerStore]:
    stores = open_stores(request.param)
    try:
        yield stores.triggers
    finally:
        stores.close()
