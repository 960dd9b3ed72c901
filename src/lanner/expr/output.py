"""How values print: Kestra's JSON writer rules (kestra-reference §5.1).

Strings as is, ``null`` as nothing, booleans ``true``/``false``, numbers as Java prints them,
instants as ISO-8601 with ``Z``, and lists/maps as compact JSON (non-ASCII kept).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Set
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from lanner.expr.undefined import fail_if_undefined, is_undefined


def java_double(value: float) -> str:
    """``Double.toString``: ``1.5``, ``100.0``, ``1.0E7``, ``1.0E-4``, ``NaN``, ``Infinity``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    # Scientific notation with the shortest round-tripping digits, Java style.
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    power = exponent + len(digits) - 1
    mantissa = digit_text[0] + "." + (digit_text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"


def format_instant(value: datetime) -> str:
    """``Instant.toString``: UTC, ``Z``, fraction printed in groups of three digits."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    micros = value.microsecond
    if micros:
        text += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return text + "Z"


def _json_default(value: Any) -> Any:
    if is_undefined(value):
        fail_if_undefined(value)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Set | frozenset):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, tuple | list):
        return list(value)
    return str(value)


def to_json(value: Any) -> str:
    """Compact JSON as Jackson writes it (``null`` for None)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def to_plain(value: Any) -> Any:
    """The JSON-compatible form of a value (dates as ISO strings), for jq and friends."""
    return json.loads(to_json(value))


def to_text(value: Any) -> str:
    """The text of a value printed by ``{{ }}`` or joined by ``~``."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return java_double(value)
    if isinstance(value, Enum):
        return to_text(value.value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple | Set):
        return to_json(value)
    if is_undefined(value):
        fail_if_undefined(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
