"""What Download and Request share (Kestra's ``AbstractHttp`` and ``HttpConfiguration``).

Built on httpx. Options keep Kestra's names, deprecated ones included (``readTimeout``,
``basicAuthUser``...), so flows written for any 0.x/1.x version validate.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Generator, Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure

from ._support import parse_duration, render_bool, render_text, to_text

USER_AGENT = "lanner (Kestra-compatible)"
LogPart = Literal["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeoutOptions(_Options):
    connectTimeout: Prop[str] | None = Field(
        default=None, description="Time allowed to connect (ISO duration)."
    )
    readIdleTimeout: Prop[str] | None = Field(
        default="PT5M", description="Time allowed without receiving data (ISO duration)."
    )


class ProxyOptions(_Options):
    type: Prop[Literal["DIRECT", "HTTP", "SOCKS"]] = Field(default="DIRECT", description="The proxy type.")
    address: Prop[str] | None = Field(default=None, description="The proxy host.")
    port: Prop[int] | None = Field(default=None, description="The proxy port.")
    username: Prop[str] | None = Field(default=None, description="The proxy user.")
    password: Prop[str] | None = Field(default=None, description="The proxy password.")


class AuthOptions(_Options):
    type: Prop[Literal["BASIC", "BEARER", "DIGEST"]] = Field(description="The authentication scheme.")
    username: Prop[str] | None = Field(default=None, description="User for BASIC/DIGEST.")
    password: Prop[str] | None = Field(default=None, description="Password for BASIC/DIGEST.")
    token: Prop[str] | None = Field(default=None, description="Token for BEARER.")


class SslOptions(_Options):
    insecureTrustAllCertificates: Prop[bool] | None = Field(
        default=None, description="Accept any server certificate (dangerous: testing only)."
    )


class HttpOptions(_Options):
    """HTTP client settings (Kestra's ``options``)."""

    timeout: TimeoutOptions | None = Field(default=None, description="Connect and read timeouts.")
    proxy: ProxyOptions | None = Field(default=None, description="A proxy to go through.")
    auth: AuthOptions | None = Field(default=None, description="Authentication to send.")
    ssl: SslOptions | None = Field(default=None, description="TLS settings.")
    followRedirects: Prop[bool] = Field(default=True, description="Follow redirects.")
    allowFailed: Prop[bool] = Field(default=False, description="Do not fail on a response code >= 400.")
    defaultCharset: Prop[str] = Field(
        default="UTF-8", description="Charset of the body when the server gives none."
    )
    logs: list[LogPart] | None = Field(default=None, description="Parts of request/response to log (DEBUG).")
    # Deprecated names, still accepted.
    connectTimeout: Prop[str] | None = Field(
        default=None, description="Deprecated: use timeout.connectTimeout."
    )
    readTimeout: Prop[str] | None = Field(
        default=None, description="Deprecated: use timeout.readIdleTimeout."
    )
    readIdleTimeout: Prop[str] | None = Field(
        default=None, description="Deprecated: use timeout.readIdleTimeout."
    )
    connectionPoolIdleTimeout: Prop[str] | None = Field(default=None, description="Deprecated, ignored.")
    maxContentLength: Prop[int] | None = Field(default=None, description="Largest response body for Request.")
    proxyType: Prop[str] | None = Field(default=None, description="Deprecated: use proxy.type.")
    proxyAddress: Prop[str] | None = Field(default=None, description="Deprecated: use proxy.address.")
    proxyPort: Prop[int] | None = Field(default=None, description="Deprecated: use proxy.port.")
    proxyUsername: Prop[str] | None = Field(default=None, description="Deprecated: use proxy.username.")
    proxyPassword: Prop[str] | None = Field(default=None, description="Deprecated: use proxy.password.")
    basicAuthUser: Prop[str] | None = Field(default=None, description="Deprecated: use auth (type BASIC).")
    basicAuthPassword: Prop[str] | None = Field(
        default=None, description="Deprecated: use auth (type BASIC)."
    )
    logLevel: str | None = Field(default=None, description="Deprecated: use logs.")


class HttpTask(RunnableTask):
    """Properties common to HTTP tasks."""

    uri: Prop[str] = Field(description="The URL to call. Rendered.")
    method: Prop[str] = Field(default="GET", description="The HTTP method. Rendered.")
    body: Prop[str] | dict[str, Any] | list[Any] | None = Field(
        default=None, description="The request body (a map or list is sent as JSON). Rendered."
    )
    formData: dict[str, Any] | str | None = Field(
        default=None,
        description="Form fields; with contentType `multipart/form-data` a `kestra://` value (or a "
        "`{name, content}` map) uploads that file. Rendered.",
    )
    contentType: Prop[str] = Field(default="application/json", description="The request Content-Type.")
    headers: dict[str, Any] | str | None = Field(default=None, description="Request headers. Rendered.")
    options: HttpOptions = Field(default_factory=HttpOptions, description="HTTP client options.")
    auth: AuthOptions | None = Field(default=None, description="Authentication (same as options.auth).")
    allowFailed: Prop[bool] | None = Field(default=None, description="Deprecated: use options.allowFailed.")
    sslOptions: SslOptions | None = Field(default=None, description="Deprecated: use options.ssl.")

    # --- rendering helpers -------------------------------------------------------------

    def rendered_uri(self, ctx: RunContext) -> str:
        uri = (render_text(ctx, self.uri) or "").strip().replace(" ", "%20")
        if urlsplit(uri).scheme not in ("http", "https"):
            raise TaskFailure(f"Invalid uri '{uri}': only http and https URLs are supported")
        return uri

    def allow_failed(self, ctx: RunContext) -> bool:
        if self.allowFailed is not None and render_bool(ctx, self.allowFailed):
            return True
        return render_bool(ctx, self.options.allowFailed)

    def default_charset(self, ctx: RunContext) -> str:
        return render_text(ctx, self.options.defaultCharset) or "UTF-8"

    # --- client and request ----------------------------------------------------------------

    def client(self, ctx: RunContext) -> httpx.Client:
        opts = self.options
        timeouts = opts.timeout or TimeoutOptions()
        connect = _seconds(ctx, timeouts.connectTimeout or opts.connectTimeout)
        read = _seconds(ctx, opts.readTimeout or opts.readIdleTimeout or timeouts.readIdleTimeout)
        ssl = opts.ssl or self.sslOptions
        insecure = ssl is not None and render_bool(ctx, ssl.insecureTrustAllCertificates)
        return httpx.Client(
            timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=None),
            follow_redirects=render_bool(ctx, opts.followRedirects, True),
            verify=not insecure,
            proxy=self._proxy(ctx),
            auth=self._auth(ctx),
            headers={"User-Agent": USER_AGENT},
        )

    def _auth(self, ctx: RunContext) -> httpx.Auth | None:
        auth = self.auth or self.options.auth
        if auth is None and self.options.basicAuthUser is not None:
            auth = AuthOptions(
                type="BASIC", username=self.options.basicAuthUser, password=self.options.basicAuthPassword
            )
        if auth is None:
            return None
        kind = (render_text(ctx, auth.type) or "").upper()
        if kind == "BEARER":
            token = render_text(ctx, auth.token) or ""
            ctx.mask(token)
            return _BearerAuth(token)
        username = render_text(ctx, auth.username) or ""
        password = render_text(ctx, auth.password) or ""
        ctx.mask(password)
        if kind == "DIGEST":
            return httpx.DigestAuth(username, password)
        return httpx.BasicAuth(username, password)

    def _proxy(self, ctx: RunContext) -> str | None:
        opts = self.options
        proxy = opts.proxy or ProxyOptions()
        kind = (
            render_text(ctx, proxy.type if opts.proxyType is None else opts.proxyType) or "DIRECT"
        ).upper()
        if kind == "DIRECT":
            return None
        address = render_text(ctx, proxy.address or opts.proxyAddress)
        port = render_text(ctx, proxy.port if proxy.port is not None else opts.proxyPort)
        if not address:
            raise TaskFailure("A proxy of type HTTP or SOCKS needs an address")
        user = render_text(ctx, proxy.username or opts.proxyUsername)
        password = render_text(ctx, proxy.password or opts.proxyPassword)
        credentials = f"{user}:{password or ''}@" if user else ""
        scheme = "socks5" if kind == "SOCKS" else "http"
        return f"{scheme}://{credentials}{address}" + (f":{port}" if port else "")

    @contextlib.contextmanager
    def request(self, ctx: RunContext, client: httpx.Client, uri: str) -> Iterator[httpx.Request]:
        """Build the request to ``uri`` (``rendered_uri``, rendered once by the caller); files
        opened for a multipart upload stay open while it is used."""
        method = (render_text(ctx, self.method) or "GET").upper()
        content_type = render_text(ctx, self.contentType)
        headers = {key: to_text(value) for key, value in _map(ctx, self.headers, "headers").items()}
        form = _map(ctx, self.formData, "formData")
        with contextlib.ExitStack() as stack:
            kwargs: dict[str, Any] = {}
            if form:
                if content_type == "multipart/form-data":
                    data, files = self._multipart(ctx, form, stack)
                    kwargs.update(data=data, files=files)
                else:
                    kwargs["data"] = {key: to_text(value) for key, value in form.items()}
            elif self.body is not None:
                body = ctx.render(self.body)
                text = body if isinstance(body, str) else json.dumps(body)
                kwargs["content"] = text.encode(self.default_charset(ctx))
                if content_type:
                    headers.setdefault("Content-Type", content_type)
            elif content_type:
                headers.setdefault("Content-Type", content_type)
            request = client.build_request(method, uri, headers=headers, **kwargs)
            self._log_request(ctx, request)
            yield request

    def _multipart(
        self, ctx: RunContext, form: dict[str, Any], stack: contextlib.ExitStack
    ) -> tuple[dict[str, str], dict[str, Any]]:
        data: dict[str, str] = {}
        files: dict[str, Any] = {}
        workdir = ctx.working_dir()
        for key, value in form.items():
            if isinstance(value, str) and value.startswith("kestra://"):
                local = ctx.storage.download(
                    value, workdir / f"upload-{len(files)}-{value.rsplit('/', 1)[-1]}"
                )
                files[key] = (local.name, stack.enter_context(local.open("rb")))
            elif isinstance(value, dict) and "name" in value and "content" in value:
                name = to_text(value["name"])
                local = ctx.storage.download(
                    to_text(value["content"]), workdir / f"upload-{len(files)}-{name}"
                )
                files[key] = (name, stack.enter_context(local.open("rb")))
            elif isinstance(value, str):
                data[key] = value
            else:
                data[key] = json.dumps(value)
        return data, files

    def _log_request(self, ctx: RunContext, request: httpx.Request) -> None:
        parts = set(self.options.logs or ())
        if "REQUEST_HEADERS" in parts:
            ctx.logger.debug(f"Request headers: {dict(request.headers)}")
        if "REQUEST_BODY" in parts:
            try:
                ctx.logger.debug(f"Request body: {request.content.decode(errors='replace')}")
            except httpx.RequestNotRead:  # a streamed multipart upload
                ctx.logger.debug("Request body: <multipart upload>")

    def log_response(self, ctx: RunContext, response: httpx.Response, body: str | None = None) -> None:
        parts = set(self.options.logs or ())
        if "RESPONSE_HEADERS" in parts:
            ctx.logger.debug(f"Response headers: {response_headers(response)}")
        if "RESPONSE_BODY" in parts and body is not None:
            ctx.logger.debug(f"Response body: {body}")

    def check_status(self, ctx: RunContext, response: httpx.Response) -> None:
        if response.status_code >= 400 and not self.allow_failed(ctx):
            raise TaskFailure(f"Failed http request with response code '{response.status_code}'")


class _BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def response_headers(response: httpx.Response) -> dict[str, list[str]]:
    """Headers as Kestra outputs them: lower-case name -> every value."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    return headers


def _seconds(ctx: RunContext, value: Any) -> float | None:
    text = render_text(ctx, value)
    if not text:
        return None
    return parse_duration(text, "timeout").total_seconds()


def _map(ctx: RunContext, value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    rendered = ctx.render_typed(value) if isinstance(value, str) else ctx.render(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"Invalid {what}: expected a map") from None
    if not isinstance(rendered, dict):
        raise TaskFailure(f"Invalid {what}: expected a map")
    return {to_text(key): item for key, item in rendered.items()}
