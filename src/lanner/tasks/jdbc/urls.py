"""JDBC URLs to what Python drivers take, and the ``hosts`` mapping of course host names.

``jdbc:postgresql://host[:port][,host2[:port2]]/db?user=u&sslmode=require`` becomes libpq
keywords (``host``, ``port``, ``dbname``, ``user``, ``sslmode``...), so psycopg connects where
pgjdbc would. Host names go through the ``hosts`` configuration section first (``hosts:
{pgdatabase: "127.0.0.1:54329"}``), so the course's ``jdbc:postgresql://pgdatabase:5432/ny_taxi``
reaches a local server without editing flows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from lanner.plugins.api import TaskFailure

DEFAULT_PORT = 5432
# Without a ``hosts`` section the course's docker-compose service name means this machine.
DEFAULT_HOSTS: Mapping[str, str] = {"pgdatabase": "127.0.0.1"}

# pgjdbc parameter -> libpq keyword (values passed through); others are ignored with a debug log.
_PARAMETERS = {
    "user": "user", "password": "password", "sslmode": "sslmode", "sslrootcert": "sslrootcert",
    "sslcert": "sslcert", "sslkey": "sslkey", "sslpassword": "sslpassword",
    "applicationname": "application_name", "connecttimeout": "connect_timeout",
    "logintimeout": "connect_timeout", "options": "options", "gssencmode": "gssencmode",
    "channelbinding": "channel_binding", "krbsrvname": "krbsrvname", "service": "service",
}
_TARGET_SERVER_TYPE = {"any": "any", "primary": "read-write", "master": "read-write",
                       "secondary": "standby", "slave": "standby", "preferSecondary": "prefer-standby"}
_ADDRESS = re.compile(r"^(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>\d+))?$")


@dataclass
class PgTarget:
    """Where and how to connect: libpq keywords, plus the (mapped) addresses for messages."""

    params: dict[str, Any] = field(default_factory=dict)
    addresses: list[tuple[str, int]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        shown = ",".join(f"{host}:{port}" for host, port in self.addresses) or "the local socket"
        return f"{shown}/{self.params.get('dbname', '')}"


def split_address(address: str, default_port: int | None) -> tuple[str, int | None]:
    match = _ADDRESS.match(address.strip())
    if not match:
        raise TaskFailure(f"Invalid host '{address}' in the JDBC URL")
    host = match["host"]
    if host.startswith("["):
        host = host[1:-1]
    return host, int(match["port"]) if match["port"] else default_port


def map_host(host: str, port: int | None, hosts: Mapping[str, Any] | None) -> tuple[str, int | None]:
    """Apply the ``hosts`` section: ``host -> host[:port]``; a ``host:port`` key is more specific.

    A mapped value without a port keeps the URL's port. Without a ``hosts`` section (``None``),
    the built-in mapping ``pgdatabase -> 127.0.0.1`` applies.
    """
    table = DEFAULT_HOSTS if hosts is None else hosts
    lowered = {str(key).lower(): value for key, value in table.items()}
    key = host.lower()
    target = None
    if port is not None and f"{key}:{port}" in lowered:
        target = lowered[f"{key}:{port}"]
    elif key in lowered:
        target = lowered[key]
    if target is None or str(target).strip() == "":
        return host, port
    new_host, new_port = split_address(str(target), None)
    return new_host, new_port if new_port is not None else port


def hosts_config(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    section = config.get("hosts") if isinstance(config, Mapping) else None
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise TaskFailure("The `hosts` configuration section must be a map of host name -> host[:port]")
    return {**DEFAULT_HOSTS, **section}


def parse_postgres_url(url: str, hosts: Mapping[str, Any] | None = None) -> PgTarget:
    """``jdbc:postgresql://...`` (or ``postgresql://``) -> libpq keywords, hosts mapped."""
    text = (url or "").strip()
    if not text:
        raise TaskFailure("Rendered value of `url` is blank.")
    lowered = text.lower()
    if lowered.startswith("jdbc:postgresql:"):
        rest = text[len("jdbc:postgresql:"):]
    elif lowered.startswith(("postgresql:", "postgres:")):
        rest = text.split(":", 1)[1]
    else:
        raise TaskFailure(f"Invalid url '{text}': a PostgreSQL JDBC URL starts with "
                          "'jdbc:postgresql://', e.g. jdbc:postgresql://localhost:5432/db")
    rest, _, query = rest.partition("?")
    target = PgTarget()
    if rest.startswith("//"):
        authority, _, database = rest[2:].partition("/")
        if "@" in authority:  # postgresql://user:pass@host URLs (libpq style)
            userinfo, _, authority = authority.rpartition("@")
            user, _, password = userinfo.partition(":")
            target.params["user"] = unquote(user)
            if password:
                target.params["password"] = unquote(password)
        for address in filter(None, authority.split(",")):
            host, port = split_address(address, DEFAULT_PORT)
            _add_address(target, host or "localhost", port, hosts)
        if not target.addresses:
            _add_address(target, "localhost", DEFAULT_PORT, hosts)
    else:  # jdbc:postgresql:db means localhost:5432/db
        database = rest.lstrip("/")
        _add_address(target, "localhost", DEFAULT_PORT, hosts)
    target.params["host"] = ",".join(host for host, _ in target.addresses)
    target.params["port"] = ",".join(str(port) for _, port in target.addresses)
    if database:
        target.params["dbname"] = unquote(database)
    for name, value in parse_qsl(query, keep_blank_values=True):
        _apply_parameter(target, name, value)
    return target


def _add_address(target: PgTarget, host: str, port: int | None, hosts: Mapping[str, Any] | None) -> None:
    host, port = map_host(host, port, hosts)
    target.addresses.append((host, port or DEFAULT_PORT))


def _apply_parameter(target: PgTarget, name: str, value: str) -> None:
    key = name.lower()
    if key in _PARAMETERS:
        target.params[_PARAMETERS[key]] = value
    elif key == "ssl":
        if value.lower() in ("true", "1", "") and "sslmode" not in target.params:
            target.params["sslmode"] = "require"
        elif value.lower() == "false" and "sslmode" not in target.params:
            target.params["sslmode"] = "disable"
    elif key == "currentschema":
        options = target.params.get("options", "")
        target.params["options"] = f"{options} -c search_path={value}".strip()
    elif key == "targetservertype":
        target.params["target_session_attrs"] = _TARGET_SERVER_TYPE.get(value, value)
    else:
        target.ignored.append(name)


def ssl_mode(value: str) -> str:
    """Kestra's ``sslMode`` (VERIFY_FULL) -> libpq's (verify-full)."""
    return value.strip().lower().replace("_", "-")


def duckdb_path(url: str | None) -> str | None:
    """``jdbc:duckdb:`` -> None (in memory); ``jdbc:duckdb:/data/x.db`` -> the path."""
    return _embedded_path(url, "duckdb")


def sqlite_path(url: str | None) -> str | None:
    """``jdbc:sqlite:`` or ``jdbc:sqlite::memory:`` -> None; ``jdbc:sqlite:/data/x.db`` -> the path."""
    return _embedded_path(url, "sqlite")


def _embedded_path(url: str | None, driver: str) -> str | None:
    text = (url or "").strip()
    prefix = f"jdbc:{driver}:"
    if not text or text.lower() == prefix.rstrip(":"):
        return None
    if not text.lower().startswith(prefix):
        raise TaskFailure(f"Invalid url '{text}': a {driver} JDBC URL starts with '{prefix}', "
                          f"e.g. {prefix} (in memory) or {prefix}/path/to/file.db")
    path = text[len(prefix):].split("?", 1)[0]
    if path.startswith("//"):
        path = path[2:]
    if path in ("", ":memory:", "memory:") or path.startswith(":memory:"):
        return None
    return unquote(path)
