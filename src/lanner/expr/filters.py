"""The filter and test tables of the environment (kestra-reference §5.3, §5.4)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from lanner.expr import dates, filters_data, filters_text
from lanner.expr.undefined import fail_if_undefined, is_undefined


def strict(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that *uses* its input and arguments: an undefined one raises the strict error."""

    @wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        fail_if_undefined(*args, *kwargs.values())
        return function(*args, **kwargs)

    return checked


_FILTERS: dict[str, Callable[..., Any]] = {
    # dates
    "date": dates.date_filter,
    "dateAdd": dates.date_add_filter,
    "timestamp": dates.timestamp_filter,
    "timestampMilli": dates.timestamp_milli_filter,
    "timestampMicro": dates.timestamp_micro_filter,
    "timestampNano": dates.timestamp_nano_filter,
    # text
    "upper": filters_text.upper,
    "lower": filters_text.lower,
    "trim": filters_text.trim,
    "capitalize": filters_text.capitalize,
    "title": filters_text.title,
    "abbreviate": filters_text.abbreviate,
    "replace": filters_text.replace,
    "split": filters_text.split,
    "slugify": filters_text.slugify,
    "base64encode": filters_text.base64encode,
    "base64decode": filters_text.base64decode,
    "urlencode": filters_text.urlencode,
    "urldecode": filters_text.urldecode,
    "md5": filters_text.md5,
    "sha1": filters_text.sha1,
    "sha256": filters_text.sha256,
    "sha512": filters_text.sha512,
    "startsWith": filters_text.starts_with,
    "endsWith": filters_text.ends_with,
    "substringBefore": filters_text.substring_before,
    "substringBeforeLast": filters_text.substring_before_last,
    "substringAfter": filters_text.substring_after,
    "substringAfterLast": filters_text.substring_after_last,
    "escapeChar": filters_text.escape_char,
    "indent": filters_text.indent,
    "nindent": filters_text.nindent,
    "abs": filters_text.abs_filter,
    "number": filters_text.number,
    "numberformat": filters_text.numberformat,
    "string": filters_text.string,
    "className": filters_text.class_name,
    # data
    "first": filters_data.first,
    "last": filters_data.last,
    "length": filters_data.length,
    "join": filters_data.join,
    "keys": filters_data.keys,
    "values": filters_data.values,
    "toJson": filters_data.to_json_filter,
    "json": filters_data.to_json_filter,  # deprecated alias of toJson
    "toIon": filters_data.to_ion_filter,
    "jq": filters_data.jq_filter,
    "flatten": filters_data.flatten,
    "chunk": filters_data.chunk,
    "distinct": filters_data.distinct,
    "sort": filters_data.sort,
    "rsort": filters_data.rsort,
    "reverse": filters_data.reverse,
    "slice": filters_data.slice_filter,
    "merge": filters_data.merge,
    "yaml": filters_data.yaml_filter,
}

FILTERS: dict[str, Callable[..., Any]] = {name: strict(f) for name, f in _FILTERS.items()}
FILTERS["default"] = filters_data.default  # looks at undefined values without using them


def _is_json(value: Any) -> bool:
    fail_if_undefined(value)
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _is_empty(value: Any) -> bool:
    fail_if_undefined(value)
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set):
        return not value
    return False


def _is_null(value: Any) -> bool:
    fail_if_undefined(value)
    return value is None


def _is_int(value: Any, parity: int) -> bool:
    fail_if_undefined(value)
    return isinstance(value, int) and not isinstance(value, bool) and value % 2 == parity


def _is_kind(value: Any, kind: Any) -> bool:
    fail_if_undefined(value)
    return isinstance(value, kind)


TESTS: dict[str, Callable[..., bool]] = {
    "defined": lambda value: not is_undefined(value),
    "empty": _is_empty,
    "null": _is_null,
    "none": _is_null,
    "even": lambda value: _is_int(value, 0),
    "odd": lambda value: _is_int(value, 1),
    "iterable": lambda value: _is_kind(value, list | tuple | set),
    "map": lambda value: _is_kind(value, Mapping),
    "json": _is_json,
}
