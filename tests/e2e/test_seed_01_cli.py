"""Acceptance of the core issue for seed flow 01, through the real `lanner run`."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import SEEDS, Run


@pytest.mark.slow
def test_hello_world_runs_with_kestra_semantics(lanner: Run) -> None:
    start = time.monotonic()
    result = lanner("run", str(SEEDS / "01_hello_world.yaml"), "--input", "name=Ada", "--json")
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    execution = json.loads(result.stdout)
    assert execution["state"]["current"] == "SUCCESS"
    runs = execution["taskRunList"]
    assert [r["taskId"] for r in runs] == ["hello_message", "generate_output", "sleep", "log_output",
                                           "goodbye_message"]
    assert runs[1]["outputs"] == {"value": "I was generated during this workflow."}
    assert elapsed >= 15, "Sleep PT15S must really wait"
    logs = result.stderr
    assert "ERROR" in logs and "Hello, Ada!" in logs
    assert "This is an output: I was generated during this workflow." in logs
    assert "Goodbye, Ada!" in logs
    # The Return value is logged (at DEBUG, as Kestra does).
    assert logs.count("I was generated during this workflow.") >= 2
    for line in logs.splitlines():
        if "Hello, Ada!" in line or "Goodbye, Ada!" in line:
            assert " ERROR " in f" {line} ", line
