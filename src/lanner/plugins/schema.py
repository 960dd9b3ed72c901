"""JSON Schemas of flows and of every plugin type, from the pydantic models.

Used by the editor (autocompletion, inline errors), the docs and the copilot. A task's schema
carries its description (the class docstring), per-property descriptions, its aliases and its
examples. Children typed as "any task" (``then``, ``tasks``...) and typed sub-objects (task
runners, AI providers) point at ``#/$defs/AnyTask``, ``AnyTaskRunner``... which list every type.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from lanner.errors import NotFoundError
from lanner.plugins import registry

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _is_abstract_base(cls: Any) -> bool:
    """A plugin base class (Task, Trigger, TaskRunner...): a model with an empty ``kestra_type``."""
    return isinstance(cls, type) and issubclass(cls, BaseModel) and getattr(cls, "kestra_type", None) == ""


def _any_name(cls: type[BaseModel]) -> str:
    return f"Any{cls.__name__}"


class _Generator(GenerateJsonSchema):
    """Nested plugin bases become references to ``Any<Base>`` (filled in afterwards)."""

    used_bases: set[type[BaseModel]]

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        cls = schema.get("cls")
        if _is_abstract_base(cls):
            self.used_bases = getattr(self, "used_bases", set()) | {cls}
            return {_MARK: _any_name(cls)}  # pydantic checks real $refs: swapped in by _link
        return super().model_schema(schema)


_MARK = "x-lanner-any-plugin"


def _link(value: Any) -> Any:
    """Replace the markers left by ``_Generator`` with ``$ref``s to ``#/$defs/Any<Base>``."""
    if isinstance(value, dict):
        if _MARK in value:
            return {"$ref": f"#/$defs/{value[_MARK]}"}
        return {k: _link(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_link(v) for v in value]
    return value


def _collapse(schema: dict[str, Any]) -> dict[str, Any]:
    """Definitions that only point at ``Any<Base>`` (pydantic names them after the base class)
    are replaced by that pointer everywhere."""
    defs = schema.get("$defs", {})
    aliases = {f"#/$defs/{name}": body["$ref"] for name, body in defs.items()
               if set(body) == {"$ref"} and body["$ref"].startswith("#/$defs/Any")}

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            rewritten = {k: rewrite(v) for k, v in value.items()}
            if rewritten.get("$ref") in aliases:
                rewritten["$ref"] = aliases[rewritten["$ref"]]
            return rewritten
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    result: dict[str, Any] = rewrite(schema)
    for ref in aliases:
        result.get("$defs", {}).pop(ref.rsplit("/", 1)[-1], None)
    return result


def _plugin_classes() -> list[tuple[str, type[BaseModel]]]:
    found = []
    for name in registry.all_types():
        cls = registry.resolve_plugin(name)
        if cls is not None:
            found.append((name, cls))
    return found


def _decorate(definition: dict[str, Any], type_name: str, cls: type[BaseModel]) -> None:
    aliases = [*getattr(cls, "aliases", ()), *getattr(cls, "deprecated_aliases", ())]
    props = definition.setdefault("properties", {})
    props["type"] = {"type": "string", "enum": [type_name, *aliases], "description": "The plugin type."}
    definition["title"] = type_name
    definition["x-kestra-type"] = type_name
    if aliases:
        definition["x-aliases"] = aliases
    if registry.is_deprecated(type_name):
        definition["deprecated"] = True
    examples = list(getattr(cls, "examples", ()))
    if examples:
        definition["examples"] = examples


def _stub(base: type[BaseModel]) -> dict[str, Any]:
    required = ["id", "type"] if "id" in base.model_fields else ["type"]
    return {"type": "object", "required": required,
            "properties": {"type": {"type": "string"}},
            "description": f"Any {base.__name__} type: a map whose `type` names it."}


@lru_cache(maxsize=256)
def _task_schema(type_name: str) -> dict[str, Any]:
    cls = registry.resolve_plugin(type_name)
    if cls is None:
        raise NotFoundError(f"Unknown plugin type: {type_name}")
    canonical = registry.canonical(type_name) or type_name
    generator = _Generator(by_alias=True)
    generator.used_bases = set()
    schema = _link(generator.generate(cls.__pydantic_core_schema__, mode="validation"))
    defs = schema.setdefault("$defs", {})
    for base in generator.used_bases:
        defs[_any_name(base)] = _stub(base)
    if not defs:
        schema.pop("$defs")
    _decorate(schema, canonical, cls)
    return {"$schema": DRAFT, **_collapse(schema)}


def task_schema(type_name: str) -> dict[str, Any]:
    """The JSON Schema of one plugin type (task, trigger, runner, provider...); aliases accepted.
    Raises ``NotFoundError`` for an unknown type."""
    return copy.deepcopy(_task_schema(type_name))


@lru_cache(maxsize=1)
def _flow_schema() -> dict[str, Any]:
    from lanner.model.flow import Flow
    from lanner.model.inputs import input_adapter
    from lanner.plugins.api import Task, Trigger

    plugins = _plugin_classes()
    inputs_schema = input_adapter().json_schema(by_alias=True)
    keys, top = models_json_schema([(cls, "validation") for _, cls in plugins] + [(Flow, "validation")],
                                   by_alias=True, schema_generator=_Generator)
    defs: dict[str, Any] = _link(top.get("$defs", {}))
    refs_by_base: dict[str, list[dict[str, str]]] = {}
    for type_name, cls in plugins:
        ref = keys[(cls, "validation")]["$ref"]
        _decorate(defs[ref.rsplit("/", 1)[-1]], type_name, cls)
        for base in _bases_of(cls):
            refs_by_base.setdefault(_any_name(base), []).append({"$ref": ref})
    for name, refs in refs_by_base.items():
        defs[name] = {"anyOf": refs}
    for extra in ("AnyTask", "AnyTrigger"):
        defs.setdefault(extra, _stub(Task if extra == "AnyTask" else Trigger))
    for name, definition in inputs_schema.get("$defs", {}).items():
        defs.setdefault(name, definition)
    flow_ref = keys[(Flow, "validation")]["$ref"].rsplit("/", 1)[-1]
    flow = copy.deepcopy(defs.pop(flow_ref))
    props = flow["properties"]
    for key in ("tasks", "errors", "finally", "afterExecution"):
        if key in props:
            props[key] = {"type": "array", "items": {"$ref": "#/$defs/AnyTask"},
                          "description": props[key].get("description", f"Flow `{key}`.")}
    props["tasks"]["minItems"] = 1
    props["triggers"] = {"type": "array", "items": {"$ref": "#/$defs/AnyTrigger"}}
    props["inputs"] = {"type": "array", "items": {k: v for k, v in inputs_schema.items() if k != "$defs"}}
    props.pop("source", None)
    props["labels"] = {"anyOf": [
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "array", "items": {"type": "object", "required": ["key", "value"],
                                    "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}},
    ], "description": "Labels of the executions: a map, or a list of `{key, value}`."}
    flow["title"] = "Lanner / Kestra flow"
    return {"$schema": DRAFT, **_collapse({**flow, "$defs": defs})}


def flow_schema() -> dict[str, Any]:
    """The JSON Schema of a flow file, every known task and trigger type included."""
    return copy.deepcopy(_flow_schema())


def _bases_of(cls: type[BaseModel]) -> list[type[BaseModel]]:
    return [base for base in cls.__mro__[1:] if _is_abstract_base(base)
            and base.__name__ in ("Task", "Trigger", "TaskRunner", "ModelProvider", "EmbeddingStore")]
