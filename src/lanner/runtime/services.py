"""Composition root: builds the stores, file storage and KV service from settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lanner.files.ports import FileStorage
from lanner.settings import Settings, load_settings
from lanner.store.kv_service import KVService
from lanner.store.ports import Stores


def utc_now() -> datetime:
    """The one clock of the runtime (the engine never reads a clock)."""
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    stores: Stores
    files: FileStorage
    kv: KVService
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def config(self) -> Mapping[str, Any]:
        return self.settings.raw

    def close(self) -> None:
        self.stores.close()


def build_services(
    settings: Settings | None = None,
    *,
    repository_url: str | None = None,
    storage_dir: Path | None = None,
) -> Services:
    from lanner.files.local import LocalFileStorage
    from lanner.store import open_stores

    settings = settings or load_settings()
    url = repository_url or settings.repository_url
    stores = open_stores(url)
    files = LocalFileStorage(storage_dir or settings.storage_dir)
    return Services(settings=settings, stores=stores, files=files, kv=KVService(stores.kv),
                    environ=settings.environ)
