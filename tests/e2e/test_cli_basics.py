"""The CLI as a new user meets it: help, bad input, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import SEEDS, Run

HELLO = """id: hello
namespace: company.team
inputs:
  - id: n
    type: INT
    defaults: 1
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "n is {{ inputs.n }}"
"""


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_help_lists_the_commands(lanner: Run) -> None:
    result = lanner("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout and "run" in result.stdout


def test_unknown_command_suggests_the_right_one(lanner: Run) -> None:
    result = lanner("rnu")
    assert result.returncode == 2
    assert "Did you mean 'run'" in result.stderr


def test_missing_file(lanner: Run, tmp_path: Path) -> None:
    result = lanner("run", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "no such flow file" in result.stderr


def test_malformed_yaml_reports_line_and_column(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "bad.yaml"
    flow.write_text("id: x\nnamespace: y\ntasks:\n  - id: a\n   type: b\n")
    result = lanner("run", str(flow))
    assert result.returncode == 1
    _no_traceback(result.stdout + result.stderr)
    assert f"{flow}:5:" in result.stderr


def test_binary_file(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "bin.yaml"
    flow.write_bytes(bytes(range(256)) * 4)
    result = lanner("run", str(flow))
    assert result.returncode == 1
    _no_traceback(result.stdout + result.stderr)
    assert "binary" in result.stderr


def test_huge_file(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "huge.yaml"
    flow.write_text("id: x\nnamespace: y\n# " + "a" * (10 * 1024 * 1024) + "\ntasks: []\n")
    result = lanner("run", str(flow))
    assert result.returncode == 1
    _no_traceback(result.stdout + result.stderr)
    assert "MiB" in result.stderr or "too large" in result.stderr


def test_unknown_input_name_is_refused_with_a_suggestion(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "hello.yaml"
    flow.write_text(HELLO)
    result = lanner("run", str(flow), "--input", "m=3")
    assert result.returncode == 1
    _no_traceback(result.stdout + result.stderr)
    assert "m" in result.stderr and "'n'" in result.stderr


def test_wrong_input_type(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "hello.yaml"
    flow.write_text(HELLO)
    result = lanner("run", str(flow), "--input", "n=abc")
    assert result.returncode == 1
    _no_traceback(result.stdout + result.stderr)
    assert "Invalid input for `n`" in result.stderr


def test_json_output_is_the_kestra_execution(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "hello.yaml"
    flow.write_text(HELLO)
    result = lanner("run", str(flow), "--input", "n=7", "--json")
    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    assert execution["state"]["current"] == "SUCCESS"
    assert execution["flowId"] == "hello" and execution["namespace"] == "company.team"
    assert execution["inputs"] == {"n": 7}
    assert [t["taskId"] for t in execution["taskRunList"]] == ["say"]
    assert execution["taskRunList"][0]["attempts"][0]["state"]["current"] == "SUCCESS"
    assert [h["state"] for h in execution["state"]["histories"]] == ["CREATED", "RUNNING", "SUCCESS"]
    assert "n is 7" in result.stderr


def test_json_output_masks_secret_inputs(lanner: Run, tmp_path: Path) -> None:
    flow = tmp_path / "secret.yaml"
    flow.write_text("id: secret\nnamespace: company.team\ninputs:\n  - id: pw\n    type: SECRET\n"
                    "  - id: db.password\n    type: SECRET\n"
                    "tasks:\n  - id: ok\n    type: io.kestra.plugin.core.log.Log\n    message: ok\n")
    result = lanner("run", str(flow), "-i", "pw=hunter2secret", "-i", "db.password=s3cr3t!", "--json")
    assert result.returncode == 0, result.stderr
    assert "hunter2secret" not in result.stdout and "s3cr3t!" not in result.stdout
    assert json.loads(result.stdout)["inputs"] == {"pw": "******", "db": {"password": "******"}}


def test_validate_seed_flows(lanner: Run) -> None:
    result = lanner("validate", str(SEEDS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "11 flows, 0 errors" in result.stdout
