"""Rows as Ion text (Kestra's FileSerde shape) and JSON lines: ``lanner.plugins.serde``."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from lanner.plugins.serde import (
    IonSyntaxError,
    ion_value,
    parse_ion,
    read_ion,
    rows_to_ion,
    rows_to_jsonl,
    write_ion,
    write_jsonl,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (42, "42"),
        (-7, "-7"),
        (2**70, str(2**70)),
        (1.5, "1.5e0"),
        (10.0, "10.0e0"),
        (1e20, "1e+20"),
        (-2.5e-7, "-2.5e-07"),
        (math.inf, "+inf"),
        (-math.inf, "-inf"),
        (Decimal("1.50"), "1.50"),
        (Decimal("5"), "5."),
        (Decimal("-0.5"), "-0.5"),
        (Decimal("0.0015"), "0.0015"),
        (Decimal("1E+3"), "1d3"),
        ("plain", '"plain"'),
        ('q"uo\\te\n\t\x01é', '"q\\"uo\\\\te\\n\\t\\x01é"'),
        (datetime(2019, 1, 1, 0, 46, 40, tzinfo=UTC), "2019-01-01T00:46:40Z"),
        (datetime(2019, 1, 1, 0, 46, 40, 123000, tzinfo=timezone(timedelta(hours=2))),
         "2019-01-01T00:46:40.123000+02:00"),
        (datetime(2019, 1, 1, 0, 46, 40), 'LocalDateTime::"2019-01-01T00:46:40"'),
        (date(2019, 1, 31), "2019-01-31"),
        (time(10, 0, 5), 'LocalTime::"10:00:05"'),
        (b"\x00\xff", "{{AP8=}}"),
        (timedelta(hours=1, seconds=30), '"PT1H30S"'),
        (UUID("12345678-1234-5678-1234-567812345678"), '"12345678-1234-5678-1234-567812345678"'),
        ([1, "a", None], '[1,"a",null]'),
        ({"a": 1, "b-c": "x", "null": None, "$1": 2, "it's": 3},
         "{a:1,'b-c':\"x\",'null':null,'$1':2,'it\\'s':3}"),
    ],
)
def test_ion_text_of_values(value, text):
    assert ion_value(value) == text


ROWS = [
    {"id": 1, "name": 'Creative "Mobile"\nTech', "fare": Decimal("7.50"), "distance": 1.5,
     "pickup": datetime(2019, 1, 1, 0, 46, 40), "at": datetime(2019, 1, 1, 0, 46, 40, 5, tzinfo=UTC),
     "day": date(2019, 1, 1), "paid": True, "tip": None, "tags": ["a", "b"],
     "extra": {"nested": {"deep": [1, {"x": Decimal("-0.01")}]}, "weird key": "ünïcødé ✓"},
     "blob": b"\x00binary\xff", "clock": time(23, 59, 59, 999999)},
    {"id": 2, "name": "", "fare": Decimal("0"), "distance": -0.0, "pickup": None, "at": None, "day": None,
     "paid": False, "tip": Decimal("1E+2"), "tags": [], "extra": {}, "blob": b"", "clock": None},
]


def test_rows_round_trip_through_ion_text():
    text = "".join(rows_to_ion(ROWS))
    assert text.count("\n") == 2
    assert list(read_ion(io.StringIO(text))) == ROWS


def test_write_and_read_files(tmp_path):
    path = tmp_path / "rows.ion"
    with path.open("w", encoding="utf-8") as out:
        assert write_ion(iter(ROWS), out) == 2
    with path.open(encoding="utf-8") as handle:
        assert list(read_ion(handle)) == ROWS


def test_reader_is_lazy():
    def lines():
        yield "{a:1}\n"
        yield "{a:2}\n"
        raise AssertionError("read too far")

    reader = read_ion(lines())
    assert next(reader) == {"a": 1}


def test_reader_is_tolerant_of_ion_written_by_others():
    text = """$ion_1_0 // a comment
    {a: 1, "b": 'sym', c: null.string, d: 0x1F, e: 1_000, f: 2019-01-01T, g: 2019-01-01T00:46Z, /* c */
     h: '''long ''' '''string''', i: {{ "clob" }}, j: (+ 1 -2 a), k: [1.0d2, 1e0],
     l: OffsetDateTime::"2019-01-01T00:46:40+01:00", m: annotation::42, n: 2019-01-01T10:00:00-00:00}
    {z: 1}
    """
    values = list(read_ion(io.StringIO(text)))
    row = values[0]
    assert row["a"] == 1 and row["b"] == "sym" and row["c"] is None and row["d"] == 31 and row["e"] == 1000
    assert row["f"] == date(2019, 1, 1)
    assert row["g"] == datetime(2019, 1, 1, 0, 46, tzinfo=UTC)
    assert row["h"] == "long string"
    assert row["i"] == b"clob"
    assert row["j"] == ["+", 1, -2, "a"]
    assert row["k"] == [Decimal("1.0E+2"), 1.0]
    assert row["l"] == datetime(2019, 1, 1, 0, 46, 40, tzinfo=timezone(timedelta(hours=1)))
    assert row["m"] == 42
    assert row["n"] == datetime(2019, 1, 1, 10)  # -00:00: unknown offset, read as local time
    assert values[1:] == [{"z": 1}]


def test_a_value_may_span_lines_and_the_last_line_may_lack_a_newline():
    assert list(read_ion(["{a:\n", "[1,\n", "2]}\n", "{b:3}"])) == [{"a": [1, 2]}, {"b": 3}]
    assert parse_ion("1 2 3") == [1, 2, 3]


@pytest.mark.parametrize("text", ["{a:1", "{a 1}", '"unterminated', "[1 2]", "{a:1,,}", "@"])
def test_malformed_ion_is_reported(text):
    with pytest.raises(IonSyntaxError):
        list(read_ion([text]))


def test_json_lines():
    lines = list(rows_to_jsonl(ROWS))
    first = json.loads(lines[0])
    assert first["fare"] == 7.5
    assert first["pickup"] == "2019-01-01T00:46:40"
    assert first["at"] == "2019-01-01T00:46:40.000005Z"
    assert first["day"] == "2019-01-01"
    assert first["blob"] == "AGJpbmFyef8="
    assert first["extra"]["weird key"] == "ünïcødé ✓"
    second = json.loads(lines[1])
    assert second["tip"] == 100 and second["fare"] == 0
    out = io.StringIO()
    assert write_jsonl(ROWS, out) == 2
    assert out.getvalue() == "".join(lines)


@pytest.mark.parametrize(
    ("line", "row"),
    [
        ("{t:2019-01-01T10:00:00-00:00}\n", {"t": datetime(2019, 1, 1, 10)}),
        ("{t:2019-01-01T10:00:00.5Z}\n", {"t": datetime(2019, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)}),
        ("{d:2019-01-01T}\n", {"d": date(2019, 1, 1)}),
        ("{d:2019-01-01}\n", {"d": date(2019, 1, 1)}),
        ("{'a b':1,a$b:2}\n", {"a b": 1, "a$b": 2}),
        ("{n:1_000,x:0x10,e:-1.5e-3,d:-5.,z:null.int}\n",
         {"n": 1000, "x": 16, "e": -0.0015, "d": Decimal("-5"), "z": None}),
        ('{s:"tab\\there \\u00e9 \\U0001F600"}\n', {"s": "tab\there é 😀"}),
        ("{}\n", {}),
    ],
)
def test_lines_read_by_either_path(line, row):
    assert list(read_ion([line])) == [row]
    assert parse_ion(line) == [row]
