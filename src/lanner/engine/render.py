"""The engine's ``RenderContext``: Kestra rendering (``lanner.expr``) over the variables of one
task run, built lazily so that tasks which never render cost nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lanner.expr.engine import Renderer


class LazyVariables(Mapping[str, Any]):
    """A mapping that builds its content on first access."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[[], Mapping[str, Any]]) -> None:
        self._build = build
        self._data: Mapping[str, Any] | None = None

    def resolve(self) -> Mapping[str, Any]:
        if self._data is None:
            self._data = self._build()
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self.resolve()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resolve())

    def __len__(self) -> int:
        return len(self.resolve())


_FALSEY = frozenset({"false", "0", "-0", ""})


def _plain(value: Any) -> bool:
    """Values that render to themselves: no need to build variables for them."""
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return "{" not in value
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


def truthy(value: Any) -> bool:
    """Kestra's ``TruthUtils``: false iff null, "false", "0", "-0" or ""."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return str(value) not in _FALSEY


class EngineRenderContext:
    """Implements ``lanner.plugins.api.RenderContext`` for flowables, runIf, Labels, Subflow,
    Pause and flow outputs."""

    def __init__(self, renderer: Renderer, variables: Mapping[str, Any]) -> None:
        self.renderer = renderer
        self.variables = variables

    def _merged(self, extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
        base = self.variables.resolve() if isinstance(self.variables, LazyVariables) else self.variables
        if not extra:
            return base
        return {**base, **extra}

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        if _plain(value):
            return value
        return self.renderer.render(value, self._merged(extra))

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        if _plain(value):
            return value
        return self.renderer.render_typed(value, self._merged(extra))

    def render_bool(self, value: Any) -> bool:
        if _plain(value):
            return truthy(value)
        return self.renderer.render_bool(value, self._merged(None))
