"""tests/flows: valid flows give no error; invalid ones give exactly the errors their header states.

Header lines: ``# expect: LINE:COL PATH MESSAGE-START`` (PATH ``-`` for the document) and
``# expect-warning: ...`` for warnings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lanner.plugins.flowparse import parse_flow

FLOWS = Path(__file__).resolve().parents[2] / "flows"
EXPECT = re.compile(r"^# (expect|expect-warning): (\d+):(\d+) (\S+) (.+)$")


def expectations(text: str) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, str, str]]]:
    errors, warnings = [], []
    for line in text.splitlines():
        match = EXPECT.match(line)
        if match:
            kind, row, col, path, message = match.groups()
            item = (int(row), int(col), "" if path == "-" else path, message.strip())
            (errors if kind == "expect" else warnings).append(item)
    return errors, warnings


def check(found: list, expected: list[tuple[int, int, str, str]]) -> None:
    actual = [(i.line, i.column, i.path, i.message) for i in found]
    assert len(actual) == len(expected), actual
    for (line, column, path, message), wanted in zip(actual, expected, strict=True):
        assert (line, column, path) == wanted[:3], (line, column, path, message)
        assert message.startswith(wanted[3]), message


@pytest.mark.parametrize("path", sorted((FLOWS / "valid").glob("*.yaml")), ids=lambda p: p.name)
def test_valid_flows(path):
    text = path.read_text()
    errors, warnings = expectations(text)
    assert errors == []
    result = parse_flow(text, path.name)
    assert result.errors == [], [i.located() for i in result.errors]
    assert result.flow is not None
    check(result.warnings, warnings)


@pytest.mark.parametrize("path", sorted((FLOWS / "invalid").glob("*.yaml")), ids=lambda p: p.name)
def test_invalid_flows(path):
    text = path.read_text()
    errors, warnings = expectations(text)
    assert errors, f"{path.name} states no expected error"
    result = parse_flow(text, path.name)
    assert result.flow is None
    check(result.errors, errors)
    check(result.warnings, warnings)
    assert all(i.file == path.name for i in result.issues)
