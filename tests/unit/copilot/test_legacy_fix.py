"""``lanner flow fix``: deterministic rewrites of removed/renamed Kestra syntax, comments and
order kept; the copilot only for what remains."""

from __future__ import annotations

import pytest
import yaml
from tests.unit.copilot.flows import fenced

from lanner.copilot.fix import fix_flow
from lanner.copilot.legacy import fix_legacy, interval_to_cron
from lanner.copilot.retrieval import Retriever
from lanner.copilot.service import Copilot
from lanner.copilot.validation import validate
from lanner.llm.scripted import ScriptedChatProvider

CRYPTO = """\
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


def _data(text: str) -> dict:
    return yaml.safe_load(text)


def test_the_crypto_pipeline_is_fixed_keeping_its_intent() -> None:
    result = fix_flow(CRYPTO, "crypto.yaml")
    assert result.valid, [i.located() for i in result.report.errors]
    assert not result.copilot_used
    data = _data(result.text)
    task = data["tasks"][0]
    assert task["id"] == "run-dlt"
    assert task["type"] == "io.kestra.plugin.scripts.python.Script"
    assert task["script"] == 'import os\nos.system("python dlt_pipeline.py")\n'
    assert task["taskRunner"] == {"type": "io.kestra.plugin.core.runner.Process"}  # ran as a process before
    assert data["triggers"] == [{"id": "schedule", "type": "io.kestra.plugin.core.trigger.Schedule",
                                 "cron": "0 * * * *"}]
    assert "schedule" not in data
    assert [c.line for c in result.changes] == [4, 9]
    diff = result.diff("crypto.yaml")
    assert "-    type: io.kestra.core.tasks.scripts.Python" in diff
    assert '+    cron: "0 * * * *"' in diff
    assert "-      import os" not in diff  # the script is untouched


LEGACY = """\
# Nightly job, written for Kestra 0.9
id: legacy
namespace: company.team

taskDefaults:
  - type: io.kestra.core.tasks.log.Log
    values:
      level: WARN

tasks:
  - id: hello
    type: io.kestra.core.tasks.debugs.Echo   # was the hello task
    format: "Hello {{ flow.id }}"

  - id: each
    type: io.kestra.core.tasks.flows.EachParallel
    value: '["a", "b"]'
    tasks:
      - id: say
        type: io.kestra.core.tasks.log.Log
        message: "{{ taskrun.value }}"

  - id: bash
    type: io.kestra.core.tasks.scripts.Bash
    exitOnFailed: true
    runner: DOCKER
    dockerOptions:
      image: ubuntu:22.04
    commands:
      - echo hi

  - {id: done, type: io.kestra.core.tasks.log.Log, message: done}

triggers:
  - id: old
    type: io.kestra.core.models.triggers.types.Schedule
    cron: "0 0 * * *"
    scheduleConditions: []

schedule:
  cron: "*/15 * * * *"
  timezone: Europe/Paris
"""


def test_every_legacy_construct_is_rewritten_and_comments_kept() -> None:
    fixed = fix_legacy(LEGACY)
    report = validate(fixed.text)
    assert report.valid, [i.located() for i in report.errors]
    assert report.warnings == []  # no deprecated name left either
    data = _data(fixed.text)
    assert "taskDefaults" not in data
    assert data["pluginDefaults"][0]["type"] == "io.kestra.plugin.core.log.Log"
    hello, each, bash, done = data["tasks"]
    assert hello == {"id": "hello", "type": "io.kestra.plugin.core.log.Log", "message": "Hello {{ flow.id }}"}
    assert each["type"] == "io.kestra.plugin.core.flow.ForEach"
    assert each["values"] == '["a", "b"]' and each["concurrencyLimit"] == 0
    assert each["tasks"][0]["type"] == "io.kestra.plugin.core.log.Log"
    assert bash["type"] == "io.kestra.plugin.scripts.shell.Commands"
    assert bash["failFast"] is True and bash["containerImage"] == "ubuntu:22.04"
    assert bash["taskRunner"] == {"type": "io.kestra.plugin.scripts.runner.docker.Docker"}
    assert "runner" not in bash and "dockerOptions" not in bash
    assert done == {"id": "done", "type": "io.kestra.plugin.core.log.Log", "message": "done"}
    old, added = data["triggers"]
    assert old["type"] == "io.kestra.plugin.core.trigger.Schedule" and "conditions" in old
    assert added == {"id": "schedule", "type": "io.kestra.plugin.core.trigger.Schedule",
                     "cron": "*/15 * * * *", "timezone": "Europe/Paris"}
    assert "schedule" not in data
    assert fixed.text.startswith("# Nightly job, written for Kestra 0.9\n")
    assert "io.kestra.plugin.core.log.Log   # was the hello task" in fixed.text
    assert fixed.manual == []


def test_taskdefaults_next_to_plugindefaults_is_left_to_a_person() -> None:
    text = LEGACY.replace("taskDefaults:", "pluginDefaults: []\ntaskDefaults:")
    fixed = fix_legacy(text)
    assert "taskDefaults:" in fixed.text
    assert any(c.path == "taskDefaults" for c in fixed.manual)


def test_the_legacy_python_task_running_main_py_becomes_commands() -> None:
    text = """\
id: py
namespace: company.team
tasks:
  - id: main
    type: io.kestra.core.tasks.scripts.Python
    inputFiles:
      main.py: print("hi")
    requirements:
      - pandas
"""
    fixed = fix_legacy(text)
    task = _data(fixed.text)["tasks"][0]
    assert task["type"] == "io.kestra.plugin.scripts.python.Commands"
    assert task["commands"] == ["python main.py"]
    assert task["dependencies"] == ["pandas"]
    assert validate(fixed.text).valid


def test_a_valid_modern_flow_is_left_alone() -> None:
    text = "id: ok\nnamespace: company.team\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n" \
           "    message: hi\n"
    result = fix_flow(text)
    assert result.valid and not result.changed and result.changes == []


@pytest.mark.parametrize(("interval", "cron"), [
    ("PT1H", "0 * * * *"), ("PT15M", "*/15 * * * *"), ("PT1M", "* * * * *"), ("PT6H", "0 */6 * * *"),
    ("P1D", "0 0 * * *"), ("PT24H", "0 0 * * *"), ("P7D", "0 0 * * 1"), ("PT90M", None), ("PT7M", None),
    ("soon", None),
])
def test_intervals_become_cron_expressions(interval: str, cron: str | None) -> None:
    assert interval_to_cron(interval) == cron


def test_a_schedule_joins_existing_triggers() -> None:
    text = CRYPTO.replace("schedule:\n", "triggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger."
                                         "Webhook\n    key: abc\nschedule:\n")
    data = _data(fix_legacy(text).text)
    assert [t["id"] for t in data["triggers"]] == ["hook", "schedule"]


TEMPLATE = """\
id: old-template
namespace: company.team
tasks:
  - id: tpl
    type: io.kestra.core.tasks.flows.Template
    namespace: company.team
    templateId: shared
"""
SUBFLOW = """\
id: old-template
namespace: company.team
tasks:
  - id: tpl
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: shared
"""


def test_what_cannot_be_rewritten_goes_to_the_copilot_with_the_errors() -> None:
    answer = fenced(SUBFLOW, "Templates were removed: the tasks are called as a subflow.")
    chat = ScriptedChatProvider([answer])
    result = fix_flow(TEMPLATE, "tpl.yaml", Copilot(chat, Retriever()))
    assert result.valid and result.copilot_used
    assert _data(result.text)["tasks"][0]["type"] == "io.kestra.plugin.core.flow.Subflow"
    asked = chat.calls[0].messages[-1].content
    assert "Invalid type: io.kestra.core.tasks.flows.Template" in asked  # the validation errors
    assert "line 4: tasks[0]: `io.kestra.core.tasks.flows.Template` was removed" in asked
    assert TEMPLATE.rstrip() in asked  # the flow to edit


def test_an_invalid_copilot_answer_is_not_used() -> None:
    chat = ScriptedChatProvider([fenced(TEMPLATE)] * 3)
    result = fix_flow(TEMPLATE, "tpl.yaml", Copilot(chat, Retriever()))
    assert not result.valid and not result.copilot_used
    assert result.text == TEMPLATE
    assert result.copilot is not None and not result.copilot.valid


def test_without_a_copilot_the_remaining_errors_are_reported() -> None:
    result = fix_flow(TEMPLATE, "tpl.yaml")
    assert not result.valid and result.copilot is None
    assert result.report.errors[0].line == 5
