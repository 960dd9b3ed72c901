"""Small conversions shared by the core tasks: rendered properties to Python values.

Tasks may import only ``lanner.plugins.api``, so these live here rather than in a shared room.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lanner.plugins.api import RenderContext, TaskFailure

_TIMEDELTA = TypeAdapter(timedelta)


def parse_duration(text: Any, what: str = "duration") -> timedelta:
    """An ISO-8601 duration (``PT15S``, ``P1DT2H``...) as Java's ``Duration.parse`` reads it."""
    if isinstance(text, timedelta):
        return text
    if not isinstance(text, str) or not text.strip().upper().startswith(("P", "-P", "+P")):
        raise TaskFailure(f"Invalid {what} '{text}': expected an ISO-8601 duration such as PT15S")
    try:
        return _TIMEDELTA.validate_python(text.strip().upper())
    except ValidationError:
        raise TaskFailure(f"Invalid {what} '{text}': expected an ISO-8601 duration such as PT15S") from None


def java_duration(delta: timedelta) -> str:
    """Java's ``Duration.toString``: PT15S, PT1M30S, PT24H, PT0.5S."""
    total = delta.total_seconds()
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rem = divmod(total, 3600)
    minutes, seconds = divmod(rem, 60)
    text = "PT"
    if hours:
        text += f"{sign}{int(hours)}H"
    if minutes:
        text += f"{sign}{int(minutes)}M"
    if seconds or text == "PT":
        shown = f"{seconds:.9f}".rstrip("0").rstrip(".")
        text += f"{sign}{shown}S"
    return text


def render_text(ctx: RenderContext, value: Any) -> str | None:
    """Render a string property; non-strings (numbers in YAML) become their JSON text."""
    if value is None:
        return None
    rendered = ctx.render(value)
    if rendered is None:
        return None
    return rendered if isinstance(rendered, str) else to_text(rendered)


def render_bool(ctx: RenderContext, value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return ctx.render_bool(value)


def render_typed_map(ctx: RenderContext, value: Any, what: str) -> dict[str, Any]:
    """A map property that may also be given as an expression rendering to a map or JSON."""
    if value is None:
        return {}
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"Invalid {what}: expected a map, got '{rendered}'") from None
    if not isinstance(rendered, dict):
        raise TaskFailure(f"Invalid {what}: expected a map, got {type(rendered).__name__}")
    return {str(key): item for key, item in rendered.items()}


def to_text(value: Any) -> str:
    """Kestra's way to print a value: strings as is, booleans lower-case, others as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)
