"""Which credentials ``lanner server`` uses, and the start-up deployment of flow files."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from lanner.runtime.standalone import COURSE_CREDENTIALS, deploy_startup_flows, resolve_credentials
from lanner.settings import Settings


def test_configured_credentials_win(tmp_path: Path) -> None:
    settings = Settings(tmp_path, {"server": {"basic-auth": {"username": "me@x.io", "password": "pw"}}})
    creds = resolve_credentials(settings, "0.0.0.0")
    assert (creds.username, creds.password, creds.origin) == ("me@x.io", "pw", "configuration")


def test_course_defaults_on_loopback(tmp_path: Path) -> None:
    creds = resolve_credentials(Settings(tmp_path), "127.0.0.1")
    assert (creds.username, creds.password) == COURSE_CREDENTIALS
    assert not (tmp_path / "credentials").exists()


def test_generated_once_on_other_addresses(tmp_path: Path) -> None:
    first = resolve_credentials(Settings(tmp_path), "0.0.0.0")
    assert first.origin == "generated" and len(first.password) >= 20
    path = tmp_path / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = resolve_credentials(Settings(tmp_path), "0.0.0.0")
    assert second.origin == "credentials-file" and second.password == first.password


def test_startup_flows_skip_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("id: a\nnamespace: n\ntasks: []\n", "utf-8")
    (tmp_path / "notes.txt").write_text("ignored", "utf-8")
    deployed: list[str] = []

    def deploy(source: str) -> None:
        if "tasks: []" in source:
            from lanner.errors import FlowValidationError, Issue

            raise FlowValidationError([Issue("tasks", "must not be empty", line=3)])
        deployed.append(source)

    out = io.StringIO()
    count = deploy_startup_flows(deploy, tmp_path, out)
    assert count == len(deployed) >= 1  # the bundled blueprints
    assert f"skipped {tmp_path / 'ok.yaml'}:3: tasks: must not be empty" in out.getvalue()
