"""Input declarations and their resolution: every type, Kestra's error texts, all issues at once."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lanner.errors import InputError
from lanner.model.inputs import (
    check_input_definitions,
    java_duration,
    java_text,
    nest,
    parse_input,
    parse_java_duration,
    resolve_inputs,
)


def inputs(*items: dict[str, Any]) -> list[Any]:
    return [parse_input(item) for item in items]


def resolve(items: list[dict[str, Any]], submitted: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return resolve_inputs(inputs(*items), submitted, **kw)


def messages(exc: InputError) -> list[str]:
    return [i.message for i in exc.issues]


def test_defaults_submitted_values_and_undeclared_keys():
    declared = [{"id": "name", "type": "STRING", "defaults": "Will"},
                {"id": "n", "type": "INT", "defaults": 2}]
    assert resolve(declared, {}) == {"name": "Will", "n": 2}
    assert resolve(declared, {"name": "Sarah", "n": "5", "other": 1}) == {"name": "Sarah", "n": 5}


def test_missing_required_and_optional_inputs():
    with pytest.raises(InputError) as caught:
        resolve([{"id": "a", "type": "STRING"}, {"id": "b", "type": "INT"}], {})
    assert messages(caught.value) == [
        "Invalid input for `a`, missing required input, but received `null`",
        "Invalid input for `b`, missing required input, but received `null`",
    ]
    assert [i.path for i in caught.value.issues] == ["inputs.a", "inputs.b"]
    assert resolve([{"id": "a", "type": "STRING", "required": False}], {}) == {"a": None}


def test_all_problems_are_reported_together():
    declared = [{"id": "n", "type": "INT"}, {"id": "f", "type": "FLOAT"}, {"id": "ok", "type": "STRING"}]
    with pytest.raises(InputError) as caught:
        resolve(declared, {"n": "abc", "f": "x", "ok": "fine"})
    assert messages(caught.value) == [
        'Invalid input for `n`, For input string: "abc", but received `abc`',
        'Invalid input for `f`, For input string: "x", but received `x`',
    ]


@pytest.mark.parametrize(
    ("declaration", "value", "expected"),
    [
        ({"type": "STRING"}, "hello", "hello"),
        ({"type": "STRING"}, 12, "12"),
        ({"type": "STRING", "validator": "[a-z]+"}, "abc", "abc"),
        ({"type": "SELECT", "values": ["yellow", "green"]}, "green", "green"),
        ({"type": "SELECT", "values": ["2019"], "allowCustomValue": True}, "2021", "2021"),
        ({"type": "SELECT", "values": ["a"], "required": False}, "zzz", "zzz"),
        ({"type": "SELECT", "values": [{"label": "A", "value": "a"}]}, "a", "a"),
        ({"type": "ENUM", "values": ["a", "b"]}, "b", "b"),
        ({"type": "MULTISELECT", "values": ["a", "b", "c"]}, '["a", "c"]', ["a", "c"]),
        ({"type": "MULTISELECT", "options": ["a", "b"]}, ["b"], ["b"]),
        ({"type": "INT"}, "42", 42),
        ({"type": "INT", "min": 1, "max": 10}, 10, 10),
        ({"type": "FLOAT"}, "1.5", 1.5),
        ({"type": "FLOAT"}, 2, 2.0),
        ({"type": "BOOLEAN"}, "TRUE", True),
        ({"type": "BOOLEAN"}, "yes", False),
        ({"type": "BOOL"}, True, True),
        ({"type": "DATETIME"}, "2024-01-01T10:00:00+01:00", "2024-01-01T09:00:00Z"),
        ({"type": "DATETIME"}, "2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00.500Z"),
        ({"type": "DATE"}, "2024-02-29", "2024-02-29"),
        ({"type": "TIME"}, "10:15:00", "10:15"),
        ({"type": "TIME"}, "10:15:30", "10:15:30"),
        ({"type": "DURATION"}, "PT90M", "PT1H30M"),
        ({"type": "DURATION"}, "P2D", "PT48H"),
        ({"type": "FILE"}, "kestra:///ns/f/executions/1/inputs/x/a.txt", "kestra:///ns/f/executions/1/inputs/x/a.txt"),
        ({"type": "JSON"}, '{"a": [1, 2]}', {"a": [1, 2]}),
        ({"type": "JSON"}, {"already": "parsed"}, {"already": "parsed"}),
        ({"type": "YAML"}, "a: 1\nb: [x]\n", {"a": 1, "b": ["x"]}),
        ({"type": "URI"}, "https://example.com/data.csv", "https://example.com/data.csv"),
        ({"type": "SECRET"}, "s3cr3t", "s3cr3t"),
        ({"type": "ARRAY", "itemType": "INT"}, "[1, 2]", [1, 2]),
        ({"type": "ARRAY", "itemType": "STRING"}, ["brand", "price"], ["brand", "price"]),
        ({"type": "EMAIL"}, "me@example.com", "me@example.com"),
        ({"type": "EMAIL"}, "", ""),
    ],
)
def test_each_type_parses_to_a_json_compatible_value(declaration, value, expected):
    assert resolve([{"id": "x", **declaration}], {"x": value}) == {"x": expected}


@pytest.mark.parametrize(
    ("declaration", "value", "message"),
    [
        ({"type": "STRING", "validator": "[a-z]+"}, "ab1", "it must match the pattern `[a-z]+`"),
        ({"type": "SELECT", "values": ["yellow", "green"]}, "blue",
         "it must match the values `[yellow, green]`"),
        ({"type": "ENUM", "values": ["a"]}, "b", "it must match the values `[a]`"),
        ({"type": "MULTISELECT", "values": ["a"]}, ["a", "z"], "it must match the values `[a]`"),
        ({"type": "INT", "min": 5}, "3", "it must be more than `5`"),
        ({"type": "INT", "max": 5}, 6, "it must be less than `5`"),
        ({"type": "INT"}, "1.5", 'For input string: "1.5"'),
        ({"type": "INT"}, "99999999999", 'For input string: "99999999999"'),
        ({"type": "FLOAT", "min": 0.5}, "0.1", "it must be more than `0.5`"),
        ({"type": "DATETIME"}, "2024-01-01 10:00", "Expected `DATETIME` but received `2024-01-01 10:00`"),
        ({"type": "DATETIME"}, "2024-01-01T10:00:00", "Expected `DATETIME` but received"),
        ({"type": "DATETIME", "after": "2025-01-01T00:00:00Z"}, "2024-01-01T00:00:00Z",
         "it must be after `2025-01-01T00:00:00Z`"),
        ({"type": "DATE", "before": "2020-01-01"}, "2021-01-01", "it must be before `2020-01-01`"),
        ({"type": "DATE"}, "01/02/2024", "Expected `DATE` but received `01/02/2024`"),
        ({"type": "TIME"}, "25:00", "Expected `TIME`"),
        ({"type": "DURATION"}, "15 seconds", "Expected `DURATION` but received `15 seconds`"),
        ({"type": "DURATION", "max": "PT1M"}, "PT2M", "it must be less than `PT1M`"),
        ({"type": "FILE"}, "/tmp/local.txt", "a FILE input takes a `kestra:///...` URI"),
        ({"type": "JSON"}, "{bad", "Expected `JSON` but received `{bad` with errors:\n```\n"),
        ({"type": "URI"}, "not a uri", "Expected `URI` but received `not a uri`"),
        ({"type": "ARRAY", "itemType": "INT"}, '["1", "x"]',
         "Unable to parse array element as `INT` on `x`"),
        ({"type": "ARRAY", "itemType": "INT"}, "not json", "Expected `ARRAY` but received `not json`"),
        ({"type": "EMAIL"}, "not-an-email", "The input must be a valid email"),
    ],
)
def test_each_type_reports_kestras_error_text(declaration, value, message):
    with pytest.raises(InputError) as caught:
        resolve([{"id": "x", **declaration}], {"x": value})
    [issue] = caught.value.issues
    assert issue.path == "inputs.x"
    assert issue.message.startswith(f"Invalid input for `x`, {message}")
    assert issue.message.endswith(f"but received `{java_text(value)}`")


def test_declaration_rules():
    with pytest.raises(ValidationError, match="no `defaults` can be set for inputs of type 'FILE'"):
        parse_input({"id": "f", "type": "FILE", "defaults": "x"})
    with pytest.raises(ValidationError, match="`itemType` cannot be `ARRAY`"):
        parse_input({"id": "a", "type": "ARRAY", "itemType": "ARRAY"})
    with pytest.raises(ValidationError, match="itemType"):
        parse_input({"id": "a", "type": "ARRAY"})
    with pytest.raises(ValidationError, match="`defaults` and `prefill` cannot both be set"):
        parse_input({"id": "a", "type": "STRING", "defaults": "x", "prefill": "y"})
    with pytest.raises(ValidationError, match="needs `values` or `expression`"):
        parse_input({"id": "a", "type": "SELECT"})
    with pytest.raises(ValidationError):
        parse_input({"id": "bad id", "type": "STRING"})
    with pytest.raises(ValidationError):
        parse_input({"id": "a", "type": "STRING", "unknown": 1})
    assert parse_input({"name": "legacy", "type": "STRING"}).id == "legacy"


def test_check_input_definitions():
    declared = inputs(
        {"id": "a", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
        {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"]}},
        {"id": "c", "type": "STRING", "dependsOn": {"inputs": ["nope"]}},
        {"id": "c", "type": "INT", "defaults": "x"},
    )
    problems = check_input_definitions(declared)
    texts = [p[2] for p in problems]
    assert "Duplicate input with name [c]" in texts
    assert "Input with id 'c' depends on a non-existent input 'nope'." in texts
    assert any(t.startswith("Cycle dependency detected for input with id") for t in texts)
    assert 'Invalid input for `c`, For input string: "x", but received `x`' in texts


def test_dotted_ids_become_nested_maps():
    declared = [{"id": "db.host", "type": "STRING", "defaults": "localhost"},
                {"id": "db.port", "type": "INT", "defaults": 5432},
                {"id": "name", "type": "STRING", "defaults": "x"}]
    assert resolve(declared, {}) == {"db": {"host": "localhost", "port": 5432}, "name": "x"}
    assert nest({"a.b.c": 1, "a.d": 2}) == {"a": {"b": {"c": 1}, "d": 2}}


def fake_render(value: Any, variables: Any) -> Any:
    """A tiny stand-in for the expression engine: enough for these tests."""
    inputs_ = variables["inputs"]
    table = {
        "{{ inputs.kind == 'full' }}": "true" if inputs_.get("kind") == "full" else "false",
        "{{ inputs.kind }}-default": f"{inputs_.get('kind')}-default",
        "{{ ['x', 'y'] }}": ["x", "y"],
    }
    return table.get(value, value)


def test_depends_on_condition_expression_defaults_and_select_expression():
    declared = [
        {"id": "kind", "type": "SELECT", "values": ["full", "light"], "defaults": "light"},
        {"id": "detail", "type": "STRING", "defaults": "{{ inputs.kind }}-default",
         "dependsOn": {"inputs": ["kind"], "condition": "{{ inputs.kind == 'full' }}"}},
        {"id": "derived", "type": "STRING", "defaults": "{{ inputs.kind }}-default",
         "dependsOn": {"inputs": ["kind"]}},
        {"id": "pick", "type": "SELECT", "expression": "{{ ['x', 'y'] }}", "defaults": "y"},
    ]
    assert resolve(declared, {}, render_typed=fake_render) == {
        "kind": "light", "derived": "light-default", "pick": "y"}
    assert resolve(declared, {"kind": "full"}, render_typed=fake_render)["detail"] == "full-default"
    with pytest.raises(InputError, match="no renderer"):
        resolve(declared, {})
    with pytest.raises(InputError, match="it must match the values `\\[x, y\\]`"):
        resolve(declared, {"pick": "z"}, render_typed=fake_render)


def test_dependent_of_an_invalid_input_is_not_resolved():
    declared = [{"id": "n", "type": "INT"}, {"id": "m", "type": "INT", "dependsOn": {"inputs": ["n"]}}]
    with pytest.raises(InputError) as caught:
        resolve(declared, {"n": "x", "m": "1"})
    assert [i.path for i in caught.value.issues] == ["inputs.n"]


def test_java_durations_and_texts():
    assert java_duration(parse_java_duration("PT15S")) == "PT15S"
    assert java_duration(parse_java_duration("P1DT0.5S")) == "PT24H0.5S"
    assert java_duration(parse_java_duration("-PT1M")) == "PT-1M"
    with pytest.raises(ValueError):
        parse_java_duration("P1Y")
    with pytest.raises(ValueError):
        parse_java_duration("PT")
    assert java_text([1, None, True, {"a": 1.5}]) == "[1, null, true, {a=1.5}]"


def test_a_refused_secret_is_not_echoed_in_the_error():
    with pytest.raises(InputError) as caught:
        resolve([{"id": "pwd", "type": "SECRET", "validator": "^[a-z]+$"}], {"pwd": "Hunter2"})
    [message] = messages(caught.value)
    assert "Hunter2" not in message and message.endswith("but received `******`")
