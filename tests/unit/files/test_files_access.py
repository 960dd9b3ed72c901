"""Which stored files a task may read."""

from __future__ import annotations

import pytest

from lanner.files.access import FileAccessError, check_read_access, may_read
from lanner.files.uris import InvalidStorageURIError

OWN = dict(namespace="company.team", flow_id="04_postgres_taxi", execution_id="E1")


@pytest.mark.parametrize(
    "uri",
    [
        "kestra:///company/team/04-postgres-taxi/executions/E1/tasks/extract/TR/out.csv",
        "kestra:///company/team/04-postgres-taxi/executions/E0/tasks/extract/TR/out.csv",
        "kestra:///company/team/04-postgres-taxi/cache/cache.zip",
        "kestra:///company/team/_files/queries/a.sql",
    ],
)
def test_allowed(uri: str) -> None:
    assert may_read(uri, **OWN)
    check_read_access(uri, **OWN)


@pytest.mark.parametrize(
    "uri",
    [
        "kestra:///company/team/other-flow/executions/E1/tasks/x/TR/out.csv",
        "kestra:///company/other/_files/a.sql",
        "kestra:///company/_files/a.sql",
        "kestra:///company/team/04-postgres-taxi-2/executions/E1/x",
    ],
)
def test_refused(uri: str) -> None:
    assert not may_read(uri, **OWN)
    with pytest.raises(FileAccessError, match="may only read files of its execution"):
        check_read_access(uri, **OWN)


def test_extra_prefixes_and_bad_uris() -> None:
    subflow = "kestra:///company/other/child/executions/E9"
    assert may_read(subflow + "/tasks/t/TR/f", **OWN, extra=[subflow])
    with pytest.raises(InvalidStorageURIError):
        check_read_access("file:///etc/passwd", **OWN)
