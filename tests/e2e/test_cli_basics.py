"""The CLI as a new user meets it: help, bad input, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import LANNER, SEEDS, Run, lanner_environ, stored_executions

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


def test_sigterm_kills_the_execution_like_ctrl_c(tmp_path: Path) -> None:
    """`timeout`, `docker stop` or a cancelled CI job send SIGTERM: the execution must end KILLED,
    its script stopped, not stay RUNNING in the local store holding a concurrency slot."""
    pid_file = tmp_path / "script.pid"
    flow = tmp_path / "long.yaml"
    flow.write_text(f"""id: long
namespace: company.team
concurrency:
  limit: 1
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo $$ > {pid_file}
      - sleep 60
""")
    home = tmp_path / "home"
    process = subprocess.Popen([LANNER, "run", str(flow)], env=lanner_environ(home), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    script_pid = int(pid_file.read_text())
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1, output
    assert "KILLED" in output and "Traceback" not in output
    with pytest.raises(ProcessLookupError):
        os.kill(script_pid, 0)
    [execution] = stored_executions(home, "long")
    assert execution.state.current.value == "KILLED"


def test_run_deploys_the_subflows_declared_beside_the_file(lanner: Run, tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text("""id: parent
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
    inputs:
      n: 4
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "child said {{ outputs.call.outputs.doubled }}"
""")
    child = """id: child
namespace: company.team
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * FACTOR }}"
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value }}"
"""
    (tmp_path / "child.yaml").write_text(child.replace("FACTOR", "2"))
    (tmp_path / "broken.yaml").write_text("not: [valid\n")  # an unrelated file stays unread
    first = lanner("run", str(tmp_path / "parent.yaml"))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "child said 8" in first.stdout and "child.yaml: deployed" in first.stderr
    (tmp_path / "child.yaml").write_text(child.replace("FACTOR", "3"))  # edited: the new one runs
    second = lanner("run", str(tmp_path / "parent.yaml"))
    assert "child said 12" in second.stdout, second.stdout + second.stderr


def test_a_reader_that_leaves_does_not_stop_the_flow(tmp_path: Path) -> None:
    """`lanner run flow.yaml | head -1`: the pipe closes after one line; the flow still runs to its
    end, its state is stored and the exit code says how it ended (rich's broken-pipe handling had
    ended the runtime's thread, and the command then hung)."""
    flow = tmp_path / "chatty.yaml"
    flow.write_text("""id: chatty
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3, 4, 5, 6, 7, 8]
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: "line {{ taskrun.value }} {{ range(1, 200) | join('') }}"
""")
    home = tmp_path / "home"
    process = subprocess.Popen([LANNER, "run", str(flow)], env=lanner_environ(home), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    assert "Flow started" in process.stdout.readline()
    process.stdout.close()  # the reader leaves, as `head -1` does
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in process.stderr.read()
    process.stderr.close()
    [execution] = stored_executions(home, "chatty")
    assert execution.state.current.value == "SUCCESS"
