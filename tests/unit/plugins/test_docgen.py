"""The reference generator: type texts, runnable detection, outputs, pages, CLI."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import ClassVar

import pytest

from lanner.plugins import builtin, docgen
from lanner.plugins.api import RunContext, RunnableTask, TaskFailure


class _Declared(RunnableTask):
    """A task that says it cannot run yet."""

    kestra_type = "io.example.Declared"
    cannot_run_yet: ClassVar[str] = "needs a cloud account"


class _DeclaredRunnable(RunnableTask):
    kestra_type = "io.example.Runnable"
    cannot_run_yet: ClassVar[str] = ""

    def run(self, ctx: RunContext) -> None:
        raise TaskFailure("x is known to this Lanner version but cannot run yet: ignored")


class _FromSource(RunnableTask):
    """Outputs: `rows` (per `fetchType`), `size`."""

    kestra_type = "io.example.FromSource"

    def run(self, ctx: RunContext) -> None:
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: "
                          "widgets are not supported.")


class _Runs(RunnableTask):
    """Render a template and return it as the output ``value``."""

    kestra_type = "io.example.Runs"
    outputs_doc: ClassVar[dict[str, str]] = {"first": "one", "second": "two"}

    def run(self, ctx: RunContext) -> dict[str, str]:
        return {}


def test_not_runnable_reason_prefers_the_class_attribute_then_the_run_source() -> None:
    assert docgen.not_runnable_reason(_Declared) == "needs a cloud account"
    assert docgen.not_runnable_reason(_DeclaredRunnable) is None
    assert docgen.not_runnable_reason(_FromSource) == "widgets are not supported."
    assert docgen.not_runnable_reason(_Runs) is None


def test_documented_outputs_from_docstring_or_outputs_doc() -> None:
    assert docgen.documented_outputs(_FromSource) == ["rows", "size"]
    assert docgen.documented_outputs(_Runs) == ["first", "second"]
    assert docgen.documented_outputs(_Declared) == []


@pytest.mark.parametrize(("prop", "expected"), [
    ({"type": "string"}, "string"),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string"),
    ({"type": "array", "items": {"type": "string"}}, "list of string"),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, "map of integer"),
    ({"anyOf": [{"enum": ["A", "B"], "type": "string"}, {"type": "string"}]}, "`A`, `B` (or an expression)"),
    ({"$ref": "#/$defs/AnyTaskRunner"}, "task runner"),
    ({"type": "array", "items": {"$ref": "#/$defs/AnyTask"}}, "list of task"),
    ({"$ref": "#/$defs/Nested"}, "[Nested](#nested)"),
    ({"const": "constant"}, "`constant`"),
    ({}, "any"),
])
def test_type_text(prop: dict[str, object], expected: str) -> None:
    links: set[str] = set()
    assert docgen.type_text(prop, {"Nested": {"properties": {"a": {}}}}, links) == expected


def test_properties_table_escapes_pipes_and_marks_required() -> None:
    rows = docgen.properties_table({"properties": {"sql": {"type": "string", "description": "a | b"},
                                                   "n": {"type": "integer", "default": 3}},
                                    "required": ["sql"]}, {})
    assert rows[2] == "| `sql` | string |  | yes | a \\| b |"
    assert rows[3] == "| `n` | integer | `3` |  |  |"


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docgen.render_pages()


def test_one_page_per_builtin_type_plus_shared_pages(pages: dict[str, str]) -> None:
    expected = {f"tasks/{name}.md" for name in {*builtin.TASKS, *builtin.TRIGGERS, *builtin.OBJECTS}}
    shared = {"tasks/index.md", "tasks/common-properties.md", "tasks/legacy-names.md", "flow.md"}
    assert set(pages) == expected | shared


def test_a_task_page_has_type_aliases_properties_and_examples(pages: dict[str, str]) -> None:
    page = pages["tasks/io.kestra.plugin.core.log.Log.md"]
    assert page.startswith(docgen.HEADER)
    assert "`io.kestra.plugin.core.log.Log`" in page
    assert "`io.kestra.core.tasks.log.Log`" in page  # the legacy name
    assert "| `message` |" in page and "| `level` |" in page
    assert "| `retry` |" not in page  # common properties live on their own page
    assert "common-properties.md#task-properties" in page
    assert "```yaml\nid: log_example" in page


def test_not_runnable_types_are_marked_in_page_and_index(pages: dict[str, str]) -> None:
    from lanner.plugins import registry

    blocked = [name for name in builtin.TASKS
               if docgen.not_runnable_reason(registry.resolve_plugin(name))]  # type: ignore[arg-type]
    for name in blocked:
        assert "**Not runnable yet.**" in pages[f"tasks/{name}.md"]
        assert f"[`{name}`]({name}.md) | task |" in pages["tasks/index.md"]
    assert pages["tasks/index.md"].count("| not runnable yet |") == len(blocked)
    assert "Not runnable" not in pages["tasks/io.kestra.plugin.core.log.Log.md"]


def test_index_groups_by_family_in_order(pages: dict[str, str]) -> None:
    index = pages["tasks/index.md"]
    positions = [index.index(f"\n## {family}\n") for family in docgen.FAMILIES]
    assert positions == sorted(positions)


def test_common_and_flow_pages(pages: dict[str, str]) -> None:
    common = pages["tasks/common-properties.md"]
    for name in ("retry", "timeout", "runIf", "allowFailure", "allowWarning", "disabled"):
        assert f"| `{name}` |" in common
    assert "### ExponentialRetry" in common
    flow = pages["flow.md"]
    assert "| `pluginDefaults` |" in flow and "## Concurrency" in flow and "| `SELECT` |" in flow


def test_generate_is_deterministic_and_removes_stale_pages(tmp_path: Path) -> None:
    stale = tmp_path / "reference" / "tasks" / "io.example.Gone.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    first = docgen.generate(tmp_path)
    assert not stale.exists()
    assert first == sorted(first)
    other = tmp_path / "again"
    docgen.generate(other)
    assert docgen.compare(tmp_path / "reference", other / "reference") == []


def test_compare_lists_changed_and_missing_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        root.mkdir()
        (root / "same.md").write_text("x")
    (a / "changed.md").write_text("1")
    (b / "changed.md").write_text("2")
    (a / "only-a.md").write_text("")
    assert docgen.compare(a, b) == ["changed.md", "only-a.md"]


def _cli(argv: list[str]) -> int:
    from lanner.cli import docs

    parser = argparse.ArgumentParser(prog="lanner docs")
    docs.configure(parser)
    return docs.execute(parser.parse_args(argv))


def test_cli_generate_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["generate", "--check", "--out", str(tmp_path)]) == 1
    assert "lanner docs generate" in capsys.readouterr().err
    assert _cli(["generate", "--out", str(tmp_path)]) == 0
    assert "pages under" in capsys.readouterr().out
    assert _cli(["generate", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "reference" / "flow.md").write_text("edited by hand")
    assert _cli(["generate", "--check", "--json", "--out", str(tmp_path)]) == 1
    assert '"flow.md"' in capsys.readouterr().out
