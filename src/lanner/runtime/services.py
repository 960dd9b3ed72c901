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
    """``storage_dir`` overrides ``storage.local.base-path``; it does not apply when the
    settings choose another storage type (``storage.type: gcs``)."""
    from lanner.store import open_stores

    settings = settings or load_settings()
    files = build_file_storage(settings, storage_dir=storage_dir)  # config errors before opening stores
    url = repository_url or settings.repository_url
    stores = open_stores(url)
    return Services(settings=settings, stores=stores, files=files, kv=KVService(stores.kv),
                    environ=settings.environ)


def build_file_storage(settings: Settings, *, storage_dir: Path | None = None) -> FileStorage:
    """The internal storage the settings ask for (``storage.type``: local or gcs)."""
    if settings.storage_type == "gcs":
        from lanner.files.gcs import GcsFileStorage

        gcs = settings.gcs_storage
        return GcsFileStorage(gcs.bucket, prefix=gcs.prefix, project_id=gcs.project_id,
                              service_account=gcs.service_account, endpoint=gcs.emulator_host,
                              timeout=gcs.timeout)
    from lanner.files.local import LocalFileStorage

    return LocalFileStorage(storage_dir or settings.storage_dir)
