"""Download and Request against a local ``http.server`` on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lanner.model.state import State
from lanner.tasks.core.http import Download, Request

CSV = b"id,name\n1,Ann\n2,Bob\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: the server closes it

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None, length: int | None = None):
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        routes = {
            "/data/orders.csv": lambda: self._send(200, CSV, {"Content-Type": "text/csv"}),
            "/attachment": lambda: self._send(
                200, CSV, {"Content-Disposition": 'attachment; filename="report 2024.csv"'}
            ),
            "/attachment-rfc5987": lambda: self._send(
                200, CSV, {"Content-Disposition": "attachment; filename*=UTF-8''caf%C3%A9.csv"}
            ),
            "/attachment-path": lambda: self._send(
                200, CSV, {"Content-Disposition": 'attachment; filename="../../etc/passwd"'}
            ),
            "/short": lambda: self._send(200, b"0123456789", length=100),
            "/missing": lambda: self._send(404, b"not here"),
            "/empty": lambda: self._send(200, b""),
            "/redirect": lambda: self._send(302, b"", {"Location": "/data/orders.csv"}),
            "/json": lambda: self._send(200, b'{"ok": true}', {"Content-Type": "application/json"}),
            "/auth": self._auth,
        }
        routes.get(self.path, lambda: self._send(404, b""))()

    def _auth(self):
        expected = "Basic " + base64.b64encode(b"user:s3cret").decode()
        if self.headers.get("Authorization") == expected:
            self._send(200, b"welcome")
        else:
            self._send(401, b"denied")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        echo = {
            "method": "POST",
            "path": self.path,
            "contentType": self.headers.get("Content-Type"),
            "custom": self.headers.get("X-Custom"),
            "body": body,
        }
        code = 500 if self.path == "/fail" else 201
        self._send(code, json.dumps(echo).encode(), {"Content-Type": "application/json; charset=utf-8"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _read(harness, uri: str) -> bytes:
    with harness.files.open(uri) as handle:
        return handle.read()


# --- Download -----------------------------------------------------------------------------------


def test_download_stores_the_file_named_after_the_url(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/data/orders.csv"}))
    assert result.state is State.SUCCESS, result.error
    out = result.outputs
    assert out["code"] == 200
    assert out["length"] == len(CSV)
    assert out["headers"]["content-type"] == ["text/csv"]
    assert out["uri"].startswith(
        "kestra:///company/team/my-flow/executions/exec0000000000000000001/tasks/my-task/"
    )
    assert out["uri"].endswith("/orders.csv")
    assert _read(harness, out["uri"]) == CSV
    assert {m.name: m.value for m in result.metrics}["response.length"] == len(CSV)


def test_download_uses_content_disposition_filename(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/attachment"}))
    assert result.outputs["uri"].endswith("/report%202024.csv")
    assert _read(harness, result.outputs["uri"]) == CSV


def test_download_understands_rfc5987_filenames(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/attachment-rfc5987"}))
    assert result.state is State.SUCCESS, result.error
    assert _read(harness, result.outputs["uri"]) == CSV
    assert result.outputs["uri"].endswith("/caf%C3%A9.csv")


def test_download_drops_paths_from_content_disposition(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/attachment-path"}))
    assert result.outputs["uri"].endswith("/passwd")


def test_download_fails_on_a_short_body(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/short"}))
    assert result.state is State.FAILED
    assert result.error == "Invalid size, got 10, expected 100"
    assert harness.messages("ERROR") == ["Invalid size, got 10, expected 100"]


def test_download_fails_on_404(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/missing"}))
    assert result.state is State.FAILED
    assert result.error == "Failed http request with response code '404'"


def test_download_of_a_404_is_kept_with_allow_failed(harness, server):
    result = harness.run(
        harness.task(Download, {"uri": f"{server}/missing", "options": {"allowFailed": True}})
    )
    assert result.state is State.SUCCESS
    assert result.outputs["code"] == 404
    assert _read(harness, result.outputs["uri"]) == b"not here"


def test_download_fails_on_an_empty_body(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/empty"}))
    assert result.state is State.FAILED
    assert result.error == "No response from server"


def test_download_of_an_empty_body_may_be_allowed(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/empty", "failOnEmptyResponse": False}))
    assert result.state is State.SUCCESS
    assert result.outputs["length"] == 0
    assert harness.messages("WARN") == [f"File '{server}/empty' is empty"]


def test_download_follows_redirects(harness, server):
    result = harness.run(harness.task(Download, {"uri": f"{server}/redirect"}))
    assert result.outputs["code"] == 200
    assert _read(harness, result.outputs["uri"]) == CSV


def test_download_removes_its_working_directory(harness, server):
    harness.run(harness.task(Download, {"uri": f"{server}/data/orders.csv"}))
    assert list((harness.root / "work").iterdir()) == []


def test_download_refuses_other_schemes(harness):
    result = harness.run(harness.task(Download, {"uri": "file:///etc/passwd"}))
    assert result.state is State.FAILED
    assert "only http and https" in result.error


def test_download_connection_refused_fails_cleanly(harness):
    result = harness.run(harness.task(Download, {"uri": "http://127.0.0.1:1/nothing"}))
    assert result.state is State.FAILED
    assert result.error.startswith("ConnectError")


# --- Request ------------------------------------------------------------------------------------


def test_request_posts_a_json_body_and_keeps_the_response_as_text(harness, server):
    task = harness.task(
        Request,
        {
            "uri": f"{server}/products/add",
            "method": "POST",
            "contentType": "application/json",
            "body": '{"title": "{{ inputs.title }}"}',
            "headers": {"X-Custom": "{{ inputs.title }}"},
        },
    )
    result = harness.run(task, {"inputs": {"title": "Kestra Pen"}})
    assert result.state is State.SUCCESS, result.error
    out = result.outputs
    assert out["code"] == 201
    assert out["uri"] == f"{server}/products/add"
    assert isinstance(out["body"], str)
    echo = json.loads(out["body"])
    assert echo["body"] == '{"title": "Kestra Pen"}'
    assert echo["contentType"] == "application/json"
    assert echo["custom"] == "Kestra Pen"
    assert out["headers"]["content-type"] == ["application/json; charset=utf-8"]


def test_request_sends_a_map_body_as_json(harness, server):
    task = harness.task(Request, {"uri": f"{server}/echo", "method": "POST", "body": {"a": 1}})
    echo = json.loads(harness.run(task).outputs["body"])
    assert json.loads(echo["body"]) == {"a": 1}


def test_request_sends_form_data_url_encoded(harness, server):
    task = harness.task(
        Request,
        {
            "uri": f"{server}/login",
            "method": "POST",
            "contentType": "application/x-www-form-urlencoded",
            "formData": {"user": "{{ inputs.user }}", "n": 2},
        },
    )
    echo = json.loads(harness.run(task, {"inputs": {"user": "ann"}}).outputs["body"])
    assert echo["body"] == "user=ann&n=2"


def test_request_uploads_a_stored_file_as_multipart(harness, server):
    uri = harness.files.put_bytes(
        "kestra:///company/team/my-flow/executions/exec0000000000000000001/tasks/up/r1/data.csv", CSV
    )
    task = harness.task(
        Request,
        {
            "uri": f"{server}/upload",
            "method": "POST",
            "contentType": "multipart/form-data",
            "formData": {"file": uri, "note": "hello"},
        },
    )
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    echo = json.loads(result.outputs["body"])
    assert echo["contentType"].startswith("multipart/form-data")
    assert "id,name" in echo["body"] and 'name="note"' in echo["body"]


def test_request_fails_on_a_server_error_unless_allowed(harness, server):
    task = harness.task(Request, {"uri": f"{server}/fail", "method": "POST", "body": "x"})
    result = harness.run(task)
    assert result.state is State.FAILED
    assert result.error == "Failed http request with response code '500'"
    allowed = harness.task(
        Request, {"uri": f"{server}/fail", "method": "POST", "body": "x", "options": {"allowFailed": True}}
    )
    assert harness.run(allowed).outputs["code"] == 500


def test_request_basic_auth_password_is_masked(harness, server):
    harness.env["SECRET_API_PASSWORD"] = base64.b64encode(b"s3cret").decode()
    task = harness.task(
        Request,
        {
            "uri": f"{server}/auth",
            "options": {
                "auth": {"type": "BASIC", "username": "user", "password": "{{ secret('API_PASSWORD') }}"},
                "logs": ["REQUEST_HEADERS"],
            },
        },
    )
    result = harness.run(task)
    assert result.outputs["code"] == 200
    assert result.outputs["body"] == "welcome"
    assert not any("s3cret" in m for m in harness.messages())


def test_request_deprecated_basic_auth_options(harness, server):
    task = harness.task(
        Request,
        {"uri": f"{server}/auth", "options": {"basicAuthUser": "user", "basicAuthPassword": "s3cret"}},
    )
    assert harness.run(task).outputs["body"] == "welcome"


def test_request_rejects_unknown_options():
    with pytest.raises(ValueError):
        Request.model_validate(
            {"id": "r", "type": Request.kestra_type, "uri": "http://x", "options": {"nope": 1}}
        )


def test_request_encrypt_body_is_refused(harness, server):
    result = harness.run(harness.task(Request, {"uri": f"{server}/json", "encryptBody": True}))
    assert result.state is State.FAILED
    assert "encryptBody" in result.error
