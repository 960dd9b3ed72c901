"""``io.kestra.plugin.core.http.Download`` and ``Request`` (reference §3.6)."""

from __future__ import annotations

import re
import secrets
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import Field

from lanner.plugins.api import Prop, RunContext, TaskFailure

from ._http import HttpTask, response_headers
from ._support import render_bool, render_text

_CHUNK = 1024 * 1024
_DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


class Download(HttpTask):
    """Download a file from an HTTP(S) server into internal storage.

    The body is streamed to a file in the working directory (never held in memory), checked
    against ``Content-Length``, then stored. Its name comes from the ``Content-Disposition``
    header, else from the last segment of the URL. Outputs: ``uri`` (``kestra://`` URI of the
    file), ``code``, ``length`` (bytes) and ``headers`` (name -> list of values). An empty body
    fails unless ``failOnEmptyResponse`` is false; a code >= 400 fails unless
    ``options.allowFailed``.
    """

    kestra_type = "io.kestra.plugin.core.http.Download"
    aliases = ("io.kestra.plugin.fs.http.Download",)
    examples = (
        """\
id: download
namespace: company.team

tasks:
  - id: extract
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/orders.csv

  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "Stored {{ outputs.extract.length }} bytes at {{ outputs.extract.uri }}"
""",
    )

    failOnEmptyResponse: Prop[bool] = Field(
        default=True, description="Fail when the downloaded file is empty."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        uri = self.rendered_uri(ctx)
        workdir = ctx.working_dir()
        temp_file = workdir / f"{secrets.token_hex(11)}{_extension(uri)}"
        with self.client(ctx) as client, self.request(ctx, client, uri) as request:
            response = client.send(request, stream=True)
            try:
                self.check_status(ctx, response)
                size = self._stream_to(ctx, response, temp_file)
            finally:
                response.close()
        self.log_response(ctx, response)
        if size == 0:
            if render_bool(ctx, self.failOnEmptyResponse, True) and not self.allow_failed(ctx):
                raise TaskFailure("No response from server")
            ctx.logger.warn(f"File '{uri}' is empty")
        name = _filename_from_header(response.headers.get("content-disposition"))
        # Names are given decoded: the storage percent-encodes them in the URI.
        name = name or _filename_from_uri(uri) or temp_file.name
        ctx.logger.debug(f"File '{uri}' downloaded with size '{size}'")
        ctx.metric("response.length", size, "counter")
        stored = ctx.storage.put_file(temp_file, name)
        return {
            "uri": stored,
            "code": response.status_code,
            "length": size,
            "headers": response_headers(response),
        }

    def _stream_to(self, ctx: RunContext, response: httpx.Response, target: Any) -> int:
        expected = response.headers.get("content-length")
        size = 0
        try:
            with open(target, "wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
                    size += len(chunk)
                    if ctx.is_killed():
                        raise TaskFailure("Download interrupted: the execution was killed")
        except httpx.RemoteProtocolError:
            # h11 refuses a body shorter than its Content-Length: report it as Kestra does.
            if expected is None:
                raise
            raise TaskFailure(
                f"Invalid size, got {response.num_bytes_downloaded}, expected {expected}"
            ) from None
        # Content-Length counts the bytes on the wire (before any Content-Encoding is undone).
        wire_bytes = response.num_bytes_downloaded
        has_body = response.request.method != "HEAD"
        if expected and expected.isdigit() and has_body and int(expected) != wire_bytes:
            raise TaskFailure(f"Invalid size, got {wire_bytes}, expected {expected}")
        return size


def _extension(uri: str) -> str:
    suffix = PurePosixPath(urlsplit(uri).path).suffix
    return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""


def _filename_from_uri(uri: str) -> str | None:
    segment = unquote(urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1])
    return segment if segment not in ("", ".", "..") else None


def _filename_from_header(header: str | None) -> str | None:
    """``filename*=UTF-8''name`` (RFC 5987) wins over ``filename="name"``; paths are cut off."""
    if not header:
        return None
    plain: str | None = None
    extended: str | None = None
    for part in header.split(";"):
        item = part.strip()
        if item.lower().startswith("filename*="):
            value = item.split("=", 1)[1].strip().strip('"')
            extended = unquote(value.split("'", 2)[-1]) if "'" in value else unquote(value)
        elif item.lower().startswith("filename="):
            plain = item.split("=", 1)[1].strip().strip('"')
    name = extended or plain
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name if name not in ("", ".", "..") else None


class Request(HttpTask):
    """Call an HTTP(S) endpoint and keep the response in the outputs.

    Outputs: ``uri``, ``code``, ``headers`` (name -> list of values) and ``body`` (the response
    text; JSON stays text, parse it with ``fromJson``). A code >= 400 fails unless
    ``options.allowFailed``. Responses are limited to ``options.maxContentLength`` (10 MB by
    default): use Download for large payloads.
    """

    kestra_type = "io.kestra.plugin.core.http.Request"
    aliases = ("io.kestra.plugin.fs.http.Request",)
    examples = (
        """\
id: http_post_request_example
namespace: company.team

inputs:
  - id: payload
    type: JSON
    defaults: |
      {"title": "Kestra Pen"}

tasks:
  - id: send_data
    type: io.kestra.plugin.core.http.Request
    uri: https://dummyjson.com/products/add
    method: POST
    contentType: application/json
    body: "{{ inputs.payload }}"

  - id: print_status
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.send_data.code }}: {{ fromJson(outputs.send_data.body).title }}"
""",
    )

    encryptBody: Prop[bool] = Field(
        default=False,
        description="Encrypt the body in the outputs (not supported by Lanner: fails when true).",
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if render_bool(ctx, self.encryptBody):
            raise TaskFailure("encryptBody is not supported: Lanner has no output encryption key")
        uri = self.rendered_uri(ctx)
        limit = int(render_text(ctx, self.options.maxContentLength) or _DEFAULT_MAX_CONTENT_LENGTH)
        with self.client(ctx) as client, self.request(ctx, client, uri) as request:
            response = client.send(request, stream=True)
            try:
                self.check_status(ctx, response)
                raw = _read_limited(response, limit)
            finally:
                response.close()
        charset = response.charset_encoding or self.default_charset(ctx)
        try:
            body = raw.decode(charset) if raw else None
        except (UnicodeDecodeError, LookupError):
            raise TaskFailure(
                "Illegal unicode code point in response body: the Request task only supports text bodies. "
                "You can try using the Download task instead."
            ) from None
        self.log_response(ctx, response, body)
        return {
            "uri": uri,
            "code": response.status_code,
            "headers": response_headers(response),
            "body": body,
        }


def _read_limited(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise TaskFailure(
                f"Response body larger than {limit} bytes: raise options.maxContentLength or use Download"
            )
        chunks.append(chunk)
    return b"".join(chunks)
