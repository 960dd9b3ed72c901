"""The CLI as a client of a Lanner (or Kestra) server's REST API.

Server: ``--server URL``, else ``$LANNER_SERVER``, else ``http://localhost:8080``.
Credentials, first found: ``$LANNER_USERNAME``/``$LANNER_PASSWORD``; ``server.basic-auth`` of the
configuration; ``$LANNER_HOME/credentials`` (written by a server that generated its password);
the course's ``admin@kestra.io`` / ``Admin1234!`` (what ``lanner server`` uses on localhost).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from typing import Any

from lanner.errors import LannerError

DEFAULT_SERVER = "http://localhost:8080"
API = "/api/v1/main"


class ClientError(LannerError):
    """The server refused or could not be reached; the message is for the user."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", default=None,
                        help=f"Lanner server (default: $LANNER_SERVER or {DEFAULT_SERVER})")


def server_url(args: argparse.Namespace | None = None) -> str:
    explicit = getattr(args, "server", None) if args is not None else None
    return (explicit or os.environ.get("LANNER_SERVER") or DEFAULT_SERVER).rstrip("/")


def credentials() -> tuple[str, str]:
    user, password = os.environ.get("LANNER_USERNAME"), os.environ.get("LANNER_PASSWORD")
    if user and password:
        return user, password
    from lanner.runtime.standalone import COURSE_CREDENTIALS, read_credentials_file
    from lanner.settings import load_settings

    settings = load_settings()
    return settings.basic_auth or read_credentials_file(settings) or COURSE_CREDENTIALS


def _message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.text.strip() or response.reason_phrase)
    if isinstance(body, dict) and body.get("message"):
        text = str(body["message"])
        errors = (body.get("_embedded") or {}).get("errors") or []
        details = [f"  {e.get('path') or '-'}"
                   + (f" (line {e['line']}, column {e.get('column')})" if e.get("line") else "")
                   + f": {e.get('message')}" for e in errors]
        return "\n".join([text, *details])
    return str(body)


class LannerClient:
    def __init__(self, server: str, auth: tuple[str, str] | None = None, timeout: float = 30.0) -> None:
        import httpx

        self.server = server.rstrip("/")
        self._http = httpx.Client(base_url=self.server, auth=auth or credentials(), timeout=timeout)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LannerClient:
        return cls(server_url(args))

    def __enter__(self) -> LannerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 202, 204),
                **kwargs: Any) -> Any:
        """Call ``/api/v1/main{path}``; the JSON answer (None when empty). Raises ``ClientError``."""
        import httpx

        try:
            response = self._http.request(method, API + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach the Lanner server at {self.server}: {exc}\n"
                              "(start one with 'lanner server', or set --server / LANNER_SERVER)") from None
        if response.status_code not in ok:
            if response.status_code == 401:
                raise ClientError(f"{self.server} refused the credentials (401): set LANNER_USERNAME "
                                  "and LANNER_PASSWORD, or server.basic-auth in the configuration", 401)
            raise ClientError(f"{method} {path}: HTTP {response.status_code}: {_message(response)}",
                              response.status_code, response)
        if not response.content:
            return None
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.text

    def events(self, path: str) -> Iterator[tuple[str, Any]]:
        """Server-sent events of ``path`` as (id, decoded JSON data), until the server ends."""
        import httpx

        try:
            with self._http.stream("GET", API + path, timeout=httpx.Timeout(30.0, read=None)) as response:
                if response.status_code != 200:
                    response.read()
                    raise ClientError(f"GET {path}: HTTP {response.status_code}: {_message(response)}",
                                      response.status_code)
                event_id, data = "", list[str]()
                for line in response.iter_lines():
                    if not line:
                        if data:
                            yield event_id, json.loads("\n".join(data))
                        event_id, data = "", []
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip())
        except httpx.HTTPError as exc:
            raise ClientError(f"lost the connection to {self.server}: {exc}") from None


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def split_flow_ref(ref: str) -> tuple[str, str]:
    """``zoomcamp.01_hello_world`` -> (``zoomcamp``, ``01_hello_world``): the last dot splits
    (write ``NAMESPACE/FLOW_ID`` for a flow id that contains dots)."""
    namespace, dot, flow_id = ref.rpartition("/") if "/" in ref else ref.rpartition(".")
    if not dot or not namespace or not flow_id:
        raise ClientError(f"'{ref}' is not NAMESPACE.FLOW_ID (e.g. zoomcamp.01_hello_world)")
    return namespace, flow_id
