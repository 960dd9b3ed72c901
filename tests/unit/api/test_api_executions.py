"""Executions: multipart inputs and files, wait, errors, search, kill, restart, replay, resume."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.unit.api.conftest import HELLO, Api

BASE = "/api/v1/main/executions"

FILE_FLOW = """\
id: with_file
namespace: company.team
inputs:
  - id: data
    type: FILE
  - id: token
    type: SECRET
    required: false
tasks:
  - id: read
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(inputs.data) }}"
"""

SLOW = """\
id: slow
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

FAILING = """\
id: failing
namespace: company.team
inputs:
  - id: fail
    type: BOOLEAN
    defaults: true
  - id: count
    type: INT
    defaults: 1
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: first
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{ inputs.fail }}"
"""

PAUSING = """\
id: pausing
namespace: company.team
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""


def test_create_with_inputs_and_wait_returns_outputs(api: Api) -> None:
    api.deploy(HELLO)
    body = api.run("company.team", "hello", {"name": "Ada"}, labels=["team:data", "env:dev"])
    assert body["state"]["current"] == "SUCCESS"
    assert body["inputs"] == {"name": "Ada"}
    assert body["outputs"] == {"shout": "ADA"}
    assert [t["taskId"] for t in body["taskRunList"]] == ["say", "out"]
    assert {"key": "team", "value": "data"} in body["labels"]
    assert {"key": "system.correlationId", "value": body["id"]} in body["labels"]
    assert body["url"].endswith(f"/ui/main/executions/company.team/hello/{body['id']}")


def test_create_without_wait_and_tenantless_path(api: Api) -> None:
    api.deploy(HELLO)
    response = api.client.post("/api/v1/executions/company.team/hello")
    assert response.status_code == 200
    body = response.json()
    assert body["state"]["current"] in ("CREATED", "RUNNING", "SUCCESS")
    assert api.wait(body["id"]).state.current.value == "SUCCESS"
    fetched = api.client.get(f"/api/v1/executions/{body['id']}").json()
    assert fetched["outputs"] == {"shout": "WORLD"}


def test_create_with_a_schedule_date_waits_for_it(api: Api) -> None:
    api.deploy(HELLO)
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    body = api.client.post(f"{BASE}/company.team/hello", params={"scheduleDate": due}).json()
    assert body["state"]["current"] == "CREATED" and body["scheduleDate"] is not None
    time.sleep(0.3)
    assert api.client.get(f"{BASE}/{body['id']}").json()["state"]["current"] == "CREATED"
    final = api.wait(body["id"])
    running = next(h.date for h in final.state.histories if h.state.value == "RUNNING")
    assert final.state.current.value == "SUCCESS" and running >= datetime.fromisoformat(due)


def test_create_errors(api: Api) -> None:
    missing = api.client.post(f"{BASE}/company.team/nope")
    assert missing.status_code == 404 and "Requested Flow is not found." in missing.json()["message"]
    api.deploy(HELLO.replace("tasks:", "disabled: true\ntasks:"))
    disabled = api.client.post(f"{BASE}/company.team/hello")
    assert disabled.status_code == 409
    api.deploy(FAILING)
    invalid = api.client.post(f"{BASE}/company.team/failing", data={"count": "many"})
    assert invalid.status_code == 422
    assert invalid.json()["_embedded"]["errors"][0]["path"] == "inputs.count"
    system = api.client.post(f"{BASE}/company.team/failing", params={"labels": "system.readOnly:true"})
    assert system.status_code == 422 and "System labels" in system.text
    assert api.client.get(f"{BASE}/doesnotexist").status_code == 404


def test_file_input_is_stored_and_served_only_to_its_execution(api: Api) -> None:
    api.deploy(FILE_FLOW)
    api.deploy(HELLO)
    files = {"data": ("hello.txt", b"file content", "text/plain")}
    response = api.client.post(f"{BASE}/company.team/with_file", files=files,
                               data={"token": "s3cr3t"}, params={"wait": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["current"] == "SUCCESS"
    uri = body["inputs"]["data"]
    assert uri == f"kestra:///company/team/with-file/executions/{body['id']}/inputs/data/hello.txt"
    assert body["inputs"]["token"] == "******"
    assert "s3cr3t" not in api.client.get(f"{BASE}/{body['id']}").text
    logs = api.client.get(f"/api/v1/main/logs/{body['id']}").json()
    assert any(entry["message"] == "file content" for entry in logs)
    download = api.client.get(f"{BASE}/{body['id']}/file", params={"path": uri})
    assert download.status_code == 200 and download.content == b"file content"
    assert api.client.get(f"{BASE}/{body['id']}/file/metas", params={"path": uri}).json() == {"size": 12}
    preview = api.client.get(f"{BASE}/{body['id']}/file/preview", params={"path": uri}).json()
    assert preview["type"] == "TEXT" and preview["content"] == "file content"
    other = api.run("company.team", "hello")
    refused = api.client.get(f"{BASE}/{other['id']}/file", params={"path": uri})
    assert refused.status_code == 422


def test_search_with_filters_and_paging(api: Api) -> None:
    api.deploy(HELLO)
    api.deploy(FAILING)
    ids = [api.run("company.team", "hello", {"name": f"n{i}"}, labels=[f"i:{i}"])["id"] for i in range(3)]
    failed = api.run("company.team", "failing")
    assert failed["state"]["current"] == "FAILED"
    everything = api.client.get(f"{BASE}/search").json()
    assert everything["total"] == 4
    page = api.client.get(f"{BASE}/search", params={"flowId": "hello", "size": 2, "page": 2}).json()
    assert page["total"] == 3 and len(page["results"]) == 1
    by_state = api.client.get(f"{BASE}/search?filters[state][IN]=FAILED").json()
    assert [e["id"] for e in by_state["results"]] == [failed["id"]]
    legacy = api.client.get(f"{BASE}/search", params={"state": "SUCCESS", "namespace": "company"}).json()
    assert legacy["total"] == 3
    by_label = api.client.get(f"{BASE}/search", params={"labels": "i:1"}).json()
    assert [e["id"] for e in by_label["results"]] == [ids[1]]
    by_label_filter = api.client.get(f"{BASE}/search?filters[labels][EQUALS][i]=2").json()
    assert [e["id"] for e in by_label_filter["results"]] == [ids[2]]
    oldest_first = api.client.get(f"{BASE}/search", params={"flowId": "hello", "sort": "state.startDate:asc"})
    assert [e["id"] for e in oldest_first.json()["results"]] == ids
    future = api.client.get(f"{BASE}/search", params={"startDate": "2999-01-01T00:00:00Z"}).json()
    assert future["total"] == 0
    by_flow = api.client.get(BASE, params={"namespace": "company.team", "flowId": "failing"}).json()
    assert by_flow["total"] == 1
    assert api.client.get(f"{BASE}/search", params={"state": "NOPE"}).status_code == 422


def test_kill_a_running_execution(api: Api) -> None:
    api.deploy(SLOW)
    created = api.client.post(f"{BASE}/company.team/slow").json()
    response = api.client.delete(f"{BASE}/{created['id']}/kill")
    assert response.status_code == 202
    assert api.wait(created["id"]).state.current.value == "KILLED"
    assert api.client.delete(f"{BASE}/{created['id']}/kill").status_code == 202  # already over: no-op
    assert api.client.delete(f"{BASE}/nope/kill").status_code == 404


def test_restart_a_failed_execution(api: Api) -> None:
    api.deploy(FAILING)
    failed = api.run("company.team", "failing")
    assert failed["state"]["current"] == "FAILED"
    restarted = api.client.post(f"{BASE}/{failed['id']}/restart")
    assert restarted.status_code == 200
    body = restarted.json()
    assert body["id"] == failed["id"]
    assert "RESTARTED" in [h["state"] for h in body["state"]["histories"]]
    assert api.wait(failed["id"]).attempt_number == 2
    api.deploy(HELLO)
    ok = api.run("company.team", "hello")
    conflict = api.client.post(f"{BASE}/{ok['id']}/restart")
    assert conflict.status_code == 409 and "No task found to restart" in conflict.text


def test_replay_creates_a_new_execution(api: Api) -> None:
    api.deploy(HELLO)
    first = api.run("company.team", "hello", {"name": "Ada"}, labels=["team:data"])
    response = api.client.post(f"{BASE}/{first['id']}/replay")
    assert response.status_code == 200
    replay = response.json()
    assert replay["id"] != first["id"]
    final = api.wait(replay["id"])
    assert final.inputs == {"name": "Ada"} and final.outputs == {"shout": "ADA"}
    assert ("team", "data") in [(lb.key, lb.value) for lb in final.labels]


def test_resume_a_paused_execution(api: Api) -> None:
    api.deploy(PAUSING)
    created = api.client.post(f"{BASE}/company.team/pausing").json()
    api.wait_for(created["id"], "PAUSED")
    assert api.client.post(f"{BASE}/{created['id']}/resume").status_code == 204
    assert api.wait(created["id"]).state.current.value == "SUCCESS"
    assert api.client.post(f"{BASE}/{created['id']}/resume").status_code == 409


APPROVAL = """\
id: approval
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: count
        type: INT
        defaults: 1
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.wait.onResume.approved ? 'yes' : 'no' }} x{{ outputs.wait.onResume.count + 1 }}"
"""


def test_resume_inputs_are_validated_and_typed(api: Api) -> None:
    api.deploy(APPROVAL)
    created = api.client.post(f"{BASE}/company.team/approval").json()
    api.wait_for(created["id"], "PAUSED")
    refused = api.client.post(f"{BASE}/{created['id']}/resume", data={"count": "abc"})
    assert refused.status_code == 422
    paths = {e["path"] for e in refused.json()["_embedded"]["errors"]}
    assert paths == {"inputs.approved", "inputs.count"}  # missing, and not a number
    assert api.client.get(f"{BASE}/{created['id']}").json()["state"]["current"] == "PAUSED"
    assert api.client.post(f"{BASE}/{created['id']}/resume", data={"approved": "true"}).status_code == 204
    final = api.wait(created["id"])
    wait = next(run for run in final.task_runs if run.task_id == "wait")
    assert wait.outputs == {"onResume": {"approved": True, "count": 1}}
    assert next(run for run in final.task_runs if run.task_id == "after").outputs == {"value": "yes x2"}


def test_delete_an_execution(api: Api) -> None:
    api.deploy(HELLO)
    done = api.run("company.team", "hello")
    assert api.client.delete(f"{BASE}/{done['id']}").status_code == 204
    assert api.client.get(f"{BASE}/{done['id']}").status_code == 404
    assert api.client.get(f"/api/v1/main/logs/{done['id']}").status_code == 404
