"""Rows as files: Amazon Ion text (Kestra's ``FileSerde``) and JSON lines, written and read lazily.

Kestra stores query results (``fetchType: STORE``) and most row files as Ion *text*, one value
per line (``IonTextWriterBuilder.withWriteTopLevelValuesOnNewLines``). This module writes the
same shape by hand, so no Ion dependency is needed:

- ``str`` -> ``"..."`` (Ion escapes), ``int`` -> ``42``, ``bool`` -> ``true``, ``None`` -> ``null``
- ``float`` -> ``1.5e0`` (an Ion float), ``Decimal`` -> ``1.50`` / ``5.`` / ``1d3`` (an Ion decimal)
- aware ``datetime`` -> an Ion timestamp ``2019-01-01T00:46:40Z`` (Kestra's ``Instant``)
- naive ``datetime`` -> ``LocalDateTime::"2019-01-01T00:46:40"``: Ion timestamps always carry an
  offset, so Kestra writes local date-times as annotated strings (its ``IonModule``); likewise
  ``LocalTime::"10:00:00"`` and ``OffsetTime::"10:00:00+02:00"``
- ``date`` -> ``2019-01-01`` (a day-precision timestamp)
- ``bytes`` -> ``{{base64}}`` (a blob), ``timedelta`` -> ``"PT1H"``, ``UUID`` -> ``"..."``
- ``Mapping`` -> ``{a:1,'b-c':"x"}`` (fields as symbols, quoted when needed), sequences -> ``[...]``

``read_ion`` is a tolerant reader of Ion text (everything above, plus comments, long strings,
typed nulls, hex/binary ints, s-expressions) that turns each top-level value back into Python
values: the annotated strings above become ``datetime``/``time`` again, other annotations are
dropped. ``rows_to_jsonl`` writes JSON lines with the same conversions as the execution store.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import IO, Any
from uuid import UUID

__all__ = [
    "IonSyntaxError",
    "ion_value",
    "parse_ion",
    "read_ion",
    "rows_to_ion",
    "rows_to_jsonl",
    "to_json_value",
    "write_ion",
    "write_jsonl",
]

# ------------------------------------------------------------------------------------------------
# Writing Ion text
# ------------------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_SYMBOL_ID = re.compile(r"\$[0-9]+\Z")
# Identifiers the Ion grammar reads as something else: they must be quoted as field names.
_RESERVED = frozenset({"null", "true", "false", "nan"})
_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0",
                   "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _escape(text: str, quote: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group()
        if char == quote or char == "\\":
            return "\\" + char
        return _STRING_ESCAPES.get(char) or f"\\x{ord(char):02x}"

    pattern = _NEEDS_ESCAPE if quote == '"' else re.compile(r"['\\\x00-\x1f\x7f]")
    return pattern.sub(one, text)


def _string(text: str) -> str:
    return '"' + _escape(text, '"') + '"'


def _symbol(name: str) -> str:
    if _IDENTIFIER.match(name) and name not in _RESERVED and not _SYMBOL_ID.match(name):
        return name
    return "'" + _escape(name, "'") + "'"


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    text = repr(value)
    return text if "e" in text else text + "e0"


def _decimal(value: Decimal) -> str:
    if not value.is_finite():  # Ion decimals have no NaN/infinity: write the float ones
        return _float(float(value))
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    coefficient = "".join(map(str, digits))
    prefix = "-" if sign else ""
    if exponent == 0:
        return f"{prefix}{coefficient}."
    if exponent > 0:
        return f"{prefix}{coefficient}d{exponent}"
    if len(coefficient) > -exponent:
        point = len(coefficient) + exponent
        return f"{prefix}{coefficient[:point]}.{coefficient[point:]}"
    return f"{prefix}0.{'0' * (-exponent - len(coefficient))}{coefficient}"


def _offset(value: datetime | time) -> str:
    delta = value.utcoffset()
    if delta is None:
        return ""
    if not delta:
        return "Z"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _timestamp(value: datetime) -> str:
    text = value.replace(tzinfo=None).isoformat()
    return text + _offset(value)


def _iso_duration(value: timedelta) -> str:
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    text = "PT"
    if hours:
        text += f"{sign}{hours}H"
    if minutes:
        text += f"{sign}{minutes}M"
    if seconds or fraction or text == "PT":
        shown = f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".")
        text += f"{sign}{shown}S"
    return text


def ion_value(value: Any) -> str:
    """One Python value as Ion text (on one line)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return "LocalDateTime::" + _string(value.isoformat())
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        if value.tzinfo is None:
            return "LocalTime::" + _string(value.isoformat())
        return "OffsetTime::" + _string(value.replace(tzinfo=None).isoformat() + _offset(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return "{{" + base64.b64encode(bytes(value)).decode("ascii") + "}}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_symbol(str(k))}:{ion_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ",".join(ion_value(v) for v in value) + "]"
    if isinstance(value, timedelta):
        return _string(_iso_duration(value))
    if isinstance(value, UUID):
        return _string(str(value))
    return _string(str(value))


def rows_to_ion(rows: Iterable[Any]) -> Iterator[str]:
    """Each row as one line of Ion text (newline included)."""
    for row in rows:
        yield ion_value(row) + "\n"


def write_ion(rows: Iterable[Any], out: IO[str]) -> int:
    """Write rows as Ion lines to a text stream; returns how many were written."""
    count = 0
    for line in rows_to_ion(rows):
        out.write(line)
        count += 1
    return count


# ------------------------------------------------------------------------------------------------
# JSON lines
# ------------------------------------------------------------------------------------------------


def to_json_value(value: Any) -> Any:
    """A value JSON can hold, converted as Kestra's Jackson writes it (dates as ISO text)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.replace(tzinfo=None).isoformat() + _offset(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(tzinfo=None).isoformat() + _offset(value)
    if isinstance(value, timedelta):
        return _iso_duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json_value(v) for v in value]
    return str(value)


def rows_to_jsonl(rows: Iterable[Any]) -> Iterator[str]:
    """Each row as one line of JSON (newline included)."""
    for row in rows:
        yield json.dumps(to_json_value(row), ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(rows: Iterable[Any], out: IO[str]) -> int:
    count = 0
    for line in rows_to_jsonl(rows):
        out.write(line)
        count += 1
    return count


# ------------------------------------------------------------------------------------------------
# Reading Ion text
# ------------------------------------------------------------------------------------------------


class IonSyntaxError(ValueError):
    """Ion text that cannot be read; ``incomplete`` when more text could complete it."""

    def __init__(self, message: str, position: int, incomplete: bool = False) -> None:
        super().__init__(f"{message} (at character {position})")
        self.position = position
        self.incomplete = incomplete


_WS = re.compile(r"(?:\s+|//[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_NUMBERISH = re.compile(r"[-+0-9A-Za-z_.:]+")
_INT = re.compile(r"-?(?:0|[1-9][0-9_]*)\Z")
_RADIX_INT = re.compile(r"-?0[xXbB][0-9A-Fa-f_]+\Z")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?(?:[dD][-+]?[0-9]+)?\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+\Z")
_TIMESTAMP = re.compile(
    r"(?P<y>\d{4})(?:T|-(?P<m>\d{2})(?:T|-(?P<d>\d{2})T?"
    r"(?:(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?(?P<tz>Z|[-+]\d{2}:\d{2}))?)?)\Z"
)
_VERSION_MARKER = re.compile(r"\$ion_1_0(?![A-Za-z0-9_$])")
_SYMBOL_CHARS = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_OPERATOR_CHARS = re.compile(r"[!#%&*+\-./;<=>?@^`|~]+")
_SIGNED_NUMBER = re.compile(r"-[0-9]|[-+]inf\b")
_TYPED_NULL = re.compile(r"null\.[a-z]+")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v", '"': '"', "'": "'", "\\": "\\", "/": "/", "?": "?"}


def _annotated(annotations: list[str], value: Any) -> Any:
    """Turn Kestra's annotated strings (``LocalDateTime::"..."``) back into Python values."""
    if not annotations or not isinstance(value, str):
        return value
    kind = annotations[-1]
    try:
        if kind == "LocalDateTime":
            return datetime.fromisoformat(value)
        if kind in ("OffsetDateTime", "ZonedDateTime"):
            return datetime.fromisoformat(value.split("[", 1)[0].replace("Z", "+00:00"))
        if kind == "LocalDate":
            return date.fromisoformat(value)
        if kind in ("LocalTime", "OffsetTime"):
            return time.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, incomplete: bool = False) -> IonSyntaxError:
        return IonSyntaxError(message, self.pos, incomplete)

    def skip(self) -> None:
        match = _WS.match(self.text, self.pos)
        if match:
            self.pos = match.end()
        if self.text.startswith("/*", self.pos):
            raise self.fail("unterminated comment", incomplete=True)

    def at_end(self) -> bool:
        """True at the end of the text; skips an Ion version marker between top-level values."""
        self.skip()
        while (marker := _VERSION_MARKER.match(self.text, self.pos)) is not None:
            self.pos = marker.end()
            self.skip()
        return self.pos >= len(self.text)

    def value(self) -> Any:
        self.skip()
        annotations: list[str] = []
        while True:
            start = self.pos
            symbol = self._try_symbol()
            if symbol is None:
                break
            self.skip()
            if self.text.startswith("::", self.pos):
                self.pos += 2
                self.skip()
                annotations.append(symbol)
                continue
            self.pos = start
            break
        return _annotated(annotations, self._bare_value())

    def _try_symbol(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        char = self.text[self.pos]
        if char == "'" and not self.text.startswith("'''", self.pos):
            return self._quoted("'")
        match = _SYMBOL_CHARS.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            return match.group()
        return None

    def _bare_value(self) -> Any:
        if self.pos >= len(self.text):
            raise self.fail("a value is missing", incomplete=True)
        char = self.text[self.pos]
        if char == '"':
            return self._quoted('"')
        if self.text.startswith("'''", self.pos):
            return self._long_strings()
        if char == "'":
            return self._quoted("'")
        if self.text.startswith("{{", self.pos):
            return self._lob()
        if char == "{":
            return self._struct()
        if char == "[":
            return self._sequence("]")
        if char == "(":
            return self._sequence(")")
        return self._scalar()

    def _quoted(self, quote: str) -> str:
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            end = self.pos
            while end < len(text) and text[end] not in (quote, "\\"):
                if text[end] == "\n" and quote in "\"'":
                    raise self.fail("a line break inside a quoted string")
                end += 1
            parts.append(text[self.pos:end])
            if end >= len(text):
                self.pos = end
                raise self.fail("unterminated string", incomplete=True)
            if text[end] == quote:
                self.pos = end + 1
                return "".join(parts)
            self.pos = end + 1
            parts.append(self._escape_sequence())

    def _escape_sequence(self) -> str:
        text = self.text
        if self.pos >= len(text):
            raise self.fail("unterminated escape", incomplete=True)
        char = text[self.pos]
        self.pos += 1
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char == "\n":  # an escaped line break continues the string
            return ""
        widths = {"x": 2, "u": 4, "U": 8}
        if char in widths:
            digits = text[self.pos:self.pos + widths[char]]
            if len(digits) < widths[char]:
                raise self.fail("unterminated escape", incomplete=True)
            self.pos += widths[char]
            try:
                return chr(int(digits, 16))
            except ValueError:
                raise self.fail(f"invalid escape \\{char}{digits}") from None
        raise self.fail(f"invalid escape \\{char}")

    def _long_strings(self) -> str:
        parts: list[str] = []
        while self.text.startswith("'''", self.pos):
            self.pos += 3
            text = self.text
            while True:
                end = self.pos
                while end < len(text) and text[end] != "\\" and not text.startswith("'''", end):
                    end += 1
                parts.append(text[self.pos:end])
                if end >= len(text):
                    self.pos = end
                    raise self.fail("unterminated long string", incomplete=True)
                if text[end] == "\\":
                    self.pos = end + 1
                    parts.append(self._escape_sequence())
                    continue
                self.pos = end + 3
                break
            self.skip()
        return "".join(parts)

    def _lob(self) -> bytes:
        end = self.text.find("}}", self.pos + 2)
        if end < 0:
            raise self.fail("unterminated blob", incomplete=True)
        body = self.text[self.pos + 2:end].strip()
        self.pos = end + 2
        if body.startswith(("'''", '"')):  # a clob: text as bytes
            inner = _Parser(body)
            value = inner.value()
            return str(value).encode("latin-1", errors="replace")
        try:
            return base64.b64decode("".join(body.split()), validate=True)
        except ValueError:
            raise self.fail("invalid base64 in a blob") from None

    def _struct(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail("unterminated struct", incomplete=True)
            if self.text[self.pos] == "}":
                self.pos += 1
                return result
            if self.text[self.pos] == '"':
                name = self._quoted('"')
            elif self.text.startswith("'''", self.pos):
                name = self._long_strings()
            else:
                symbol = self._try_symbol()
                if symbol is None:
                    raise self.fail("a field name is expected")
                name = symbol
            self.skip()
            if not self.text.startswith(":", self.pos) or self.text.startswith("::", self.pos):
                if self.pos >= len(self.text):
                    raise self.fail("unterminated struct", incomplete=True)
                raise self.fail(f"':' is expected after the field name '{name}'")
            self.pos += 1
            result[name] = self.value()
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif not self.text.startswith("}", self.pos):
                if self.pos >= len(self.text):
                    raise self.fail("unterminated struct", incomplete=True)
                raise self.fail("',' or '}' is expected in a struct")

    def _sequence(self, closing: str) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail("unterminated list", incomplete=True)
            if self.text[self.pos] == closing:
                self.pos += 1
                return items
            if closing == ")" and not _SIGNED_NUMBER.match(self.text, self.pos):
                match = _OPERATOR_CHARS.match(self.text, self.pos)  # s-expressions hold operators
                if match:
                    self.pos = match.end()
                    items.append(match.group())
                    continue
            items.append(self.value())
            self.skip()
            if closing == "]":
                if self.text.startswith(",", self.pos):
                    self.pos += 1
                elif not self.text.startswith("]", self.pos):
                    if self.pos >= len(self.text):
                        raise self.fail("unterminated list", incomplete=True)
                    raise self.fail("',' or ']' is expected in a list")

    def _scalar(self) -> Any:
        typed_null = _TYPED_NULL.match(self.text, self.pos)
        if typed_null:
            self.pos = typed_null.end()
            return None
        match = _SYMBOL_CHARS.match(self.text, self.pos) or _NUMBERISH.match(self.text, self.pos)
        if not match:
            raise self.fail(f"unexpected character {self.text[self.pos]!r}")
        self.pos = match.end()
        return self._scalar_token(match.group())

    def _scalar_token(self, token: str) -> Any:
        if token == "null":
            return None
        if token == "true":
            return True
        if token == "false":
            return False
        if token == "nan":
            return math.nan
        if token == "+inf":
            return math.inf
        if token == "-inf":
            return -math.inf
        if _INT.match(token):
            return int(token.replace("_", ""))
        if _RADIX_INT.match(token):
            return int(token.replace("_", ""), 0)
        if _FLOAT.match(token):
            return float(token.replace("_", ""))
        if _DECIMAL.match(token):
            return Decimal(token.replace("_", "").replace("d", "E").replace("D", "E"))
        stamp = _TIMESTAMP.match(token)
        if stamp:
            return _timestamp_value(stamp)
        if _SYMBOL_CHARS.fullmatch(token):
            return token  # a symbol: read as its text
        raise self.fail(f"'{token}' is not an Ion value")


def _timestamp_value(match: re.Match[str]) -> date | datetime:
    parts = match.groupdict()
    year = int(parts["y"])
    month = int(parts["m"] or 1)
    day = int(parts["d"] or 1)
    if parts["H"] is None:
        return date(year, month, day)
    fraction = parts["f"] or ""
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = parts["tz"]
    tz: timezone | None
    if zone == "Z":
        tz = UTC
    elif zone == "-00:00":
        tz = None  # Ion's "unknown offset": a local time
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    return datetime(year, month, day, int(parts["H"]), int(parts["M"]), int(parts["S"] or 0), micros,
                    tzinfo=tz)


def parse_ion(text: str) -> list[Any]:
    """Every top-level value of an Ion text."""
    parser = _Parser(text)
    values: list[Any] = []
    while not parser.at_end():
        values.append(parser.value())
    return values


def read_ion(lines: Iterable[str]) -> Iterator[Any]:
    """Top-level values of Ion text read lazily from lines (a text file, or any iterable of str).

    Rows are usually one per line; a value spread over several lines is read once complete.
    """
    pending = ""
    for line in lines:
        pending += line
        if not pending.endswith("\n"):
            continue  # the last token may be cut: wait for the end of the line
        parser = _Parser(pending)
        consumed = 0
        try:
            while not parser.at_end():
                value = parser.value()
                consumed = parser.pos
                yield value
        except IonSyntaxError as error:
            if not error.incomplete:
                raise
        pending = pending[consumed:]
    if pending.strip():
        parser = _Parser(pending)
        while not parser.at_end():
            yield parser.value()
