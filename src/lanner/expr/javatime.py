"""Java ``DateTimeFormatter`` patterns (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``) for Python datetimes.

Kestra's ``date`` filters take Java patterns, so flows carry them; this module formats and parses
them with the en_US locale (what Kestra's Docker image uses). Week-based fields (``Y``, ``w``)
follow the US rules: weeks start on Sunday and week 1 is the week of January 1st.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from lanner.errors import ExpressionError

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_QUARTER_ORDINALS = ("1st", "2nd", "3rd", "4th")
_LETTERS = frozenset("GuyDMLdQqYwWEecFaHkKhmsSAnNVvzOXxZ")


class Field(NamedTuple):
    letter: str
    count: int  # type: ignore[assignment]  # shadows tuple.count, on purpose


Segment = Field | str


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> tuple[Segment, ...]:
    """Split a pattern into fields and literal text (quotes and ``[optional]`` brackets undone)."""
    segments: list[Segment] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "'":
            end = i + 1
            text = []
            while end < n:
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            if end >= n:
                raise ExpressionError(f"Pattern ends with an incomplete string literal: {pattern}")
            segments.append("".join(text) if text else "'")
            i = end + 1
        elif char.isascii() and char.isalpha():
            if char not in _LETTERS:
                raise ExpressionError(f"Unknown pattern letter: {char} (in date pattern '{pattern}')")
            end = i
            while end < n and pattern[end] == char:
                end += 1
            segments.append(Field(char, end - i))
            i = end
        elif char in "[]":
            i += 1  # optional sections: always printed when formatting
        elif char in "#{}":
            raise ExpressionError(f"Pattern includes reserved character: '{char}' (in '{pattern}')")
        else:
            segments.append(char)
            i += 1
    return tuple(segments)


def us_week_fields(day: date) -> tuple[int, int]:
    """(week-based year, week of year) with Sunday-first weeks, week 1 holding January 1st."""
    def week_start(d: date) -> date:
        return d - timedelta(days=(d.weekday() + 1) % 7)

    start = week_start(day)
    year = day.year
    if (start + timedelta(days=6)).year > year:
        year += 1
    first = week_start(date(year, 1, 1))
    return year, (start - first).days // 7 + 1


def offset_text(offset: timedelta | None, style: str, zero: str) -> str:
    """Offsets: style ``h`` (+01), ``hm`` (+0100), ``h:m`` (+01:00); seconds only when not zero."""
    total = int((offset or timedelta()).total_seconds())
    if total == 0 and zero:
        return zero
    sign = "-" if total < 0 else "+"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    colon = ":" if ":" in style else ""
    text = f"{sign}{hours:02d}"
    if style != "h" or minutes:
        text += f"{colon}{minutes:02d}"
    if seconds:
        text += f"{colon}{seconds:02d}"
    return text


@lru_cache(maxsize=128)
def zone_of(name: str | None) -> tzinfo:
    """``ZoneId.of``: region ids (``Europe/Paris``, ``UTC``) or offsets (``Z``, ``+01:00``).
    ``None`` is the system default, which is UTC for Lanner as in Kestra's Docker image."""
    if name is None:
        return UTC
    text = str(name).strip()
    if text in ("Z", ""):
        return UTC
    match = re.fullmatch(r"(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?", text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0),
                          seconds=int(match.group(4) or 0))
        return timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ValueError, OSError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ExpressionError(f"Unknown time-zone ID: {text}") from exc


def zone_id(tz: tzinfo | None, value: datetime) -> str:
    if isinstance(tz, ZoneInfo):
        return tz.key
    return offset_text(value.utcoffset(), "h:m", "Z")


def _pad(number: int, width: int) -> str:
    return f"{number:0{width}d}" if number >= 0 else f"-{-number:0{width}d}"


def _format_field(field: Field, value: datetime) -> str:
    letter, count = field
    if letter in "yu":
        return _pad(value.year % 100, 2) if count == 2 else _pad(value.year, count)
    if letter == "Y":
        year = us_week_fields(value.date())[0]
        return _pad(year % 100, 2) if count == 2 else _pad(year, count)
    if letter in "ML":
        if count >= 5:
            return MONTHS[value.month - 1][0]
        if count == 4:
            return MONTHS[value.month - 1]
        return MONTHS[value.month - 1][:3] if count == 3 else _pad(value.month, count)
    if letter == "d":
        return _pad(value.day, count)
    if letter == "D":
        return _pad(value.timetuple().tm_yday, count)
    if letter in "Qq":
        quarter = (value.month - 1) // 3 + 1
        if count == 3:
            return f"Q{quarter}"
        if count == 4:
            return f"{_QUARTER_ORDINALS[quarter - 1]} quarter"
        return _pad(quarter, min(count, 2))
    if letter == "w":
        return _pad(us_week_fields(value.date())[1], count)
    if letter == "W":
        first = value.replace(day=1)
        return str((value.day + (first.weekday() + 1) % 7 - 1) // 7 + 1)
    if letter in "Eec":
        if letter != "E" and count <= 2:
            return _pad((value.weekday() + 1) % 7 + 1, count)
        name = DAYS[value.weekday()]
        return name if count == 4 else name[0] if count >= 5 else name[:3]
    if letter == "F":
        return str((value.day - 1) // 7 + 1)
    if letter == "a":
        return "AM" if value.hour < 12 else "PM"
    if letter == "H":
        return _pad(value.hour, count)
    if letter == "k":
        return _pad(value.hour or 24, count)
    if letter == "K":
        return _pad(value.hour % 12, count)
    if letter == "h":
        return _pad(value.hour % 12 or 12, count)
    if letter == "m":
        return _pad(value.minute, count)
    if letter == "s":
        return _pad(value.second, count)
    if letter == "S":
        return f"{value.microsecond:06d}000"[:count].ljust(count, "0")
    if letter == "n":
        return _pad(value.microsecond * 1000, count)
    if letter == "A":
        millis = ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
        return _pad(millis, count)
    if letter == "N":
        seconds = (value.hour * 60 + value.minute) * 60 + value.second
        return _pad(seconds * 1_000_000_000 + value.microsecond * 1000, count)
    if letter == "G":
        return "Anno Domini" if count == 4 else "A" if count == 5 else "AD"
    if letter == "V":
        return zone_id(value.tzinfo, value)
    if letter in "zv":
        name = value.tzname() or zone_id(value.tzinfo, value)
        return zone_id(value.tzinfo, value) if count >= 4 and isinstance(value.tzinfo, ZoneInfo) else name
    offset = value.utcoffset()
    if letter == "O":
        if not offset:
            return "GMT"
        if count == 4:
            return "GMT" + offset_text(offset, "h:m", "")
        total = int(offset.total_seconds())
        hours, minutes = divmod(abs(total) // 60, 60)
        return f"GMT{'-' if total < 0 else '+'}{hours}" + (f":{minutes:02d}" if minutes else "")
    if letter in "Xx":
        zero = "Z" if letter == "X" else ""
        style = {1: "h", 2: "hm", 3: "h:m", 4: "hm"}.get(count, "h:m")
        return offset_text(offset, style, zero)
    # letter == "Z"
    if count == 4:
        return "GMT" + offset_text(offset, "h:m", "") if offset else "GMT"
    if count == 5:
        return offset_text(offset, "h:m", "Z")
    return offset_text(offset, "hm", "") or "+0000"


def format_pattern(value: datetime, pattern: str) -> str:
    return "".join(
        segment if isinstance(segment, str) else _format_field(segment, value)
        for segment in compile_pattern(pattern)
    )


# --- parsing (the ``existingFormat`` argument) -------------------------------------------------

_OFFSET_RE = r"Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?"


def _field_regex(field: Field) -> str:
    letter, count = field
    if letter in "yuY":
        return r"(?P<year>\d{2})" if count == 2 else rf"(?P<year>[+-]?\d{{{max(count, 1)},9}})"
    if letter in "ML":
        if count == 3:
            return "(?P<month_abbr>" + "|".join(m[:3] for m in MONTHS) + ")"
        if count >= 4:
            return "(?P<month_name>" + "|".join(MONTHS) + ")"
        return r"(?P<month>\d{2})" if count == 2 else r"(?P<month>\d{1,2})"
    simple = {"d": "day", "H": "hour", "k": "hour", "h": "hour12", "K": "hour12", "m": "minute",
              "s": "second", "D": "yday"}
    if letter in simple:
        name = simple[letter]
        return rf"(?P<{name}>\d{{{count}}})" if count >= 2 else rf"(?P<{name}>\d{{1,2}})"
    if letter == "S":
        return rf"(?P<fraction>\d{{{count}}})"
    if letter == "n":
        return r"(?P<nanos>\d{1,9})"
    if letter == "a":
        return "(?P<ampm>AM|PM|am|pm)"
    if letter in "Eec":
        return "(?:" + "|".join(DAYS) + "|" + "|".join(d[:3] for d in DAYS) + r"|\d)"
    if letter == "V":
        return r"(?P<zone>[A-Za-z_]+(?:/[A-Za-z_+-]+)*|" + _OFFSET_RE + ")"
    if letter in "zv":
        return r"(?P<zone>[A-Za-z][A-Za-z_/+-]*)"
    if letter in "XxZ":
        return rf"(?P<offset>{_OFFSET_RE}|GMT(?:[+-]\d{{2}}:\d{{2}})?)"
    if letter == "O":
        return r"(?P<offset>GMT(?:[+-]\d{1,2}(?::\d{2})?)?)"
    if letter == "G":
        return "(?:AD|BC|Anno Domini|A|B)"
    return r"\d+"


@lru_cache(maxsize=256)
def _parse_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    for segment in compile_pattern(pattern):
        if isinstance(segment, str):
            parts.append(re.escape(segment))
            continue
        regex = _field_regex(segment)
        group = re.match(r"\(\?P<(\w+)>", regex)
        if group and group.group(1) in seen:  # a field repeated: match it without capturing
            regex = "(?:" + regex[len(group.group(0)):]
        elif group:
            seen.add(group.group(1))
        parts.append(regex)
    return re.compile("".join(parts))


class ParsedDate(NamedTuple):
    value: date | datetime  # a date, a naive datetime or an aware one
    zoned: bool


def parse_pattern(text: str, pattern: str) -> ParsedDate:
    """Parse ``text`` with a Java pattern: a date, a local date-time or a zoned date-time."""
    match = _parse_regex(pattern).fullmatch(text.strip())
    if match is None:
        raise ExpressionError(f"Text '{text}' could not be parsed with the pattern '{pattern}'")
    parts = match.groupdict()
    year = int(parts.get("year") or 1970)
    if parts.get("year") and len(parts["year"]) == 2:
        year += 2000
    if parts.get("month_name"):
        month = MONTHS.index(parts["month_name"]) + 1
    elif parts.get("month_abbr"):
        month = [m[:3] for m in MONTHS].index(parts["month_abbr"]) + 1
    else:
        month = int(parts.get("month") or 1)
    day = int(parts.get("day") or 1)
    base = date(year, month, day)
    if parts.get("yday"):
        base = date(year, 1, 1) + timedelta(days=int(parts["yday"]) - 1)
    if parts.get("hour") is None and parts.get("hour12") is None:
        return ParsedDate(base, False)
    hour = int(parts.get("hour") or 0)
    if parts.get("hour12") is not None:
        hour = int(parts["hour12"]) % 12 + (12 if (parts.get("ampm") or "").upper() == "PM" else 0)
    if hour == 24:
        hour = 0
    micros = 0
    if parts.get("fraction"):
        micros = int(parts["fraction"][:6].ljust(6, "0"))
    elif parts.get("nanos"):
        micros = int(parts["nanos"]) // 1000
    value = datetime(base.year, base.month, base.day, hour, int(parts.get("minute") or 0),
                     int(parts.get("second") or 0), micros)
    tz = _parsed_zone(parts.get("zone"), parts.get("offset"))
    if tz is None:
        return ParsedDate(value, False)
    return ParsedDate(value.replace(tzinfo=tz), True)


def _parsed_zone(zone: str | None, offset: str | None) -> tzinfo | None:
    if zone:
        return zone_of(zone)
    if offset:
        return zone_of(offset.replace("GMT", "") or "Z")
    return None
