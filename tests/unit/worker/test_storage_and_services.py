"""ExecutionStorage (TaskStorage) URIs and access rules; the worker's ExprServices."""

from __future__ import annotations

import pytest

from lanner.errors import NotFoundError, UserCodeError
from lanner.files.namespace_files import NamespaceFiles
from lanner.model.execution import LogEntry
from lanner.worker.runner import expr_services_for
from lanner.worker.storage import ExecutionStorage

EXEC = "kestra:///company/team/my-flow/executions/exec1"


@pytest.fixture
def storage(harness):
    return ExecutionStorage(
        harness.files,
        namespace="company.team",
        flow_id="my_flow",
        execution_id="exec1",
        task_id="load_data",
        task_run_id="run1",
    )


def test_put_bytes_and_file_use_kestra_task_output_uris(storage, tmp_path):
    uri = storage.put_bytes(b"abc", "out.txt")
    assert uri == f"{EXEC}/tasks/load-data/run1/out.txt"
    local = tmp_path / "data file.csv"
    local.write_text("x")
    assert storage.put_file(local) == f"{EXEC}/tasks/load-data/run1/data%20file.csv"
    assert storage.put_file(local, "renamed.csv").endswith("/run1/renamed.csv")
    assert local.exists()  # copied, not moved


def test_reading_own_files_and_size(storage, tmp_path):
    uri = storage.put_bytes(b"hello", "a.txt")
    with storage.open(uri) as handle:
        assert handle.read() == b"hello"
    assert storage.exists(uri) and storage.size(uri) == 5
    target = storage.download(uri, tmp_path)
    assert target == tmp_path / "a.txt" and target.read_bytes() == b"hello"


def test_files_of_another_namespace_are_refused(storage, harness):
    foreign = harness.files.put_bytes("kestra:///other/flow/executions/e/tasks/t/r/x.txt", b"x")
    with pytest.raises(UserCodeError, match="Unable to read"):
        storage.open(foreign)


def test_missing_file_is_not_found(storage):
    with pytest.raises(NotFoundError, match="does not exist"):
        storage.open(f"{EXEC}/tasks/t/r/none.txt")
    with pytest.raises(NotFoundError):
        storage.size(f"{EXEC}/tasks/t/r/none.txt")


def test_delete_execution_files(storage, harness):
    mine = storage.put_bytes(b"1", "a.txt")
    other = harness.files.put_bytes("kestra:///company/team/my-flow/executions/exec2/tasks/t/r/b.txt", b"2")
    assert storage.delete_execution_files() == [mine]
    assert harness.files.exists(other)


def test_namespace_files(storage, harness):
    NamespaceFiles(harness.files).put("company.team", "/queries/a.sql", b"select 1")
    NamespaceFiles(harness.files).put("company.team", "b.txt", b"b")
    assert storage.namespace_file("queries/a.sql") == b"select 1"
    assert dict(storage.namespace_files()) == {"queries/a.sql": b"select 1", "b.txt": b"b"}
    with pytest.raises(NotFoundError):
        storage.namespace_file("nope.sql")


def test_read_only_storage_cannot_write(harness):
    reader = ExecutionStorage(harness.files, namespace="a", flow_id="f", execution_id="e")
    with pytest.raises(UserCodeError, match="only be stored by a running task"):
        reader.put_bytes(b"x", "x.txt")


# --- ExprServices ---------------------------------------------------------------------------------


def test_expr_services_lookups(harness):
    services = expr_services_for(harness.deps, "company.team", "my_flow", "exec1")
    harness.kv.set("company", "ROOT_KEY", "inherited")
    harness.kv.set("company.team", "OWN", 5)
    assert services.kv("company.team", "OWN", True) == 5
    assert services.kv("company.team", "ROOT_KEY", True) == "inherited"  # parents walked
    assert services.kv("other", "OWN", False) is None
    with pytest.raises(NotFoundError, match="does not exist in the namespace"):
        services.kv("other", "OWN", True)

    uri = harness.files.put_bytes(f"{EXEC}/tasks/t/r/x.txt", "héllo".encode())
    NamespaceFiles(harness.files).put("company.team", "q.sql", b"select 1")
    assert services.read(uri, "company.team") == "héllo"
    assert services.read("q.sql", "company.team") == "select 1"
    assert services.file_exists(uri, "company.team") and services.file_exists("q.sql", "company.team")
    assert not services.file_exists("none.sql", "company.team")
    assert services.file_size(uri, "company.team") == len("héllo".encode())
    assert services.file_size("q.sql", "company.team") == 8


def test_expr_services_secret_registers_mask(harness):
    import base64

    harness.env["SECRET_K"] = base64.b64encode(b"topsecret").decode()
    services = expr_services_for(harness.deps, "company.team", "my_flow", "exec1")
    assert services.secret("k") == "topsecret"
    assert services.masker.apply("say topsecret") == "say ******"


def test_expr_services_error_logs(harness):
    services = expr_services_for(harness.deps, "company.team", "my_flow", "exec1")
    now = harness.clock()
    harness.logs.extend(
        [
            LogEntry("company.team", "my_flow", "exec1", now, "ERROR", "boom", task_id="t"),
            LogEntry("company.team", "my_flow", "exec1", now, "INFO", "fine"),
            LogEntry("company.team", "my_flow", "exec2", now, "ERROR", "other execution"),
        ]
    )
    errors = services.error_logs()
    assert [e["message"] for e in errors] == ["boom"]
    assert errors[0]["taskId"] == "t"
