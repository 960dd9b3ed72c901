"""ISO-8601 durations as Java's ``Duration`` reads and prints them (task timeouts)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

_TIMEDELTA = TypeAdapter(timedelta)


def parse_duration(text: str) -> timedelta:
    """``PT15S``, ``P1DT2H``...; raises ValueError with a readable message otherwise."""
    cleaned = text.strip().upper()
    if not cleaned.lstrip("+-").startswith("P"):
        raise ValueError(f"Invalid duration '{text}': expected an ISO-8601 duration such as PT15S")
    try:
        return _TIMEDELTA.validate_python(cleaned)
    except ValidationError:
        raise ValueError(f"Invalid duration '{text}': expected an ISO-8601 duration such as PT15S") from None


def format_duration(delta: timedelta) -> str:
    """Java's ``Duration.toString``: PT15S, PT1M30S, PT24H, PT0.5S."""
    total = abs(delta.total_seconds())
    sign = "-" if delta.total_seconds() < 0 else ""
    hours, rem = divmod(total, 3600)
    minutes, seconds = divmod(rem, 60)
    text = "PT"
    if hours:
        text += f"{sign}{int(hours)}H"
    if minutes:
        text += f"{sign}{int(minutes)}M"
    if seconds or text == "PT":
        text += sign + f"{seconds:.9f}".rstrip("0").rstrip(".") + "S"
    return text
