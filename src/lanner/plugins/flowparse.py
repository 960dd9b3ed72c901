"""YAML flow -> validated ``Flow``, with EVERY problem reported (file, line, column, path, hint).

Steps (kestra-reference §1): read the YAML keeping positions (``model.loader``) -> check the
flow-level properties -> merge ``pluginDefaults`` into every typed map (``plugins.defaults``) ->
build each task, trigger, runner or provider through its registry class (children at any depth)
-> flow rules of §1.8 (duplicate ids, input dependencies, recursive subflow...). Nothing stops
at the first problem.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from lanner.errors import FlowValidationError, Issue, merge_issues
from lanner.model.flow import Flow
from lanner.model.inputs import INPUT_TYPES, check_input_definitions, parse_input
from lanner.model.loader import LoadedYaml, Path, format_path, load_yaml
from lanner.model.retry import Retry
from lanner.plugins import registry as _registry
from lanner.plugins.api import (
    FlowableTask,
    RunnableTask,
    SubflowTask,
    Task,
    Trigger,
    labels_to_map,
)
from lanner.plugins.defaults import Default, apply_defaults, with_aliases

# Top-level properties: the Flow model's, plus legacy ones handled here.
FLOW_PROPERTIES = ("id", "namespace", "revision", "description", "labels", "inputs", "variables", "tasks",
                   "errors", "finally", "afterExecution", "triggers", "pluginDefaults", "concurrency",
                   "outputs", "retry", "disabled", "deleted")
_TASK_LISTS = ("tasks", "errors", "finally", "afterExecution")
_IGNORED = {
    "listeners": "`listeners` were removed in Kestra 1.0 and are ignored: use `afterExecution` tasks or "
                 "a Flow trigger",
    "sla": "`sla` is not supported by Lanner yet and is ignored",
    "checks": "`checks` are not supported by Lanner yet and are ignored",
}


@dataclass
class ParseResult:
    flow: Flow | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.flow is not None and not self.errors


def parse_flow(text: str | bytes, file: str | None = None) -> ParseResult:
    """Parse and validate a flow; ``flow`` is None when there is any error."""
    doc = load_yaml(text, file)
    if doc.data is None:
        return ParseResult(None, merge_issues(doc.issues))
    parser = _FlowParser(doc)
    flow = parser.parse(doc.data)
    issues = merge_issues(doc.issues, parser.issues)
    if any(i.severity == "error" for i in issues):
        flow = None
    return ParseResult(flow, issues)


def load_flow(text: str | bytes, file: str | None = None) -> Flow:
    """Parse and validate a flow; raises ``FlowValidationError`` carrying every issue."""
    result = parse_flow(text, file)
    if result.flow is None:
        raise FlowValidationError(result.issues, summary=f"Invalid flow{f' {file}' if file else ''}")
    return result.flow


class _Unparsed(RunnableTask):
    """Stands for a child that could not be built, so its parent is still checked (no cascade)."""

    model_config = ConfigDict(extra="allow", defer_build=True)


_RETRY: list[TypeAdapter[Any]] = []


def _retry_adapter() -> TypeAdapter[Any]:
    if not _RETRY:  # built on first use: most flows have no flow-level retry
        _RETRY.append(TypeAdapter(Retry))
    return _RETRY[0]


class _FlowParser:
    def __init__(self, doc: LoadedYaml) -> None:
        self.doc = doc
        self.issues: list[Issue] = []
        self.tasks: list[tuple[Task, Path]] = []
        self.triggers: list[tuple[Trigger, Path]] = []
        self.task_ids: list[tuple[str, Path]] = []  # every task map with an id, built or not
        self.trigger_ids: list[tuple[str, Path]] = []
        self.typo_targets: set[Path] = set()  # "missing x" errors already explained by a typo of x
        self.registry = _registry.REGISTRY

    # ---- issues ------------------------------------------------------------------------------
    def error(self, path: Path, message: str, hint: str | None = None, *, value: bool = False) -> None:
        self.issues.append(self.doc.issue(path, message, hint, value=value))

    def warning(self, path: Path, message: str, hint: str | None = None, *, value: bool = False) -> None:
        self.issues.append(self.doc.issue(path, message, hint, value=value, severity="warning"))

    def in_source(self, path: Path) -> bool:
        return path in self.doc.positions

    # ---- the flow ----------------------------------------------------------------------------
    def parse(self, data: dict[str, Any]) -> Flow | None:
        data = dict(data)
        self.check_top_level(data)
        defaults = self.plugin_defaults(data)
        canonical = self.registry.canonical
        merged = apply_defaults(data, with_aliases(defaults, canonical), canonical)
        values: dict[str, Any] = {k: v for k, v in merged.items() if k in FLOW_PROPERTIES}
        if "labels" in values:
            values["labels"] = self.labels(values["labels"], ("labels",))
        for key in _TASK_LISTS:
            if key in values:
                values[key] = self.task_list(values[key], (key,))
        if isinstance(data.get("tasks"), list) and not data["tasks"]:
            self.error(("tasks",), "must not be empty", "add at least one task", value=True)
        if "triggers" in values:
            values["triggers"] = self.trigger_list(values["triggers"], ("triggers",))
        if "inputs" in values:
            values["inputs"] = self.inputs(values["inputs"])
        if values.get("retry") is not None:
            values["retry"] = self.validate_with(_retry_adapter(), values["retry"], ("retry",))
        values["pluginDefaults"] = [
            {"type": d.type, "values": dict(d.values), "forced": d.forced} for d in defaults]
        values["source"] = self.doc.text
        self.flow_rules(data.get("namespace"), data.get("id"))
        return self.build_flow(values)

    def check_top_level(self, data: dict[str, Any]) -> None:
        for key in list(data):
            if key in FLOW_PROPERTIES:
                continue
            if key == "taskDefaults":
                self.warning((key,), "`taskDefaults` is deprecated: it is read as `pluginDefaults`",
                             "rename `taskDefaults:` to `pluginDefaults:`")
            elif key == "schedule":
                self.error((key,), "`schedule` is not a flow property: schedules are triggers",
                           _schedule_hint(data[key]))
            elif key in _IGNORED:
                self.warning((key,), _IGNORED[key])
            elif key == "workerGroup":
                self.error((key,), "`workerGroup` is an Enterprise Edition property, not available here")
            else:
                self.error((key,), f'Unrecognized field "{key}"', _did_you_mean(key, FLOW_PROPERTIES))

    def build_flow(self, values: dict[str, Any]) -> Flow | None:
        try:
            return Flow.model_validate(values)
        except ValidationError as exc:
            self.pydantic_issues(exc, (), values)
            return None

    # ---- pluginDefaults ------------------------------------------------------------------------
    def plugin_defaults(self, data: dict[str, Any]) -> list[Default]:
        found: list[Default] = []
        for key in ("pluginDefaults", "taskDefaults"):
            entries = data.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list):
                self.error((key,), "must be a list of `{type, values, forced}`", value=True)
                continue
            for index, entry in enumerate(entries):
                item = self.plugin_default(entry, (key, index))
                if item is not None:
                    found.append(item)
        return found

    def plugin_default(self, entry: Any, path: Path) -> Default | None:
        if not isinstance(entry, dict):
            self.error(path, "a plugin default must be a map with `type` and `values`", value=True)
            return None
        ok = True
        for key in entry:
            if key not in ("type", "values", "forced"):
                self.error((*path, key), f'Unrecognized field "{key}"',
                           _did_you_mean(key, ("type", "values", "forced")))
                ok = False
        type_name, values, forced = entry.get("type"), entry.get("values"), entry.get("forced", False)
        if not isinstance(type_name, str) or not type_name:
            self.error(path, "missing required property 'type'" if type_name is None
                       else "`type` must be text")
            return None
        if not isinstance(values, dict):
            self.error((*path, "values") if "values" in entry else path,
                       "missing required property 'values'" if values is None else "`values` must be a map")
            return None
        if not isinstance(forced, bool):
            self.error((*path, "forced"), "`forced` must be true or false", value=True)
            ok = False
        for key, value in values.items():
            if value is None:
                self.error((*path, "values", key),
                           f"null value for '{key}' is not allowed in a plugin default")
                ok = False
        cls = self.registry.resolve_plugin(type_name)
        if cls is not None:  # an exact type: every key must be one of its properties
            known = {name.lower() for name in _property_names(cls)}
            for key in values:
                if key.lower() not in known:
                    self.error((*path, "values", key), f"No property '{key}' exists in plugin '{type_name}'",
                               _did_you_mean(key, _property_names(cls)))
                    ok = False
        return Default(type_name, values, bool(forced)) if ok else None

    # ---- tasks, triggers and other typed maps ----------------------------------------------------
    def task_list(self, raw: Any, path: Path) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(path, "must be a list of tasks", value=True)
            return []
        return [self.typed(item, (*path, index), Task) for index, item in enumerate(raw)]

    def trigger_list(self, raw: Any, path: Path) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(path, "must be a list of triggers", value=True)
            return []
        return [self.typed(item, (*path, index), Trigger) for index, item in enumerate(raw)]

    def typed(self, raw: Any, path: Path, base: type[BaseModel]) -> Any:
        """Build a typed map (task, trigger, runner, provider...) through the registry."""
        what = _kind_name(base)
        if not isinstance(raw, dict):
            needs = "`type` and `id`" if what != "plugin" else "`type`"
            self.error(path, f"a {what} must be a map with {needs}", value=True)
            return _placeholder(base, None, raw)
        type_name = raw.get("type")
        if not isinstance(type_name, str) or not type_name:
            self.error(path if type_name is None else (*path, "type"),
                       "missing required property 'type'" if type_name is None else "`type` must be text",
                       value=type_name is not None)
            return _placeholder(base, None, raw)
        if isinstance(raw.get("id"), str) and issubclass(base, Task | Trigger):
            (self.task_ids if issubclass(base, Task) else self.trigger_ids).append((raw["id"], path))
        cls = self.registry.resolve_plugin(type_name)
        if cls is None or not issubclass(cls, base):
            self.unknown_type(type_name, (*path, "type"), base, cls)
            return _placeholder(base, None, raw)
        if self.registry.is_deprecated(type_name):
            current = self.registry.canonical(type_name)
            if current and current != type_name:
                self.warning((*path, "type"), f"`{type_name}` is a deprecated name of `{current}`",
                             f"write `type: {current}`", value=True)
            else:
                self.warning((*path, "type"), f"`{type_name}` is deprecated", value=True)
        cleaned = self.fields(cls, raw, path)
        if "onResume" in cls.model_fields and isinstance(raw.get("onResume"), list):
            self.inputs(raw["onResume"], (*path, "onResume"))  # Pause: inputs asked on resume
        try:
            obj = cls.model_validate(cleaned)
        except ValidationError as exc:
            self.pydantic_issues(exc, path, cleaned)
            return _placeholder(base, cls, raw)
        if isinstance(obj, Task):
            self.tasks.append((obj, path))
        elif isinstance(obj, Trigger):
            self.triggers.append((obj, path))
        return obj

    def unknown_type(self, type_name: str, path: Path, base: type[BaseModel],
                     cls: type[BaseModel] | None) -> None:
        what = _kind_name(base)
        if cls is not None:
            self.error(path, f"`{type_name}` is a {_kind_name(cls)} type, not a {what}", value=True)
            return
        hint = self.registry.removed_hint(type_name)
        problem = self.registry.load_error(type_name)
        if problem:
            hint = f"the plugin of this type failed to load: {problem}"
        if hint is None:
            close = self.registry.suggest(type_name, _registry_kind(base))
            hint = (f"did you mean `{close[0]}`?" if len(close) == 1 else
                    "did you mean one of: " + ", ".join(f"`{c}`" for c in close) + "?" if close else
                    "this type is not known to this Lanner version")
        self.error(path, f"Invalid type: {type_name}", hint, value=True)

    def fields(self, cls: type[BaseModel], raw: Mapping[str, Any], path: Path) -> dict[str, Any]:
        """Known properties prepared (children built); unknown ones reported, or dropped when they
        came from a prefix plugin default (Kestra ignores those)."""
        known = _fields_by_key(cls)
        strict = cls.model_config.get("extra") == "forbid"
        cleaned: dict[str, Any] = {}
        for key, value in raw.items():
            info = known.get(key)
            if info is None:
                if not strict:
                    cleaned[key] = value
                elif self.in_source((*path, key)):
                    names = _property_names(cls)
                    self.error((*path, key), f'Unrecognized field "{key}"', _did_you_mean(key, names))
                    for close in _close(key, names, 1):
                        self.typo_targets.add((*path, close))
                continue
            cleaned[key] = self.prepare(value, info.annotation, (*path, key), cls, key)
            ignored = getattr(cls, "ignored_properties", {}).get(key)
            if ignored and value is not None and self.in_source((*path, key)):
                self.warning((*path, key), f"`{key}` is ignored: {ignored}")
        return cleaned

    def prepare(self, value: Any, annotation: Any, path: Path, owner: type[BaseModel] | None = None,
                key: str | None = None) -> Any:
        """Walk a value along its annotation, building nested typed maps and tasks."""
        if owner is not None and issubclass(owner, FlowableTask) and key in ("errors", "finally"):
            annotation = list[Task]  # the plugin API types them list[Any]
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            return self.prepare_union(value, [a for a in typing.get_args(annotation) if a is not type(None)],
                                      path)
        if isinstance(value, list) and origin in (list, tuple, Sequence):
            args = typing.get_args(annotation)
            item = args[0] if args else Any
            return [self.prepare(v, item, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, dict) and origin in (dict, Mapping):
            args = typing.get_args(annotation)
            item = args[1] if len(args) == 2 else Any
            return {k: self.prepare(v, item, (*path, k)) for k, v in value.items()}
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
            if _is_plugin_base(annotation):
                return self.typed(value, path, annotation)
            return self.fields(annotation, value, path)
        return value

    def prepare_union(self, value: Any, members: list[Any], path: Path) -> Any:
        if value is None:
            return None
        shapes = [_unwrap(m) for m in members]
        if isinstance(value, dict):
            for member in shapes:
                if isinstance(member, type) and issubclass(member, BaseModel) and _is_plugin_base(member):
                    return self.typed(value, path, member)
            for member in shapes:
                if typing.get_origin(member) in (dict, Mapping) or (
                        isinstance(member, type) and issubclass(member, BaseModel)):
                    return self.prepare(value, member, path)
        if isinstance(value, list):
            for member in shapes:
                if typing.get_origin(member) in (list, tuple):
                    return self.prepare(value, member, path)
        return value

    # ---- inputs, labels ----------------------------------------------------------------------
    def inputs(self, raw: Any, path: Path = ("inputs",)) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(path, "must be a list of inputs", value=True)
            return []
        parsed: list[Any] = []
        indices: list[int] = []
        for index, item in enumerate(raw):
            item_path = (*path, index)
            if isinstance(item, dict) and item.get("type") not in INPUT_TYPES:
                kind = item.get("type")
                if kind is None:
                    self.error(item_path, "missing required property 'type'")
                else:
                    self.error((*item_path, "type"), f"Invalid input type: {kind}",
                               _did_you_mean(str(kind).upper(), INPUT_TYPES, always_list=True), value=True)
                continue
            if isinstance(item, dict):
                if "name" in item and "id" not in item:
                    self.warning((*item_path, "name"), "`name` is deprecated", "write `id:` instead")
                if item.get("type") == "ENUM":
                    self.warning((*item_path, "type"), "the ENUM input type is deprecated",
                                 "use `type: SELECT`", value=True)
            try:
                parsed.append(parse_input(item))
                indices.append(index)
            except ValidationError as exc:
                self.pydantic_issues(exc, item_path, item)
        declared = [item.get("id") if isinstance(item, dict) else None for item in raw]
        seen: set[Any] = set()
        for index, input_id in enumerate(declared):
            if isinstance(input_id, str) and input_id in seen:
                self.error((*path, index, "id"), f"Duplicate input with name [{input_id}]", value=True)
            seen.add(input_id)
        for position, prop, message in check_input_definitions(parsed, declared):
            self.error((*path, indices[position], prop), message, value=True)
        return parsed

    def labels(self, raw: Any, path: Path) -> Any:
        try:
            converted = labels_to_map(raw)
        except ValueError as exc:
            self.error(path, str(exc))
            return {}
        if isinstance(converted, dict):
            for key, value in converted.items():
                if key.startswith("system.") and key != "system.readOnly":
                    where = (*path, key) if isinstance(raw, dict) else path
                    self.error(where, f"System labels can only be set by Kestra itself, offending label: "
                                      f"{key}={value}")
        return converted

    def validate_with(self, adapter: TypeAdapter[Any], value: Any, path: Path) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            self.pydantic_issues(exc, path, value)
            return None

    # ---- flow rules (§1.8) -------------------------------------------------------------------
    def flow_rules(self, namespace: Any, flow_id: Any) -> None:
        def by_position(item: tuple[Any, Path]) -> tuple[int, int]:
            return self.doc.locate(item[1]) or (0, 0)

        self.duplicates(sorted(self.task_ids, key=by_position), "Duplicate task id with name [{}]",
                        "task ids must be unique in the whole flow (children, errors and finally included)")
        self.duplicates(sorted(self.trigger_ids, key=by_position), "Duplicate trigger id with name [{}]",
                        "trigger ids must be unique in the flow")
        outputs = self.doc.data.get("outputs") if isinstance(self.doc.data, dict) else None
        if isinstance(outputs, list):
            ids: list[tuple[Any, Path]] = [
                (o.get("id"), ("outputs", i)) for i, o in enumerate(outputs) if isinstance(o, dict)]
            self.duplicates(ids, "Duplicate output with name [{}]", "output ids must be unique")
        for task, path in self.tasks:
            if isinstance(task, SubflowTask):
                target = (getattr(task, "namespace", None), getattr(task, "flowId", None))
                if target == (namespace, flow_id):
                    self.error(path, f"Recursive call to flow [{namespace}.{flow_id}]",
                               "a Subflow task cannot start its own flow")

    def duplicates(self, items: Sequence[tuple[Any, Path]], message: str, hint: str) -> None:
        first: dict[Any, Path] = {}
        for item_id, path in items:
            if item_id is None:
                continue
            if item_id in first:
                where = self.doc.locate(first[item_id])
                self.error((*path, "id"), message.format(item_id),
                           f"{hint}; `{item_id}` is first used at {format_path(first[item_id])}"
                           + (f" (line {where[0]})" if where else ""))
            else:
                first[item_id] = path

    # ---- pydantic errors -> issues -------------------------------------------------------------
    def pydantic_issues(self, exc: ValidationError, base: Path, data: Any) -> None:
        grouped: dict[Path, list[str]] = {}
        missing: set[Path] = set()
        for err in exc.errors(include_url=False):
            rel, is_missing = _clean_loc(tuple(err["loc"]), data, err["type"] == "missing")
            path = (*base, *rel)
            if is_missing:
                missing.add(path)
            text = _humanize(err)
            bucket = grouped.setdefault(path, [])
            if text not in bucket:
                bucket.append(text)
        for path, texts in grouped.items():
            if path in missing and path in self.typo_targets:
                continue
            message = texts[0] if len(texts) == 1 else " or ".join(texts[:3])
            if path in missing:
                self.error(path[:-1], message)
            else:
                self.error(path, message, value=True)


# ---- helpers ---------------------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_plugin_base(cls: type[BaseModel]) -> bool:
    """Typed maps built through the registry: tasks, triggers, and classes with a ``kestra_type``."""
    return issubclass(cls, Task | Trigger) or "kestra_type" in dir(cls)


def _kind_name(cls: type[BaseModel]) -> str:
    if issubclass(cls, Task):
        return "task"
    if issubclass(cls, Trigger):
        return "trigger"
    return "plugin"


def _registry_kind(cls: type[BaseModel]) -> Any:
    return {"task": "task", "trigger": "trigger"}.get(_kind_name(cls), "object")


def _placeholder(base: type[BaseModel], cls: type[BaseModel] | None, raw: Any) -> Any:
    """A stand-in for a typed map that failed, so that its parent is still validated."""
    data = raw if isinstance(raw, dict) else {}
    ident = data.get("id") if isinstance(data.get("id"), str) else "unparsed"
    type_name = data.get("type") if isinstance(data.get("type"), str) else ""
    target = cls or base
    if issubclass(target, Task):
        if cls is None or not issubclass(cls, RunnableTask):
            return _Unparsed.model_construct(id=ident, type=type_name)
        return cls.model_construct(id=ident, type=type_name)
    return target.model_construct(id=ident, type=type_name)


def _fields_by_key(cls: type[BaseModel]) -> dict[str, Any]:
    known: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        known[name] = info
        if info.alias:
            known[info.alias] = info
    return known


def _property_names(cls: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in cls.model_fields.items()]


def _did_you_mean(key: str, candidates: Any, *, always_list: bool = False) -> str:
    names = list(candidates)
    close = _close(key, names, 3)
    if not close:
        lowered = {n.lower(): n for n in names}
        if key.lower() in lowered:
            close = [lowered[key.lower()]]
    if close:
        text = "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
        return text + (f" Known: {', '.join(names)}" if always_list else "")
    shown = ", ".join(sorted(names)[:40])
    return f"known properties: {shown}" if not always_list else f"known: {shown}"


def _close(key: str, names: list[str], count: int) -> list[str]:
    import difflib  # only needed when something is wrong

    return difflib.get_close_matches(key, names, n=count, cutoff=0.6)


def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool) -> tuple[Path, bool]:
    """Keep the parts of a pydantic ``loc`` that index into the data (drop union member tags)."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        in_map = isinstance(current, dict) and isinstance(part, str) and part in current
        if in_map or (isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)):
            path.append(part)
            current = current[part]
        elif missing and last and isinstance(part, str):
            path.append(part)
            return tuple(path), True
    return tuple(path), False


def _humanize(err: Any) -> str:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    loc = err["loc"]
    if kind == "missing":
        return f"missing required property '{loc[-1]}'" if loc else "missing required property"
    if kind == "extra_forbidden":
        return f'Unrecognized field "{loc[-1]}"'
    if kind in ("value_error", "assertion_error"):
        return str(msg).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "string_pattern_mismatch":
        return f"must match the pattern `{err.get('ctx', {}).get('pattern')}`, got `{value}`"
    if isinstance(value, str | int | float | bool) and not isinstance(value, dict):
        return f"{msg}, got `{value}`"
    return str(msg)


def _schedule_hint(raw: Any) -> str:
    cron = "0 * * * *"
    if isinstance(raw, dict):
        if isinstance(raw.get("cron"), str):
            cron = raw["cron"]
        elif isinstance(raw.get("interval"), str):
            cron = _interval_to_cron(raw["interval"]) or cron
    return ("replace it with `triggers: [{id: schedule, type: io.kestra.plugin.core.trigger.Schedule, "
            f'cron: "{cron}"}}]`, i.e. a `triggers:` list holding an item with `id: schedule`, '
            f'`type: io.kestra.plugin.core.trigger.Schedule` and `cron: "{cron}"`')


def _interval_to_cron(interval: str) -> str | None:
    table = {"PT1M": "* * * * *", "PT5M": "*/5 * * * *", "PT10M": "*/10 * * * *", "PT15M": "*/15 * * * *",
             "PT30M": "*/30 * * * *", "PT1H": "0 * * * *", "PT2H": "0 */2 * * *", "PT6H": "0 */6 * * *",
             "PT12H": "0 */12 * * *", "PT24H": "0 0 * * *", "P1D": "0 0 * * *", "P7D": "0 0 * * 1"}
    return table.get(interval.strip().upper())
