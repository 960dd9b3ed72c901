"""BigQuery tasks in cloud mode: the request/response path of ``google-cloud-bigquery``, against
BigQuery REST responses recorded from the documented API (jobs.insert, jobs.getQueryResults,
datasets.get/insert/delete, tables.get/delete) and served by a local fake endpoint. No network:
the service-account key is real (a fresh RSA key) but its ``token_uri`` is the fake endpoint too."""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lanner.model.state import State
from lanner.plugins.serde import read_ion
from lanner.tasks.gcp import bigquery

PROJECT = "my-project"
TOKEN = "ya29.recorded-access-token"
ANON_DATASET = "_6b1f2b5e0c0d4b2a9f"

# ---- recorded responses (shapes of https://cloud.google.com/bigquery/docs/reference/rest) -------

JOB_DONE = {
    "kind": "bigquery#job", "etag": "\"hPpRE5hJ9yhY7ASq3ZJzSw==\"", "id": f"{PROJECT}:EU.{{jobId}}",
    "selfLink": f"https://bigquery.googleapis.com/bigquery/v2/projects/{PROJECT}/jobs/{{jobId}}?location=EU",
    "user_email": "bot@my-project.iam.gserviceaccount.com",
    "configuration": {"jobType": "QUERY", "query": {
        "query": "{query}", "useLegacySql": False, "priority": "INTERACTIVE",
        "writeDisposition": "WRITE_TRUNCATE",
        "destinationTable": {"projectId": PROJECT, "datasetId": ANON_DATASET, "tableId": "anon4c9e0a"}}},
    "jobReference": {"projectId": PROJECT, "jobId": "{jobId}", "location": "EU"},
    "statistics": {"creationTime": "1700000000000", "startTime": "1700000000120", "endTime": "1700000001340",
                   "totalBytesProcessed": "111476480",
                   "query": {"totalBytesProcessed": "111476480", "totalBytesBilled": "112197632",
                             "cacheHit": False, "statementType": "SELECT", "totalSlotMs": "4210",
                             "totalPartitionsProcessed": "30"}},
    "status": {"state": "DONE"},
}
DRY_RUN_JOB = {
    "kind": "bigquery#job", "jobReference": {"projectId": PROJECT, "location": "EU"},
    "configuration": {"jobType": "QUERY", "dryRun": True,
                      "query": {"query": "{query}", "useLegacySql": False}},
    "statistics": {"creationTime": "1700000000000", "totalBytesProcessed": "1675165816",
                   "query": {"totalBytesProcessed": "1675165816", "statementType": "SELECT",
                             "totalBytesProcessedAccuracy": "PRECISE"}},
    "status": {"state": "DONE"},
}
SYNTAX_ERROR = "Syntax error: Expected end of input but got identifier \"x\" at [1:10]"
FAILED_JOB = {
    "kind": "bigquery#job", "jobReference": {"projectId": PROJECT, "jobId": "{jobId}", "location": "EU"},
    "configuration": {"jobType": "QUERY", "query": {"query": "{query}", "useLegacySql": False}},
    "statistics": {"creationTime": "1700000000000"},
    "status": {"state": "DONE",
               "errorResult": {"reason": "invalidQuery", "location": "query", "message": SYNTAX_ERROR},
               "errors": [{"reason": "invalidQuery", "location": "query", "message": SYNTAX_ERROR}]},
}
QUERY_RESULTS = {
    "kind": "bigquery#getQueryResultsResponse", "etag": "\"Ej8g0bVbZ3vXq1yq6s0tYw==\"",
    "jobReference": {"projectId": PROJECT, "jobId": "{jobId}", "location": "EU"},
    "schema": {"fields": [{"name": "VendorID", "type": "STRING", "mode": "NULLABLE"},
                          {"name": "trips", "type": "INTEGER", "mode": "NULLABLE"},
                          {"name": "total", "type": "NUMERIC", "mode": "NULLABLE"},
                          {"name": "first_pickup", "type": "TIMESTAMP", "mode": "NULLABLE"}]},
    "totalRows": "2",
    "rows": [{"f": [{"v": "1"}, {"v": "3204981"}, {"v": "51338771.25"}, {"v": "1559347200000000"}]},
             {"f": [{"v": "2"}, {"v": "4193017"}, {"v": "67931234.5"}, {"v": None}]}],
    "totalBytesProcessed": "111476480", "jobComplete": True, "cacheHit": False,
}
DATASET = {
    "kind": "bigquery#dataset", "etag": "\"Yx1f6Lm9lm8jJg==\"", "id": f"{PROJECT}:zoomcamp",
    "selfLink": f"https://bigquery.googleapis.com/bigquery/v2/projects/{PROJECT}/datasets/zoomcamp",
    "datasetReference": {"datasetId": "zoomcamp", "projectId": PROJECT},
    "access": [{"role": "OWNER", "specialGroup": "projectOwners"}],
    "creationTime": "1700000000000", "lastModifiedTime": "1700000000000", "location": "europe-west2",
    "type": "DEFAULT",
}
TABLE = {
    "kind": "bigquery#table", "etag": "\"b0Iqf5e0q2cWkq==\"", "id": f"{PROJECT}:zoomcamp.yellow_tripdata",
    "tableReference": {"projectId": PROJECT, "datasetId": "zoomcamp", "tableId": "yellow_tripdata"},
    "description": "Yellow taxi trips",
    "schema": {"fields": [
        {"name": "unique_row_id", "type": "BYTES", "mode": "NULLABLE", "description": "A unique identifier"},
        {"name": "tpep_pickup_datetime", "type": "TIMESTAMP", "mode": "NULLABLE"}]},
    "timePartitioning": {"type": "DAY", "field": "tpep_pickup_datetime"},
    "clustering": {"fields": ["VendorID"]},
    "numBytes": "1675165816", "numLongTermBytes": "0", "numRows": "7667792",
    "creationTime": "1700000000000", "lastModifiedTime": "1700000100000", "type": "TABLE",
    "location": "europe-west2",
}
LOAD_JOB = {
    "kind": "bigquery#job", "jobReference": {"projectId": PROJECT, "jobId": "{jobId}", "location": "EU"},
    "configuration": {"jobType": "LOAD", "load": {
        "sourceUris": ["gs://my-bucket/yellow_tripdata_2019-01.csv"], "sourceFormat": "CSV",
        "destinationTable": {"projectId": PROJECT, "datasetId": "zoomcamp", "tableId": "loaded"}}},
    "statistics": {"creationTime": "1700000000000",
                   "load": {"inputFiles": "1", "inputFileBytes": "687088084", "outputRows": "7667792",
                            "outputBytes": "1040350592"}},
    "status": {"state": "DONE"},
}


def _not_found(what: str) -> tuple[int, dict[str, Any]]:
    message = f"Not found: {what}"
    return 404, {"error": {"code": 404, "message": message, "status": "NOT_FOUND",
                           "errors": [{"message": message, "domain": "global", "reason": "notFound"}]}}


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


Handler = Callable[[Call], tuple[int, Any]]


@dataclass
class FakeBigQuery:
    """Serves recorded responses by (method, path regex); records every request."""

    routes: list[tuple[str, str, Handler]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def on(self, method: str, pattern: str, handler: Handler | tuple[int, Any] | dict[str, Any]) -> None:
        if not callable(handler):
            fixed = handler if isinstance(handler, tuple) else (200, handler)
            self.routes.insert(0, (method, pattern, lambda _call: fixed))
        else:
            self.routes.insert(0, (method, pattern, handler))

    def api(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith("/bigquery/")]

    def respond(self, call: Call) -> tuple[int, Any]:
        self.calls.append(call)
        if call.path == "/token":
            return 200, {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}
        for method, pattern, handler in self.routes:
            if method == call.method and re.fullmatch(pattern, call.path):
                return handler(call)
        return 501, {"error": {"code": 501, "message": f"no recording for {call.method} {call.path}"}}


def _filled(recording: dict[str, Any], **values: str) -> dict[str, Any]:
    text = json.dumps(recording)
    for key, value in values.items():
        text = text.replace("{" + key + "}", json.dumps(value)[1:-1])
    return json.loads(text)  # type: ignore[no-any-return]


def _job_handler(recording: dict[str, Any]) -> Handler:
    """jobs.insert: the recorded job, with the client's job id and query echoed back."""
    def handle(call: Call) -> tuple[int, Any]:
        reference = call.body.get("jobReference", {})
        query = call.body.get("configuration", {}).get("query", {}).get("query", "")
        return 200, _filled(recording, jobId=reference.get("jobId", ""), query=query)
    return handle


def _results_handler(call: Call) -> tuple[int, Any]:
    """jobs.getQueryResults: no rows when asked for none (``maxResults=0``), as the API does."""
    job_id = call.path.rsplit("/", 1)[-1]
    out = _filled(QUERY_RESULTS, jobId=job_id)
    if call.query.get("maxResults") == ["0"]:
        out.pop("rows")
    return 200, out


@pytest.fixture
def fake() -> Iterator[FakeBigQuery]:
    api = FakeBigQuery()

    class RequestHandler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parsed = urllib.parse.urlsplit(self.path)
            content_type = self.headers.get("Content-Type") or ""
            body: Any = raw
            if raw and "json" in content_type:
                body = json.loads(raw)
            elif raw and "x-www-form-urlencoded" in content_type:
                body = urllib.parse.parse_qs(raw.decode())
            call = Call(self.command, parsed.path, urllib.parse.parse_qs(parsed.query), body,
                        {k.lower(): v for k, v in self.headers.items()})
            status, payload = api.respond(call)
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def pem() -> str:
    return _private_key()


@pytest.fixture
def h(harness: Any, fake: FakeBigQuery, pem: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    harness.deps.config = {"gcp": {"mode": "cloud", "bigquery": {"endpoint": fake.url}}}
    key = {"type": "service_account", "project_id": "key-project", "private_key_id": "4f1c0ffee0123456789a",
           "private_key": pem, "client_email": "bot@my-project.iam.gserviceaccount.com",
           "client_id": "1234567890", "token_uri": f"{fake.url}/token"}
    harness.env["SECRET_GCP_CREDS"] = base64.b64encode(json.dumps(key).encode()).decode()
    harness.pem = pem
    return harness


def run(h: Any, cls: type, props: dict[str, Any]) -> Any:
    props = {"serviceAccount": "{{ secret('GCP_CREDS') }}", "projectId": PROJECT, "location": "EU", **props}
    return h.run(h.task(cls, props))


def ok(result: Any) -> dict[str, Any]:
    assert result.state is State.SUCCESS, result.error
    return dict(result.outputs)


JOBS = rf"/bigquery/v2/projects/{PROJECT}/jobs"
RESULTS = rf"/bigquery/v2/projects/{PROJECT}/queries/[^/]+"
SQL = "SELECT VendorID, COUNT(*) AS trips FROM zoomcamp.yellow_tripdata GROUP BY 1"


def test_query_fetch_sends_the_job_and_reads_the_results(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(JOB_DONE))
    fake.on("GET", RESULTS, _results_handler)
    out = ok(run(h, bigquery.Query, {"sql": SQL, "fetchType": "FETCH", "labels": {"team": "de"}}))
    assert out["rows"] == [
        {"VendorID": "1", "trips": 3204981, "total": 51338771.25, "first_pickup": "2019-06-01T00:00:00Z"},
        {"VendorID": "2", "trips": 4193017, "total": 67931234.5, "first_pickup": None}]
    assert out["size"] == 2 and out["totalBytesProcessed"] == 111476480
    assert out["destinationTable"] == {"project": PROJECT, "dataset": ANON_DATASET, "table": "anon4c9e0a"}
    inserted = fake.api("POST")[0]
    assert out["jobId"] == inserted.body["jobReference"]["jobId"]
    assert inserted.body["jobReference"]["location"] == "EU"
    config = inserted.body["configuration"]
    assert config["query"]["query"] == SQL and config["query"]["useLegacySql"] is False
    assert config["labels"] == {"team": "de"} and "dryRun" not in config
    assert inserted.headers["authorization"] == f"Bearer {TOKEN}"
    token_request = next(c for c in fake.calls if c.path == "/token")
    assert token_request.body["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert any("Query processed 106.3 MB" in m for m in h.messages("INFO"))
    assert not any(h.pem.splitlines()[1] in m for m in h.messages())


def test_query_fetch_one_and_store(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(JOB_DONE))
    fake.on("GET", RESULTS, _results_handler)
    one = ok(run(h, bigquery.Query, {"sql": SQL, "fetchType": "FETCH_ONE"}))
    assert one["row"]["trips"] == 3204981 and one["size"] == 1
    stored = ok(run(h, bigquery.Query, {"sql": SQL, "fetchType": "STORE"}))
    with h.files.open(stored["uri"]) as handle:
        values = list(read_ion(line.decode() for line in handle))
    assert [v["VendorID"] for v in values] == ["1", "2"] and stored["size"] == 2
    none = ok(run(h, bigquery.Query, {"sql": SQL}))
    assert "rows" not in none and none["totalBytesProcessed"] == 111476480


def test_dry_run_reports_bytes_without_reading_results(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(DRY_RUN_JOB))
    out = ok(run(h, bigquery.Query, {"sql": SQL, "dryRun": True, "fetchType": "FETCH"}))
    assert out["totalBytesProcessed"] == 1675165816 and "rows" not in out
    assert fake.api("POST")[0].body["configuration"]["dryRun"] is True
    assert not fake.api("GET"), "a dry run reads no results"


def test_query_options_reach_the_job(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(JOB_DONE))
    fake.on("GET", RESULTS, _results_handler)
    ok(run(h, bigquery.Query, {"sql": SQL, "destinationTable": "zoomcamp.dest",
                               "writeDisposition": "WRITE_APPEND", "createDisposition": "CREATE_IF_NEEDED",
                               "timePartitioningField": "day",
                               "clusteringFields": ["VendorID"], "defaultDataset": "zoomcamp",
                               "priority": "BATCH"}))
    query = fake.api("POST")[0].body["configuration"]["query"]
    assert query["destinationTable"] == {"projectId": PROJECT, "datasetId": "zoomcamp", "tableId": "dest"}
    assert query["writeDisposition"] == "WRITE_APPEND" and query["createDisposition"] == "CREATE_IF_NEEDED"
    assert query["timePartitioning"] == {"type": "DAY", "field": "day"}
    assert query["clustering"] == {"fields": ["VendorID"]} and query["priority"] == "BATCH"
    assert query["defaultDataset"] == {"projectId": PROJECT, "datasetId": "zoomcamp"}


def test_a_failed_job_fails_the_task_with_bigquery_s_message(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(FAILED_JOB))
    fake.on("GET", rf"{JOBS}/[^/]+",
            lambda call: (200, _filled(FAILED_JOB, jobId=call.path.rsplit("/", 1)[-1], query="SELECT 1 x")))
    result = run(h, bigquery.Query, {"sql": "SELECT 1 x x"})
    assert result.state is State.FAILED
    assert "BigQuery error 400 (invalidQuery)" in result.error and "Syntax error" in result.error


def test_create_dataset_creates_skips_or_fails(h: Any, fake: FakeBigQuery) -> None:
    dataset_path = rf"/bigquery/v2/projects/{PROJECT}/datasets/zoomcamp"
    fake.on("GET", dataset_path, _not_found(f"Dataset {PROJECT}:zoomcamp"))
    fake.on("POST", rf"/bigquery/v2/projects/{PROJECT}/datasets", DATASET)
    created = ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "location": "europe-west2",
                                                 "ifExists": "SKIP"}))
    assert created == {"dataset": "zoomcamp", "project": PROJECT, "friendlyName": None, "description": None,
                       "location": "europe-west2"}
    body = fake.api("POST")[0].body
    assert body["datasetReference"] == {"projectId": PROJECT, "datasetId": "zoomcamp"}
    assert body["location"] == "europe-west2"
    fake.on("GET", dataset_path, DATASET)
    ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "ifExists": "SKIP"}))
    assert len(fake.api("POST")) == 1, "SKIP creates nothing"
    error = run(h, bigquery.CreateDataset, {"name": "zoomcamp"}).error
    assert "Already Exists: Dataset my-project:zoomcamp" in error


def test_table_metadata_delete_table_and_dataset(h: Any, fake: FakeBigQuery) -> None:
    table_path = rf"/bigquery/v2/projects/{PROJECT}/datasets/zoomcamp/tables/yellow_tripdata"
    fake.on("GET", table_path, TABLE)
    meta = ok(run(h, bigquery.TableMetadata, {"dataset": "zoomcamp", "table": "yellow_tripdata"}))
    assert meta["numRows"] == 7667792 and meta["description"] == "Yellow taxi trips"
    standard = meta["definition"]["standardTableDefinition"]
    assert standard["timePartitioning"] == {"type": "DAY", "field": "tpep_pickup_datetime"}
    assert standard["clustering"] == {"fields": ["VendorID"]}
    assert meta["creationTime"] == "2023-11-14T22:13:20Z"
    fake.on("DELETE", table_path, (204, None))
    ok(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": "yellow_tripdata"}))
    fake.on("GET", table_path, _not_found(f"Table {PROJECT}:zoomcamp.yellow_tripdata"))
    assert ok(run(h, bigquery.TableMetadata, {"dataset": "zoomcamp", "table": "yellow_tripdata",
                                              "ifNotExists": "SKIP"})) == {}
    missing = run(h, bigquery.TableMetadata, {"dataset": "zoomcamp", "table": "yellow_tripdata"})
    expected = "BigQuery error 404 (notFound): Not found: Table my-project:zoomcamp.yellow_tripdata"
    assert expected in missing.error
    fake.on("DELETE", rf"/bigquery/v2/projects/{PROJECT}/datasets/zoomcamp", (204, None))
    ok(run(h, bigquery.DeleteDataset, {"name": "zoomcamp", "deleteContents": True}))
    assert fake.api("DELETE")[-1].query["deleteContents"] == ["true"]


def test_load_from_gcs_runs_a_load_job(h: Any, fake: FakeBigQuery) -> None:
    fake.on("POST", JOBS, _job_handler(LOAD_JOB))
    out = ok(run(h, bigquery.LoadFromGcs, {
        "from": ["gs://my-bucket/yellow_tripdata_2019-01.csv"], "destinationTable": "zoomcamp.loaded",
        "format": "CSV", "csvOptions": {"skipLeadingRows": 1}, "autodetect": True}))
    assert out["rows"] == 7667792
    assert out["destinationTable"] == {"project": PROJECT, "dataset": "zoomcamp", "table": "loaded"}
    load = fake.api("POST")[0].body["configuration"]["load"]
    assert load["sourceUris"] == ["gs://my-bucket/yellow_tripdata_2019-01.csv"]
    assert load["skipLeadingRows"] == "1" and load["autodetect"] is True and load["sourceFormat"] == "CSV"


def test_missing_credentials_in_cloud_mode_is_a_clear_error(harness: Any, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    harness.deps.config = {"gcp": {"mode": "cloud"}}
    result = harness.run(harness.task(bigquery.Query, {"sql": "SELECT 1", "projectId": PROJECT}))
    assert result.state is State.FAILED
    assert "No Google Cloud credentials" in result.error and "gcp: {mode: local}" in result.error


def test_malformed_key_in_cloud_mode_fails_without_echoing_it(harness: Any, fake: FakeBigQuery) -> None:
    harness.deps.config = {"gcp": {"mode": "cloud", "bigquery": {"endpoint": fake.url}}}
    harness.env["SECRET_GCP_CREDS"] = base64.b64encode(json.dumps({
        "type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nGARBAGE-SECRET-99\n-----END "
        "PRIVATE KEY-----\n", "client_email": "x@y.iam.gserviceaccount.com", "token_uri": f"{fake.url}/token",
        "private_key_id": "abcdef0123456789abcd"}).encode()).decode()
    result = harness.run(harness.task(bigquery.Query, {"sql": "SELECT 1", "projectId": PROJECT,
                                                       "serviceAccount": "{{ secret('GCP_CREDS') }}"}))
    assert result.state is State.FAILED
    assert "unreadable `private_key`" in result.error
    assert "GARBAGE-SECRET-99" not in result.error
    assert not any("GARBAGE-SECRET-99" in m for m in harness.messages())
    assert not fake.calls, "nothing was sent"
