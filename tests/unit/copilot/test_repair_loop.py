"""Draft -> validate -> repair: the copilot returns the first valid flow, or the best attempt
clearly marked invalid with its errors."""

from __future__ import annotations

import pytest
from tests.unit.copilot.flows import BAD_INDENTATION, UNKNOWN_PROPERTY, VALID, WRONG_TYPE, fenced

from lanner.copilot.retrieval import Retriever
from lanner.copilot.service import Copilot, CopilotError
from lanner.llm.api import LLMError
from lanner.llm.scripted import ScriptedChatProvider

REQUEST = "Create a flow that loads NYC taxi data from a CSV file to BigQuery"


@pytest.mark.parametrize(("first", "expected_error", "line"), [
    (UNKNOWN_PROPERTY, 'Unrecognized field "fileFormat"', 11),
    (WRONG_TYPE, "Invalid type: io.kestra.plugin.gcp.bigquery.LoadCsv", 8),
    (BAD_INDENTATION, "invalid YAML", 6),
], ids=["unknown-property", "wrong-type-name", "bad-indentation"])
def test_an_invalid_first_reply_is_repaired_by_the_second(lexical: Retriever, first: str, expected_error: str,
                                                          line: int) -> None:
    chat = ScriptedChatProvider([fenced(first), fenced(VALID, "Downloads then loads.")])
    result = Copilot(chat, lexical).generate(REQUEST)
    assert result.valid and result.status == "valid"
    assert result.yaml == VALID
    assert result.attempts == 2
    assert result.explanation == "Downloads then loads."
    assert result.errors == []
    repair = chat.calls[1].messages
    assert [m.role for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2].content == fenced(first)  # the model sees what it wrote...
    assert expected_error in repair[3].content  # ...and what the validator said about it
    assert f"- {line}:" in repair[3].content  # with the line number


def test_a_valid_first_reply_is_returned_after_one_call(lexical: Retriever) -> None:
    chat = ScriptedChatProvider([fenced(VALID)])
    result = Copilot(chat, lexical).generate(REQUEST)
    assert result.valid and result.attempts == 1 and len(chat.calls) == 1


def test_never_valid_returns_the_best_attempt_marked_invalid(lexical: Retriever) -> None:
    two_errors = UNKNOWN_PROPERTY.replace("    uri: https", "    url: https")
    chat = ScriptedChatProvider([fenced(two_errors), fenced(UNKNOWN_PROPERTY), "I cannot do that."])
    result = Copilot(chat, lexical, max_attempts=3).generate(REQUEST)
    assert not result.valid and result.status == "invalid"
    assert result.attempts == 3 and len(chat.calls) == 3
    assert result.yaml == UNKNOWN_PROPERTY  # the fewest errors
    assert [e.message for e in result.errors] == ['Unrecognized field "fileFormat"']
    assert result.errors[0].line == 11
    assert result.explanation.startswith("INVALID: no valid flow after 3 attempt(s)")
    data = result.to_dict()
    assert data["status"] == "invalid" and data["valid"] is False and data["errors"][0]["line"] == 11


def test_a_reply_without_yaml_counts_as_an_attempt(lexical: Retriever) -> None:
    chat = ScriptedChatProvider(["Sure! What should the flow be called?", fenced(VALID)])
    result = Copilot(chat, lexical).generate(REQUEST)
    assert result.valid and result.attempts == 2
    assert "holds no YAML flow" in chat.calls[1].messages[-1].content


def test_the_repair_turn_adds_the_reference_of_types_the_errors_are_about() -> None:
    retriever = Retriever()
    chat = ScriptedChatProvider([fenced(WRONG_TYPE), fenced(VALID)])
    copilot = Copilot(chat, retriever, top_k=1)  # only one type given up front
    copilot.generate("say hello in the logs")
    repair = chat.calls[1].messages[-1].content
    assert "Reference of the types involved" in repair
    assert "### io.kestra.plugin.gcp.bigquery.Load (task)" in repair  # close to the unknown LoadCsv
    assert "destinationTable" in repair


def test_a_failing_first_call_is_an_error() -> None:
    chat = ScriptedChatProvider([LLMError("503 overloaded", retryable=True)])
    with pytest.raises(CopilotError, match="the language model failed: 503 overloaded"):
        Copilot(chat).generate(REQUEST)


def test_a_failing_later_call_returns_the_best_attempt_so_far(lexical: Retriever) -> None:
    chat = ScriptedChatProvider([fenced(UNKNOWN_PROPERTY), LLMError("quota exceeded")])
    result = Copilot(chat, lexical).generate(REQUEST)
    assert not result.valid and result.yaml == UNKNOWN_PROPERTY
    assert result.note == "attempt 2 failed: quota exceeded"


def test_an_empty_request_is_refused(lexical: Retriever) -> None:
    with pytest.raises(CopilotError, match="empty"):
        Copilot(ScriptedChatProvider([]), lexical).generate("  ")


def test_options_are_passed_to_the_model(lexical: Retriever) -> None:
    chat = ScriptedChatProvider([fenced(VALID)])
    Copilot(chat, lexical, temperature=0.0, max_tokens=4000, timeout=30).generate(REQUEST)
    assert chat.calls[0].options["temperature"] == 0.0
    assert chat.calls[0].options["max_tokens"] == 4000
    assert chat.calls[0].options["timeout"] == 30
