"""The CLI as a client of a running server: deploy, remote run, executions, kv, backfill."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.server.conftest import Server

FLOW = """\
id: greet
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
triggers:
  - id: monthly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 * *"
"""


def test_deploy_then_run_remotely_and_inspect(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "greet.yaml"
    path.write_text(FLOW, "utf-8")
    first = server.cli("deploy", str(path))
    assert first.returncode == 0, first.stderr
    assert "created   company.team.greet revision 1" in first.stdout
    again = server.cli("deploy", str(tmp_path))
    assert again.returncode == 0 and "unchanged" in again.stdout
    path.write_text(FLOW.replace("World", "there"), "utf-8")
    assert "updated   company.team.greet revision 2" in server.cli("deploy", str(path)).stdout

    run = server.cli("remote-run", "company.team.greet", "--input", "name=Ada")
    assert run.returncode == 0, run.stderr
    assert "Hello Ada" in run.stdout and "SUCCESS" in run.stdout
    as_json = server.cli("remote-run", "company.team.greet", "--json")
    execution = json.loads(as_json.stdout)
    assert execution["state"]["current"] == "SUCCESS" and execution["inputs"] == {"name": "there"}

    listed = server.cli("executions", "list", "--flow", "greet")
    assert listed.returncode == 0 and "2 of 2 executions" in listed.stdout
    shown = server.cli("executions", "show", execution["id"], "--json")
    assert json.loads(shown.stdout)["id"] == execution["id"]
    missing = server.cli("executions", "show", "nope")
    assert missing.returncode == 1 and "404" in missing.stderr and "Traceback" not in missing.stderr


def test_deploy_reports_invalid_flows(server: Server, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nnamespace: company.team\ntasks:\n  - id: x\n    type: nope\n", "utf-8")
    result = server.cli("deploy", str(bad))
    assert result.returncode == 1
    assert "not deployed" in result.stderr and "line 5" in result.stderr


def test_kv_set_get_list(server: Server) -> None:
    assert server.cli("kv", "set", "zoomcamp", "GCP_PROJECT_ID", "kestra-sandbox").returncode == 0
    assert server.cli("kv", "set", "zoomcamp", "count", "42").returncode == 0
    assert server.cli("kv", "get", "zoomcamp", "GCP_PROJECT_ID").stdout.strip() == "kestra-sandbox"
    assert json.loads(server.cli("kv", "get", "zoomcamp", "count", "--json").stdout) == {
        "type": "NUMBER", "value": 42}
    assert server.cli("kv", "list", "zoomcamp").stdout.split() == ["GCP_PROJECT_ID", "count"]


@pytest.mark.slow
def test_backfill_dry_run_and_creation(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "greet.yaml"
    path.write_text(FLOW, "utf-8")
    local = server.cli("backfill", str(path), "--start", "2019-01-01", "--end", "2019-03-31", "--dry-run")
    assert local.returncode == 0, local.stderr
    assert local.stdout.splitlines()[:3] == ["2019-01-01T09:00:00Z", "2019-02-01T09:00:00Z",
                                             "2019-03-01T09:00:00Z"]
    assert server.cli("deploy", str(path)).returncode == 0
    remote = server.cli("backfill", "company.team.greet", "--start", "2019-01-01", "--end", "2019-12-31",
                        "--dry-run", "--json")
    assert len(json.loads(remote.stdout)["dates"]) == 12
    created = server.cli("backfill", "company.team.greet", "--start", "2019-01-01", "--end", "2019-03-31",
                         "--label", "backfill=true", "--input", "name=Backfill")
    assert created.returncode == 0, created.stderr
    assert "3 execution(s)" in created.stdout
    with server.http() as client:  # the scheduler thread of the server runs them, one after the other
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page = client.get("/api/v1/main/executions/search",
                              params={"labels": "backfill:true", "state": "SUCCESS"}).json()
            if page["total"] == 3:
                break
            time.sleep(0.1)
        dates = sorted(e["trigger"]["variables"]["date"] for e in page["results"])
        assert dates == ["2019-01-01T09:00:00Z", "2019-02-01T09:00:00Z", "2019-03-01T09:00:00Z"]
        assert {e["inputs"]["name"] for e in page["results"]} == {"Backfill"}


def test_deploy_uploads_namespace_files_that_flows_read(server: Server, tmp_path: Path) -> None:
    files = tmp_path / "files"
    (files / "queries").mkdir(parents=True)
    (files / "queries" / "hello.sql").write_text("SELECT 'hi from a namespace file'", "utf-8")
    flow = tmp_path / "reader.yaml"
    flow.write_text("id: reader\nnamespace: company.team\ntasks:\n  - id: show\n"
                    "    type: io.kestra.plugin.core.debug.Return\n"
                    "    format: \"{{ read('queries/hello.sql') }}\"\n", "utf-8")
    deployed = server.cli("deploy", str(flow), "--namespace-files", str(files), "--namespace", "company.team")
    assert deployed.returncode == 0, deployed.stderr
    assert "uploaded  company.team:/queries/hello.sql" in deployed.stdout
    run = server.cli("run", "company.team.reader", "--json")
    assert run.returncode == 0, run.stderr
    execution = json.loads(run.stdout)
    assert execution["taskRunList"][0]["outputs"] == {"value": "SELECT 'hi from a namespace file'"}
    refused = server.cli("deploy", "--namespace-files", str(files))
    assert refused.returncode == 2 and "--namespace" in refused.stderr
