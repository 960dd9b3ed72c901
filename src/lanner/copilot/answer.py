"""A model's reply -> the flow YAML it holds and its explanation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lanner.model.loader import load_yaml

MAX_EXPLANATION = 1200
MAX_INTRODUCTION = 120
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_FLOW_KEYS = ("id", "namespace", "tasks")


@dataclass(frozen=True, slots=True)
class Draft:
    yaml: str | None  # None: the reply holds no flow
    explanation: str


def parse_reply(text: str) -> Draft:
    """The first ```yaml block (else the first block that reads as a flow, else the whole reply
    when it is a flow), and the prose around it as the explanation."""
    blocks = list(_FENCE.finditer(text))
    chosen = next((b for b in blocks if b.group(1).lower() in ("yaml", "yml")), None)
    if chosen is None:
        chosen = next((b for b in blocks if _looks_like_flow(b.group(2))), None)
    if chosen is not None:
        before = text[: chosen.start()].strip()
        if before.endswith(":") and len(before) <= MAX_INTRODUCTION:  # "Here is the flow:"
            before = ""
        explanation = before + " " + text[chosen.end():]
        return Draft(_normalized(chosen.group(2)), _prose(explanation))
    if _looks_like_flow(text):
        return Draft(_normalized(text), "")
    return Draft(None, _prose(text))


def _looks_like_flow(text: str) -> bool:
    data = load_yaml(text, expect_mapping=False).data
    return isinstance(data, dict) and any(key in data for key in _FLOW_KEYS)


def _normalized(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].strip() == "---":
        lines.pop(0)
    return "\n".join(lines).rstrip() + "\n"


def _prose(text: str) -> str:
    text = _FENCE.sub(" ", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_EXPLANATION else text[: MAX_EXPLANATION - 1].rstrip() + "…"
