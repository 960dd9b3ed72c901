"""Strict undefined values with Kestra's error wording.

Pebble runs with ``strictVariables(true)``: using a name or attribute that does not exist fails
the render. Jinja2 instead produces an ``Undefined`` object; ours stays inert while it is only
*navigated* (``inputs.a.b`` on a missing ``inputs`` is still the same undefined value) and raises
as soon as it is *used* (printed, compared, iterated, passed to most filters). ``??``, ``???``,
``is defined`` and ``default`` look at it without using it, which is how they swallow it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from jinja2 import StrictUndefined
from jinja2.exceptions import UndefinedError


class MissingVariable(UndefinedError):
    """A strict-mode miss; ``name`` is the first piece that did not resolve."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unable to find `{name}`")
        self.name = name


class LannerUndefined(StrictUndefined):
    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        name = self._undefined_name
        if name is None:
            name = self._undefined_hint or "undefined"
        raise MissingVariable(str(name))


# StrictUndefined binds these to Jinja's own failure method when its class is created; rebind
# them so that every use raises ``MissingVariable`` (with the name) instead.
_USES = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pos__", "__neg__",
    "__call__", "__getitem__", "__lt__", "__le__", "__gt__", "__ge__", "__int__", "__float__",
    "__complex__", "__pow__", "__rpow__", "__iter__", "__str__", "__len__", "__eq__", "__ne__",
    "__bool__", "__hash__", "__contains__",
)
for _dunder in _USES:
    setattr(LannerUndefined, _dunder, LannerUndefined._fail_with_undefined_error)


def fail_if_undefined(*values: Any) -> None:
    """Raise the strict error of the first undefined value (filters and functions call it)."""
    for value in values:
        if isinstance(value, StrictUndefined):
            value._fail_with_undefined_error()


def is_undefined(value: Any) -> bool:
    return isinstance(value, StrictUndefined)
