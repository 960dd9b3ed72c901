"""``lanner copilot`` and ``lanner flow fix`` in-process, against a local fake OpenAI-compatible
server; the API key never appears in logs or outputs."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.unit.copilot.flows import UNKNOWN_PROPERTY, VALID, fenced
from tests.unit.copilot.test_legacy_fix import TEMPLATE

from lanner.cli import copilot as copilot_cli
from lanner.cli import flow as flow_cli
from lanner.llm.fakeserver import FakeLLMServer, FakeReply

KEY = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def configured(server: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLLMServer:
    config = {"ai": {"type": "openai", "max-retries": 0, "openai": {
        "base-url": server.url + "/v1", "api-key": KEY, "model-name": "fake-model"},
        "copilot": {"retrieval": "lexical"}}}
    monkeypatch.setenv("LANNER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LANNER_CONFIGURATION", yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    return server


def _run(module: object, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    module.configure(parser)  # type: ignore[attr-defined]
    return int(module.execute(parser.parse_args(argv)))  # type: ignore[attr-defined]


def _no_key(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, *files: Path) -> str:
    out, err = capsys.readouterr()
    for text in (out, err, caplog.text, *(f.read_text() for f in files if f.exists())):
        assert KEY not in text
    return out + err


def test_copilot_writes_a_valid_flow_after_a_repair(configured: FakeLLMServer, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    configured.add_reply(fenced(UNKNOWN_PROPERTY))
    configured.add_reply(fenced(VALID))
    out = tmp_path / "out.yaml"
    code = _run(copilot_cli, "Create a flow that loads NYC taxi data from a CSV file to BigQuery",
                "-o", str(out))
    text = _no_key(capsys, caplog, out)
    assert code == 0, text
    assert out.read_text() == VALID
    assert "valid flow (2 attempt(s), lexical retrieval)" in text
    requests = configured.chat_requests()
    assert len(requests) == 2
    assert requests[0].headers.get("Authorization") == f"Bearer {KEY}"  # the key was used, only there
    assert 'Unrecognized field "fileFormat"' in requests[1].text()


def test_copilot_marks_an_invalid_best_attempt_and_exits_1(configured: FakeLLMServer, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(2):
        configured.add_reply(fenced(UNKNOWN_PROPERTY))
    out = tmp_path / "out.yaml"
    code = _run(copilot_cli, "load taxi data to BigQuery", "-o", str(out), "--max-attempts", "2", "--json")
    text = _no_key(capsys, caplog, out)
    assert code == 1
    written = out.read_text()
    assert written.startswith("# INVALID FLOW: `lanner copilot` found no valid flow in 2 attempt(s).")
    report = json.loads(text)
    assert report["status"] == "invalid"
    assert report["errors"][0]["message"] == 'Unrecognized field "fileFormat"'


def test_copilot_edits_a_flow_in_place_with_write(configured: FakeLLMServer, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("# mine\n" + VALID)
    configured.add_reply(fenced(VALID.replace("format: CSV", "format: CSV\n    autodetect: true")))
    code = _run(copilot_cli, "detect the schema automatically", "--flow", str(flow), "--write")
    text = _no_key(capsys, caplog)
    assert code == 0, text
    assert flow.read_text() == "# mine\n" + VALID.replace("format: CSV", "format: CSV\n    autodetect: true")
    assert "+    autodetect: true" in text  # the diff


def test_a_provider_error_never_shows_the_key(configured: FakeLLMServer, capsys: pytest.CaptureFixture[str],
                                              caplog: pytest.LogCaptureFixture) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}"}}  # OpenAI echoes (part of) it
    configured.add_reply(FakeReply(status=401, body=body))
    code = _run(copilot_cli, "say hello")
    text = _no_key(capsys, caplog)
    assert code == 1 and "error:" in text


def test_no_model_configured_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LANNER_HOME", str(tmp_path))
    monkeypatch.delenv("LANNER_CONFIGURATION", raising=False)
    monkeypatch.delenv("LANNER_CONFIG", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert _run(copilot_cli, "say hello") == 1
    assert "no language model is configured" in capsys.readouterr().err


def test_flow_fix_deterministic_then_copilot(configured: FakeLLMServer, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             caplog: pytest.LogCaptureFixture) -> None:
    from tests.unit.copilot.test_legacy_fix import SUBFLOW

    legacy = tmp_path / "tpl.yaml"
    legacy.write_text(TEMPLATE)
    configured.add_reply(fenced(SUBFLOW))
    code = _run(flow_cli, "fix", str(legacy), "--write")
    text = _no_key(capsys, caplog, legacy)
    assert code == 0, text
    assert legacy.read_text() == SUBFLOW
    assert "copilot (1 attempt(s)): used" in text


def test_flow_fix_without_ai_reports_what_is_left(configured: FakeLLMServer, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    legacy = tmp_path / "tpl.yaml"
    legacy.write_text(TEMPLATE)
    assert _run(flow_cli, "fix", str(legacy), "--no-ai") == 1
    err = capsys.readouterr().err
    assert "not rewritten: tasks[0]" in err and "still INVALID" in err
    assert configured.chat_requests() == []
    assert legacy.read_text() == TEMPLATE
