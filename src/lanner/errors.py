"""The one error tree of Lanner.

Every room raises from here so that the CLI, the API, the editor and the copilot can turn any
failure into the same user-facing shape. Validation problems are *data* (``Issue``), collected,
never just the first one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding: where it is, what is wrong and how to fix it."""

    path: str  # property path, e.g. "tasks[2].type" ("" = the whole document)
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None
    severity: Severity = "error"
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return data

    def located(self) -> str:
        """``file:line:col: path: message (hint)`` for terminals."""
        where = self.file or "<flow>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class LannerError(Exception):
    """Base of every error Lanner raises on purpose."""


class Terminal:
    """Marker mixin: retrying will not help."""


class Transient:
    """Marker mixin: the same call may succeed later (network, lock, busy database)."""


class FlowValidationError(LannerError, Terminal):
    """A flow (or a set of inputs) is invalid; carries every issue found."""

    def __init__(self, issues: Sequence[Issue], summary: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        head = summary or f"{len(errors)} validation error(s)"
        detail = "; ".join(f"{i.path}: {i.message}" if i.path else i.message for i in errors[:5])
        super().__init__(f"{head}: {detail}" if detail else head)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")


class InputError(FlowValidationError):
    """Execution inputs do not match the flow's declared inputs (Kestra answers HTTP 422)."""


class ExpressionError(LannerError, Terminal):
    """An expression could not be parsed or evaluated.

    The message follows Kestra's wording where Kestra has one, e.g.
    "Unable to find `trigger` used in the expression `{{trigger.date}}` at line 1".
    """


class UserCodeError(LannerError):
    """A task (user code, an external system) failed. The task run fails; Lanner is fine."""


class TaskTimeoutError(UserCodeError, Terminal):
    """A task ran longer than its ``timeout``."""


class TaskKilledError(UserCodeError, Terminal):
    """A task was interrupted because its execution was killed."""


class FrameworkError(LannerError):
    """A bug or a broken environment inside Lanner itself."""


class NotFoundError(LannerError, Terminal):
    """A flow, execution, key or file does not exist (HTTP 404)."""


class ConflictError(LannerError, Terminal):
    """The request is not allowed in the current state (HTTP 409)."""


class IllegalTransitionError(FrameworkError):
    """A state change that the transition table does not allow."""


class ConfigurationError(LannerError, Terminal):
    """Lanner's own configuration (file, environment) is invalid."""


def issues_of(exc: BaseException) -> tuple[Issue, ...]:
    """Issues carried by an exception, or one synthesised from its message."""
    if isinstance(exc, FlowValidationError):
        return exc.issues
    return (Issue(path="", message=str(exc)),)


def merge_issues(*groups: Iterable[Issue]) -> list[Issue]:
    """Concatenate groups, dropping exact duplicates, ordered by position."""
    seen: set[Issue] = set()
    merged: list[Issue] = []
    for group in groups:
        for issue in group:
            if issue not in seen:
                seen.add(issue)
                merged.append(issue)
    merged.sort(key=lambda i: (i.file or "", i.line or 0, i.column or 0))
    return merged
