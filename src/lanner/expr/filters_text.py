"""Pebble and Kestra filters on strings and numbers (kestra-reference §5.4)."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from lanner.errors import ExpressionError
from lanner.expr.output import to_text


def upper(value: Any) -> Any:
    return None if value is None else to_text(value).upper()


def lower(value: Any) -> Any:
    return None if value is None else to_text(value).lower()


def trim(value: Any) -> Any:
    return None if value is None else to_text(value).strip()


def capitalize(value: Any) -> Any:
    """Pebble: the first letter upper-cased, the rest untouched."""
    if value is None:
        return None
    text = to_text(value)
    return text[:1].upper() + text[1:]


def title(value: Any) -> Any:
    """Pebble: the first letter of every whitespace-separated word upper-cased."""
    if value is None:
        return None
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), to_text(value))


def abbreviate(value: Any, length: int) -> Any:
    if value is None:
        return None
    text, width = to_text(value), int(length)
    if len(text) <= width:
        return text
    if width < 3:
        raise ExpressionError("abbreviate: the length must be at least 3")
    return text[: width - 3] + "..."


def _java_replacement(replacement: str) -> str:
    """Java ``$1``/``${name}`` group references to Python's ``\\g<1>``."""
    escaped = replacement.replace("\\$", "\0").replace("\\", "\\\\")
    escaped = re.sub(r"\$\{(\w+)\}|\$(\d+)", lambda m: f"\\g<{m.group(1) or m.group(2)}>", escaped)
    return escaped.replace("\0", "$")


def _replace_text(text: str, pairs: Mapping[Any, Any], regexp: bool) -> str:
    for old, new in pairs.items():
        if regexp:
            text = re.sub(to_text(old), _java_replacement(to_text(new)), text)
        else:
            text = text.replace(to_text(old), to_text(new))
    return text


def replace(value: Any, replace_pairs: Any = None, replacement: Any = None, regexp: bool = False) -> Any:
    """``replace({'a': 'b'})`` (Pebble), ``replace('a', 'b')`` (Jinja style); ``regexp=true``
    treats keys as regular expressions (Kestra 1.x). Lists and maps are replaced deeply."""
    if value is None:
        return None
    if isinstance(replace_pairs, Mapping):
        pairs: Mapping[Any, Any] = replace_pairs
    elif replace_pairs is not None and replacement is not None:
        pairs = {replace_pairs: replacement}
    else:
        raise ExpressionError("The argument 'replace_pairs' is required.")
    if isinstance(value, Mapping):
        return {k: replace(v, pairs, None, regexp) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [replace(v, pairs, None, regexp) for v in value]
    return _replace_text(to_text(value), pairs, regexp)


def split(value: Any, delimiter: str, limit: int | None = None) -> Any:
    """Java ``String.split(regex, limit)``: trailing empty strings dropped unless a limit is set."""
    if value is None:
        return None
    text = to_text(value)
    if limit is not None and int(limit) == 1:
        parts = [text]  # Python's maxsplit=0 would mean "no limit"
    elif limit is not None and int(limit) > 0:
        parts = re.split(delimiter, text, maxsplit=int(limit) - 1)
    else:
        parts = re.split(delimiter, text)
    if parts and parts[0] == "" and text and (m := re.match(delimiter, text)) and m.end() == 0:
        parts = parts[1:]  # Java drops the leading empty string of a zero-width first match
    if limit is None or int(limit) == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def slugify(value: Any) -> Any:
    """Kestra's ``Slugify.of``."""
    if value is None:
        return None
    text = re.sub(r"\s", "-", to_text(value))
    text = unicodedata.normalize("NFD", text)
    text = re.sub(r"[^\w-]", "", text, flags=re.ASCII)
    text = text.replace("_", "-")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text.lower()


def base64encode(value: Any) -> Any:
    if value is None:
        return None
    data = value if isinstance(value, bytes) else to_text(value).encode()
    return base64.b64encode(data).decode("ascii")


def base64decode(value: Any) -> Any:
    if value is None:
        return None
    try:
        return base64.b64decode(to_text(value)).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExpressionError(f"base64decode: invalid input ({exc})") from exc


def urlencode(value: Any) -> Any:
    """Java ``URLEncoder.encode(s, UTF-8)``: spaces as ``+``, ``*`` kept, ``~`` encoded."""
    if value is None:
        return None
    return quote_plus(to_text(value), safe="*").replace("~", "%7E")


def urldecode(value: Any) -> Any:
    return None if value is None else unquote_plus(to_text(value))


def _hasher(name: str) -> Any:
    def digest(value: Any) -> Any:
        if value is None:
            return None
        data = value if isinstance(value, bytes) else to_text(value).encode()
        return hashlib.new(name, data).hexdigest()

    digest.__name__ = name
    return digest


md5, sha1, sha256, sha512 = (_hasher(n) for n in ("md5", "sha1", "sha256", "sha512"))


def starts_with(value: Any, prefix: Any) -> bool:
    return value is not None and to_text(value).startswith(to_text(prefix))


def ends_with(value: Any, suffix: Any) -> bool:
    return value is not None and to_text(value).endswith(to_text(suffix))


def substring_before(value: Any, separator: Any) -> Any:
    if value is None:
        return None
    text, sep = to_text(value), to_text(separator)
    return "" if not sep else text.split(sep, 1)[0]


def substring_before_last(value: Any, separator: Any) -> Any:
    if value is None:
        return None
    text, sep = to_text(value), to_text(separator)
    return text if not sep or sep not in text else text.rsplit(sep, 1)[0]


def substring_after(value: Any, separator: Any) -> Any:
    if value is None:
        return None
    text, sep = to_text(value), to_text(separator)
    return text if not sep else (text.split(sep, 1)[1] if sep in text else "")


def substring_after_last(value: Any, separator: Any) -> Any:
    if value is None:
        return None
    text, sep = to_text(value), to_text(separator)
    return "" if not sep or sep not in text else text.rsplit(sep, 1)[1]


_ESCAPES = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}


def escape_char(value: Any, type: str | None = None) -> Any:
    if value is None:
        return None
    if type is None:
        raise ExpressionError("The 'escapeChar' filter expects an argument 'type'.")
    kind = str(type).lower()
    if kind not in _ESCAPES:
        raise ExpressionError(
            "The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'."
        )
    old, new = _ESCAPES[kind]
    if isinstance(value, Mapping):
        return {k: escape_char(v, type) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_char(v, type) for v in value]
    return to_text(value).replace(old, new)


def _line_separator(text: str) -> str:
    for separator in ("\r\n", "\n\r", "\n", "\r"):
        if separator in text:
            return separator
    return "\n"


def indent(value: Any, amount: int, prefix: str = " ") -> Any:
    """Indent every line but the first (the first is already in place)."""
    if value is None:
        return None
    text = to_text(value)
    if not text:
        return text
    if int(amount) < 0:
        raise ExpressionError("The 'indent' filter expects a positive integer >=0 as argument 'amount'.")
    newline = _line_separator(text)
    return text.replace(newline, newline + prefix * int(amount))


def nindent(value: Any, amount: int, prefix: str = " ") -> Any:
    """A newline, then every line indented."""
    if value is None:
        return None
    text = to_text(value)
    if not text:
        return text
    if int(amount) < 0:
        raise ExpressionError("The 'nindent' filter expects a positive integer >=0 as argument 'amount'.")
    newline = _line_separator(text)
    return (newline + text).replace(newline, newline + prefix * int(amount))


def abs_filter(value: Any) -> Any:
    if value is None:
        return None
    return abs(number(value) if isinstance(value, str) else value)


def _parse_number(text: str) -> int | float:
    cleaned = text.strip()
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        return float(cleaned)
    except ValueError as exc:
        raise ExpressionError(f"Unable to parse '{text}' as a number") from exc


def number(value: Any, type: str | None = None) -> Any:
    """Kestra ``number``: parse a string (INT, FLOAT, LONG, DOUBLE, BIGDECIMAL, BIGINTEGER or inferred)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and type is None:
        return value
    text = to_text(value)
    kind = (type or "").upper()
    try:
        if kind in ("INT", "LONG", "BIGINTEGER"):
            return int(text.strip())
        if kind in ("FLOAT", "DOUBLE"):
            return float(text)
        if kind == "BIGDECIMAL":
            return Decimal(text.strip())
    except (ValueError, InvalidOperation) as exc:
        raise ExpressionError(f"Unable to parse '{text}' as a number of type {kind}") from exc
    if kind:
        raise ExpressionError(
            f"Unknown number type '{type}' (INT, FLOAT, LONG, DOUBLE, BIGDECIMAL, BIGINTEGER)"
        )
    return _parse_number(text)


def string(value: Any) -> Any:
    """Kestra ``string``: the text of a number (lenient: any other value prints as usual)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return str(Decimal(value.strip()))
        except InvalidOperation:
            return value
    return to_text(value)


def numberformat(value: Any, format: str | None = None) -> Any:
    """Java's ``DecimalFormat`` (Pebble's ``numberformat``): ``0`` a digit always shown, ``#`` a
    digit shown when significant, ``,`` grouping, ``.`` the decimal point, ``%``/``‰`` multiply
    by 100/1000, quoted or other text kept as prefix/suffix; rounding half-even. Without a
    pattern, Java's default number format: grouping and up to 3 decimals."""
    if value is None:
        return None
    amount = number(value) if isinstance(value, str) else value
    try:  # a double's exact binary value, as Java rounds it (2.345 is 2.34500000000000019...)
        exact = Decimal(amount) if isinstance(amount, float) else Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        return to_text(amount)
    prefix, body, suffix = _decimal_pattern((format or "#,##0.###").split(";", 1)[0])
    if "%" in prefix + suffix:
        exact *= 100
    elif "\u2030" in prefix + suffix:
        exact *= 1000
    integer, _, fraction = body.partition(".")
    digits = integer.replace(",", "")
    minimum_integer = digits.count("0")
    group = len(integer) - integer.rfind(",") - 1 if "," in integer else 0
    minimum_fraction, maximum_fraction = fraction.count("0"), len(fraction)
    rounded = exact.quantize(Decimal(1).scaleb(-maximum_fraction), rounding=ROUND_HALF_EVEN)
    whole, _, decimals = f"{abs(rounded):f}".partition(".")
    decimals = decimals.rstrip("0").ljust(minimum_fraction, "0")
    whole = whole.lstrip("0").rjust(minimum_integer, "0")
    if not whole and not decimals:
        whole = "0"  # Java prints a zero rather than nothing
    if group > 0:
        whole = _grouped(whole, group)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{prefix}{whole}{'.' + decimals if decimals else ''}{suffix}"


def _grouped(whole: str, size: int) -> str:
    parts = []
    while len(whole) > size:
        parts.append(whole[-size:])
        whole = whole[:-size]
    parts.append(whole)
    return ",".join(reversed(parts))


def _decimal_pattern(pattern: str) -> tuple[str, str, str]:
    """(prefix, number part, suffix) of a DecimalFormat pattern, quotes removed from the texts."""
    special = set("#0,.")
    chars: list[tuple[str, bool]] = []  # (character, is a pattern character)
    quoted = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "'":
            if index + 1 < len(pattern) and pattern[index + 1] == "'":
                chars.append(("'", False))
                index += 2
                continue
            quoted = not quoted
        else:
            chars.append((char, not quoted and char in special))
        index += 1
    positions = [i for i, (_, is_pattern) in enumerate(chars) if is_pattern]
    if not positions:
        return "".join(c for c, _ in chars), "#", ""
    first, last = positions[0], positions[-1]
    return ("".join(c for c, _ in chars[:first]), "".join(c for c, _ in chars[first:last + 1]),
            "".join(c for c, _ in chars[last + 1:]))


_JAVA_CLASSES = {bool: "java.lang.Boolean", int: "java.lang.Integer", float: "java.lang.Double",
                 str: "java.lang.String", list: "java.util.ArrayList", tuple: "java.util.ArrayList",
                 dict: "java.util.LinkedHashMap", Decimal: "java.math.BigDecimal",
                 datetime: "java.time.ZonedDateTime", date: "java.time.LocalDate"}


def class_name(value: Any) -> Any:
    if value is None:
        return None
    for kind, name in _JAVA_CLASSES.items():
        if type(value) is kind:
            return name
    return "java.util.LinkedHashMap" if isinstance(value, Mapping) else type(value).__name__
