"""Editing an existing flow returns a minimal change, not a rewrite."""

from __future__ import annotations

import difflib

from tests.unit.copilot.flows import fenced

from lanner.copilot.minimal import keep_unchanged
from lanner.copilot.retrieval import Retriever
from lanner.copilot.service import Copilot
from lanner.llm.scripted import ScriptedChatProvider

CURRENT = """\
# Taxi pipeline (owned by the data team)
id: taxi
namespace: company.team

inputs:
  - id: month
    type: SELECT
    values: ['2019-01', '2019-02']   # the course months

tasks:
  # fetch the file
  - id: extract
    type: io.kestra.plugin.core.http.Download
    uri: "https://example.com/{{ inputs.month }}.csv"

  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "done {{ outputs.extract.uri }}"
"""

# What a model typically answers: the right change, the rest re-indented, re-quoted, uncommented.
REWRITTEN = """\
id: taxi
namespace: company.team
inputs:
- id: month
  type: SELECT
  values:
  - '2019-01'
  - '2019-02'
tasks:
- id: extract
  type: io.kestra.plugin.core.http.Download
  uri: "https://example.com/{{ inputs.month }}.csv"
- id: log
  type: io.kestra.plugin.core.log.Log
  message: "done {{ outputs.extract.uri }}"
  level: WARN
triggers:
- id: daily
  type: io.kestra.plugin.core.trigger.Schedule
  cron: "0 9 * * *"
"""


def _changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines()
            if line[:1] in ("+", "-") and not line.startswith(("+++", "---"))]


def test_the_copilot_keeps_everything_it_did_not_need_to_change() -> None:
    chat = ScriptedChatProvider([fenced(REWRITTEN, "Added a daily schedule and a WARN level.")])
    result = Copilot(chat, Retriever()).generate("run it every day at 9 and log at WARN level", CURRENT)
    assert result.valid
    assert result.diff is not None
    assert _changed_lines(result.diff) == [
        "+    level: WARN", "+triggers:", "+  - id: daily",
        "+    type: io.kestra.plugin.core.trigger.Schedule", '+    cron: "0 9 * * *"']
    assert result.yaml.startswith("# Taxi pipeline (owned by the data team)\n")
    assert "values: ['2019-01', '2019-02']   # the course months" in result.yaml
    assert "  # fetch the file\n" in result.yaml


def test_a_changed_item_keeps_the_spacing_and_comments_above_it() -> None:
    proposed = REWRITTEN.replace("  level: WARN\n", "").replace("done {{", "finished {{")
    kept = keep_unchanged(CURRENT, proposed.split("triggers:")[0])
    diff = "\n".join(difflib.unified_diff(CURRENT.splitlines(), kept.splitlines()))
    assert _changed_lines(diff) == ['-    message: "done {{ outputs.extract.uri }}"',
                                    '+    message: "finished {{ outputs.extract.uri }}"']


def test_a_removed_task_is_removed_and_the_rest_kept() -> None:
    proposed = REWRITTEN.split("- id: log")[0].rstrip() + "\n"
    kept = keep_unchanged(CURRENT, proposed)
    assert "id: log" not in kept
    assert "  # fetch the file\n  - id: extract\n" in kept


def test_nothing_is_kept_when_the_meaning_would_change() -> None:
    assert keep_unchanged("not: [valid", REWRITTEN) == REWRITTEN
    assert keep_unchanged(CURRENT, "{id: x, namespace: y, tasks: []}") == "{id: x, namespace: y, tasks: []}"


def test_an_identical_proposal_gives_the_current_text_back() -> None:
    assert keep_unchanged(CURRENT, REWRITTEN.split("triggers:")[0].replace("  level: WARN\n", "")) == CURRENT
