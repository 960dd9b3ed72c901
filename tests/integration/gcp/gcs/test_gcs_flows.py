"""GCS through whole flows: the course's seed flows 06 and 07 unchanged in local mode, and the
clear failures (no credentials in cloud mode, malformed key, existing bucket) without any secret
in logs or outputs."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from lanner.testing import local_runtime, run_flow

SEEDS = Path(__file__).resolve().parents[4].parent / "shared" / "seed-flows"
KEY = {"type": "service_account", "project_id": "fake-project", "private_key_id": "0123456789abcdef0123",
       "private_key": "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYBODY42\n-----END PRIVATE KEY-----\n",
       "client_email": "bot@fake-project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}
SECRETS = ("TOPSECRETKEYBODY42", KEY["private_key_id"], json.dumps(KEY))


def _environ(key_text: str) -> dict[str, str]:
    return {"SECRET_GCP_CREDS": base64.b64encode(key_text.encode()).decode()}


def _local(tmp_path: Path) -> dict[str, Any]:
    return {"gcp": {"mode": "local", "local": {"storage-dir": str(tmp_path / "gcs")}}}


def _shown(logs: list[Any], executions: list[Any]) -> str:
    """Everything a user can see: log lines and the executions' API JSON (outputs, errors)."""
    return "\n".join([e.message for e in logs] + [json.dumps(x.to_api(), default=str) for x in executions])


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No emulator, no ADC, no metadata-server probe, and a private LANNER_HOME."""
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("LANNER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


def test_seed_06_then_07_run_unchanged_in_local_mode(tmp_path: Path) -> None:
    logs: list[Any] = []
    with local_runtime(config=_local(tmp_path), environ=_environ(json.dumps(KEY, indent=2))) as local:
        local.runtime.on_log(logs.append)
        kv = local.wait(local.start(local.runtime.deploy((SEEDS / "06_gcp_kv.yaml").read_text())).id, 60)
        assert kv.state.current.value == "SUCCESS"
        setup_flow = local.runtime.deploy((SEEDS / "07_gcp_setup.yaml").read_text())
        first = local.wait(local.start(setup_flow).id, 60)
        again = local.wait(local.start(setup_flow).id, 60)

    bucket = first.task_runs[0]
    assert bucket.task_id == "create_gcs_bucket" and bucket.state.current.value == "SUCCESS"
    assert bucket.outputs == {"bucket": {"name": "your-name-kestra", "uri": "gs://your-name-kestra",
                                         "location": "europe-west2", "storageClass": "REGIONAL"},
                              "created": True, "updated": False}
    assert (tmp_path / "gcs" / "your-name-kestra").is_dir()
    rerun = again.task_runs[0]
    assert rerun.state.current.value == "SUCCESS" and rerun.outputs is not None
    assert (rerun.outputs["created"], rerun.outputs["updated"]) == (False, False)  # ifExists: SKIP

    assert first.task_runs[1].task_id == "create_bq_dataset"
    assert first.state.current.value == "SUCCESS"
    assert again.state.current.value == "SUCCESS"

    gcs_lines = [e.message for e in logs if e.task_id == "create_gcs_bucket"]
    assert sum(m.startswith("GCP local mode: GCS runs on the local bucket directory") for m in gcs_lines) == 2
    shown = _shown(logs, [kv, first, again])
    assert not any(secret in shown for secret in SECRETS)


BUCKET_FLOW = """
id: bucket
namespace: zoomcamp
tasks:
  - id: create
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: lanner-test-bucket
    ifExists: ERROR
pluginDefaults:
  - type: io.kestra.plugin.gcp
    values:
      serviceAccount: "{{ secret('GCP_CREDS') }}"
      projectId: my-project
"""


def test_missing_credentials_in_cloud_mode_is_a_clear_error() -> None:
    flow = BUCKET_FLOW.split("pluginDefaults:")[0]  # no serviceAccount at all
    result = run_flow(flow, environ={}, timeout=60)
    assert result.state == "FAILED"
    errors = "\n".join(result.messages("ERROR"))
    assert "No Google Cloud credentials" in errors
    assert "serviceAccount" in errors and "gcp: {mode: local}" in errors


@pytest.mark.parametrize("mode", ["local", "cloud"])
def test_malformed_service_account_is_a_clear_error_without_echo(tmp_path: Path, mode: str) -> None:
    bad = '{"type": "service_account", "private_key": "LEAKYVALUE-9000", oops}'
    config = _local(tmp_path) if mode == "local" else {}
    result = run_flow(BUCKET_FLOW, config=config, environ=_environ(bad), timeout=60)
    assert result.state == "FAILED"
    assert any("`serviceAccount` is not valid JSON" in m for m in result.messages("ERROR"))
    shown = _shown(result.logs, [result.execution])
    assert "LEAKYVALUE" not in shown and bad not in shown
    assert not (tmp_path / "gcs" / "lanner-test-bucket").exists()


def test_existing_bucket_with_if_exists_error_fails_clearly(tmp_path: Path) -> None:
    logs: list[Any] = []
    with local_runtime(config=_local(tmp_path), environ=_environ(json.dumps(KEY))) as local:
        local.runtime.on_log(logs.append)
        flow = local.runtime.deploy(BUCKET_FLOW)
        first = local.wait(local.start(flow).id, 60)
        second = local.wait(local.start(flow).id, 60)
    assert first.state.current.value == "SUCCESS"
    assert second.state.current.value == "FAILED"
    errors = [e.message for e in logs if e.level == "ERROR"]
    assert any("Bucket 'lanner-test-bucket' already exists and ifExists is ERROR" in m for m in errors)
    assert not any(secret in _shown(logs, [first, second]) for secret in SECRETS)
