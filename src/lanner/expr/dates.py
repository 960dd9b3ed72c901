"""Kestra's date filters and ``now()`` (kestra-reference §5.4, ``AbstractDate``).

Input: datetime (aware = an instant/zoned value, naive = local date-time), date (noon), epoch
seconds (int) or a string (ISO zoned, ISO local, ISO date; or parsed with ``existingFormat``).
Output: formatted in ``timeZone`` (default UTC) with a Java pattern or one of Kestra's presets.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from lanner.errors import ExpressionError
from lanner.expr.javatime import (
    DAYS,
    MONTHS,
    format_pattern,
    offset_text,
    parse_pattern,
    zone_of,
)
from lanner.expr.output import format_instant
from lanner.expr.undefined import fail_if_undefined

_PATTERNS = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_seq": "yyyy-MM-dd HH:mm:ss",
    # Localized styles of the en_US locale (JDK CLDR data; U+202F before AM/PM as in JDK 21).
    "full": "EEEE, MMMM d, y 'at' h:mm:ss\u202fa zzzz",
    "long": "MMMM d, y 'at' h:mm:ss\u202fa z",
    "medium": "MMM d, y, h:mm:ss\u202fa",
    "short": "M/d/yy, h:mm\u202fa",
}


def _local_time(value: datetime) -> str:
    """``ISO_LOCAL_TIME``: seconds always, then the shortest fraction (0 to 9 digits)."""
    text = value.strftime("%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text


def _offset_id(value: datetime) -> str:
    return offset_text(value.utcoffset(), "h:m", "Z")


def _region(value: datetime) -> str:
    return f"[{value.tzinfo.key}]" if isinstance(value.tzinfo, ZoneInfo) else ""


_ISO_FORMATTERS: dict[str, Callable[[datetime], str]] = {
    "iso_date_time": lambda v: f"{v.date().isoformat()}T{_local_time(v)}{_offset_id(v)}{_region(v)}",
    "iso_zoned_date_time": lambda v: f"{v.date().isoformat()}T{_local_time(v)}{_offset_id(v)}{_region(v)}",
    "iso_offset_date_time": lambda v: f"{v.date().isoformat()}T{_local_time(v)}{_offset_id(v)}",
    "iso_local_date_time": lambda v: f"{v.date().isoformat()}T{_local_time(v)}",
    "iso_date": lambda v: f"{v.date().isoformat()}{_offset_id(v)}",
    "iso_local_date": lambda v: v.date().isoformat(),
    "iso_time": lambda v: f"{_local_time(v)}{_offset_id(v)}",
    "iso_offset_time": lambda v: f"{_local_time(v)}{_offset_id(v)}",
    "iso_local_time": _local_time,
    "iso_instant": format_instant,
    "iso_ordinal_date": lambda v: f"{v.year:04d}-{v.timetuple().tm_yday:03d}{_offset_id(v)}",
    "iso_week_date": lambda v: "{:04d}-W{:02d}-{}".format(*v.isocalendar()) + _offset_id(v),
    "rfc_1123_date_time": lambda v: (
        f"{DAYS[v.weekday()][:3]}, {v.day} {MONTHS[v.month - 1][:3]} {v.year:04d} "
        f"{v.strftime('%H:%M:%S')} " + (offset_text(v.utcoffset(), "hm", "GMT"))
    ),
}


def format_date(value: datetime, fmt: str | None) -> str:
    fmt = "iso" if fmt is None else str(fmt)
    preset = _ISO_FORMATTERS.get(fmt)
    if preset is not None:
        return preset(value)
    return format_pattern(value, _PATTERNS.get(fmt, fmt))


def _parse_iso(text: str, zone: tzinfo) -> datetime:
    raw = text.strip()
    region: tzinfo | None = None
    if raw.endswith("]") and "[" in raw:  # 2024-01-01T10:00+01:00[Europe/Paris]
        raw, name = raw[:-1].split("[", 1)
        region = zone_of(name)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ExpressionError(f"Text '{text}' could not be parsed as a date") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=region or zone)
    return parsed.astimezone(region) if region is not None else parsed


def to_datetime(value: Any, zone: tzinfo, existing_format: str | None = None) -> datetime:
    """Kestra's ``AbstractDate.convert``: any supported input to an aware datetime."""
    fail_if_undefined(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(12), zone)
    if isinstance(value, bool):
        raise ExpressionError(f"Unable to convert a boolean to a date: {value}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).astimezone(zone)
    if isinstance(value, str):
        if existing_format is None:
            return _parse_iso(value, zone)
        parsed = parse_pattern(value, _PATTERNS.get(existing_format, existing_format))
        if isinstance(parsed.value, datetime):
            return parsed.value if parsed.zoned else parsed.value.replace(tzinfo=zone)
        return datetime.combine(parsed.value, time(0), zone)
    raise ExpressionError(f"Unable to convert a value of type {type(value).__name__} to a date")


def date_filter(value: Any, format: str | None = None, timeZone: str | None = None,
                existingFormat: str | None = None, locale: str | None = None) -> str | None:
    if value is None:
        return None
    zone = zone_of(timeZone)
    moment = to_datetime(value, zone, existingFormat).astimezone(zone)
    return format_date(moment, format)


_UNIT_DELTAS = {
    "NANOS": timedelta(microseconds=0.001),
    "MICROS": timedelta(microseconds=1),
    "MILLIS": timedelta(milliseconds=1),
    "SECONDS": timedelta(seconds=1),
    "MINUTES": timedelta(minutes=1),
    "HOURS": timedelta(hours=1),
    "HALF_DAYS": timedelta(hours=12),
}
_UNIT_MONTHS = {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200, "MILLENNIA": 12000}


def add_months(value: datetime, months: int) -> datetime:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def plus(value: datetime, amount: int, unit: str) -> datetime:
    """``ZonedDateTime.plus(amount, ChronoUnit.valueOf(unit))``."""
    unit = str(unit).upper()
    if unit in _UNIT_DELTAS:  # exact-time units move the instant
        return (value.astimezone(UTC) + _UNIT_DELTAS[unit] * amount).astimezone(value.tzinfo)
    if unit in ("DAYS", "WEEKS"):  # date units move the local date-time
        return value + timedelta(days=amount * (7 if unit == "WEEKS" else 1))
    if unit in _UNIT_MONTHS:
        return add_months(value, amount * _UNIT_MONTHS[unit])
    raise ExpressionError(f"Unsupported unit '{unit}' for dateAdd (use a ChronoUnit name such as DAYS)")


def date_add_filter(value: Any, amount: int, unit: str, format: str | None = None,
                    timeZone: str | None = None, existingFormat: str | None = None,
                    locale: str | None = None) -> str | None:
    if value is None:
        return None
    zone = zone_of(timeZone)
    moment = plus(to_datetime(value, zone, existingFormat), int(amount), unit)
    return format_date(moment.astimezone(zone), format)


def _epoch(value: Any, timeZone: str | None, existingFormat: str | None) -> datetime | None:
    if value is None:
        return None
    return to_datetime(value, zone_of(timeZone), existingFormat)


def _whole_units(moment: datetime, per_second: int) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * per_second + delta.microseconds * per_second // 1_000_000


def timestamp_filter(value: Any, timeZone: str | None = None,
                     existingFormat: str | None = None) -> int | None:
    moment = _epoch(value, timeZone, existingFormat)
    return None if moment is None else _whole_units(moment, 1)


def timestamp_milli_filter(value: Any, timeZone: str | None = None,
                           existingFormat: str | None = None) -> int | None:
    moment = _epoch(value, timeZone, existingFormat)
    return None if moment is None else _whole_units(moment, 1_000)


def timestamp_micro_filter(value: Any, timeZone: str | None = None,
                           existingFormat: str | None = None) -> int | None:
    moment = _epoch(value, timeZone, existingFormat)
    return None if moment is None else _whole_units(moment, 1_000_000)


def timestamp_nano_filter(value: Any, timeZone: str | None = None,
                          existingFormat: str | None = None) -> int | None:
    moment = _epoch(value, timeZone, existingFormat)
    return None if moment is None else _whole_units(moment, 1_000_000_000)


def now_function(timeZone: str | None = None, format: str | None = None,
                 locale: str | None = None) -> str:
    zone = zone_of(timeZone)
    return format_date(datetime.now(zone), format)
