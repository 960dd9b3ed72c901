"""Pebble and Kestra filters on lists, maps and structured text (kestra-reference §5.4)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from lanner.errors import ExpressionError
from lanner.expr.output import to_json, to_plain, to_text
from lanner.expr.undefined import is_undefined


def default(value: Any, default: Any = "") -> Any:
    """Pebble ``default``: the argument when the value is undefined, null or empty."""
    if is_undefined(value) or value is None:
        return default
    if isinstance(value, str) and not value.strip():
        return default
    if isinstance(value, Mapping | list | tuple) and not value:
        return default
    return value


def _items(value: Any, name: str) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Iterable):
        return list(value)
    raise ExpressionError(f"The '{name}' filter expects a list, a map or a string")


def first(value: Any) -> Any:
    if value is None:
        return None
    items = _items(value, "first")
    return items[0] if items else None


def last(value: Any) -> Any:
    if value is None:
        return None
    items = _items(value, "last")
    return items[-1] if items else None


def length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | Mapping | list | tuple | set | frozenset):
        return len(value)
    if isinstance(value, Iterable):
        return len(list(value))
    return len(to_text(value))


def join(value: Any, separator: str = "") -> Any:
    if value is None:
        return None
    return to_text(separator).join(to_text(item) for item in _items(value, "join"))


def keys(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.keys())
    if isinstance(value, list | tuple):
        return list(range(len(value)))
    raise ExpressionError("The 'keys' filter expects a map")


def values(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.values())
    raise ExpressionError("The 'values' filter expects a map")


def to_json_filter(value: Any) -> str:
    return to_json(value)


def to_ion_filter(value: Any) -> str:
    """Amazon Ion text, the format of Kestra's row files (``fetchType: STORE``)."""
    from lanner.plugins.serde import ion_value  # the one Ion writer

    return ion_value(value)


@lru_cache(maxsize=256)
def _jq_program(expression: str) -> Any:
    import jq  # imported on first use: the binding loads a native library

    try:
        return jq.compile(expression)
    except ValueError as exc:
        raise ExpressionError(f"Invalid jq expression '{expression}': {exc}") from exc


def jq_filter(value: Any, expression: str) -> list[Any]:
    """Kestra ``jq``: a JSON string or any value through a jq program; always a list."""
    program = _jq_program(str(expression))
    try:
        if isinstance(value, str):
            return list(program.input_text(value).all())
        return list(program.input_value(to_plain(value)).all())
    except ValueError as exc:
        raise ExpressionError(f"jq '{expression}' failed: {exc}") from exc


def flatten(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise ExpressionError("The 'flatten' filter can only be applied to lists.")
    flat: list[Any] = []
    for item in value:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def chunk(value: Any, size: int) -> Any:
    if value is None:
        return None
    items, step = _items(value, "chunk"), int(size)
    if step <= 0:
        raise ExpressionError("The 'chunk' filter expects a size greater than 0")
    return [items[i : i + step] for i in range(0, len(items), step)]


def _hashable(item: Any) -> Any:
    return to_json(item) if isinstance(item, Mapping | list) else item


def distinct(value: Any) -> Any:
    if value is None:
        return None
    seen: set[Any] = set()
    result = []
    for item in _items(value, "distinct"):
        key = _hashable(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def sort(value: Any) -> Any:
    if value is None:
        return None
    try:
        return sorted(_items(value, "sort"))
    except TypeError as exc:
        raise ExpressionError(f"The 'sort' filter cannot compare these elements: {exc}") from exc


def rsort(value: Any) -> Any:
    result = sort(value)
    return None if result is None else result[::-1]


def reverse(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value[::-1]
    return _items(value, "reverse")[::-1]


def slice_filter(value: Any, fromIndex: int = 0, toIndex: int | None = None) -> Any:
    if value is None:
        return None
    sequence = value if isinstance(value, str) else _items(value, "slice")
    end = len(sequence) if toIndex is None else int(toIndex)
    start = int(fromIndex)
    if start < 0 or end > len(sequence) or start > end:
        raise ExpressionError(f"slice: indexes {start}..{end} are out of bounds (length {len(sequence)})")
    return sequence[start:end]


def merge(value: Any, items: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(items, Mapping):
        return {**value, **items}
    if isinstance(value, list | tuple):
        return [*value, *(items if isinstance(items, list | tuple) else [items])]
    raise ExpressionError("The 'merge' filter merges two maps or two lists")


def yaml_filter(value: Any) -> Any:
    import yaml

    if value is None:
        return None
    try:
        return yaml.safe_load(to_text(value))
    except yaml.YAMLError as exc:
        raise ExpressionError(f"Invalid YAML: {exc}") from exc


def from_json(value: Any) -> Any:
    if value is None:
        return None
    try:
        return json.loads(to_text(value))
    except json.JSONDecodeError as exc:
        raise ExpressionError(f"Invalid JSON: {exc}") from exc
