"""KV value typing: Kestra's ``kvType`` conversions, type inference, ISO-8601 durations.

Stored values are JSON-compatible: DATETIME, DATE and DURATION are kept as ISO text (an
expression renders them exactly as Kestra prints an Instant, a LocalDate or a Duration).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lanner.errors import FlowValidationError, Issue
from lanner.model.execution import iso
from lanner.store.codec import dumps, iso_duration, loads

KV_TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")

# java.time.Duration.parse: PnDTnHnMn.nS, signs allowed per part, case-insensitive.
_DURATION = re.compile(
    r"([-+]?)P(?:([-+]?[0-9]+)D)?"
    r"(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?",
    re.IGNORECASE,
)


def invalid(path: str, message: str, hint: str | None = None) -> FlowValidationError:
    return FlowValidationError([Issue(path=path, message=message, hint=hint)], summary="Invalid KV entry")


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration as ``java.time.Duration`` reads it (``PT1H``, ``P2D``, ``PT0.5S``)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or (match.group(3) is not None and match.group(3).upper() == "T"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as PT1H, P1D or PT30S")
    sign, days, _, hours, minutes, seconds, fraction = match.groups()
    if not any((days, hours, minutes, seconds)):
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as PT1H, P1D or PT30S")
    whole_seconds = int(seconds or 0)
    micros = int((fraction or "").ljust(6, "0")[:6] or 0)
    if whole_seconds < 0 or (seconds or "").startswith("-"):
        micros = -micros
    total = timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=whole_seconds,
        microseconds=micros,
    )
    return -total if sign == "-" else total


def _parse_instant(text: str) -> str:
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment) or ""


def _parse_date(text: str) -> str:
    stripped = text.strip()
    try:
        return date.fromisoformat(stripped).isoformat()
    except ValueError:
        return _parse_instant(stripped)


def _parse_number(text: str) -> int | float:
    number = json.loads(text)
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ValueError(f"'{text}' is not a number")
    return number


def convert(value: str, kv_type: str) -> Any:
    """A rendered string converted to ``kv_type`` the way Kestra's ``kv.Set`` does."""
    try:
        if kv_type == "STRING":
            return value
        if kv_type == "NUMBER":
            return _parse_number(value)
        if kv_type == "BOOLEAN":
            return value.strip().lower() == "true"  # Boolean.parseBoolean: never fails
        if kv_type == "DATETIME":
            return _parse_instant(value)
        if kv_type == "DATE":
            return _parse_date(value)
        if kv_type == "DURATION":
            return iso_duration(parse_duration(value))
        if kv_type == "JSON":
            return json.loads(value)
    except ValueError as exc:
        raise invalid("value", f"'{value}' is not a valid {kv_type} value ({exc})") from exc
    raise invalid("kvType", f"unknown kvType '{kv_type}'", hint="one of " + ", ".join(KV_TYPES))


def normalise(value: Any) -> tuple[Any, str]:
    """A Python value as (JSON-compatible value, inferred KV type)."""
    if isinstance(value, str):
        return value, "STRING"
    if isinstance(value, bool):
        return value, "BOOLEAN"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise invalid("value", f"{value} cannot be stored: only finite numbers are JSON")
        return value, "NUMBER"
    if isinstance(value, datetime):
        return _parse_instant(value.isoformat()), "DATETIME"
    if isinstance(value, date):
        return value.isoformat(), "DATE"
    if isinstance(value, timedelta):
        return iso_duration(value), "DURATION"
    if value is None or isinstance(value, dict | list | tuple):
        try:
            return loads(dumps(value)), "JSON"
        except (TypeError, ValueError) as exc:
            raise invalid("value", f"the value is not JSON-compatible ({exc})") from exc
    raise invalid("value", f"a value of type {type(value).__name__} cannot be stored in the KV store")


def typed_value(value: Any, kv_type: str | None) -> tuple[Any, str]:
    """Kestra's rule: ``kvType`` converts *string* values; other values keep their own type."""
    if kv_type is not None:
        wanted = kv_type.upper()
        if wanted not in KV_TYPES:
            raise invalid("kvType", f"unknown kvType '{kv_type}'", hint="one of " + ", ".join(KV_TYPES))
        if isinstance(value, str):
            converted = convert(value, wanted)
            if wanted in ("DATETIME", "DATE", "DURATION"):
                return converted, wanted
            return normalise(converted)
    return normalise(value)
