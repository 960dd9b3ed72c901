"""Fix a legacy flow: deterministic rewrites first (``legacy``), then — only if errors remain and
a copilot is given — the copilot, with the validator's errors and what could not be rewritten as
context. The copilot's answer is kept only when it is valid."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from lanner.copilot.legacy import Change, fix_legacy
from lanner.copilot.service import Copilot, CopilotResult
from lanner.copilot.validation import Report, format_issues, validate

FIX_REQUEST = """Fix this flow so that it validates, keeping what it does (its tasks, their code, its \
schedule). It was written for an older Kestra version: replace removed syntax with today's \
equivalent. Change nothing else."""


@dataclass
class FixResult:
    original: str
    text: str
    report: Report
    changes: list[Change] = field(default_factory=list)
    manual: list[Change] = field(default_factory=list)
    copilot: CopilotResult | None = None
    copilot_used: bool = False  # the copilot's answer is what ``text`` holds

    @property
    def valid(self) -> bool:
        return self.report.valid

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def diff(self, name: str = "flow.yaml") -> str:
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.text.splitlines(keepends=True), f"a/{name}", f"b/{name}"))


def fix_flow(text: str, file: str | None = None, copilot: Copilot | None = None) -> FixResult:
    legacy = fix_legacy(text)
    report = validate(legacy.text, file)
    result = FixResult(text, legacy.text, report, legacy.changes, legacy.manual)
    if report.valid or copilot is None:
        return result
    request = FIX_REQUEST
    if legacy.manual:
        request += "\nNot rewritten automatically:\n" + "\n".join(
            f"- line {c.line}: {c.path}: {c.message}" for c in legacy.manual)
    request += "\nValidation errors:\n" + format_issues(report.errors)
    answer = copilot.generate(request, legacy.text)
    result.copilot = answer
    if answer.valid:
        result.text = answer.yaml
        result.report = validate(answer.yaml, file)
        result.copilot_used = True
    return result
