"""Deterministic rewrites of removed or renamed Kestra syntax (``lanner flow fix``).

What is rewritten, in place (comments, order and formatting of everything else kept):
- legacy type names that have a current name (``io.kestra.core.tasks.log.Log``...) -> current;
- removed script tasks (``io.kestra.core.tasks.scripts.Python/Bash/Shell/Node``) -> the script
  plugin's ``Script``/``Commands`` with their property renames (``requirements`` ->
  ``dependencies``, ``exitOnFailed`` -> ``failFast``, ``outputsFiles`` -> ``outputFiles``,
  ``runner``/``dockerOptions`` -> ``taskRunner``/``containerImage``), run as a local process like
  before; ``Echo`` -> ``Log`` (``format`` -> ``message``); ``flows.Worker`` -> ``WorkingDirectory``;
- ``EachSequential``/``EachParallel`` -> ``ForEach``; Schedule ``scheduleConditions`` -> ``conditions``;
- ``taskDefaults:`` -> ``pluginDefaults:``; a top-level ``schedule:`` -> a Schedule trigger.
What cannot be rewritten safely (templates, state tasks...) is reported, for the copilot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lanner.copilot.yamltext import EditConflict, Editor, compose, entries, get, indent_of, plain, scalar
from lanner.plugins import registry

PROCESS = "io.kestra.plugin.core.runner.Process"
DOCKER = "io.kestra.plugin.scripts.runner.docker.Docker"
SCHEDULE = "io.kestra.plugin.core.trigger.Schedule"
_LEGACY_SCRIPTS = {
    "io.kestra.core.tasks.scripts.Python": "python",
    "io.kestra.plugin.scripts.python.Python": "python",
    "io.kestra.core.tasks.scripts.Bash": "shell",
    "io.kestra.core.tasks.scripts.Shell": "shell",
    "io.kestra.core.tasks.scripts.Node": "node",
}
_SCRIPT_RENAMES = {"requirements": "dependencies", "exitOnFailed": "failFast", "outputsFiles": "outputFiles",
                   "files": "outputFiles"}
_SCRIPT_DROPPED = ("virtualEnv", "pythonPath", "runner", "dockerOptions", "interpreterArgs")
_SIMPLE = {  # removed type -> (current type, property renames)
    "io.kestra.core.tasks.debugs.Echo": ("io.kestra.plugin.core.log.Log", {"format": "message"}),
    "io.kestra.plugin.core.debug.Echo": ("io.kestra.plugin.core.log.Log", {"format": "message"}),
    "io.kestra.core.tasks.flows.Worker": ("io.kestra.plugin.core.flow.WorkingDirectory", {}),
}
_EACH = ("io.kestra.plugin.core.flow.EachSequential", "io.kestra.plugin.core.flow.EachParallel")


@dataclass(frozen=True, slots=True)
class Change:
    line: int  # 1-based, in the original text
    path: str
    message: str


@dataclass
class LegacyFix:
    text: str
    changes: list[Change] = field(default_factory=list)
    manual: list[Change] = field(default_factory=list)  # left for the copilot


@dataclass
class _Plan:
    """The edits of one typed map: new type, key renames, keys dropped, entries added."""

    type: str | None = None
    renames: dict[str, str] = field(default_factory=dict)
    drops: list[str] = field(default_factory=list)
    adds: list[tuple[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.type or self.renames or self.drops or self.adds)


def fix_legacy(text: str) -> LegacyFix:
    root = compose(text)
    result = LegacyFix(text)
    if not isinstance(root, MappingNode):
        return result
    editor = Editor.of(text)
    rewritten: list[tuple[int, int]] = []  # one-line maps replaced whole: their insides are done
    for path, node in _typed_maps(root, ""):
        if any(start <= node.start_mark.index < end for start, end in rewritten):
            continue
        plan = _plan(node)
        if plan:
            _apply(editor, node, plan, path, result)
            if node.flow_style:
                rewritten.append((node.start_mark.index, node.end_mark.index))
        for note in plan.notes:
            result.manual.append(Change(node.start_mark.line + 1, path, note))
    _task_defaults(editor, root, result)
    _schedule(editor, root, result)
    if editor.edits:
        try:
            result.text = editor.apply().rstrip("\n") + "\n"  # a block removed at the end leaves no gap
        except EditConflict:  # two rewrites of the same text: leave it all to the copilot
            result.manual = [*result.changes, *result.manual]
            result.changes = []
    result.changes.sort(key=lambda c: c.line)
    result.manual.sort(key=lambda c: c.line)
    return result


def _typed_maps(node: Node, path: str) -> Iterator[tuple[str, MappingNode]]:
    """Every mapping with a ``type`` (tasks, triggers, runners, providers, plugin defaults)."""
    if isinstance(node, MappingNode):
        if scalar(node, "type") is not None:
            yield path, node
        for key, value in entries(node):
            yield from _typed_maps(value, f"{path}.{key.value}" if path else key.value)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _typed_maps(item, f"{path}[{index}]")


def _keys(node: MappingNode) -> list[str]:
    return [key.value for key, _ in entries(node)]


def _plan(node: MappingNode) -> _Plan:
    type_name = scalar(node, "type") or ""
    keys = _keys(node)
    plan = _Plan()
    if type_name in _LEGACY_SCRIPTS:
        _script_plan(node, _LEGACY_SCRIPTS[type_name], keys, plan)
    elif type_name in _SIMPLE:
        plan.type, renames = _SIMPLE[type_name]
        plan.renames = {old: new for old, new in renames.items() if old in keys and new not in keys}
    elif registry.canonical(type_name) in _EACH:
        _each_plan(node, registry.canonical(type_name) or "", keys, plan)
    elif (current := registry.canonical(type_name)) is not None and current != type_name:
        plan.type = current
    elif hint := registry.removed_hint(type_name):
        plan.notes.append(f"`{type_name}` was removed and has no one-to-one replacement: {hint}")
    if (plan.type or type_name) == SCHEDULE and "scheduleConditions" in keys and "conditions" not in keys:
        plan.renames["scheduleConditions"] = "conditions"
    return plan


def _script_plan(node: MappingNode, language: str, keys: list[str], plan: _Plan) -> None:
    commands = "commands" in keys
    input_files = get(node, "inputFiles")
    runs_main = (language == "python" and not commands and "script" not in keys and input_files is not None
                 and isinstance(input_files[1], MappingNode) and "main.py" in _keys(input_files[1]))
    kind = "Commands" if commands or runs_main or (language == "shell" and "script" not in keys) else "Script"
    plan.type = f"io.kestra.plugin.scripts.{language}.{kind}"
    if runs_main:  # the legacy Python task ran main.py of its inputFiles by default
        plan.adds.append(("commands", ["python main.py"]))
    for old, new in _SCRIPT_RENAMES.items():
        if old in keys and new not in keys and (language == "python" or old != "requirements"):
            plan.renames[old] = new
    if language != "python" and "requirements" in keys:
        plan.notes.append("`requirements` only exists for Python: install packages in `beforeCommands`")
    runner = (scalar(node, "runner") or "PROCESS").upper()
    docker = get(node, "dockerOptions")
    image = scalar(docker[1], "image") if docker else None
    if "taskRunner" not in keys:
        plan.adds.append(("taskRunner", {"type": DOCKER if runner == "DOCKER" else PROCESS}))
    if image and "containerImage" not in keys:
        plan.adds.append(("containerImage", image))
    plan.drops = [key for key in _SCRIPT_DROPPED if key in keys]
    if "args" in keys:
        plan.notes.append("`args` of the legacy script task has no equivalent: add them to `commands`")


def _each_plan(node: MappingNode, current: str, keys: list[str], plan: _Plan) -> None:
    plan.type = "io.kestra.plugin.core.flow.ForEach"
    if "value" in keys and "values" not in keys:
        plan.renames["value"] = "values"
    if current.endswith("EachParallel") and "concurrencyLimit" not in keys:
        if "concurrent" in keys:
            plan.renames["concurrent"] = "concurrencyLimit"
        else:
            plan.adds.append(("concurrencyLimit", 0))  # EachParallel ran every value at once


def _apply(editor: Editor, node: MappingNode, plan: _Plan, path: str, result: LegacyFix) -> None:
    type_key, type_value = get(node, "type") or (None, None)
    line = node.start_mark.line + 1
    old_type = scalar(node, "type")
    if node.flow_style:  # one-line map: rewritten whole, in the same flow style
        data = _flow_data(node, plan)
        editor.replace(node.start_mark.index, node.end_mark.index, _flow_text(data))
        result.changes.append(Change(line, path, _describe(old_type, plan)))
        return
    if plan.type and isinstance(type_value, ScalarNode):
        editor.replace_scalar(type_value, plan.type)
    for key, _ in entries(node):
        if key.value in plan.renames:
            editor.rename_key(key, plan.renames[key.value])
        elif key.value in plan.drops and not editor.delete_entry(key):
            result.manual.append(Change(key.start_mark.line + 1, f"{path}.{key.value}",
                                        f"remove `{key.value}` (it no longer exists)"))
    if plan.adds and type_key is not None:
        editor.insert_after_entry(type_key, [line_text for key, value in plan.adds
                                             for line_text in _entry_lines(key, value)])
    result.changes.append(Change(line, path, _describe(old_type, plan)))


def _describe(old_type: str | None, plan: _Plan) -> str:
    parts = []
    if plan.type:
        parts.append(f"`{old_type}` -> `{plan.type}`")
    parts += [f"`{old}` -> `{new}`" for old, new in plan.renames.items()]
    parts += [f"removed `{key}`" for key in plan.drops]
    parts += [f"added `{key}`" for key, _ in plan.adds]
    return ", ".join(parts)


def _entry_lines(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}:", *(f"  {k}: {plain(str(v))}" for k, v in value.items())]
    if isinstance(value, list):
        return [f"{key}:", *(f"  - {plain(str(v))}" for v in value)]
    return [f"{key}: {plain(str(value)) if isinstance(value, str) else value}"]


def _flow_data(node: MappingNode, plan: _Plan) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = {}
    for key, value in entries(node):
        name = str(key.value)
        if name in plan.drops:
            continue
        data[plan.renames.get(name, name)] = yaml.safe_load(yaml.serialize(value))
        if name == "type":
            data["type"] = plan.type or data["type"]
            data.update(dict(plan.adds))
    return data


def _flow_text(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10**6).strip()


# ---- flow-level rewrites -------------------------------------------------------------------
def _task_defaults(editor: Editor, root: MappingNode, result: LegacyFix) -> None:
    found = get(root, "taskDefaults")
    if found is None:
        return
    if get(root, "pluginDefaults") is not None:
        result.manual.append(Change(found[0].start_mark.line + 1, "taskDefaults",
                                    "move the `taskDefaults` entries into `pluginDefaults`"))
        return
    editor.rename_key(found[0], "pluginDefaults")
    result.changes.append(Change(found[0].start_mark.line + 1, "taskDefaults",
                                 "`taskDefaults` -> `pluginDefaults`"))


def _schedule(editor: Editor, root: MappingNode, result: LegacyFix) -> None:
    found = get(root, "schedule")
    if found is None:
        return
    key, value = found
    line = key.start_mark.line + 1
    cron, timezone = _cron_of(value)
    if cron is None:
        result.manual.append(Change(line, "schedule",
                                    "turn `schedule` into a Schedule trigger in `triggers`"))
        return
    triggers = get(root, "triggers")
    dash = _dash_indent(editor, root)
    ids = {scalar(item, "id") for item in triggers[1].value} if triggers and isinstance(
        triggers[1], SequenceNode) else set()
    trigger_id = next(name for name in ("schedule", "hourly_schedule", "legacy_schedule", "schedule_1")
                      if name not in ids)
    item = [f"{' ' * dash}- id: {trigger_id}", f"{' ' * (dash + 2)}type: {SCHEDULE}",
            f'{" " * (dash + 2)}cron: "{cron}"']
    if timezone:
        item.append(f"{' ' * (dash + 2)}timezone: {plain(timezone)}")
    source = editor.source
    start, end = source.entry_lines(key)
    if triggers is None or (isinstance(triggers[1], ScalarNode) and triggers[1].value in ("", "null", "~")):
        if triggers is not None:
            editor.delete_entry(triggers[0])
        block = "".join(text + "\n" for text in ["triggers:", *item])
        editor.replace(source.offset(start), source.offset(end), block)
    elif isinstance(triggers[1], SequenceNode) and not triggers[1].flow_style:
        editor.delete_entry(key)
        _, triggers_end = source.entry_lines(triggers[0])
        editor.insert_lines(triggers_end, item)
    else:
        result.manual.append(Change(line, "schedule", "add the schedule to `triggers` as a Schedule trigger"))
        return
    result.changes.append(Change(line, "schedule", f"`schedule:` -> a Schedule trigger `{trigger_id}` "
                                                   f'(cron "{cron}")'))


def _dash_indent(editor: Editor, root: MappingNode) -> int:
    """How far list items are indented under their key in this file (2 when unknown)."""
    for _, value in entries(root):
        if isinstance(value, SequenceNode) and not value.flow_style and value.value:
            line = editor.source.lines[value.value[0].start_mark.line]
            return indent_of(line)
    return 2


def _cron_of(value: Node) -> tuple[str | None, str | None]:
    if isinstance(value, ScalarNode):
        text = value.value.strip()
        is_cron = len(text.split()) in (5, 6) or text.startswith("@")
        return (text if is_cron else interval_to_cron(text)), None
    if not isinstance(value, MappingNode):
        return None, None
    timezone = scalar(value, "timezone")
    if scalar(value, "cron"):
        return scalar(value, "cron"), timezone
    interval = scalar(value, "interval") or scalar(value, "every")
    return (interval_to_cron(interval) if interval else None), timezone


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)


def interval_to_cron(interval: str) -> str | None:
    """An ISO-8601 interval as a cron expression, when one exists (PT1H -> ``0 * * * *``)."""
    match = _DURATION.match(interval.strip())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    if days and not hours and not minutes:
        return "0 0 * * *" if days == 1 else ("0 0 * * 1" if days == 7 else None)
    if days:
        return None
    total = hours * 60 + minutes
    if total < 60:
        return "* * * * *" if total == 1 else (f"*/{total} * * * *" if 60 % total == 0 else None)
    if total % 60:
        return None
    hours = total // 60
    if hours == 24:
        return "0 0 * * *"
    return "0 * * * *" if hours == 1 else (f"0 */{hours} * * *" if 24 % hours == 0 else None)
