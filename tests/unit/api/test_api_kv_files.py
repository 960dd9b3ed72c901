"""KV store and namespace files."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from tests.unit.api.conftest import Api

KV = "/api/v1/main/namespaces/zoomcamp/kv"
FILES = "/api/v1/main/namespaces/company.team/files"


def test_kv_put_get_list_delete(api: Api) -> None:
    assert api.client.put(f"{KV}/GCP_PROJECT_ID", content='"kestra-sandbox"').status_code == 200
    assert api.client.put(f"{KV}/count", content="42").status_code == 200
    assert api.client.put(f"{KV}/conf", content='{"a": [1, 2]}').status_code == 200
    assert api.client.put(f"{KV}/when", content="2024-01-01T10:00:00Z").status_code == 200
    assert api.client.get(f"{KV}/GCP_PROJECT_ID").json() == {"type": "STRING", "value": "kestra-sandbox"}
    assert api.client.get(f"{KV}/count").json() == {"type": "NUMBER", "value": 42}
    assert api.client.get(f"{KV}/conf").json() == {"type": "JSON", "value": {"a": [1, 2]}}
    assert api.client.get(f"{KV}/when").json()["type"] == "DATETIME"
    listed = api.client.get(KV).json()
    assert [e["key"] for e in listed] == ["GCP_PROJECT_ID", "conf", "count", "when"]
    assert {"key", "description", "creationDate", "updateDate", "expirationDate"} == set(listed[0])
    assert api.client.delete(f"{KV}/count").json() is True
    assert api.client.delete(f"{KV}/count").json() is False
    assert api.client.get(f"{KV}/count").status_code == 404
    many = api.client.request("DELETE", KV, json={"keys": ["conf", "when", "missing"]})
    assert many.json() == {"keys": ["conf", "when"]}
    # the value is readable from a flow through kv(), as a task would
    assert api.services.kv_entry("zoomcamp", "GCP_PROJECT_ID").value == "kestra-sandbox"


def test_kv_unquoted_string_is_422(api: Api) -> None:
    response = api.client.put(f"{KV}/GCP_PROJECT_ID", content="kestra-sandbox")
    assert response.status_code == 422
    assert response.json()["message"] == "Invalid JSON value for: kestra-sandbox"
    bad_key = api.client.put(f"{KV}/-bad", content='"x"')
    assert bad_key.status_code == 422


def test_kv_ttl_and_expired_key(api: Api) -> None:
    response = api.client.put(f"{KV}/short", content='"v"', headers={"ttl": "PT1H"})
    assert response.status_code == 200
    assert api.client.get(KV).json()[0]["expirationDate"] is not None
    past = datetime.now(UTC) - timedelta(hours=2)
    api.local.services.kv.set("zoomcamp", "old", "v", ttl="PT1H", now=past)
    assert api.client.get(f"{KV}/old").status_code == 410
    assert api.client.put(f"{KV}/x", content='"v"', headers={"ttl": "soon"}).status_code == 422


def test_namespace_files_upload_read_list_move_delete(api: Api) -> None:
    upload = api.client.post(FILES, params={"path": "/queries/a.sql"},
                             files={"fileContent": ("a.sql", b"select 1", "text/plain")})
    assert upload.status_code == 200
    api.client.post(FILES, params={"path": "/readme.md"}, files={"fileContent": ("r.md", b"# hi")})
    assert api.client.get(FILES, params={"path": "queries/a.sql"}).content == b"select 1"
    root = api.client.get(f"{FILES}/directory").json()
    assert root == [{"fileName": "readme.md", "type": "File", "size": 4},
                    {"fileName": "queries", "type": "Directory", "size": 0}]
    assert api.client.get(f"{FILES}/stats", params={"path": "/readme.md"}).json()["size"] == 4
    assert api.client.put(FILES, params={"from": "/queries", "to": "/sql"}).status_code == 200
    assert api.client.get(f"{FILES}/directory", params={"path": "/sql"}).json()[0]["fileName"] == "a.sql"
    exported = zipfile.ZipFile(io.BytesIO(api.client.get(f"{FILES}/export").content))
    assert sorted(exported.namelist()) == ["readme.md", "sql/a.sql"]
    assert api.client.delete(FILES, params={"path": "/sql"}).status_code == 204
    assert api.client.get(FILES, params={"path": "/sql/a.sql"}).status_code == 404
    assert api.client.delete(FILES, params={"path": "/sql"}).status_code == 404
    assert api.client.get(FILES, params={"path": "../etc/passwd"}).status_code == 422
