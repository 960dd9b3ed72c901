"""Pebble-compatible rendering (kestra-reference §5) on top of Jinja2's sandbox.

``Renderer.render`` renders strings (lists and maps recursively, keys too), ``render_typed``
keeps the object of a lone ``{{ expr }}``, ``render_bool`` applies Kestra's truthiness. Compiled
templates are shared by every renderer in a thread-safe LRU cache; a string without ``{`` is
returned without being parsed.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from functools import lru_cache
from types import TracebackType
from typing import Any, Protocol

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateError, TemplateSyntaxError

from lanner.errors import ExpressionError, LannerError
from lanner.expr.environment import LannerContext, LannerEnvironment
from lanner.expr.filters import FILTERS, TESTS
from lanner.expr.functions import FUNCTIONS
from lanner.expr.output import to_text
from lanner.expr.undefined import MissingVariable, fail_if_undefined

MAX_RENDERING_PASSES = 100
CACHE_SIZE = 4096
_FILENAME = "<lanner-expression>"
_RESULT = "lanner_typed_result"
_FALSE_TEXTS = frozenset(("false", "0", "-0", ""))
# ``{{ outputs.extract.uri }}``: a bare path of names is by far the most common expression.
# It is looked up directly (no template compilation); anything unusual — a missing key, an
# object attribute, a literal or global name — falls back to the full engine, which also
# produces the proper error messages.
_SIMPLE_PATH = re.compile(r"^\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}$")
_NOT_FOUND = object()
_RAW_BLOCK = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}(.*?)\{%[-+]?\s*endraw\s*[-+]?%\}", re.S)


class ExprServices(Protocol):
    """Lookups that some functions need (kv, secret, read...). Injected, so the engine stays
    pure: it passes whatever its shell gave it, or nothing (those functions then fail with a
    clear message)."""

    def kv(self, namespace: str, key: str, error_on_missing: bool) -> Any: ...

    def secret(self, key: str) -> str: ...

    def read(self, path: str, namespace: str) -> str: ...

    def file_exists(self, path: str, namespace: str) -> bool: ...

    def file_size(self, path: str, namespace: str) -> int: ...

    def error_logs(self) -> list[dict[str, Any]]: ...

    # Optional attributes read by whoever builds run variables (``{{ envs.x }}``,
    # ``{{ globals.x }}``): ``envs: Mapping[str, str]`` and ``globals: Mapping[str, Any]``.


ENVIRONMENT = LannerEnvironment()
ENVIRONMENT.filters.update(FILTERS)
ENVIRONMENT.tests.update(TESTS)
ENVIRONMENT.globals.update(FUNCTIONS)


def _syntax_error(source: str, exc: TemplateSyntaxError) -> ExpressionError:
    return ExpressionError(
        f"Invalid expression `{source}` at line {exc.lineno}: {exc.message or exc}"
    )


def _load(code: Any) -> Template:
    return ENVIRONMENT.template_class.from_code(ENVIRONMENT, code, ENVIRONMENT.globals)


@lru_cache(maxsize=CACHE_SIZE)
def compile_text(source: str) -> Template:
    try:
        return _load(ENVIRONMENT.compile(source, filename=_FILENAME))
    except TemplateSyntaxError as exc:
        raise _syntax_error(source, exc) from None


@lru_cache(maxsize=CACHE_SIZE)
def compile_typed(source: str) -> Template | None:
    """A template that stores the value of a lone ``{{ expr }}``; None for anything else."""
    stripped = source.strip()
    if not (stripped.startswith("{{") and stripped.endswith("}}")):
        return None
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        raise _syntax_error(source, exc) from None
    expressions = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            return None
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                if child.data.strip():
                    return None
            else:
                expressions.append(child)
    if len(expressions) != 1:
        return None
    expression = expressions[0]
    assign = nodes.Assign(nodes.Name(_RESULT, "store"), expression, lineno=expression.lineno)
    typed = nodes.Template([assign], lineno=1)
    typed.set_environment(ENVIRONMENT)
    try:
        return _load(ENVIRONMENT.compile(typed, filename=_FILENAME))
    except TemplateSyntaxError as exc:
        raise _syntax_error(source, exc) from None


def _line_of(tb: TracebackType | None, template: Template) -> int:
    """The template line of the innermost frame of ``template`` in a traceback."""
    namespace = template.root_render_func.__globals__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_globals is namespace:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _simple_lookup(source: str, variables: Mapping[str, Any]) -> Any:
    match = _SIMPLE_PATH.match(source)
    if match is None:
        return _NOT_FOUND
    names = match.group(1).split(".")
    if names[0] in ENVIRONMENT.globals or names[0] in ("true", "false", "null", "none"):
        return _NOT_FOUND
    node: Any = variables
    for name in names:
        if not isinstance(node, Mapping):
            return _NOT_FOUND
        node = node.get(name, _NOT_FOUND)
        if node is _NOT_FOUND:
            return _NOT_FOUND
    return node


class Renderer:
    """Renders values with Kestra semantics. Thread-safe; compiled templates are cached."""

    def __init__(self, services: ExprServices | None = None) -> None:
        self.services = services

    # --- public API ------------------------------------------------------------------------

    def render(self, value: Any, variables: Mapping[str, Any]) -> Any:
        """Strings are rendered; lists and dicts recursively (keys too); other leaves as is."""
        if isinstance(value, str):
            if "{" not in value:
                return value
            return self._run_text(value, variables)
        if isinstance(value, Mapping):
            return {self.render(k, variables): self.render(v, variables) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render(item, variables) for item in value]
        if isinstance(value, tuple):
            return tuple(self.render(item, variables) for item in value)
        return value

    def render_typed(self, value: Any, variables: Mapping[str, Any]) -> Any:
        """A string that is exactly one ``{{ expr }}`` returns the expression's object."""
        if isinstance(value, str):
            if "{" not in value:
                return value
            found = _simple_lookup(value, variables)
            if found is not _NOT_FOUND:
                return found
            template = compile_typed(value)
            if template is None:
                return self._run_text(value, variables)
            return self._run_typed(template, value, variables)
        if isinstance(value, Mapping):
            return {self.render(k, variables): self.render_typed(v, variables) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_typed(item, variables) for item in value]
        return value

    def render_bool(self, value: Any, variables: Mapping[str, Any]) -> bool:
        """Kestra truthiness: false iff the value renders to null, "false", "0", "-0" or ""."""
        rendered = self.render_typed(value, variables) if isinstance(value, str) else value
        if rendered is None:
            return False
        if isinstance(rendered, bool):
            return rendered
        if isinstance(rendered, int | float):
            return rendered != 0
        return to_text(rendered).strip() not in _FALSE_TEXTS

    def render_recursive(self, text: str, variables: Mapping[str, Any]) -> str:
        """Render until the text no longer changes (``render()``); ``{% raw %}`` stays literal."""
        raws: list[str] = []

        def stash(source: str) -> str:
            def keep(match: re.Match[str]) -> str:
                raws.append(match.group(1))
                return f"\0LANNER_RAW_{len(raws) - 1}\0"

            return _RAW_BLOCK.sub(keep, source) if "raw" in source else source

        current = stash(text)
        for _ in range(MAX_RENDERING_PASSES):
            rendered = stash(self.render(current, variables))
            if rendered == current:
                break
            current = rendered
        else:
            raise ExpressionError("Too many rendering attempts")
        if raws:
            current = re.sub(r"\0LANNER_RAW_(\d+)\0", lambda m: raws[int(m.group(1))], current)
        return current

    # --- internals ---------------------------------------------------------------------------

    def _context(self, variables: Mapping[str, Any]) -> LannerContext:
        parent = ChainMap(variables, ENVIRONMENT.globals)  # type: ignore[arg-type]
        context = LannerContext(ENVIRONMENT, parent, None, {})  # type: ignore[arg-type]
        context.renderer = self
        return context

    def _run_text(self, source: str, variables: Mapping[str, Any]) -> str:
        found = _simple_lookup(source, variables)
        if found is not _NOT_FOUND:
            return to_text(found)
        template = compile_text(source)
        try:
            return "".join(template.root_render_func(self._context(variables)))
        except LannerError:
            raise
        except Exception as exc:
            raise self._error(exc, source, template) from exc

    def _run_typed(self, template: Template, source: str, variables: Mapping[str, Any]) -> Any:
        context = self._context(variables)
        try:
            for _ in template.root_render_func(context):
                pass
            result = context.vars[_RESULT]
            fail_if_undefined(result)
        except LannerError:
            raise
        except Exception as exc:
            raise self._error(exc, source, template) from exc
        return result

    @staticmethod
    def _error(exc: Exception, source: str, template: Template) -> ExpressionError:
        line = _line_of(exc.__traceback__, template)
        if isinstance(exc, MissingVariable):
            return ExpressionError(
                f"Unable to find `{exc.name}` used in the expression `{source}` at line {line}"
            )
        detail = exc.message if isinstance(exc, TemplateError) and exc.message else str(exc)
        return ExpressionError(f"{detail} (in the expression `{source}` at line {line})")
