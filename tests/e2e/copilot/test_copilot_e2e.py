"""``lanner copilot`` and ``lanner flow fix`` as processes, against a local fake OpenAI-compatible
server configured through ``LANNER_CONFIGURATION``; the results pass ``lanner validate``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from lanner.llm.fakeserver import FakeLLMServer
from tests.e2e.conftest import LANNER

KEY = "sk-e2e-SECRET-9876543210"
INVALID = """\
id: taxi_to_bigquery
namespace: company.team
tasks:
  - id: extract
    type: io.kestra.plugin.core.http.Download
    uri: https://example.com/yellow_tripdata_2019-01.csv
  - id: load
    type: io.kestra.plugin.gcp.bigquery.LoadCsv
    from: "{{ outputs.extract.uri }}"
    destinationTable: my-project.zoomcamp.yellow_tripdata
"""
VALID = INVALID.replace("bigquery.LoadCsv", "bigquery.Load") + "    format: CSV\n"
CRYPTO = """\
id: crypto-pipeline
namespace: data-ingestion
tasks:
  - id: run-dlt
    type: io.kestra.core.tasks.scripts.Python
    script: |
      import os
      os.system("python dlt_pipeline.py")
schedule:
  type: "interval"
  interval: "PT1H"
"""
# Runs `lanner` with the copilot commands registered even where main.COMMANDS does not list them yet.
SHIM = ("import sys; from lanner.cli import main as m; "
        "m.COMMANDS.setdefault('copilot', ('lanner.cli.copilot', 'AI copilot')); "
        "m.COMMANDS.setdefault('flow', ('lanner.cli.flow', 'Flow tools')); sys.exit(m.main(sys.argv[1:]))")

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def cli(server: FakeLLMServer, tmp_path: Path) -> Cli:
    config = {"ai": {"type": "openai", "max-retries": 0, "openai": {
        "base-url": server.url + "/v1", "api-key": KEY, "model-name": "fake-model"},
        "copilot": {"retrieval": "lexical"}}}
    environ = {**os.environ, "LANNER_HOME": str(tmp_path / "home"),
               "LANNER_CONFIGURATION": yaml.safe_dump(config)}

    def run(*args: str, shim: bool = True) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", SHIM, *args] if shim else [LANNER, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, env=environ, cwd=tmp_path,
                              check=False)

    return run


def test_copilot_repairs_an_invalid_draft_and_the_flow_validates(cli: Cli, server: FakeLLMServer,
                                                                 tmp_path: Path) -> None:
    server.add_reply(f"```yaml\n{INVALID}```\nFirst try.")
    server.add_reply(f"```yaml\n{VALID}```\nDownloads the CSV, then loads it into BigQuery.")
    request = "Create a flow that loads NYC taxi data from a CSV file to BigQuery"
    result = cli("copilot", request, "-o", "out.yaml")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and KEY not in result.stdout + result.stderr
    assert (tmp_path / "out.yaml").read_text() == VALID
    check = cli("validate", "out.yaml", shim=False)
    assert check.returncode == 0, check.stdout
    assert "out.yaml: OK" in check.stdout
    asked = server.chat_requests()
    assert len(asked) == 2
    assert "Invalid type: io.kestra.plugin.gcp.bigquery.LoadCsv" in asked[1].text()
    assert "### io.kestra.plugin.gcp.bigquery.Load (task)" in asked[0].text()


def test_copilot_exits_1_when_no_valid_flow_comes(cli: Cli, server: FakeLLMServer, tmp_path: Path) -> None:
    for _ in range(3):
        server.add_reply(f"```yaml\n{INVALID}```")
    result = cli("copilot", "taxi CSV to BigQuery", "-o", "out.yaml")
    assert result.returncode == 1
    assert "INVALID after 3 attempt(s)" in result.stderr
    assert "out.yaml:10:11: error: tasks[1].type: Invalid type" in result.stderr  # lines of the written file
    assert cli("validate", "out.yaml", shim=False).returncode == 1


def test_flow_fix_rewrites_the_crypto_pipeline(cli: Cli, server: FakeLLMServer, tmp_path: Path) -> None:
    (tmp_path / "crypto.yaml").write_text(CRYPTO)
    result = cli("flow", "fix", "crypto.yaml", "--write")
    assert result.returncode == 0, result.stderr
    assert "+    type: io.kestra.plugin.scripts.python.Script" in result.stdout  # the diff
    assert server.chat_requests() == []  # deterministic: no model needed
    fixed = yaml.safe_load((tmp_path / "crypto.yaml").read_text())
    assert fixed["triggers"][0]["cron"] == "0 * * * *"
    assert fixed["tasks"][0]["script"].startswith("import os")
    assert cli("validate", "crypto.yaml", shim=False).returncode == 0
