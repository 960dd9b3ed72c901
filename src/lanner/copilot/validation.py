"""The copilot's validator is the CLI's (``plugins.flowparse``): same issues, same lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lanner.errors import Issue
from lanner.model.loader import load_yaml
from lanner.plugins.flowparse import parse_flow


@dataclass(frozen=True, slots=True)
class Report:
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors


def validate(text: str, file: str | None = None) -> Report:
    return Report(tuple(parse_flow(text, file).issues))


def no_flow(message: str = "the answer holds no YAML flow") -> Report:
    return Report((Issue("", message, hint="answer with one ```yaml block holding the whole flow"),))


def format_issue(issue: Issue) -> str:
    """``line:col: path: message (hint: ...)``, the shape fed back to the model."""
    where = f"{issue.line}:{issue.column}" if issue.line is not None else "-"
    text = f"{where}: {issue.path + ': ' if issue.path else ''}{issue.message}"
    return text + (f" (hint: {issue.hint})" if issue.hint else "")


def format_issues(issues: Sequence[Issue]) -> str:
    return "\n".join(f"- {format_issue(i)}" for i in issues)


_PART = re.compile(r"\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[\"([^\"]*)\"\]")


def parse_path(path: str) -> tuple[str | int, ...]:
    """``tasks[1].then[0].sql`` -> ``("tasks", 1, "then", 0, "sql")``."""
    parts: list[str | int] = []
    for name, index, quoted in _PART.findall(path):
        parts.append(int(index) if index else (name or quoted))
    return tuple(parts)


def types_at(text: str, paths: Sequence[str]) -> list[str]:
    """The ``type`` of the typed map nearest to each path (the task an error is about)."""
    data: Any = load_yaml(text).data
    found: list[str] = []
    for path in paths:
        node, owner = data, None
        for part in parse_path(path):
            if isinstance(node, dict) and isinstance(node.get("type"), str):
                owner = node["type"]
            in_map = isinstance(node, dict) and isinstance(part, str) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_map or in_list:
                node = node[part]
            else:
                break
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            owner = node["type"]
        if owner and owner not in found:
            found.append(owner)
    return found


def types_in_flow(text: str) -> list[str]:
    """Every ``type`` string used in a flow (tasks, triggers, runners...), in order."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("type"), str) and value["type"] not in found:
                found.append(value["type"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(load_yaml(text).data)
    return found
