"""WorkingDirectory ``outputFiles`` and ``namespaceFiles`` end to end (the real local runtime)."""

from __future__ import annotations

from lanner.files.namespace_files import NamespaceFiles
from lanner.testing import local_runtime, run_flow


def flow(body: str) -> str:
    return f"id: wd\nnamespace: company.team\n{body}"


PROCESS = "taskRunner:\n          type: io.kestra.plugin.core.runner.Process"


def test_output_files_of_a_shell_child_are_read_by_a_later_task() -> None:
    result = run_flow(flow(f"""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - out.csv
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        {PROCESS}
        commands:
          - printf 'id,fare\\n1,2.5\\n' > out.csv
      - id: append
        type: io.kestra.plugin.scripts.python.Script
        {PROCESS}
        script: |
          with open("out.csv", "a") as f:
              f.write("2,7.0\\n")
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ read(outputs.wdir.outputFiles['out.csv']) }}}}"
"""))
    assert result.state == "SUCCESS", result.messages("ERROR")
    uri = result.outputs("wdir")["outputFiles"]["out.csv"]
    run = result.task_run("wdir")
    assert uri.startswith("kestra:///company/team/wd/executions/") and f"/tasks/wdir/{run.id}/" in uri
    assert result.outputs("show") == {"value": "id,fare\n1,2.5\n2,7.0\n"}


def test_a_glob_keeps_several_files_and_a_pattern_matching_nothing_is_no_error() -> None:
    result = run_flow(flow(f"""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      input.txt: kept out
    outputFiles:
      - "*.csv"
      - "reports/**"
      - "{{{{ 'missing' }}}}.parquet"
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        {PROCESS}
        commands:
          - echo a > a.csv && echo b > b.csv
          - mkdir -p reports/2024 && echo r > reports/2024/r.txt
  - id: nothing
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - "*.none"
    tasks:
      - id: idle
        type: io.kestra.plugin.core.log.Log
        message: nothing written
"""))
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert sorted(result.outputs("wdir")["outputFiles"]) == ["a.csv", "b.csv", "reports/2024/r.txt"]
    assert result.outputs("nothing") == {"outputFiles": {}}


def test_an_output_pattern_leaving_the_directory_is_refused() -> None:
    result = run_flow(flow(f"""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - ../*.txt
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        {PROCESS}
        commands:
          - echo hi > ../escaped.txt
"""))
    assert result.state == "FAILED"
    assert "Invalid outputFiles pattern '../*.txt': it must stay inside the working directory" in \
        result.messages("ERROR")
    assert [run.task_id for run in result.task_runs] == ["wdir"]  # refused before any child ran


def test_a_symlink_out_of_the_directory_is_refused() -> None:
    result = run_flow(flow(f"""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - "*.txt"
    tasks:
      - id: link
        type: io.kestra.plugin.scripts.shell.Commands
        {PROCESS}
        commands:
          - ln -s /etc/hostname stolen.txt
"""))
    assert result.state == "FAILED"
    errors = result.messages("ERROR")
    assert any("Unable to capture the output files of the WorkingDirectory" in m
               and "must stay inside the working directory" in m for m in errors), errors


def test_namespace_files_are_copied_in_before_the_first_child() -> None:
    source = flow(f"""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    namespaceFiles:
      enabled: true
      include: ["*.py", "scripts/**"]
      exclude: ["**.txt"]
    inputFiles:
      main.py: "print('from inputFiles')"
    outputFiles:
      - "**"
    tasks:
      - id: list
        type: io.kestra.plugin.scripts.shell.Commands
        {PROCESS}
        commands:
          - find . -type f | sort
""")
    with local_runtime() as local:
        files = NamespaceFiles(local.services.files)
        files.put("company.team", "main.py", b"print('from namespace files')")
        files.put("company.team", "scripts/util.py", b"x = 1")
        files.put("company.team", "scripts/skip.txt", b"no")
        files.put("company.team", "other/deep.md", b"no")
        execution = local.start(local.runtime.deploy(source))
        final = local.wait(execution.id, timeout=60)
        wdir = next(run for run in final.task_runs if run.task_id == "wdir")
        stored = dict((wdir.outputs or {})["outputFiles"])
        with local.services.files.open(stored["main.py"]) as handle:
            main = handle.read()
    assert final.state.current.value == "SUCCESS"
    assert sorted(stored) == ["main.py", "scripts/util.py"]
    assert main == b"print('from inputFiles')"  # inputFiles are written after namespace files
