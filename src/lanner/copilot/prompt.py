"""The messages sent to the model, grounded in the plugin schemas and the validator's errors.

System: role, Lanner's flow-writing rules, the list of every type (one line each, so no type is
ever invented), then the full reference of the retrieved types (properties with their types,
required marks, defaults and descriptions, plus one example). User: the request, and when editing,
the current flow with its current problems. Repair turn: the validator's errors with line and
column, plus the reference of the types those errors are about when it was not given yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from lanner.copilot import rules
from lanner.copilot.catalog import TypeDoc
from lanner.copilot.validation import format_issues
from lanner.errors import Issue
from lanner.llm.api import ChatMessage

MAX_PROPERTIES = 40
MAX_PROPERTY_TEXT = 160
MAX_EXAMPLE_LINES = 45


def system_message(everything: Sequence[TypeDoc], detailed: Sequence[TypeDoc]) -> ChatMessage:
    parts = [rules.ROLE, rules.RULES, catalog_overview(everything),
             "Reference of the types most relevant to this request (use these properties exactly):",
             *(render_type(doc) for doc in detailed), rules.ANSWER_FORMAT]
    return ChatMessage("system", "\n\n".join(parts))


def user_message(request: str, current_flow: str | None = None,
                 current_issues: Sequence[Issue] = ()) -> ChatMessage:
    if current_flow is None:
        return ChatMessage("user", f"Write a flow for this request:\n{request.strip()}")
    text = [rules.EDIT_RULES, f"Current flow:\n```yaml\n{current_flow.rstrip()}\n```"]
    errors = [i for i in current_issues if i.severity == "error"]
    if errors:
        text.append("Problems the validator reports in the current flow (line:column: path: message):\n"
                    + format_issues(errors))
    text.append(f"Request:\n{request.strip()}")
    return ChatMessage("user", "\n\n".join(text))


def repair_message(issues: Sequence[Issue], extra: Sequence[TypeDoc] = ()) -> ChatMessage:
    text = rules.REPAIR.format(errors=format_issues([i for i in issues if i.severity == "error"]))
    if extra:
        text += "\n\nReference of the types involved:\n\n" + "\n\n".join(render_type(doc) for doc in extra)
    return ChatMessage("user", text)


def catalog_overview(docs: Sequence[TypeDoc]) -> str:
    lines = ["Every type Lanner knows (tasks, triggers, and typed sub-objects such as task runners "
             "and AI providers); no other type exists:"]
    for kind in ("task", "trigger", "object"):
        for doc in docs:
            if doc.kind == kind:
                lines.append(f"- {doc.type} [{kind}]: {_first_sentence(doc.description)}")
    return "\n".join(lines)


def render_type(doc: TypeDoc) -> str:
    """The reference of one type: what the model needs to write it right the first time."""
    lines = [f"### {doc.type} ({doc.kind})", doc.description]
    if doc.properties:
        lines.append("Properties (* = required; besides the common ones):")
        for prop in doc.properties[:MAX_PROPERTIES]:
            text = f"- {prop.name}{'*' if prop.required else ''} ({prop.type_text})"
            if prop.default is not None:
                text += f", default {prop.default}"
            if prop.description:
                text += ": " + _shorten(prop.description, MAX_PROPERTY_TEXT)
            lines.append(text)
        if len(doc.properties) > MAX_PROPERTIES:
            lines.append(f"- ... {len(doc.properties) - MAX_PROPERTIES} more, rarely needed")
    if doc.examples:
        example = doc.examples[0].rstrip().splitlines()
        if len(example) > MAX_EXAMPLE_LINES:
            example = [*example[:MAX_EXAMPLE_LINES], "# ..."]
        lines.append("Example:\n```yaml\n" + "\n".join(example) + "\n```")
    return "\n".join(lines)


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return _shorten(text if end < 0 else text[: end + 1], 110)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
