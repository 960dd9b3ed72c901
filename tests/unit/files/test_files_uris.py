"""Kestra storage URIs: slugs, prefixes, parsing and its guards."""

from __future__ import annotations

import pytest

from lanner.files import uris
from lanner.files.uris import InvalidStorageURIError


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("04_postgres_taxi", "04-postgres-taxi"),
        ("set_label", "set-label"),
        ("Hello World", "hello-world"),
        ("my.flow", "myflow"),
        ("__x__", "x"),
        ("a - b", "a-b"),
        ("Café_Crème", "cafe-creme"),
        ("already-slug", "already-slug"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert uris.slugify(text) == slug


def test_paths_of_an_execution() -> None:
    assert uris.namespace_path("company.team") == "company/team"
    assert uris.flow_prefix("zoomcamp", "04_postgres_taxi") == "kestra:///zoomcamp/04-postgres-taxi"
    assert uris.execution_prefix("zoomcamp", "04_postgres_taxi", "EXEC1") == (
        "kestra:///zoomcamp/04-postgres-taxi/executions/EXEC1"
    )
    assert uris.task_output_uri("company.team", "02_python", "E", "collect_stats", "TR", "out.json") == (
        "kestra:///company/team/02-python/executions/E/tasks/collect-stats/TR/out.json"
    )
    assert uris.input_file_uri("company.team", "f", "E", "data_file", "my file.csv") == (
        "kestra:///company/team/f/executions/E/inputs/data_file/my%20file.csv"
    )
    assert uris.trigger_file_uri("ns", "f", "E", "on_schedule", "x") == (
        "kestra:///ns/f/executions/E/trigger/on-schedule/x"
    )
    assert uris.namespace_file_uri("company.team", "/queries/a.sql") == (
        "kestra:///company/team/_files/queries/a.sql"
    )
    assert uris.namespace_files_prefix("a.b") == "kestra:///a/b/_files"
    assert uris.kv_uri("zoomcamp", "GCP_BUCKET_NAME") == "kestra:///zoomcamp/_kv/GCP_BUCKET_NAME.ion"


def test_parse_decodes_segments() -> None:
    assert uris.parse("kestra:///a/b/my%20file.csv") == ("a", "b", "my file.csv")
    assert uris.parse("kestra:///a//b/") == ("a", "b")
    assert uris.parse("kestra:///") == ()
    assert uris.parse("KESTRA:///a") == ("a",)
    assert uris.canonical("kestra:///a/b c/") == "kestra:///a/b%20c"


@pytest.mark.parametrize(
    "bad",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "s3://bucket/key",
        "kestra://company/team/file",  # two slashes: 'company' would be a host
        "kestra:///a/../../etc/passwd",
        "kestra:///a/%2e%2e/b",
        "kestra:///a/./b",
        "kestra:///a/%2Fetc",
        "kestra:///a/b%5Cc",
        "kestra:///a/b?x=1",
        "kestra:///a/b#frag",
    ],
)
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(InvalidStorageURIError, match="Invalid internal storage"):
        uris.parse(bad)


def test_names_cannot_escape_their_folder() -> None:
    with pytest.raises(InvalidStorageURIError):
        uris.task_output_uri("ns", "f", "E", "t", "TR", "../../other")
    with pytest.raises(InvalidStorageURIError):
        uris.namespace_file_uri("ns", "")


def test_is_under_is_segment_wise() -> None:
    assert uris.is_under("kestra:///a/b/c", "kestra:///a/b")
    assert uris.is_under("kestra:///a/b", "kestra:///a/b/")
    assert not uris.is_under("kestra:///a/bc", "kestra:///a/b")
    assert uris.is_under("kestra:///a/b%20c/d", "kestra:///a/b c")
