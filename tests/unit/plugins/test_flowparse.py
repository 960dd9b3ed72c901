"""YAML flow -> Flow: the seed flows, legacy flows, every issue with its position, no cascades."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.errors import FlowValidationError
from lanner.model.inputs import SelectInput
from lanner.plugins.api import Task
from lanner.plugins.flowparse import load_flow, parse_flow
from lanner.tasks.flow.if_task import If
from lanner.tasks.triggers.schedule import Schedule

SEED_FLOWS = Path(__file__).resolve().parents[3] / "../shared/seed-flows"
SEEDS = sorted(SEED_FLOWS.glob("*.yaml"))

LEGACY = """\
id: crypto-pipeline
namespace: data-ingestion
tasks:
  - id: run-dlt
    type: io.kestra.core.tasks.scripts.Python
    script: |
      import os
      os.system("python dlt_pipeline.py")
schedule:
  type: "interval"
  interval: "PT1H"
"""


def test_the_eleven_seed_flows_are_there():
    assert len(SEEDS) == 11, SEED_FLOWS


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_flows_validate_unchanged_without_any_issue(path):
    result = parse_flow(path.read_bytes(), path.name)
    assert result.issues == []
    assert result.flow is not None and result.flow.namespace == "zoomcamp"
    assert result.flow.source == path.read_text()


def test_seed_04_content():
    flow = load_flow((SEED_FLOWS / "04_postgres_taxi.yaml").read_text())
    assert [t.id for t in flow.tasks] == ["set_label", "extract", "if_yellow_taxi", "if_green_taxi",
                                          "purge_files"]
    assert all(isinstance(i, SelectInput) for i in flow.inputs)
    branch = flow.tasks[2]
    assert isinstance(branch, If) and branch.else_ is None and len(branch.then) == 6
    copy_in = branch.then[3]
    assert copy_in.from_ == "{{render(vars.data)}}" and copy_in.format == "CSV" and copy_in.header is True
    # the prefix pluginDefaults reached the nested JDBC tasks
    assert copy_in.url == "jdbc:postgresql://pgdatabase:5432/ny_taxi" and copy_in.username == "root"
    assert flow.tasks[1].taskRunner.kestra_type == "io.kestra.plugin.core.runner.Process"


def test_seed_05_and_09_triggers_and_07_prefix_defaults():
    flow = load_flow((SEED_FLOWS / "05_postgres_taxi_scheduled.yaml").read_text())
    assert [(t.id, t.cron, t.inputs) for t in flow.triggers] == [
        ("green_schedule", "0 9 1 * *", {"taxi": "green"}),
        ("yellow_schedule", "0 10 1 * *", {"taxi": "yellow"}),
    ]
    assert all(isinstance(t, Schedule) for t in flow.triggers)
    assert flow.concurrency is not None
    assert (flow.concurrency.limit, flow.concurrency.behavior) == (1, "QUEUE")
    gcp = load_flow((SEED_FLOWS / "07_gcp_setup.yaml").read_text())
    bucket = gcp.tasks[0]
    assert bucket.location == "{{kv('GCP_LOCATION')}}" and bucket.serviceAccount == "{{secret('GCP_CREDS')}}"
    assert not hasattr(bucket, "bucket")  # `bucket` from the prefix default is not a property: ignored


def test_seed_01_exact_type_default_and_disabled_trigger():
    flow = load_flow((SEED_FLOWS / "01_hello_world.yaml").read_text())
    levels = {t.id: getattr(t, "level", None) for t in flow.tasks}
    assert levels["hello_message"] == "ERROR" and levels["goodbye_message"] == "ERROR"
    assert flow.triggers[0].disabled is True
    assert flow.variables["welcome_message"] == "Hello, {{ inputs.name }}!"


def test_legacy_flow_gets_hints_with_the_current_syntax():
    result = parse_flow(LEGACY, "legacy.yaml")
    assert result.flow is None
    where = [(i.line, i.column, i.path) for i in result.errors]
    assert where == [(5, 11, "tasks[0].type"), (9, 1, "schedule")]
    task_issue, schedule_issue = result.errors
    assert task_issue.message == "Invalid type: io.kestra.core.tasks.scripts.Python"
    assert "io.kestra.plugin.scripts.python.Script" in (task_issue.hint or "")
    assert "`script:`" in (task_issue.hint or "")
    hint = schedule_issue.hint or ""
    assert "triggers:" in hint and "io.kestra.plugin.core.trigger.Schedule" in hint and "cron" in hint
    assert '"0 * * * *"' in hint  # PT1H as a cron


def test_three_mistakes_three_errors():
    text = """\
id: three
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    mesage: hi
  - id: b
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
    behavior: RESUME
  - id: c
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: duplicate id
"""
    result = parse_flow(text)
    assert [(i.line, i.column, i.path) for i in result.errors] == [
        (6, 5, "tasks[0].mesage"), (10, 5, "tasks[1].behavior"), (14, 9, "tasks[2].tasks[0].id")]
    assert result.errors[0].hint == "did you mean `message`?"


def test_load_flow_raises_with_every_issue():
    with pytest.raises(FlowValidationError) as caught:
        load_flow(LEGACY, "legacy.yaml")
    assert len(caught.value.errors) == 2 and all(i.file == "legacy.yaml" for i in caught.value.issues)


def test_binary_and_huge_files():
    assert parse_flow(b"\x00\x01\x02binary").errors[0].message == "the file is binary, not a YAML flow"
    huge = parse_flow(b"id: x\n" + b"# padding\n" * (1024 * 1024))
    assert "MiB" in huge.errors[0].message and huge.flow is None


def test_no_cascade_from_a_broken_child():
    text = """\
id: nested
namespace: company.team
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.If
        condition: "true"
        then:
          - id: broken
            type: io.kestra.plugin.nope.Nope
"""
    result = parse_flow(text)
    assert [i.path for i in result.errors] == ["tasks[0].tasks[0].then[0].type"]


def test_parent_errors_are_still_reported_when_a_child_is_broken():
    text = """\
id: nested
namespace: company.team
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: -1
    tasks:
      - id: broken
        type: io.kestra.plugin.core.log.Log
"""
    assert [i.path for i in parse_flow(text).errors] == ["tasks[0].concurrent", "tasks[0].tasks[0]"]


def test_labels_map_or_list_and_system_labels():
    base = "id: l\nnamespace: n\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: x\n"
    flow = load_flow(base + "labels:\n  - key: team\n    value: data\n  - key: on\n    value: true\n")
    assert flow.labels == {"team": "data", "on": "true"}
    result = parse_flow(base + "labels:\n  system.correlationId: x\n  system.readOnly: 'true'\n")
    assert [i.message for i in result.errors] == [
        "System labels can only be set by Kestra itself, offending label: system.correlationId=x"]


def test_unknown_top_level_properties_and_legacy_ones():
    text = ("id: l\nnamespace: n\ntaks: []\nlisteners: []\ntasks:\n  - id: a\n"
            "    type: io.kestra.plugin.core.log.Log\n    message: x\n")
    result = parse_flow(text)
    assert [(i.severity, i.path, i.message) for i in result.issues] == [
        ("error", "taks", 'Unrecognized field "taks"'),
        ("warning", "listeners", result.warnings[0].message),
    ]
    assert result.errors[0].hint == "did you mean `tasks`?"


def test_properties_lanner_does_not_act_on_yet_are_warned_about_where_they_are_set():
    text = """\
id: wd
namespace: n
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - "*.csv"
    cache:
      patterns: ["node_modules/**"]
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: x
"""
    result = parse_flow(text)
    assert result.errors == []
    # outputFiles is supported (no warning); cache is not.
    assert [(i.path, i.line) for i in result.warnings] == [("tasks[0].cache", 8)]
    assert result.warnings[0].message.startswith("`cache` is ignored: ")
    assert parse_flow(text.replace('    cache:\n      patterns: ["node_modules/**"]\n', "")).warnings == []


def test_task_defaults_is_read_as_plugin_defaults_with_a_warning():
    text = """\
id: td
namespace: n
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: x
taskDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      level: WARN
"""
    result = parse_flow(text)
    assert [i.severity for i in result.issues] == ["warning"] and result.flow is not None
    assert result.flow.tasks[0].level == "WARN"


def test_errors_finally_after_execution_and_nested_flowable_handlers_are_parsed():
    text = """\
id: handlers
namespace: n
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: a
    errors:
      - id: group_error
        type: io.kestra.plugin.core.log.Log
        message: e
    finally:
      - id: group_finally
        type: io.kestra.plugin.core.log.Logg
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: e
finally:
  - id: at_end
    type: io.kestra.plugin.core.log.Log
    message: f
afterExecution:
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
"""
    result = parse_flow(text)
    assert [i.path for i in result.errors] == ["tasks[0].finally[0].type"]
    ok = load_flow(text.replace("Logg", "Log\n        message: ok"))
    assert [t.id for t in ok.errors] == ["on_error"] and [t.id for t in ok.finally_] == ["at_end"]
    assert [t.id for t in ok.after_execution] == ["after"]
    group = ok.tasks[0]
    assert [name for name, _ in group.child_groups()] == ["tasks", "errors", "finally"]
    assert all(isinstance(t, Task) for _, tasks in group.child_groups() for t in tasks)


def test_wrong_shapes_never_crash():
    for text in ["id: x\nnamespace: n\ntasks: 3\n", "id: x\nnamespace: n\ntasks:\n  - 3\n",
                 "id: x\nnamespace: n\ntasks:\n  - id: a\n    type: [1]\n",
                 "id: [x]\nnamespace: {a: 1}\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n"
                 "    message: {a: b}\n",
                 "id: x\nnamespace: n\ninputs: {a: 1}\ntriggers: 3\npluginDefaults: x\ntasks: []\n",
                 "id: x\nnamespace: n\ninputs: [3, {id: a}]\ntasks:\n"
                 "  - {id: a, type: io.kestra.plugin.core.flow.Dag, tasks: [{task: 3}]}\n"]:
        result = parse_flow(text)
        assert result.flow is None and result.errors
        assert all(i.line is not None for i in result.errors), [i.located() for i in result.errors]


def test_trigger_and_task_kinds_are_not_mixed():
    text = """\
id: kinds
namespace: n
tasks:
  - id: a
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
triggers:
  - id: t
    type: io.kestra.plugin.core.runner.Process
"""
    messages = [i.message for i in parse_flow(text).errors]
    assert messages == ["`io.kestra.plugin.core.trigger.Schedule` is a trigger type, not a task",
                        "`io.kestra.plugin.core.runner.Process` is a plugin type, not a trigger"]
