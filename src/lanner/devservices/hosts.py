"""Host names of the course's Docker network, mapped to this machine.

Course flows say ``jdbc:postgresql://pgdatabase:5432/ny_taxi``: ``pgdatabase`` is a docker-compose
service name. Lanner maps it with the ``hosts`` configuration section::

    hosts:
      pgdatabase: 127.0.0.1            # host only: the port stays (or follows the managed server)
      "warehouse:5432": db.internal:6543   # host:port keys and values are allowed too

Built in: ``pgdatabase -> 127.0.0.1``, and when the managed PostgreSQL (``lanner services up``)
listens elsewhere than 5432, ``pgdatabase:5432 -> 127.0.0.1:<its port>``. Explicit entries win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lanner.settings import Settings

MANAGED_POSTGRES_ALIAS = "pgdatabase"
DEFAULT_HOSTS: Mapping[str, str] = {MANAGED_POSTGRES_ALIAS: "127.0.0.1"}
_POSTGRES_SCHEMES = ("postgresql", "postgres", "jdbc:postgresql")
_URL = re.compile(r"^(?P<scheme>(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]*)://(?P<userinfo>[^@/?#]*@)?"
                  r"(?P<host>\[[^\]]*\]|[^:/?#,]*)(?::(?P<port>\d+))?(?P<rest>[/?#].*)?$", re.DOTALL)


def _split(address: str) -> tuple[str, int | None]:
    host, sep, port = str(address).strip().rpartition(":")
    if sep and port.isdigit() and host and not host.endswith(":"):
        return host, int(port)
    return str(address).strip(), None


def _configured(settings: Settings | None) -> dict[tuple[str, int | None], tuple[str, int | None]]:
    section = settings.section("hosts") if settings is not None else None
    table: dict[tuple[str, int | None], tuple[str, int | None]] = {}
    for source, target in {**DEFAULT_HOSTS, **(section if isinstance(section, Mapping) else {})}.items():
        host, port = _split(str(source))
        table[(host.lower(), port)] = _split(str(target))
    return table


def _managed_port(settings: Settings | None) -> int | None:
    """The port of the managed PostgreSQL: the running one, else the configured one."""
    if settings is None:
        return None
    from lanner.devservices.pgprocess import read_postmaster
    from lanner.devservices.postgres import managed_data_dir

    running = read_postmaster(managed_data_dir(settings) / "pgdata")
    if running is not None:
        return running.port
    configured = settings.section("services", "postgres", "port")
    return int(configured) if configured else None


def resolve_address(host: str, port: int | None, settings: Settings | None = None, *,
                    follow_managed: bool = True, managed_port: int | None = None) -> tuple[str, int | None]:
    """Map ``(host, port)``.

    ``follow_managed``: ``pgdatabase`` on the course port goes to the managed PostgreSQL's port
    (``managed_port`` if given, else the running server's, else the configured one).
    """
    table = _configured(settings)
    key = host.lower()
    if port is not None and (key, port) in table:  # "host:port" entries are the most specific
        new_host, new_port = table[(key, port)]
        return new_host, new_port if new_port is not None else port
    if (key, None) not in table:
        return host, port
    new_host, new_port = table[(key, None)]
    if new_port is not None:
        return new_host, new_port
    if follow_managed and key == MANAGED_POSTGRES_ALIAS and port in (None, 5432):
        managed = managed_port if managed_port is not None else _managed_port(settings)
        if managed is not None:
            return new_host, managed
    return new_host, port


def resolve_host(host: str, settings: Settings | None = None) -> str:
    """``pgdatabase`` -> ``127.0.0.1`` (or whatever ``hosts`` says); unknown names unchanged."""
    return resolve_address(host, None, settings, follow_managed=False)[0]


def rewrite_url(url: str, settings: Settings | None = None, *, managed_port: int | None = None) -> str:
    """Rewrite the host (and port) of ``scheme://[user@]host[:port]/...`` URLs, JDBC ones included."""
    match = _URL.match(url)
    if not match or not match["host"]:
        return url
    port = int(match["port"]) if match["port"] else None
    # Only PostgreSQL URLs follow the managed server's port.
    host, new_port = resolve_address(match["host"], port, settings, managed_port=managed_port,
                                     follow_managed=match["scheme"].lower() in _POSTGRES_SCHEMES)
    if (host, new_port) == (match["host"], port):
        return url
    where = host if new_port is None else f"{host}:{new_port}"
    return f"{match['scheme']}://{match['userinfo'] or ''}{where}{match['rest'] or ''}"


def rewrite_jdbc_url(url: str, settings: Settings | None = None, *, managed_port: int | None = None) -> str:
    """``jdbc:postgresql://pgdatabase:5432/ny_taxi`` -> ``jdbc:postgresql://127.0.0.1:5432/ny_taxi``.

    The port becomes the managed PostgreSQL's when it runs (or is configured) on another one.
    """
    return rewrite_url(url, settings, managed_port=managed_port)


def effective_hosts(settings: Settings | None = None, *, managed_port: int | None = None) -> dict[str, str]:
    """The whole mapping as one plain ``hosts`` table, for code that only takes a table.

    Built-ins, then the configuration, then ``pgdatabase:5432 -> 127.0.0.1:<port>`` when the
    managed PostgreSQL runs (or is configured) on another port and nothing explicit says otherwise.
    The runtime can hand this to the JDBC tasks as their ``hosts`` section.
    """
    section = settings.section("hosts") if settings is not None else None
    configured = section if isinstance(section, Mapping) else {}
    table = {**DEFAULT_HOSTS, **{str(k): str(v) for k, v in configured.items()}}
    host, port = resolve_address(MANAGED_POSTGRES_ALIAS, 5432, settings, managed_port=managed_port)
    if port != 5432 and f"{MANAGED_POSTGRES_ALIAS}:5432" not in {k.lower() for k in table}:
        table[f"{MANAGED_POSTGRES_ALIAS}:5432"] = f"{host}:{port}"
    return table
