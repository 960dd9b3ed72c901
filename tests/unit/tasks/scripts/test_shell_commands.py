"""Script tasks run through the real worker (``run_task``) as local processes."""

from __future__ import annotations

import json
import shutil

import pytest

from lanner.files import uris
from lanner.files.namespace_files import NamespaceFiles
from lanner.model.state import State
from lanner.tasks.scripts import node, shell
from lanner.tasks.scripts.python import Commands as PythonCommands
from lanner.tasks.scripts.python import Script as PythonScript

NS, FLOW, EXEC = "company.team", "my_flow", "exec0000000000000000001"


def stored(harness, uri: str) -> bytes:
    with harness.files.open(uri) as handle:
        return handle.read()


def test_commands_output_files_globs_include_input_files(harness):
    task = harness.task(shell.Commands, {
        "inputFiles": {"data.json": '{"a": 1}', "sub/in.csv": "x"},
        "outputFiles": ["*.json", "**/*.csv"],
        "commands": ["echo '[1]' > products.json", "mkdir -p deep/er", "echo y > deep/er/out.csv",
                     "echo z > top.txt"],
    })
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    files = result.outputs["outputFiles"]
    assert set(files) == {"data.json", "products.json", "sub/in.csv", "deep/er/out.csv"}
    assert stored(harness, files["products.json"]) == b"[1]\n"
    assert stored(harness, files["data.json"]) == b'{"a": 1}'
    # Stored like Kestra: <22-char id>-<file name>, among this task run's outputs.
    name = files["products.json"].rsplit("/", 1)[-1]
    assert len(name.split("-", 1)[0]) == 22 and name.endswith("-products.json")
    assert result.outputs["exitCode"] == 0 and result.outputs["vars"] == {}


def test_top_level_glob_does_not_descend(harness):
    task = harness.task(shell.Commands, {
        "outputFiles": ["*.csv"], "commands": ["echo a > a.csv", "mkdir d", "echo b > d/b.csv"]})
    assert set(harness.run(task).outputs["outputFiles"]) == {"a.csv"}


def test_input_files_as_rendered_json_string_and_from_internal_storage(harness):
    uri = uris.task_output_uri(NS, FLOW, EXEC, "extract", "tr1", "data.txt")
    harness.files.put_bytes(uri, b"stored content\n")
    task = harness.task(shell.Commands, {
        "inputFiles": '{"in.txt": "{{ uri }}", "note.txt": "inline {{ word }}"}',
        "commands": ["cat in.txt note.txt"],
    })
    result = harness.run(task, {"uri": uri, "word": "text"})
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-2:] == ["stored content", "inline text"]


def test_input_files_are_rendered_once(harness):
    # dbt models hold Jinja of their own: what an expression gives must reach the file as it is.
    model = "select * from {{ ref('trips') }}"
    task = harness.task(shell.Commands, {
        "inputFiles": {"model.sql": "{{ sql }}", "{{ name }}.txt": "{{ sql }}"},
        "commands": ["cat model.sql", "echo", "cat other.txt"],
    })
    result = harness.run(task, {"sql": model, "name": "other"})
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-2:] == [model, model]


def test_protocol_outputs_metrics_logs_and_invalid_json(harness):
    lines = [
        '::{"outputs": {"a": 1, "b": "x"}}::',
        '::{"outputs": {"b": "y"}, '
        '"metrics": [{"name": "rows", "type": "counter", "value": 3, "tags": {"t": "1"}}]}::',
        '::{"metrics": [{"name": "took", "type": "timer", "value": 1.5}]}::',
        '::{"metrics": [{"name": "broken", "type": "gauge", "value": NaN}]}::',
        '::{"logs": [{"level": "WARN", "message": "from the script"}]}::',
        "::{not json}::",
        "plain line",
    ]
    task = harness.task(shell.Commands, {"commands": [f"echo '{line}'" for line in lines]})
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    assert result.outputs["vars"] == {"a": 1, "b": "y"}
    assert [(m.name, m.type, m.value, dict(m.tags)) for m in result.metrics] == [
        ("rows", "counter", 3.0, {"t": "1"}), ("took", "timer", 1.5, {})]
    assert "from the script" in harness.messages("WARN")
    assert any(m.startswith("Invalid outputs '::{not json}::'") for m in harness.messages("WARN"))
    assert any("Invalid metric" in m and "finite number" in m for m in harness.messages("WARN"))
    infos = harness.messages("INFO")
    assert "plain line" in infos and not any(m.startswith("::") for m in infos)


def test_stderr_is_error_and_warning_on_stderr_is_opt_in(harness):
    task = harness.task(shell.Commands, {"commands": ["echo oops >&2"]})
    result = harness.run(task)
    assert result.state == State.SUCCESS
    assert harness.messages("ERROR") == ["oops"]
    task = harness.task(shell.Commands, {"commands": ["echo oops >&2"], "warningOnStdErr": True})
    assert harness.run(task).state == State.WARNING


def test_non_zero_exit_fails_and_keeps_outputs(harness):
    task = harness.task(shell.Commands, {
        "commands": ["echo '::{\"outputs\": {\"done\": 1}}::'", "exit 3", "echo never"]})
    result = harness.run(task)
    assert result.state == State.FAILED
    assert result.error == "Command failed with exit code 3"
    assert result.outputs == {"vars": {"done": 1}, "exitCode": 3}
    assert "never" not in harness.messages()


def test_fail_fast_false_runs_on(harness):
    task = harness.task(shell.Commands, {"failFast": False, "commands": ["false", "echo still here"]})
    result = harness.run(task)
    assert result.state == State.SUCCESS and "still here" in harness.messages("INFO")


def test_env_rendering_and_base_variables(harness):
    task = harness.task(shell.Commands, {
        "env": {"COLUMNS": "{{ inputs.columns }}", "PORT": 5432, "FLAG": True, "LITERAL": ["a", 1]},
        "commands": ['echo "$COLUMNS|$PORT|$FLAG|$LITERAL"',
                     'echo "$PYTHONUNBUFFERED $PIP_ROOT_USER_ACTION $PIP_DISABLE_PIP_VERSION_CHECK"',
                     'test "$WORKING_DIR" = "$(pwd)" && echo same-dir',
                     'test -n "$PATH" && echo has-host-env'],
    })
    result = harness.run(task, {"inputs": {"columns": ["brand", "price"]}})
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-4:] == [
        '["brand","price"]|5432|true|["a",1]', "true ignore 1", "same-dir", "has-host-env"]


def test_working_dir_variable_and_before_commands(harness):
    task = harness.task(shell.Commands, {
        "beforeCommands": ["export GREETING=hello"],
        "commands": ["echo {{ workingDir }} > where.txt", 'echo "$GREETING"', "cat where.txt"],
    })
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    greeting, where = harness.messages("INFO")[-2:]
    assert greeting == "hello" and where.endswith(tuple("0123456789abcdefghijklmnopqrstuvwxyz_"))
    assert "lanner-my_task-" in where


def test_internal_storage_uris_in_commands_are_downloaded(harness):
    uri = uris.task_output_uri(NS, FLOW, EXEC, "extract", "tr1", "yellow.csv")
    harness.files.put_bytes(uri, b"id,fare\n1,2.5\n")
    task = harness.task(shell.Commands, {"commands": ["cat {{ outputs.extract.uri }}", "ls"]})
    result = harness.run(task, {"outputs": {"extract": {"uri": uri}}})
    assert result.state == State.SUCCESS, result.error
    infos = harness.messages("INFO")
    assert "id,fare" in infos and "1,2.5" in infos and "yellow.csv" in infos


def test_namespace_files_include_exclude(harness):
    ns_files = NamespaceFiles(harness.files)
    ns_files.put(NS, "main.py", b"print('hi')")
    ns_files.put(NS, "scripts/util.py", b"x = 1")
    ns_files.put(NS, "scripts/skip.txt", b"no")
    ns_files.put(NS, "other/deep.py", b"no")
    task = harness.task(shell.Commands, {
        # Kestra's globs: `*` stays in one folder, `**` crosses folders.
        "namespaceFiles": {"enabled": True, "include": ["*.py", "scripts/**"], "exclude": ["**.txt"]},
        "commands": ["find . -type f | sort"],
    })
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-2:] == ["./main.py", "./scripts/util.py"]


def test_namespace_files_disabled_by_default(harness):
    NamespaceFiles(harness.files).put(NS, "main.py", b"print('hi')")
    task = harness.task(shell.Commands, {"commands": ["ls | wc -l"]})
    harness.run(task)
    assert harness.messages("INFO")[-1].strip() == "0"


def test_shell_script_runs_in_the_same_shell(harness):
    task = harness.task(shell.Script, {
        "beforeCommands": ["X=before"], "script": 'echo "$X {{ word }}"\necho second'})
    result = harness.run(task, {"word": "script"})
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-2:] == ["before script", "second"]


def test_python_script_uses_kestra_library_and_env(harness):
    task = harness.task(PythonScript, {
        "env": {"COLUMNS": "{{ cols }}"},
        "script": "import json, os\nfrom kestra import Kestra\n"
                  "Kestra.outputs({'cols': json.loads(os.environ['COLUMNS'])})\n"
                  "Kestra.counter('n', 2, {'k': 'v'})\nKestra.timer('t', 0.25)\n"
                  "Kestra.logger().info('via logger')\nprint('plain')",
    })
    result = harness.run(task, {"cols": ["brand", "price"]})
    assert result.state == State.SUCCESS, result.error
    assert result.outputs["vars"] == {"cols": ["brand", "price"]}
    assert [(m.name, m.type, m.value) for m in result.metrics] == [
        ("n", "counter", 2.0), ("t", "timer", 0.25)]
    assert "plain" in harness.messages("INFO")
    assert any(m.endswith("via logger") for m in harness.messages("INFO"))


def test_python_commands_and_script_failure(harness):
    task = harness.task(PythonCommands, {
        "inputFiles": {"main.py": "import sys; print(sys.argv[1]); sys.exit(4)"},
        "commands": ["python main.py arg"]})
    result = harness.run(task)
    assert result.state == State.FAILED and result.outputs["exitCode"] == 4
    assert "arg" in harness.messages("INFO")


def test_container_image_is_ignored_by_the_process_runner(harness):
    task = harness.task(shell.Commands, {
        "containerImage": "ubuntu:22.04",
        "taskRunner": {"type": "io.kestra.plugin.core.runner.Process"},
        "commands": ["echo ok"]})
    result = harness.run(task)
    assert result.state == State.SUCCESS
    assert not harness.messages("WARN")
    assert any("ubuntu:22.04" in m for m in harness.messages("DEBUG"))


@pytest.mark.parametrize("value", ['{"a": 1', "[1, 2]"])
def test_invalid_input_files_string(harness, value):
    task = harness.task(shell.Commands, {"inputFiles": value, "commands": ["true"]})
    result = harness.run(task)
    assert result.state == State.FAILED and "Invalid inputFiles" in (result.error or "")


def test_output_directory_legacy(harness):
    task = harness.task(shell.Commands, {"outputDirectory": True,
                                         "commands": ["echo x > {{ outputDir }}/res.txt"]})
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    assert set(result.outputs["outputFiles"]) == {"res.txt"}
    assert json.loads(json.dumps(result.outputs))  # outputs stay JSON-serialisable


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_script_and_commands(harness):
    task = harness.task(node.Script, {"script": 'console.log("node {{ word }}")'})
    result = harness.run(task, {"word": "ok"})
    assert result.state == State.SUCCESS, result.error
    assert "node ok" in harness.messages("INFO")
    task = harness.task(node.Commands, {"inputFiles": {"main.js": 'console.log(process.argv[2])'},
                                        "commands": ["node main.js arg"]})
    assert harness.run(task).state == State.SUCCESS and "arg" in harness.messages("INFO")


def test_custom_interpreter_and_commands_as_expression(harness):
    task = harness.task(shell.Commands, {"interpreter": ["/bin/sh", "-c"], "failFast": False,
                                         "commands": "{{ cmds }}"})
    result = harness.run(task, {"cmds": ["echo one", "echo two"]})
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-2:] == ["one", "two"]


def test_protocol_edge_cases(harness):
    lines = [
        '::{"metrics": [{"name": "t", "type": "timer", "value": "PT2.5S"}]}::',
        '::{"metrics": [{"name": "bad", "type": "histogram", "value": 1}]}::',
        '::{"outputs": [1, 2]}::',
        '::[1, 2]::',  # not an object: not the protocol, an ordinary line
    ]
    result = harness.run(harness.task(shell.Commands, {"commands": [f"echo '{line}'" for line in lines]}))
    assert result.state == State.SUCCESS, result.error
    assert [(m.name, m.value) for m in result.metrics] == [("t", 2.5)]
    warns = harness.messages("WARN")
    assert any("unknown metric type 'histogram'" in w for w in warns)
    assert any("`outputs` must be a JSON object" in w for w in warns)
    assert "::[1, 2]::" in harness.messages("INFO")


def test_internal_storage_uris_in_a_python_script_are_local_paths(harness):
    uri = uris.task_output_uri(NS, FLOW, EXEC, "extract", "tr1", "data.json")
    harness.files.put_bytes(uri, b'{"n": 7}')
    task = harness.task(PythonScript, {
        "script": "import json\nfrom kestra import Kestra\n"
                  "with open('{{ outputs.extract.uri }}') as f:\n    Kestra.outputs(json.load(f))"})
    result = harness.run(task, {"outputs": {"extract": {"uri": uri}}})
    assert result.state == State.SUCCESS, result.error
    assert result.outputs["vars"] == {"n": 7}
