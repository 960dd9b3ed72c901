"""KV semantics of Kestra 1.x over any ``KVStore`` (kestra-reference §3.11, §5.5, §7.3).

- keys match ``[a-zA-Z0-9][a-zA-Z0-9._-]*``;
- ``get`` without an explicit namespace walks up the parents (``a.b.c`` -> ``a.b`` -> ``a``);
  a missing key fails with "The key 'K' does not exist in the namespace 'NS'." unless
  ``error_on_missing=False``; an expired key fails (``KVExpiredError``, HTTP 410) and stops
  the walk, as in Kestra;
- ``set`` converts string values with ``kv_type``, infers the type otherwise, applies the TTL,
  and refuses to replace a live key when ``overwrite=False``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.errors import ConflictError, NotFoundError
from lanner.store.kv_values import invalid, parse_duration, typed_value
from lanner.store.ports import KVEntry, KVStore

KEY_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
_KEY_RULE = (
    "Key must start with an alphanumeric character (uppercase or lowercase) and can contain "
    "alphanumeric characters (uppercase or lowercase), dots (.), underscores (_), and hyphens (-) only."
)

Clock = Callable[[], datetime]


class KVExpiredError(NotFoundError):
    """The key exists but its TTL has passed (Kestra answers HTTP 410 Gone)."""


def validate_key(key: str) -> None:
    if not key:
        raise invalid("key", "Key cannot be null or empty")
    if KEY_PATTERN.fullmatch(key) is None:
        raise invalid("key", f"invalid key '{key}': {_KEY_RULE}")


def _parents(namespace: str) -> list[str]:
    """``a.b.c`` -> ``[a.b.c, a.b, a]``."""
    parts = namespace.split(".")
    return [".".join(parts[:size]) for size in range(len(parts), 0, -1)]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KVService:
    def __init__(self, store: KVStore, clock: Clock = _utc_now) -> None:
        self.store = store
        self._clock = clock

    def entry(self, namespace: str, key: str, *, now: datetime | None = None) -> KVEntry:
        """The live entry (with its type, for the API); ``NotFoundError`` / ``KVExpiredError``."""
        validate_key(key)
        found = self.store.get(namespace, key)
        if found is None:
            raise NotFoundError(f"The key '{key}' does not exist in the namespace '{namespace}'.")
        if found.expired(now or self._clock()):
            raise KVExpiredError(f"The key '{key}' in the namespace '{namespace}' has expired.")
        return found

    def get(
        self,
        namespace: str,
        key: str,
        *,
        error_on_missing: bool = True,
        now: datetime | None = None,
        lookup_parents: bool = True,
    ) -> Any:
        """The typed value of ``key``, looked up in ``namespace`` then (``lookup_parents``) in
        its parent namespaces; ``None`` when missing or expired and not ``error_on_missing``."""
        validate_key(key)
        moment = now or self._clock()
        for candidate in _parents(namespace) if lookup_parents else [namespace]:
            found = self.store.get(candidate, key)
            if found is None:
                continue
            if found.expired(moment):
                if error_on_missing:
                    raise KVExpiredError(f"The key '{key}' in the namespace '{candidate}' has expired.")
                return None
            return found.value
        if error_on_missing:
            raise NotFoundError(f"The key '{key}' does not exist in the namespace '{namespace}'.")
        return None

    def set(
        self,
        namespace: str,
        key: str,
        value: Any,
        *,
        kv_type: str | None = None,
        ttl: str | timedelta | None = None,
        overwrite: bool = True,
        description: str | None = None,
        now: datetime | None = None,
    ) -> KVEntry:
        validate_key(key)
        moment = now or self._clock()
        stored_value, stored_type = typed_value(value, kv_type)
        expiration = moment + self._ttl(ttl) if ttl is not None else None
        existing = self.store.get(namespace, key)
        live = existing is not None and not existing.expired(moment)
        if live and not overwrite:
            raise ConflictError(
                f"Cannot set value for key '{key}'. Key already exists and `overwrite` is set to `false`."
            )
        entry = KVEntry(
            namespace=namespace,
            key=key,
            value=stored_value,
            type=stored_type,
            description=description,
            creation_date=existing.creation_date if existing is not None and live else moment,
            update_date=moment,
            expiration_date=expiration,
        )
        self.store.put(entry)
        return entry

    @staticmethod
    def _ttl(ttl: str | timedelta) -> timedelta:
        if isinstance(ttl, timedelta):
            duration = ttl
        else:
            try:
                duration = parse_duration(ttl)
            except ValueError as exc:
                raise invalid("ttl", str(exc), hint="e.g. PT1H, P1D, PT30M") from exc
        if duration <= timedelta(0):
            raise invalid("ttl", f"the TTL must be positive, got '{ttl}'")
        return duration

    def delete(self, namespace: str, key: str) -> bool:
        validate_key(key)
        return self.store.delete(namespace, key)

    def entries(self, namespace: str, *, now: datetime | None = None) -> list[KVEntry]:
        """Live entries of one namespace, sorted by key (the API's list)."""
        moment = now or self._clock()
        return [entry for entry in self.store.list(namespace) if not entry.expired(moment)]

    def list_keys(
        self, namespace: str, prefix: str | None = None, *, now: datetime | None = None
    ) -> list[str]:
        return [
            entry.key
            for entry in self.entries(namespace, now=now)
            if prefix is None or entry.key.startswith(prefix)
        ]


class NamespaceKV:
    """The ``KVAccess`` a task sees (``lanner.plugins.api``): defaults to its flow's namespace.

    Reads without an explicit namespace walk up the parents, as ``kv()`` does in Kestra 1.x.
    """

    def __init__(self, service: KVService, namespace: str) -> None:
        self._service = service
        self._namespace = namespace

    def get(self, key: str, namespace: str | None = None, error_on_missing: bool = True) -> Any:
        return self._service.get(
            namespace or self._namespace,
            key,
            error_on_missing=error_on_missing,
            lookup_parents=namespace is None,
        )

    def set(
        self,
        key: str,
        value: Any,
        namespace: str | None = None,
        *,
        kv_type: str | None = None,
        ttl: str | None = None,
        overwrite: bool = True,
        description: str | None = None,
    ) -> None:
        self._service.set(
            namespace or self._namespace,
            key,
            value,
            kv_type=kv_type,
            ttl=ttl,
            overwrite=overwrite,
            description=description,
        )

    def delete(self, key: str, namespace: str | None = None) -> bool:
        return self._service.delete(namespace or self._namespace, key)

    def keys(self, namespace: str | None = None, prefix: str | None = None) -> list[str]:
        return self._service.list_keys(namespace or self._namespace, prefix)
