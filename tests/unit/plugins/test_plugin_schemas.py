"""JSON Schemas for the editor, docs and copilot; and every documented example is a valid flow."""

from __future__ import annotations

import json

import pytest

from lanner.errors import NotFoundError
from lanner.plugins import registry
from lanner.plugins.flowparse import parse_flow
from lanner.plugins.schema import flow_schema, task_schema

ALL = registry.all_types()


@pytest.mark.parametrize("type_name", ALL)
def test_every_type_has_a_described_schema(type_name):
    schema = task_schema(type_name)
    assert schema["title"] == type_name and schema["description"]
    assert schema["properties"]["type"]["enum"][0] == type_name
    json.dumps(schema)  # plain JSON


@pytest.mark.parametrize("type_name", [t for t in ALL if registry.REGISTRY.kind(t) != "object"])
def test_every_example_is_a_valid_flow(type_name):
    cls = registry.resolve_plugin(type_name)
    assert cls is not None and cls.examples, f"{type_name} has no example"
    for example in cls.examples:
        result = parse_flow(example)
        assert result.errors == [], [i.located() for i in result.errors]
        assert type_name in example


def test_children_and_sub_objects_point_to_any_types():
    schema = task_schema("io.kestra.plugin.core.flow.If")
    assert schema["properties"]["then"]["items"] == {"$ref": "#/$defs/AnyTask"}
    assert schema["$defs"]["AnyTask"]["required"] == ["id", "type"]
    commands = task_schema("io.kestra.plugin.scripts.shell.Commands")
    assert {"$ref": "#/$defs/AnyTaskRunner"} in commands["properties"]["taskRunner"]["anyOf"]
    assert commands["properties"]["commands"]["description"]


def test_aliases_are_accepted_and_unknown_types_refused():
    assert task_schema("io.kestra.core.tasks.log.Log")["title"] == "io.kestra.plugin.core.log.Log"
    with pytest.raises(NotFoundError):
        task_schema("io.kestra.nope.Nope")


def test_flow_schema_lists_every_task_and_trigger():
    schema = flow_schema()
    assert set(schema["required"]) >= {"id", "namespace", "tasks"}
    assert schema["properties"]["tasks"]["items"] == {"$ref": "#/$defs/AnyTask"}
    tasks = schema["$defs"]["AnyTask"]["anyOf"]
    assert len(tasks) == len(registry.all_types("task"))
    triggers = schema["$defs"]["AnyTrigger"]["anyOf"]
    assert len(triggers) == len(registry.all_types("trigger"))
    refs = json.dumps(schema)
    for ref in {part.split('"')[0] for part in refs.split('"$ref": "#/$defs/')[1:]}:
        assert ref in schema["$defs"], ref
    assert "STRING" in json.dumps(schema["properties"]["inputs"])
    assert "source" not in schema["properties"]
