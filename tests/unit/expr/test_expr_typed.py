"""render_typed, render_bool, recursive rendering of structures, raw vars, caching, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from tests.unit.expr.expr_fixtures import VARIABLES, FakeServices

from lanner.expr import Renderer
from lanner.expr.engine import compile_text

GEN = VARIABLES["gen"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ inputs.items }}", ["b", "a", "c"]),
        ("  {{ inputs.user }}\n", {"first": "Ada", "tags": ["x", "y"]}),
        ("{{ inputs.n }}", 7),
        ("{{ inputs.ratio * 2 }}", 5.0),
        ("{{ inputs.flag }}", False),
        ("{{ inputs.nothing }}", None),
        ("{{ when }}", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("{{ kv('CONFIG') }}", {"region": "eu", "sizes": [1, 2]}),
        ("{{ inputs.n }} items", "7 items"),
        ("{{ inputs.n }}{{ inputs.n }}", "77"),
        ("{% raw %}{{ x }}{% endraw %}", "{{ x }}"),
        ("{% if true %}{{ inputs.n }}{% endif %}", "7"),
        ("no expression", "no expression"),
        (42, 42),
        (["{{ inputs.n }}", "x{{ inputs.n }}"], [7, "x7"]),
    ],
)
def test_render_typed(value: object, expected: object) -> None:
    assert Renderer(FakeServices()).render_typed(value, GEN) == expected


def test_render_typed_is_strict() -> None:
    from lanner.errors import ExpressionError

    with pytest.raises(ExpressionError, match="Unable to find `missing`"):
        Renderer().render_typed("{{ missing }}", GEN)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ inputs.taxi == 'yellow' }}", True),
        ("{{ inputs.taxi == 'green' }}", False),
        ("true", True),
        ("false", False),
        ("0", False),
        ("-0", False),
        ("", False),
        ("{{ inputs.nothing }}", False),
        ("{{ inputs.flag }}", False),
        ("False", True),  # case-sensitive, as Kestra's TruthUtils
        ("no", True),
        ("{{ inputs.n }}", True),
        ("{{ 0 }}", False),
        ("{{ inputs.empty }}", False),
        ("{{ inputs.items }}", True),
        (True, True),
        (False, False),
        (0, False),
        (3, True),
        (None, False),
    ],
)
def test_render_bool(value: object, expected: bool) -> None:
    variables = {**GEN, "inputs": {**GEN["inputs"], "taxi": "yellow"}}
    assert Renderer().render_bool(value, variables) is expected


def test_structures_are_rendered_recursively_keys_too() -> None:
    value = {"{{ inputs.name }}": ["{{ inputs.n }}", 3, None, {"k": "{{ inputs.items }}"}], "plain": True}
    assert Renderer().render(value, GEN) == {"Will": ["7", 3, None, {"k": '["b","a","c"]'}], "plain": True}


def test_vars_are_never_pre_rendered() -> None:
    renderer = Renderer()
    assert renderer.render("{{ vars.once }}", GEN) == "[{{ inputs.name }}]"
    assert renderer.render("{{ render(vars.once) }}", GEN) == "[Will]"
    assert GEN["vars"]["once"] == "[{{ inputs.name }}]"


def test_render_sees_variables_set_in_the_template() -> None:
    text = "{% set who = 'Ada' %}{{ render('Hi {{ who }}') }}"
    assert Renderer().render(text, GEN) == "Hi Ada"


def test_strings_without_braces_are_not_parsed() -> None:
    before = compile_text.cache_info().currsize
    Renderer().render("SELECT * FROM t WHERE x = 'no braces here'", GEN)
    assert compile_text.cache_info().currsize == before


def test_compiled_templates_are_cached() -> None:
    renderer = Renderer()
    text = "cached {{ inputs.name }} 1f3a"
    renderer.render(text, GEN)
    hits = compile_text.cache_info().hits
    renderer.render(text, GEN)
    assert compile_text.cache_info().hits == hits + 1


def test_renderers_are_thread_safe() -> None:
    renderer = Renderer()

    def work(i: int) -> str:
        return str(renderer.render(f"{{{{ inputs.n + {i} }}}}-{{{{ inputs.name }}}}", GEN))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(200)))
    assert results == [f"{7 + i}-Will" for i in range(200)]
