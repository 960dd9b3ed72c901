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
import contextlib
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
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
_NEEDS_ESCAPE_IN_SYMBOL = re.compile(r"['\\\x00-\x1f\x7f]")


def _escape(text: str, quote: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group()
        if char == quote or char == "\\":
            return "\\" + char
        return _STRING_ESCAPES.get(char) or f"\\x{ord(char):02x}"

    return (_NEEDS_ESCAPE if quote == '"' else _NEEDS_ESCAPE_IN_SYMBOL).sub(one, text)


def _string(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return '"' + text + '"'
    return '"' + _escape(text, '"') + '"'


@functools.lru_cache(maxsize=4096)  # column names repeat on every row
def _symbol(name: str) -> str:
    if _IDENTIFIER.match(name) and name not in _RESERVED and not _SYMBOL_ID.match(name):
        return name
    return "'" + _escape(name, "'") + "'"


def _float(value: float) -> str:
    text = repr(value)
    if "n" not in text:  # neither nan nor inf: the common case
        return text if "e" in text else text + "e0"
    if math.isnan(value):
        return "nan"
    return "+inf" if value > 0 else "-inf"


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
    exact = _EXACT_WRITERS.get(type(value))
    if exact is not None:
        return exact(value)
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
        return _struct(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ",".join(ion_value(v) for v in value) + "]"
    if isinstance(value, timedelta):
        return _string(_iso_duration(value))
    if isinstance(value, UUID):
        return _string(str(value))
    return _string(str(value))


def _struct(value: Mapping[Any, Any]) -> str:
    return "{" + ",".join(f"{_symbol(str(k))}:{ion_value(v)}" for k, v in value.items()) + "}"


def _naive_datetime(value: datetime) -> str:
    return ("LocalDateTime::" + _string(value.isoformat())) if value.tzinfo is None else _timestamp(value)


# The usual cell types by exact type (subclasses, e.g. bool of int, take the isinstance path).
_EXACT_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _string, int: str, float: _float, bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null", Decimal: _decimal, datetime: _naive_datetime, date: date.isoformat,
    dict: _struct, list: lambda v: "[" + ",".join(ion_value(x) for x in v) + "]",
}


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


# One regex splits Ion text into tokens (in C); a small recursive descent builds the values.
_TOKEN = re.compile(
    r"""(?P<ws>(?:\s+|//[^\n]*|/\*.*?\*/)+)
      |(?P<long>'''(?:[^'\\]|\\.|'(?!''))*''')
      |(?P<str>"(?:[^"\\\n]|\\.)*")
      |(?P<qsym>'(?:[^'\\\n]|\\.)*')
      |(?P<lob>\{\{.*?\}\})
      |(?P<ann>::)
      |(?P<punct>[{}\[\](),:])
      |(?P<stamp>\d{4}(?:-\d{2}(?:-\d{2}(?:T(?:\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[-+]\d{2}:\d{2}))?)?|T)|T))
      |(?P<atom>[^\s{}\[\](),:"']+)""",
    re.X | re.S)
_OPENERS = ("'''", '"', "'", "{{", "/*")  # a token cut here may continue on the next line
_INT = re.compile(r"-?(?:0|[1-9][0-9_]*)\Z")
_RADIX_INT = re.compile(r"-?0[xXbB][0-9A-Fa-f_]+\Z")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?(?:[dD][-+]?[0-9]+)?\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+\Z")
_TIMESTAMP = re.compile(
    r"(?P<y>\d{4})(?:T|-(?P<m>\d{2})(?:T|-(?P<d>\d{2})T?"
    r"(?:(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?(?P<tz>Z|[-+]\d{2}:\d{2}))?)?)\Z"
)
_SYMBOL = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|\r?\n|.)", re.S)
_CLOB_PARTS = re.compile(r"'''(.*?)'''|\"((?:[^\"\\]|\\.)*)\"", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v", '"': '"', "'": "'", "\\": "\\", "/": "/", "?": "?", "\n": "", "\r\n": ""}
_KEYWORDS: dict[str, Any] = {"null": None, "true": True, "false": False, "nan": math.nan,
                             "+inf": math.inf, "-inf": -math.inf}
_MAX_PENDING = 16 << 20  # an "incomplete" value longer than this is malformed text, not a long value
_Token = tuple[str, str, int]  # kind, text, position


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        if code[0] in "xuU" and len(code) > 1:
            return chr(int(code[1:], 16))
        raise ValueError(f"invalid escape \\{code}")

    return _ESCAPE.sub(one, body)


def _annotated(annotations: list[str], value: Any) -> Any:
    """Turn Kestra's annotated strings (``LocalDateTime::"..."``) back into Python values."""
    if not isinstance(value, str):
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


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        kind = match.lastgroup
        if kind != "ws":
            tokens.append((kind or "", match.group(), match.start()))
    if pos < len(text):
        rest = text[pos:]
        raise IonSyntaxError(f"unexpected text {rest[:20]!r}", pos, rest.lstrip().startswith(_OPENERS))
    return tokens


class _Parser:
    """Values from the tokens of a text; ``pos`` is where the last complete value ended."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.end = len(text)
        self.sexp_depth = 0  # operators such as + are symbols inside s-expressions only

    @property
    def pos(self) -> int:
        return self.tokens[self.index][2] if self.index < len(self.tokens) else self.end

    def at_end(self) -> bool:
        while self.index < len(self.tokens) and self.tokens[self.index][1] == "$ion_1_0":
            self.index += 1  # an Ion version marker, not a value
        return self.index >= len(self.tokens)

    def _next(self, what: str) -> _Token:
        if self.index >= len(self.tokens):
            raise IonSyntaxError(f"unterminated {what}", self.end, incomplete=True)
        token = self.tokens[self.index]
        self.index += 1
        return token

    def value(self, what: str = "value") -> Any:
        kind, text, pos = self._next(what)
        annotations: list[str] = []
        tokens = self.tokens
        while kind in ("atom", "qsym") and self.index < len(tokens) and tokens[self.index][0] == "ann":
            annotations.append(_unescape(text[1:-1]) if kind == "qsym" else text)
            self.index += 1
            kind, text, pos = self._next(what)
        value = self._bare(kind, text, pos)
        return _annotated(annotations, value) if annotations else value

    def _bare(self, kind: str, text: str, pos: int) -> Any:
        try:
            if kind == "str" or kind == "qsym":
                return _unescape(text[1:-1])
            if kind == "atom":
                return _atom(text, pos, self.sexp_depth > 0)
            if kind == "stamp":
                return _stamp(text)
            if kind == "long":
                parts = [_unescape(text[3:-3])]
                while self.index < len(self.tokens) and self.tokens[self.index][0] == "long":
                    parts.append(_unescape(self.tokens[self.index][1][3:-3]))
                    self.index += 1
                return "".join(parts)
            if kind == "lob":
                return _lob(text[2:-2].strip())
        except ValueError as error:
            raise IonSyntaxError(str(error), pos) from None
        if text == "{":
            return self._struct()
        if text == "[":
            return self._sequence("]")
        if text == "(":
            self.sexp_depth += 1
            try:
                return self._sequence(")")
            finally:
                self.sexp_depth -= 1
        raise IonSyntaxError(f"unexpected {text!r}", pos)

    def _struct(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            kind, text, pos = self._next("struct")
            if kind == "punct" and text == "}":
                return result
            if kind in ("str", "qsym", "long") or (kind == "atom" and _SYMBOL.match(text)):
                name = self._bare(kind, text, pos) if kind != "atom" else text
            else:
                raise IonSyntaxError("a field name is expected", pos)
            if self._next("struct")[1] != ":":
                raise IonSyntaxError(f"':' is expected after the field name '{name}'", pos)
            result[name] = self.value("struct")
            kind, text, pos = self._next("struct")
            if text == "}":
                return result
            if text != ",":
                raise IonSyntaxError("',' or '}' is expected in a struct", pos)

    def _sequence(self, closing: str) -> list[Any]:
        items: list[Any] = []
        while True:
            if self.index >= len(self.tokens):
                raise IonSyntaxError("unterminated list", self.end, incomplete=True)
            if self.tokens[self.index][1] == closing:
                self.index += 1
                return items
            items.append(self.value("list"))
            if closing == "]":
                _, text, pos = self._next("list")
                if text == "]":
                    return items
                if text != ",":
                    raise IonSyntaxError("',' or ']' is expected in a list", pos)


def _atom(token: str, pos: int, operators: bool) -> Any:
    if token in _KEYWORDS:
        return _KEYWORDS[token]
    first = token[0]
    if first.isdigit() or (first == "-" and len(token) > 1):
        if _INT.match(token):  # the common cases first: int() and float() are fast
            return int(token)
        if _FLOAT.match(token):
            return float(token)
        if _DECIMAL.match(token):
            return Decimal(token.replace("_", "").replace("d", "E").replace("D", "E"))
        if _RADIX_INT.match(token):
            return int(token.replace("_", ""), 0)
    if token.startswith("null."):
        return None
    if _SYMBOL.match(token) or (operators and not first.isalnum()):
        return token  # a symbol (or an s-expression operator): read as its text
    raise IonSyntaxError(f"'{token}' is not an Ion value", pos)


# The shape FileSerde writes, one flat struct of scalars per line, is read with two C-level regex
# passes (about 3x faster than the tokenizer); anything else goes through the general parser.
_FLAT_FIELD = (
    r"""(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\\n]|\\.)*)'):"""
    r"""(?:"((?:[^"\\\n]|\\.)*)"|([A-Za-z]+)::"((?:[^"\\\n]|\\.)*)"|"""
    r"""(\d{4}-\d{2}-\d{2}T[0-9:.]*(?:Z|\+\d{2}:\d{2}|-(?!00:00)\d{2}:\d{2})|\d{4}-\d{2}-\d{2})|"""
    r"""(-?[0-9][0-9A-Za-z_.+-]*|null|true|false|nan|[-+]inf))""")
_FLAT_ROW = re.compile(r"\{(?:" + _FLAT_FIELD + r"(?:," + _FLAT_FIELD + r")*)?\}\s*")
_FLAT_FIELDS = re.compile(_FLAT_FIELD)


def _flat_row(line: str) -> dict[str, Any] | None:
    if not line.startswith("{") or _FLAT_ROW.fullmatch(line) is None:
        return None
    row: dict[str, Any] = {}
    for name, quoted, text, annotation, annotated, stamp, atom in _FLAT_FIELDS.findall(line):
        key = name or _unescape(quoted)
        if atom:
            row[key] = _atom(atom, 0, False)
        elif stamp:
            row[key] = _stamp(stamp)
        elif annotation:
            row[key] = _annotated([annotation], _unescape(annotated))
        else:
            row[key] = _unescape(text)
    return row


def _stamp(text: str) -> date | datetime:
    if len(text) == 10:
        return date.fromisoformat(text)
    if not text.endswith("-00:00"):  # Ion's unknown offset: a local time, read below
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text)  # Python 3.11 reads Z and any fraction
    match = _TIMESTAMP.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not an Ion timestamp")
    return _timestamp_value(match)


def _lob(body: str) -> bytes:
    if body.startswith(("'''", '"')):  # a clob: text as bytes
        text = "".join(_unescape(long or short) for long, short in _CLOB_PARTS.findall(body))
        return text.encode("latin-1", errors="replace")
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        raise ValueError("invalid base64 in a blob") from None


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
        if not pending and (row := _flat_row(line)) is not None:
            yield row
            continue
        pending += line
        if not pending.endswith("\n"):
            continue  # the last token may be cut: wait for the end of the line
        consumed = 0
        try:
            parser = _Parser(pending)
            while not parser.at_end():
                value = parser.value()
                consumed = parser.pos
                yield value
        except IonSyntaxError as error:
            if not error.incomplete or len(pending) > _MAX_PENDING:
                raise
        pending = pending[consumed:]
    if pending.strip():
        parser = _Parser(pending)
        while not parser.at_end():
            yield parser.value()
