"""Row codec: JSON (orjson and stdlib agree), instants, durations, LIKE escaping."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from lanner.store import codec
from lanner.store.kv_values import parse_duration


def test_micros_round_trip_is_exact() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert codec.from_micros(codec.to_micros(moment)) == moment
    other_zone = moment.astimezone(timezone(timedelta(hours=5)))
    assert codec.to_micros(other_zone) == codec.to_micros(moment)
    assert codec.to_micros(datetime(1970, 1, 1)) == 0  # naive = UTC


@pytest.mark.parametrize(
    "value",
    [{"a": [1, 2.5, None, True], "ü": "✓ \"q\""}, [], "text", 10**30, {1: "int key"}],
)
def test_dumps_matches_the_stdlib(value: object) -> None:
    assert codec.loads(codec.dumps(value)) == json.loads(codec._dumps_stdlib(value))


def test_values_json_lacks_are_written_like_kestra() -> None:
    value = {
        "at": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        "day": date(2026, 3, 1),
        "wait": timedelta(minutes=2, seconds=3.5),
        "price": Decimal("2.50"),
        "count": Decimal("3"),
        "path": Path("/tmp/x"),
        "tags": {"b", "a"},
    }
    expected = {"at": "2026-03-01T12:00:00Z", "day": "2026-03-01", "wait": "PT2M3.5S", "price": 2.5,
                "count": 3, "path": "/tmp/x", "tags": ["a", "b"]}
    assert codec.loads(codec.dumps(value)) == expected
    assert codec.loads(codec._dumps_stdlib(value)) == expected
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        codec.dumps({"x": object()})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PT1H", timedelta(hours=1)), ("P2D", timedelta(days=2)), ("PT1M30S", timedelta(seconds=90)),
     ("PT0.5S", timedelta(milliseconds=500)), ("-PT1H", -timedelta(hours=1)),
     ("PT-1.5S", -timedelta(seconds=1.5)), ("P1DT2H", timedelta(days=1, hours=2))],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "1H", "P1W", "P1Y"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(timedelta(0), "PT0S"), (timedelta(days=1), "PT24H"), (timedelta(seconds=61.25), "PT1M1.25S"),
     (-timedelta(minutes=1), "PT-1M")],
)
def test_iso_duration(value: timedelta, text: str) -> None:
    assert codec.iso_duration(value) == text


def test_escape_like() -> None:
    assert codec.escape_like("50%_a\\b") == "%50\\%\\_a\\\\b%"
