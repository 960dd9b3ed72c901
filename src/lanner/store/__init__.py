"""Lanner room: store — the ports (``ports.py``), their memory and SQL adapters, KV semantics."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lanner.store.ports import Stores


def open_stores(url: str) -> Stores:
    """``memory://``, ``sqlite:///path/to/lanner.db`` or ``postgresql://...`` (see
    ``lanner.store.factory``)."""
    from lanner.store.factory import open_stores as _open_stores

    return _open_stores(url)


__all__ = ["open_stores"]
