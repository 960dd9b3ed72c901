"""ISO-8601 durations as Kestra writes them (Java ``Duration``: ``PT15S``, ``PT1H30M``, ``P1D``,
``PT0.5S``), and the human form of the "Flow completed ... in 00:00:15.234" log line."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^(?P<sign>[-+]?)P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>[-+]?\d+(?:\.\d+)?)H)?(?:(?P<minutes>[-+]?\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>[-+]?\d+(?:[.,]\d+)?)S)?)?$",
    re.IGNORECASE,
)


def parse_duration(text: str | timedelta) -> timedelta:
    """``PT15S`` -> 15 s. Raises ``ValueError`` with the offending text otherwise."""
    if isinstance(text, timedelta):
        return text
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"Invalid ISO-8601 duration '{text}' (expected e.g. PT15S, PT1H30M, P1D)")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items()
             if v and k != "sign"}
    delta = timedelta(
        weeks=parts.get("weeks", 0.0),
        days=parts.get("days", 0.0),
        hours=parts.get("hours", 0.0),
        minutes=parts.get("minutes", 0.0),
        seconds=parts.get("seconds", 0.0),
    )
    return -delta if match.group("sign") == "-" else delta


def human_duration(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as Kestra's ``humanDuration`` prints it."""
    millis = max(0, round(seconds * 1000))
    hours, rem = divmod(millis, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    secs, millis = divmod(rem, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
