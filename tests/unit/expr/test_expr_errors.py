"""Strict variables, syntax errors and failing functions raise ExpressionError with Kestra's words."""

from __future__ import annotations

import pytest
from tests.unit.expr.expr_fixtures import VARIABLES, FakeServices

from lanner.errors import ExpressionError
from lanner.expr import Renderer


def render_error(expression: str, variables: dict[str, object], services: object = None) -> str:
    with pytest.raises(ExpressionError) as caught:
        Renderer(services if services is not None else FakeServices()).render(expression, variables)
    return str(caught.value)


def test_missing_root_variable_uses_kestras_message() -> None:
    message = render_error("{{inputs.invalid}}", {})
    assert message == "Unable to find `inputs` used in the expression `{{inputs.invalid}}` at line 1"


def test_missing_attribute_names_the_attribute() -> None:
    message = render_error("{{ inputs.nope }}", VARIABLES["gen"])
    assert message == "Unable to find `nope` used in the expression `{{ inputs.nope }}` at line 1"


def test_missing_map_key_names_the_key() -> None:
    message = render_error("{{ outputs.extract.outputFiles['x.csv'] }}", VARIABLES["f04"])
    assert message.startswith("Unable to find `x.csv` used in the expression")


def test_the_line_is_the_line_of_the_expression() -> None:
    sql = "SELECT 1;\nSELECT 2;\nSELECT {{ outputs.later.value }};\n"
    message = render_error(sql, VARIABLES["gen"])
    assert message == f"Unable to find `later` used in the expression `{sql}` at line 3"


def test_trigger_is_undefined_in_a_manual_run_of_a_scheduled_flow() -> None:
    manual = {key: value for key, value in VARIABLES["f05"].items() if key != "trigger"}
    message = render_error("{{render(vars.file)}}", manual)
    assert "Unable to find `trigger` used in the expression" in message
    assert "trigger.date | date('yyyy-MM')" in message


def test_outputs_of_a_task_that_did_not_run_yet() -> None:
    early = {**VARIABLES["f04"], "outputs": {}}
    message = render_error("{{render(vars.data)}}", early)
    assert "Unable to find `extract`" in message


@pytest.mark.parametrize(
    "expression",
    [
        "{{ missing | upper }}",
        "{{ missing ~ 'x' }}",
        "{{ missing == 1 }}",
        "{{ missing + 1 }}",
        "{% if missing %}x{% endif %}",
        "{% for x in missing %}x{% endfor %}",
        "{{ missing is null }}",
        "{{ missing is empty }}",
        "{{ missing ? 'a' : 'b' }}",
        "{{ inputs.items[missing] }}",
        "{{ missing() }}",
        "{{ missing.deep.chain }}",
        "{{ [missing] }}",
        "{{ render(missing) }}",
        "{{ missing ?? other }}",
    ],
)
def test_using_an_undefined_value_fails_strictly(expression: str) -> None:
    message = render_error(expression, VARIABLES["gen"])
    assert message.startswith("Unable to find `") and "` used in the expression `" in message


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("{{ 1 + }}", "at line 1"),
        ("{{ inputs.name", "at line 1"),
        ("line\n{% if %}", "at line 2"),
        ("{{ a ? b }}", "expected token ':'"),
        ("{{ 'x' | nosuchfilter }}", "No filter named 'nosuchfilter'"),
        ("{{ 1 is nosuchtest }}", "No test named 'nosuchtest'"),
        ("{% for %}", "Invalid expression"),
    ],
)
def test_syntax_errors_are_expression_errors(expression: str, fragment: str) -> None:
    message = render_error(expression, VARIABLES["gen"])
    assert message.startswith("Invalid expression `")
    assert fragment in message


def test_a_variable_that_renders_itself_stops() -> None:
    message = render_error("{{ render(vars.self) }}", VARIABLES["gen"])
    assert "Too many rendering attempts" in message


def test_recursive_render_gives_up_after_100_passes() -> None:
    renderer = Renderer()
    counter = {"n": 0}

    def grow() -> str:
        counter["n"] += 1
        return "{{ next() }}" + str(counter["n"])

    with pytest.raises(ExpressionError, match="Too many rendering attempts"):
        renderer.render_recursive("{{ next() }}", {"next": grow})


def test_functions_without_services_name_themselves() -> None:
    for expression, name in [("{{ kv('K') }}", "kv"), ("{{ secret('S') }}", "secret"),
                             ("{{ read('f') }}", "read"), ("{{ errorLogs() }}", "errorLogs")]:
        with pytest.raises(ExpressionError, match=rf"`{name}\(\)` is not available"):
            Renderer().render(expression, VARIABLES["gen"])


def test_kv_without_a_flow_namespace() -> None:
    with pytest.raises(ExpressionError, match="flow namespace"):
        Renderer(FakeServices()).render("{{ kv('K') }}", {})


def test_service_errors_propagate_unchanged() -> None:
    assert render_error("{{ kv('NOPE') }}", VARIABLES["gen"]) == (
        "The key 'NOPE' does not exist in the namespace 'zoomcamp'."
    )
    assert render_error("{{ secret('NOPE') }}", VARIABLES["gen"]) == "Cannot find secret for key 'NOPE'."


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("{{ 'not a date' | date('yyyy') }}", "could not be parsed"),
        ("{{ '2024' | date('yyyy', existingFormat='dd/MM') }}", "could not be parsed"),
        ("{{ when | date('bbb') }}", "Unknown pattern letter: b"),
        ("{{ when | date('yyyy', timeZone='Mars/Base') }}", "Unknown time-zone ID"),
        ("{{ when | dateAdd(1, 'EONS') }}", "Unsupported unit"),
        ("{{ 'abc' | number }}", "Unable to parse 'abc'"),
        ("{{ 'x' | escapeChar('weird') }}", "'single', 'double', or 'shell'"),
        ("{{ 1 / 0 }}", "/ by zero"),
        ("{{ 'x' | jq('.[') }}", "jq"),
        ("{{ fromJson('{oops') }}", "Invalid JSON"),
        ("{{ 'x' | flatten }}", "only be applied to lists"),
        ("{{ [1, 'a'] | sort }}", "cannot compare"),
        ("{{ encrypt('k', 'v') }}", "not supported"),
        ("{{ range(1, 1000000) }}", "more than"),
        ("{{ 1..1000000 }}", "Range too big"),
    ],
)
def test_failing_filters_and_functions(expression: str, fragment: str) -> None:
    assert fragment in render_error(expression, VARIABLES["gen"])


def test_python_errors_become_expression_errors_with_the_expression() -> None:
    message = render_error("{{ inputs.name - 1 }}", VARIABLES["gen"])
    assert "(in the expression `{{ inputs.name - 1 }}` at line 1)" in message


def test_sandbox_blocks_private_attributes() -> None:
    message = render_error("{{ inputs.name.__class__.__mro__ }}", VARIABLES["gen"])
    assert message.startswith("Unable to find `__class__`")
