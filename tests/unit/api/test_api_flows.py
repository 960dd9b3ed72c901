"""Flows: create, revisions, read, delete, list, search, validate, import."""

from __future__ import annotations

import io
import zipfile

from tests.unit.api.conftest import HELLO, Api

YAML = {"Content-Type": "application/x-yaml"}


def test_create_returns_flow_with_source(api: Api) -> None:
    body = api.deploy(HELLO)
    assert body["id"] == "hello" and body["namespace"] == "company.team"
    assert body["revision"] == 1 and body["source"] == HELLO
    assert body["tasks"][0] == {"id": "say", "type": "io.kestra.plugin.core.log.Log",
                                "message": "Hello {{ inputs.name }}"}
    assert body["deleted"] is False and body["disabled"] is False


def test_create_twice_is_422(api: Api) -> None:
    api.deploy(HELLO)
    response = api.client.post("/api/v1/main/flows", content=HELLO, headers=YAML)
    assert response.status_code == 422
    assert "Flow id already exists" in response.json()["message"]


def test_invalid_flow_is_422_with_line_and_column(api: Api) -> None:
    source = ("id: broken\nnamespace: company.team\ntasks:\n  - id: a\n"
              "    type: io.kestra.plugin.core.log.Lgo\n")
    response = api.client.post("/api/v1/main/flows", content=source, headers=YAML)
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("Invalid entity: ")
    errors = body["_embedded"]["errors"]
    assert errors and errors[0]["path"].startswith("tasks[0]")
    assert errors[0]["line"] == 5 and errors[0]["column"] >= 5
    assert body["_links"]["self"]["href"] == "/api/v1/main/flows"


def test_update_adds_a_revision_only_when_the_source_changes(api: Api) -> None:
    api.deploy(HELLO)
    same = api.client.put("/api/v1/main/flows/company.team/hello", content=HELLO, headers=YAML)
    assert same.status_code == 200 and same.json()["revision"] == 1
    changed = HELLO.replace("defaults: World", "defaults: Ada")
    response = api.client.put("/api/v1/main/flows/company.team/hello", content=changed, headers=YAML)
    assert response.status_code == 200 and response.json()["revision"] == 2
    revisions = api.client.get("/api/v1/main/flows/company.team/hello/revisions").json()
    assert [r["revision"] for r in revisions] == [1, 2]
    old = api.client.get("/api/v1/main/flows/company.team/hello", params={"revision": 1, "source": True})
    assert old.json()["source"] == HELLO


def test_update_checks_id_namespace_and_existence(api: Api) -> None:
    api.deploy(HELLO)
    moved = HELLO.replace("namespace: company.team", "namespace: other")
    response = api.client.put("/api/v1/main/flows/company.team/hello", content=moved, headers=YAML)
    assert response.status_code == 422 and "Illegal namespace update" in response.text
    missing = api.client.put("/api/v1/main/flows/company.team/nope", content=HELLO, headers=YAML)
    assert missing.status_code == 404


def test_get_with_and_without_source_then_delete(api: Api) -> None:
    api.deploy(HELLO)
    plain = api.client.get("/api/v1/main/flows/company.team/hello").json()
    assert "source" not in plain
    assert api.client.get("/api/v1/flows/company.team/hello?source=true").json()["source"] == HELLO
    assert api.client.delete("/api/v1/main/flows/company.team/hello").status_code == 204
    assert api.client.get("/api/v1/main/flows/company.team/hello").status_code == 404
    deleted = api.client.get("/api/v1/main/flows/company.team/hello", params={"allowDeleted": True})
    assert deleted.json()["deleted"] is True
    assert api.client.delete("/api/v1/main/flows/company.team/hello").status_code == 404
    assert api.deploy(HELLO)["revision"] == 2  # re-created after deletion


def test_list_and_search_with_paging_and_filters(api: Api) -> None:
    for index in range(5):
        api.deploy(HELLO.replace("id: hello", f"id: flow{index}"))
    api.deploy(HELLO.replace("namespace: company.team", "namespace: other").replace(
        "tasks:", "labels:\n  team: data\ntasks:"))
    assert len(api.client.get("/api/v1/main/flows/company.team").json()) == 5
    page = api.client.get("/api/v1/main/flows/search", params={"page": 2, "size": 2}).json()
    assert page["total"] == 6 and len(page["results"]) == 2
    assert [r["id"] for r in page["results"]] == ["flow2", "flow3"]
    by_ns = api.client.get("/api/v1/main/flows/search?filters[namespace][EQUALS]=other").json()
    assert by_ns["total"] == 1 and by_ns["results"][0]["labels"] == [{"key": "team", "value": "data"}]
    by_label = api.client.get("/api/v1/flows/search", params={"labels": "team:data"}).json()
    assert by_label["total"] == 1
    by_text = api.client.get("/api/v1/main/flows/search", params={"q": "flow3"}).json()
    assert [r["id"] for r in by_text["results"]] == ["flow3"]
    desc = api.client.get("/api/v1/main/flows/search", params={"sort": "id:desc", "size": 1}).json()
    assert desc["results"][0]["id"] == "hello"
    assert api.client.get("/api/v1/main/flows/distinct-namespaces").json() == ["company.team", "other"]


def test_validate_several_documents(api: Api) -> None:
    bad = "id: bad\nnamespace: company.team\ntasks: []\n"
    response = api.client.post("/api/v1/main/flows/validate", content=HELLO + "---\n" + bad, headers=YAML)
    assert response.status_code == 200
    first, second = response.json()
    assert first["index"] == 0 and first["flow"] == "hello" and "constraints" not in first
    assert second["index"] == 1 and second["flow"] == "bad" and second["constraints"]
    assert second["issues"][0]["line"] is not None
    assert api.client.get("/api/v1/main/flows/search").json()["total"] == 0  # nothing persisted


def test_import_yaml_and_zip(api: Api) -> None:
    multi = HELLO + "---\n" + HELLO.replace("id: hello", "id: second") + "---\nid: x\nnamespace: n\n"
    files = {"fileUpload": ("flows.yml", multi.encode(), "application/x-yaml")}
    response = api.client.post("/api/v1/main/flows/import", files=files)
    assert response.status_code == 200 and response.json() == ["flows.yml#2"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/third.yaml", HELLO.replace("id: hello", "id: third"))
        archive.writestr("README.md", "not a flow")
    zipped = {"fileUpload": ("flows.zip", buffer.getvalue(), "application/zip")}
    assert api.client.post("/api/v1/flows/import", files=zipped).json() == []
    ids = {f["id"] for f in api.client.get("/api/v1/main/flows/company.team").json()}
    assert ids == {"hello", "second", "third"}
    strict = api.client.post("/api/v1/main/flows/import", files=files, params={"failOnError": "true"})
    assert strict.status_code == 422 and strict.json()["_embedded"]["errors"]
