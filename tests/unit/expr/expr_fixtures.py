"""Realistic run variables of the seed flows (01-11) and a fake ``ExprServices``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lanner.errors import ExpressionError

START = datetime(2024, 7, 12, 5, 7, 28, 447110, tzinfo=UTC)
EXTRACT_CSV = "kestra:///zoomcamp/taxi/executions/abc/tasks/extract/def/yellow_tripdata_2019-01.csv"
GREEN_CSV = "kestra:///zoomcamp/taxi/executions/abc/tasks/extract/def/green_tripdata_2019-01.csv"


class FakeServices:
    """kv/secret/read/files from dictionaries; records the calls it gets."""

    def __init__(self) -> None:
        self.kv_store: dict[tuple[str, str], Any] = {
            ("zoomcamp", "GCP_PROJECT_ID"): "kestra-sandbox",
            ("zoomcamp", "GCP_LOCATION"): "europe-west2",
            ("zoomcamp", "GCP_BUCKET_NAME"): "zoomcamp-bucket",
            ("zoomcamp", "GCP_DATASET"): "zoomcamp",
            ("zoomcamp", "GEMINI_API_KEY"): "gemini-key",
            ("zoomcamp", "CONFIG"): {"region": "eu", "sizes": [1, 2]},
            ("other", "GCP_PROJECT_ID"): "other-project",
        }
        self.secrets = {"GCP_CREDS": '{"type":"service_account"}'}
        self.files = {("zoomcamp", "queries/q.sql"): "SELECT 1", ("zoomcamp", "empty.txt"): ""}
        self.calls: list[tuple[Any, ...]] = []

    def kv(self, namespace: str, key: str, error_on_missing: bool) -> Any:
        self.calls.append(("kv", namespace, key, error_on_missing))
        if (namespace, key) in self.kv_store:
            return self.kv_store[(namespace, key)]
        if error_on_missing:
            raise ExpressionError(f"The key '{key}' does not exist in the namespace '{namespace}'.")
        return None

    def secret(self, key: str) -> str:
        self.calls.append(("secret", key))
        if key not in self.secrets:
            raise ExpressionError(f"Cannot find secret for key '{key}'.")
        return self.secrets[key]

    def read(self, path: str, namespace: str) -> str:
        return self.files[(namespace, path)]

    def file_exists(self, path: str, namespace: str) -> bool:
        return (namespace, path) in self.files

    def file_size(self, path: str, namespace: str) -> int:
        return len(self.files[(namespace, path)].encode())

    def error_logs(self) -> list[dict[str, Any]]:
        return [{"message": "boom", "level": "ERROR", "taskId": "t1"}]


def _base(flow_id: str) -> dict[str, Any]:
    return {
        "flow": {"id": flow_id, "namespace": "zoomcamp", "revision": 3},
        "execution": {"id": "6nJZ6V0TvSfkCGbbWbXpaW", "startDate": START,
                      "originalId": "6nJZ6V0TvSfkCGbbWbXpaW", "state": "RUNNING"},
        "task": {"id": "t", "type": "io.kestra.plugin.core.log.Log"},
        "taskrun": {"id": "tr1", "startDate": START, "attemptsCount": 1},
        "labels": {"team": "data"},
        "envs": {"region": "eu"},
        "globals": {},
        "tasks": {},
    }


VARIABLES: dict[str, dict[str, Any]] = {
    "f01": {
        **_base("01_hello_world"),
        "inputs": {"name": "Will"},
        "vars": {"welcome_message": "Hello, {{ inputs.name }}!"},
        "outputs": {"generate_output": {"value": "I was generated during this workflow."}},
    },
    "f03": {
        **_base("03_getting_started_data_pipeline"),
        "inputs": {"columns_to_keep": ["brand", "price"]},
        "vars": {},
        "outputs": {
            "extract": {"uri": "kestra:///zoomcamp/03/executions/abc/tasks/extract/x/products.json"},
            "transform": {"outputFiles": {"products.json": "kestra:///zoomcamp/03/transform/products.json",
                                          "data.json": "kestra:///zoomcamp/03/transform/data.json"}},
        },
        "workingDir": "/tmp/lanner/wd",
    },
    "f04": {
        **_base("04_postgres_taxi"),
        "inputs": {"taxi": "yellow", "year": "2019", "month": "01"},
        "vars": {
            "file": "{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv",
            "staging_table": "public.{{inputs.taxi}}_tripdata_staging",
            "table": "public.{{inputs.taxi}}_tripdata",
            "data": "{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ inputs.year ~ '-' ~ "
                    "inputs.month ~ '.csv']}}",
        },
        "outputs": {"extract": {"outputFiles": {"yellow_tripdata_2019-01.csv": EXTRACT_CSV}}},
    },
    "f05": {
        **_base("05_postgres_taxi_scheduled"),
        "inputs": {"taxi": "green"},
        "trigger": {"date": "2019-01-01T09:00:00Z", "next": "2019-02-01T09:00:00Z",
                    "previous": "2018-12-01T09:00:00Z"},
        "vars": {
            "file": "{{inputs.taxi}}_tripdata_{{trigger.date | date('yyyy-MM')}}.csv",
            "staging_table": "public.{{inputs.taxi}}_tripdata_staging",
            "table": "public.{{inputs.taxi}}_tripdata",
            "data": "{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ "
                    "(trigger.date | date('yyyy-MM')) ~ '.csv']}}",
        },
        "outputs": {"extract": {"outputFiles": {"green_tripdata_2019-01.csv": GREEN_CSV}}},
    },
    "f08": {
        **_base("08_gcp_taxi"),
        "inputs": {"taxi": "yellow", "year": "2019", "month": "01"},
        "vars": {
            "file": "{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv",
            "gcs_file": "gs://{{kv('GCP_BUCKET_NAME')}}/{{vars.file}}",
            "table": "{{kv('GCP_DATASET')}}.{{inputs.taxi}}_tripdata_{{inputs.year}}_{{inputs.month}}",
            "data": "{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ inputs.year ~ '-' ~ "
                    "inputs.month ~ '.csv']}}",
        },
        "outputs": {"extract": {"outputFiles": {"yellow_tripdata_2019-01.csv": EXTRACT_CSV}}},
    },
    "f09": {
        **_base("09_gcp_taxi_scheduled"),
        "inputs": {"taxi": "green"},
        "trigger": {"date": "2019-01-01T09:00:00Z"},
        "vars": {
            "file": "{{inputs.taxi}}_tripdata_{{trigger.date | date('yyyy-MM')}}.csv",
            "gcs_file": "gs://{{kv('GCP_BUCKET_NAME')}}/{{vars.file}}",
            "table": "{{kv('GCP_DATASET')}}.{{inputs.taxi}}_tripdata_{{trigger.date | date('yyyy_MM')}}",
            "data": "{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ "
                    "(trigger.date | date('yyyy-MM')) ~ '.csv']}}",
        },
        "outputs": {"extract": {"outputFiles": {"green_tripdata_2019-01.csv": GREEN_CSV}}},
    },
    "f10": {
        **_base("10_chat_without_rag"),
        "vars": {},
        "outputs": {"chat_without_rag": {"textOutput": "Kestra 1.1 added flow triggers."}},
    },
    "f11": {
        **_base("11_chat_with_rag"),
        "vars": {},
        "outputs": {"chat_with_rag": {"textOutput": "Kestra 1.1 added: 1. **AI** ✨"}},
    },
    # A general-purpose set for operators, filters and functions.
    "gen": {
        **_base("general"),
        "inputs": {"name": "Will", "n": 7, "ratio": 2.5, "flag": False, "empty": "", "blank": "  ",
                   "items": ["b", "a", "c"], "nums": [3, 1, 2], "nested": [[1, 2], [3], 4],
                   "user": {"first": "Ada", "tags": ["x", "y"]}, "nothing": None, "unicode": "Ünïcödé ok"},
        "vars": {"raw": "{% raw %}{{ keep }}{% endraw %}", "twice": "{{ render(vars.once) }}",
                 "once": "[{{ inputs.name }}]", "self": "{{ render(vars.self) }}"},
        "outputs": {"a": {"value": "x", "values": [1, 2], "count": 3},
                    "each": {"v1": {"value": "one"}, "v2": {"value": "two"}}},
        "trigger": {"date": "2024-03-15T10:30:45.123456Z", "epoch": 1700000000},
        "when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    },
}
