"""The shared Jinja2 sandbox configured as Kestra's Pebble (kestra-reference §5.1).

One environment serves every ``Renderer``: it holds no per-run state (services travel on the
render context), so compiled templates are shared and cached process-wide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from jinja2 import nodes
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment

from lanner.errors import ExpressionError
from lanner.expr.output import to_text
from lanner.expr.syntax import LannerCodeGenerator, PebbleLexer, PebbleParser
from lanner.expr.undefined import LannerUndefined, MissingVariable, fail_if_undefined, is_undefined

MAX_RANGE = 100_000
_ZERO_BASED_LOOP = {"index": "index0", "revindex": "revindex0"}


class Entry(NamedTuple):
    """A map entry while looping over a map: ``{% for e in map %}{{ e.key }}={{ e.value }}``."""

    key: Any
    value: Any


class LannerContext(Context):
    """Jinja's context plus the renderer that started the render (functions need its services)."""

    renderer: Any = None


def _java_int_div(left: int, right: int) -> int:
    quotient = abs(left) // abs(right)
    return quotient if (left >= 0) == (right >= 0) else -quotient


class LannerEnvironment(SandboxedEnvironment):
    code_generator_class = LannerCodeGenerator
    context_class = LannerContext

    def __init__(self) -> None:
        super().__init__(
            undefined=LannerUndefined,
            finalize=to_text,
            autoescape=False,
            keep_trailing_newline=True,  # a script's final newline is part of it
            cache_size=0,
            auto_reload=False,
        )
        self._pebble_lexer = PebbleLexer(self)

    @property
    def lexer(self) -> PebbleLexer:
        return self._pebble_lexer

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return PebbleParser(self, source, name, filename).parse()

    # Pebble reads map entries before anything else (``outputs.x.values`` is the "values" key,
    # never ``dict.values``); misses stay undefined until used.
    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            value = obj.get(attribute, _MISSING)
            return value if value is not _MISSING else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if obj is None or is_undefined(obj):
            return obj if obj is not None else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in _ZERO_BASED_LOOP:
            return getattr(obj, _ZERO_BASED_LOOP[attribute])  # Pebble counts from 0
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if is_undefined(obj):
            return obj
        fail_if_undefined(argument)
        if isinstance(obj, Mapping):
            if argument in obj:
                return obj[argument]
            if isinstance(argument, int | float) and not isinstance(argument, bool):
                text = to_text(argument)  # numeric keys of maps are strings once stored
                if text in obj:
                    return obj[text]
            return self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, list | tuple | str):
            if isinstance(argument, str) and argument.lstrip("-").isdigit():
                argument = int(argument)
            if isinstance(argument, int):
                try:
                    return obj[argument]
                except IndexError:
                    return self.undefined(obj=obj, name=str(argument))
        if obj is None:
            return self.undefined(obj=obj, name=str(argument))
        return super().getitem(obj, argument)

    # --- runtime helpers of the Pebble operators (see syntax.py) -------------------------------

    def lanner_coalesce(self, left: Callable[[], Any], right: Callable[[], Any]) -> Any:
        try:
            value = left()
        except MissingVariable:
            return right()
        return right() if value is None or is_undefined(value) else value

    def lanner_undefined_coalesce(self, left: Callable[[], Any], right: Callable[[], Any]) -> Any:
        try:
            value = left()
        except MissingVariable:
            return right()
        return right() if is_undefined(value) else value

    def lanner_guard(self, thunk: Callable[[], Any]) -> Any:
        try:
            return thunk()
        except MissingVariable as exc:
            return self.undefined(name=exc.name)

    def lanner_concat(self, *parts: Any) -> str:
        return "".join([to_text(part) for part in parts])

    def lanner_add(self, left: Any, right: Any) -> Any:
        fail_if_undefined(left, right)
        if isinstance(left, list):
            return [*left, *right] if isinstance(right, list) else [*left, right]
        if isinstance(left, str) or isinstance(right, str):
            return to_text(left) + to_text(right)
        return left + right

    def lanner_div(self, left: Any, right: Any) -> Any:
        fail_if_undefined(left, right)
        if type(left) is int and type(right) is int:  # Java long division truncates
            if right == 0:
                raise ExpressionError("/ by zero")
            return _java_int_div(left, right)
        if right == 0:
            return math.nan if left == 0 else math.copysign(math.inf, left)
        return left / right

    def lanner_mod(self, left: Any, right: Any) -> Any:
        fail_if_undefined(left, right)
        if type(left) is int and type(right) is int:
            if right == 0:
                raise ExpressionError("/ by zero")
            return left - right * _java_int_div(left, right)
        return math.fmod(left, right)

    def lanner_range(self, start: Any, end: Any) -> list[int]:
        fail_if_undefined(start, end)
        start, end = int(start), int(end)
        if end - start >= MAX_RANGE:
            raise ExpressionError(f"Range too big: {start}..{end} (more than {MAX_RANGE} items)")
        return list(range(start, end + 1))

    def lanner_contains(self, container: Any, item: Any) -> bool:
        """Pebble ``contains``: element of a list (all of a list), key of a map, substring."""
        fail_if_undefined(container, item)
        if container is None:
            return False
        if isinstance(container, Mapping):
            return item in container
        if isinstance(container, str):
            return to_text(item) in container
        if isinstance(container, Iterable):
            values = list(container)
            if isinstance(item, list | tuple):
                return all(element in values for element in item)
            return item in values
        return False

    def lanner_isin(self, item: Any, container: Any) -> bool:
        """Kestra ``in``: compares the text of the value with the text of each element."""
        fail_if_undefined(item, container)
        if item is None or container is None:
            return False
        text = to_text(item)
        if isinstance(container, Mapping):
            return any(to_text(k) == text or to_text(v) == text for k, v in container.items())
        if isinstance(container, list | tuple | set | frozenset):
            return any(to_text(element) == text for element in container)
        return False

    def lanner_iter(self, value: Any) -> Iterable[Any]:
        fail_if_undefined(value)
        if value is None:
            return ()
        if isinstance(value, Mapping):
            return [Entry(key, item) for key, item in value.items()]
        return value  # type: ignore[no-any-return]


_MISSING = object()
