"""Span edits of YAML text: the rest of the file stays byte for byte."""

from __future__ import annotations

import yaml

from lanner.copilot.legacy import fix_legacy
from lanner.copilot.redact import MASK, redact, secret_values
from lanner.copilot.yamltext import Editor, compose, get

INDENTLESS = """\
id: flat
namespace: company.team
tasks:
- id: a
  type: io.kestra.core.tasks.scripts.Bash
  runner: PROCESS
  commands:
  - echo a
# trailing comment about the schedule
schedule: "@daily"
"""


def test_indentless_lists_keep_their_style() -> None:
    fixed = fix_legacy(INDENTLESS)
    assert fixed.text == """\
id: flat
namespace: company.team
tasks:
- id: a
  type: io.kestra.plugin.scripts.shell.Commands
  taskRunner:
    type: io.kestra.plugin.core.runner.Process
  commands:
  - echo a
# trailing comment about the schedule
triggers:
- id: schedule
  type: io.kestra.plugin.core.trigger.Schedule
  cron: "@daily"
"""


def test_an_entry_spans_its_nested_lines_and_indentless_items() -> None:
    root = compose(INDENTLESS)
    assert root is not None
    editor = Editor.of(INDENTLESS)
    key, _ = get(root, "tasks") or (None, None)
    assert key is not None
    assert editor.source.entry_lines(key) == (2, 8)
    assert editor.delete_entry(key)
    assert editor.apply().startswith("id: flat\nnamespace: company.team\n# trailing comment")


def test_the_first_key_of_a_list_item_is_not_deleted_line_wise() -> None:
    root = compose(INDENTLESS)
    item = (get(root, "tasks") or (None, None))[1].value[0]  # type: ignore[union-attr]
    key, _ = get(item, "id") or (None, None)
    assert key is not None and not Editor.of(INDENTLESS).delete_entry(key)


def test_quoted_values_keep_their_quotes() -> None:
    text = "a: 'x'\nb: \"y\"\nc: z\n"
    root = compose(text)
    editor = Editor.of(text)
    for name in "abc":
        editor.replace_scalar(get(root, name)[1], "it's {{ new }}")  # type: ignore[arg-type,index]
    result = editor.apply()
    assert result == "a: 'it''s {{ new }}'\nb: \"it's {{ new }}\"\nc: it's {{ new }}\n"
    assert yaml.safe_load(result) == {k: "it's {{ new }}" for k in "abc"}


def test_secret_values_are_found_and_masked() -> None:
    section = {"type": "openai", "gemini": {"apiKey": "AIza-abcdef"}, "providers": [{"token": "tok-999"}],
               "openai": {"api-key": "sk-123456", "base-url": "http://x", "model-name": "m"}}
    secrets = secret_values(section)
    assert set(secrets) == {"sk-123456", "AIza-abcdef", "tok-999"}
    assert redact("key sk-123456 and AIza-abcdef", secrets) == f"key {MASK} and {MASK}"
