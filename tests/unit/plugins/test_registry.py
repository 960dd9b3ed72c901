"""The plugin registry: built-in table, aliases, deprecations, did-you-mean, removed types, plugins."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from lanner.plugins import builtin, registry
from lanner.plugins.api import FlowableTask, RunnableTask, Task, Trigger
from lanner.plugins.registry import Registry

ALL_TABLES = {**builtin.TASKS, **builtin.TRIGGERS, **builtin.OBJECTS}


@pytest.mark.parametrize("type_name", sorted(ALL_TABLES))
def test_every_builtin_imports_and_declares_its_type_and_aliases(type_name):
    cls = registry.resolve_plugin(type_name)
    assert cls is not None, registry.load_error(type_name)
    assert cls.kestra_type == type_name
    declared = {*cls.aliases, *cls.deprecated_aliases}
    assert declared == {alias for alias, target in builtin.ALIASES.items() if target == type_name}
    assert (cls.__doc__ or "").strip(), f"{type_name} has no docstring"
    kind = "task" if type_name in builtin.TASKS else "trigger" if type_name in builtin.TRIGGERS else "object"
    assert registry.REGISTRY.kind(type_name) == kind


def test_every_alias_points_to_a_known_type_and_is_deprecated():
    for alias, target in builtin.ALIASES.items():
        assert target in ALL_TABLES
        assert registry.canonical(alias) == target
        assert registry.is_deprecated(alias)
        assert registry.resolve_plugin(alias) is registry.resolve_plugin(target)


def test_resolve_by_kind():
    assert registry.resolve("io.kestra.plugin.core.flow.If") is not None
    assert issubclass(registry.resolve("io.kestra.plugin.core.flow.If"), FlowableTask)
    assert issubclass(registry.resolve("io.kestra.plugin.core.log.Log"), RunnableTask)
    assert registry.resolve("io.kestra.plugin.core.trigger.Schedule") is None
    assert registry.resolve_trigger("io.kestra.plugin.core.trigger.Schedule") is not None
    assert registry.resolve("io.kestra.plugin.core.runner.Process") is None
    assert registry.resolve("nope.Nope") is None and registry.canonical("nope.Nope") is None


def test_current_types_are_not_deprecated_except_deprecated_ones():
    assert not registry.is_deprecated("io.kestra.plugin.core.log.Log")
    assert registry.is_deprecated("io.kestra.plugin.core.flow.EachSequential")
    assert registry.is_deprecated("io.kestra.core.tasks.log.Log")


def test_all_types_lists_current_names_only():
    names = registry.all_types()
    assert "io.kestra.plugin.core.log.Log" in names and "io.kestra.core.tasks.log.Log" not in names
    assert names == sorted(names)
    assert set(registry.all_types("trigger")) == set(builtin.TRIGGERS)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("io.kestra.plugin.core.log.Logg", "io.kestra.plugin.core.log.Log"),
        ("io.kestra.plugin.core.flow.Foreach", "io.kestra.plugin.core.flow.ForEach"),
        ("io.kestra.plugin.jdbc.postgres.Queries", "io.kestra.plugin.jdbc.postgresql.Queries"),
        ("Log", "io.kestra.plugin.core.log.Log"),
    ],
)
def test_suggest(typo, expected):
    assert registry.suggest(typo)[0] == expected


def test_removed_hints_name_the_current_type_and_property():
    hint = registry.removed_hint("io.kestra.core.tasks.scripts.Python") or ""
    assert "io.kestra.plugin.scripts.python.Script" in hint and "`script:`" in hint
    hint = registry.removed_hint("io.kestra.core.tasks.scripts.Bash") or ""
    assert "io.kestra.plugin.scripts.shell.Commands" in hint and "`commands:`" in hint
    assert "Subflow" in (registry.removed_hint("io.kestra.core.tasks.flows.Template") or "")
    assert "io.kestra.plugin.scripts." in (registry.removed_hint("io.kestra.core.tasks.scripts.Ruby") or "")
    assert registry.removed_hint("io.kestra.plugin.core.log.Log") is None


class _CustomTask(RunnableTask):
    """A third-party task."""

    kestra_type: ClassVar[str] = "com.example.Custom"
    aliases: ClassVar[tuple[str, ...]] = ("com.example.OldCustom",)


class _FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name, self._target = name, target

    def load(self) -> Any:
        return self._target


class _FakeInstalled:
    def __init__(self, points: dict[str, list[_FakeEntryPoint]]) -> None:
        self._points = points

    def select(self, group: str) -> list[_FakeEntryPoint]:
        return self._points.get(group, [])


def test_entry_points_are_read_only_on_a_miss(monkeypatch):
    scans: list[str] = []

    def fake_entry_points() -> _FakeInstalled:
        scans.append("all")
        return _FakeInstalled({"lanner.tasks": [_FakeEntryPoint("com.example.Custom", _CustomTask)]})

    monkeypatch.setattr("importlib.metadata.entry_points", fake_entry_points)
    reg = Registry({"task": builtin.TASKS})
    assert reg.resolve("io.kestra.plugin.core.log.Log") is not None
    # Neither a pluginDefaults package prefix nor an input's `type: SELECT` is a plugin type.
    assert reg.canonical("io.kestra.plugin.jdbc.postgresql") is None
    assert reg.canonical("SELECT") is None
    assert scans == []  # built-ins never scan the installed packages
    assert reg.resolve("com.example.Custom") is _CustomTask
    assert reg.canonical("com.example.OldCustom") == "com.example.Custom"
    assert "com.example.Custom" in reg.all_types("task")
    assert scans == ["all"]  # one pass for every group, once


def test_a_broken_plugin_module_is_reported_not_raised():
    reg = Registry({"task": {"com.example.Broken": "lanner.does_not_exist:Broken"}}, use_entry_points=False)
    assert reg.resolve("com.example.Broken") is None
    assert "ModuleNotFoundError" in (reg.load_error("com.example.Broken") or "")


def test_register_at_run_time():
    reg = Registry({}, use_entry_points=False)
    reg.register(_CustomTask)
    assert reg.resolve("com.example.OldCustom") is _CustomTask
    with pytest.raises(ValueError):
        reg.register(Task)


def test_trigger_base_accepts_labels_as_list_or_map():
    class Dummy(Trigger):
        kestra_type: ClassVar[str] = "com.example.Trigger"

    assert Dummy(id="t", type="x", labels=[{"key": "a", "value": True}]).labels == {"a": "true"}
    assert Dummy(id="t", type="x", labels={"b": 1}).labels == {"b": "1"}
