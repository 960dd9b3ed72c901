"""PurgeCurrentExecutionFiles and LocalFiles."""

from __future__ import annotations

from lanner.model.state import State
from lanner.tasks.core.storage import LocalFiles, PurgeCurrentExecutionFiles

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"


def test_purge_deletes_every_file_of_the_execution_only(harness):
    mine = [
        harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/data.csv", b"a"),
        harness.files.put_bytes(f"{EXEC}/inputs/file/upload.txt", b"b"),
    ]
    other = harness.files.put_bytes("kestra:///company/team/my-flow/executions/other/tasks/t/r/x.csv", b"c")
    result = harness.run(harness.task(PurgeCurrentExecutionFiles, {}))
    assert result.state is State.SUCCESS
    assert sorted(result.outputs["uris"]) == sorted(mine)
    assert not any(harness.files.exists(uri) for uri in mine)
    assert harness.files.exists(other)


def test_purge_without_files_succeeds(harness):
    assert harness.run(harness.task(PurgeCurrentExecutionFiles, {})).outputs == {"uris": []}


def test_local_files_creates_inputs_and_stores_outputs(harness):
    stored = harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/orders.csv", b"id\n1\n")
    task = harness.task(
        LocalFiles,
        {
            "inputs": {
                "hello.txt": "Hello {{ inputs.name }}\n",
                "sub/orders.csv": "{{ inputs.file }}",
                "empty.txt": None,
            },
            "outputs": ["*.txt", "sub/**"],
        },
    )
    result = harness.run(task, {"inputs": {"name": "Ann", "file": stored}})
    assert result.state is State.SUCCESS, result.error
    uris = result.outputs["uris"]
    assert sorted(uris) == ["empty.txt", "hello.txt", "sub/orders.csv"]
    with harness.files.open(uris["hello.txt"]) as handle:
        assert handle.read() == b"Hello Ann\n"
    with harness.files.open(uris["sub/orders.csv"]) as handle:
        assert handle.read() == b"id\n1\n"
    assert uris["hello.txt"].endswith("-hello.txt")
    assert "/tasks/my-task/" in uris["hello.txt"]


def test_local_files_refuses_names_escaping_the_working_directory(harness):
    result = harness.run(harness.task(LocalFiles, {"inputs": {"../evil.txt": "x"}}))
    assert result.state is State.FAILED
    assert "must stay inside the working directory" in result.error


def test_local_files_cannot_read_another_namespace(harness):
    foreign = harness.files.put_bytes("kestra:///other/ns/flow/executions/e/tasks/t/r/secret.txt", b"x")
    result = harness.run(harness.task(LocalFiles, {"inputs": {"a.txt": foreign}}))
    assert result.state is State.FAILED
    assert "Unable to read" in result.error
