"""The copilot: draft -> validate -> repair, up to ``max_attempts`` model calls.

1. Retrieve the types the request needs (``retrieval``) and build the prompt (``prompt``).
2. Ask the model; take the YAML of its answer (``answer``); validate it with the CLI's validator.
3. Invalid: send the errors (line, column, path, message, hint) back, with the reference of the
   types they are about, and ask again. Valid: stop.
The result is the first valid flow, or else the best attempt (fewest errors) marked invalid with
its errors. When editing, unchanged parts keep the current text (``minimal``) and a diff is given.
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lanner.copilot import prompt
from lanner.copilot.answer import parse_reply
from lanner.copilot.catalog import TypeDoc, by_type, catalog, type_doc
from lanner.copilot.minimal import keep_unchanged
from lanner.copilot.retrieval import Retriever, local_embeddings
from lanner.copilot.validation import Report, no_flow, types_at, types_in_flow, validate
from lanner.errors import ConfigurationError, Issue, LannerError
from lanner.llm.api import ChatMessage, ChatProvider, LLMError
from lanner.llm.support import pick

_log = logging.getLogger("lanner.copilot")

DEFAULT_ATTEMPTS = 3
DEFAULT_TOP_K = 8
DEFAULT_TEMPERATURE = 0.2
FLOW_FILE = "flow.yaml"  # the name issues carry (the flow has no file yet)


class CopilotError(LannerError):
    """The copilot could not ask the model at all (the first call failed)."""


class CopilotUnavailable(CopilotError, ConfigurationError):
    """No language model is configured (or its configuration is wrong)."""


@dataclass(frozen=True)
class CopilotResult:
    yaml: str
    explanation: str
    valid: bool
    issues: tuple[Issue, ...]
    attempts: int
    retrieved: tuple[str, ...]
    retrieval: str  # lexical | hybrid
    diff: str | None = None  # editing: unified diff from the current flow
    note: str | None = None  # why the loop stopped early (a failed model call...)

    @property
    def status(self) -> Literal["valid", "invalid"]:
        return "valid" if self.valid else "invalid"

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "valid": self.valid, "yaml": self.yaml,
                "explanation": self.explanation, "errors": [_issue_dict(i) for i in self.errors],
                "warnings": [_issue_dict(i) for i in self.warnings], "attempts": self.attempts,
                "retrievedTypes": list(self.retrieved), "retrieval": self.retrieval, "diff": self.diff,
                "note": self.note}


def _issue_dict(issue: Issue) -> dict[str, Any]:
    return {"path": issue.path, "line": issue.line, "column": issue.column, "message": issue.message,
            "hint": issue.hint}


@dataclass
class _Attempt:
    number: int
    yaml: str | None
    explanation: str
    report: Report

    def rank(self) -> tuple[bool, bool, int, int]:
        """Higher is better: valid, holds a flow, fewer errors, later (it saw more feedback)."""
        return self.report.valid, self.yaml is not None, -len(self.report.errors), self.number


@dataclass
class Copilot:
    chat: ChatProvider
    retriever: Retriever = field(default_factory=Retriever)
    max_attempts: int = DEFAULT_ATTEMPTS
    top_k: int = DEFAULT_TOP_K
    temperature: float | None = DEFAULT_TEMPERATURE
    max_tokens: int | None = None
    timeout: float | None = None

    def close(self) -> None:
        """Release the provider's connections (a one-shot command; a server keeps its copilot)."""
        close = getattr(self.chat, "close", None)
        if callable(close):
            close()

    def context_types(self, request: str, current_flow: str | None = None) -> list[TypeDoc]:
        """The types given in full: the retrieved ones, those the current flow uses and those
        the request names explicitly."""
        known = by_type()
        wanted = [hit.type for hit in self.retriever.search(request, self.top_k)]
        named = [name for name in known if name in request]
        used = types_in_flow(current_flow) if current_flow else []
        docs: list[TypeDoc] = []
        for name in dict.fromkeys([*named, *used, *wanted]):
            doc = known.get(name) or type_doc(name)
            if doc is not None:
                docs.append(doc)
        return docs

    def generate(self, request: str, current_flow: str | None = None) -> CopilotResult:
        """A flow for ``request`` (a new one, or ``current_flow`` changed as asked)."""
        if not request.strip():
            raise CopilotError("the request is empty: say what the flow should do")
        context = self.context_types(request, current_flow)
        current_issues = validate(current_flow, FLOW_FILE).issues if current_flow else ()
        system = prompt.system_message(catalog(), context)
        user = prompt.user_message(request, current_flow, current_issues)
        given = {doc.type for doc in context}
        messages: list[ChatMessage] = [system, user]
        attempts: list[_Attempt] = []
        note = None
        _log.info("copilot: %d context types (%s retrieval), up to %d attempts", len(context),
                  self.retriever.mode, self.max_attempts)
        for number in range(1, max(self.max_attempts, 1) + 1):
            try:
                reply = self.chat.chat(messages, temperature=self.temperature, max_tokens=self.max_tokens,
                                       timeout=self.timeout)
            except LLMError as exc:
                if not attempts:
                    raise CopilotError(f"the language model failed: {exc}") from exc
                note = f"attempt {number} failed: {exc}"
                break
            attempt = self._check(number, reply.text, current_flow)
            attempts.append(attempt)
            _log.info("copilot attempt %d: %d error(s)", number, len(attempt.report.errors))
            if attempt.report.valid:
                break
            extra = self._docs_for_errors(attempt, given)
            given.update(doc.type for doc in extra)
            messages = [system, user, ChatMessage("assistant", reply.text),
                        prompt.repair_message(attempt.report.issues, extra)]
        best = max(attempts, key=_Attempt.rank)
        return self._result(best, len(attempts), context, current_flow, note)

    def _check(self, number: int, reply: str, current_flow: str | None) -> _Attempt:
        draft = parse_reply(reply)
        if draft.yaml is None:
            return _Attempt(number, None, draft.explanation, no_flow())
        text = draft.yaml
        report = validate(text, FLOW_FILE)
        if current_flow is not None and report.valid:
            kept = keep_unchanged(current_flow, text)
            if kept != text:
                text, report = kept, validate(kept, FLOW_FILE)
        return _Attempt(number, text, draft.explanation, report)

    def _docs_for_errors(self, attempt: _Attempt, given: set[str]) -> list[TypeDoc]:
        """The reference of the types the errors are about (or close to an unknown type) that the
        model has not been given yet."""
        if attempt.yaml is None:
            return []
        errors = attempt.report.errors
        names = types_at(attempt.yaml, [i.path for i in errors])
        for issue in errors:
            if issue.message.startswith("Invalid type:"):
                unknown = issue.message.split(":", 1)[1].strip()
                names += [hit.type for hit in self.retriever.search(unknown.rsplit(".", 1)[-1], 2)]
        docs = []
        for name in dict.fromkeys(names):
            doc = type_doc(name)
            if doc is not None and doc.type not in given:
                docs.append(doc)
        return docs

    def _result(self, best: _Attempt, count: int, context: Sequence[TypeDoc], current_flow: str | None,
                note: str | None) -> CopilotResult:
        text = best.yaml if best.yaml is not None else (current_flow or "")
        diff = None
        if current_flow is not None and best.yaml is not None:
            diff = "".join(difflib.unified_diff(current_flow.splitlines(keepends=True),
                                                text.splitlines(keepends=True), "current", "proposed"))
        explanation = best.explanation
        if not best.report.valid:
            explanation = (f"INVALID: no valid flow after {count} attempt(s); this is the best attempt "
                           f"({len(best.report.errors)} error(s)). " + explanation).strip()
        return CopilotResult(text, explanation, best.report.valid, best.report.issues, count,
                             tuple(doc.type for doc in context), self.retriever.mode, diff, note)


def copilot_from_config(section: Mapping[str, Any] | None, *, chat: ChatProvider | None = None,
                        retrieval: str | None = None, max_attempts: int | None = None,
                        shared: bool = False) -> Copilot:
    """A copilot from Lanner's ``ai:`` section: the chat provider it names, and the copilot's own
    options under ``ai.copilot`` (``max-attempts``, ``retrieval: hybrid|lexical``, ``top-k``,
    ``temperature``). Raises ``CopilotError`` when no model is configured."""
    from lanner.llm.api import provider_from_config

    section = section if isinstance(section, Mapping) else {}
    options = pick(section, "copilot")
    options = options if isinstance(options, Mapping) else {}
    mode = (retrieval or str(pick(options, "retrieval") or "hybrid")).lower()
    if mode not in ("hybrid", "lexical"):
        raise CopilotUnavailable(f"ai.copilot.retrieval must be hybrid or lexical, not {mode!r}")
    temperature = pick(options, "temperature")
    try:
        attempts = int(max_attempts or pick(options, "max-attempts") or DEFAULT_ATTEMPTS)
        top_k = int(pick(options, "top-k") or DEFAULT_TOP_K)
        temperature = DEFAULT_TEMPERATURE if temperature is None else float(temperature)
    except (TypeError, ValueError) as exc:
        raise CopilotUnavailable(f"invalid ai.copilot option: {exc}") from exc
    if chat is None:
        try:
            chat = provider_from_config(section)
        except LLMError as exc:
            raise CopilotUnavailable(str(exc)) from exc
    retriever = shared_retriever(mode) if shared else Retriever(
        embeddings=local_embeddings() if mode == "hybrid" else None)
    return Copilot(chat, retriever, max_attempts=attempts, top_k=top_k, temperature=temperature)


_RETRIEVERS: dict[str, Retriever] = {}
_RETRIEVERS_LOCK = threading.Lock()


def shared_retriever(mode: str) -> Retriever:
    """One retriever per mode for a long-running server: the index and the embedding model are
    built once, not per request."""
    with _RETRIEVERS_LOCK:
        found = _RETRIEVERS.get(mode)
        if found is None:
            found = _RETRIEVERS[mode] = Retriever(embeddings=local_embeddings() if mode == "hybrid" else None)
        return found


def generate_from_config(section: Mapping[str, Any] | None, request: str,
                         current_flow: str | None = None) -> CopilotResult:
    """One copilot request of a server: shared retriever, a provider opened and closed for it."""
    copilot = copilot_from_config(section, shared=True)
    try:
        return copilot.generate(request, current_flow)
    finally:
        copilot.close()


