"""What the model is given: rules, every type name, the retrieved types' schemas and examples,
the current flow when editing, and the validator's errors with their lines."""

from __future__ import annotations

from tests.unit.copilot.flows import UNKNOWN_PROPERTY, VALID, fenced

from lanner.copilot import rules
from lanner.copilot.catalog import by_type, catalog, type_doc
from lanner.copilot.prompt import render_type, repair_message, system_message, user_message
from lanner.copilot.retrieval import Retriever
from lanner.copilot.service import Copilot
from lanner.copilot.validation import validate
from lanner.llm.scripted import ScriptedChatProvider


def _system_and_user(request: str, flow: str | None = None) -> tuple[str, str]:
    chat = ScriptedChatProvider([fenced(VALID)])
    Copilot(chat, Retriever()).generate(request, flow)
    system, user = chat.calls[0].messages
    assert system.role == "system" and user.role == "user"
    return system.content, user.content


def test_the_system_prompt_holds_the_rules_and_the_retrieved_schemas_and_examples() -> None:
    system, user = _system_and_user("Download the NYC taxi CSV file and load it into BigQuery")
    assert rules.RULES in system and rules.ANSWER_FORMAT in system
    assert "never in a top-level `schedule:`" in system
    load = by_type()["io.kestra.plugin.gcp.bigquery.Load"]
    assert "### io.kestra.plugin.gcp.bigquery.Load (task)" in system
    assert "- destinationTable* (string)" in system  # a required property, with its type
    assert load.examples[0].splitlines()[0] in system  # the type's example
    assert "### io.kestra.plugin.core.http.Download (task)" in system
    assert "Download the NYC taxi CSV file and load it into BigQuery" in user


def test_every_type_is_listed_so_none_is_invented() -> None:
    system, _ = _system_and_user("say hello")
    for doc in catalog():
        assert f"- {doc.type} [{doc.kind}]" in system
    assert "io.kestra.plugin.core.flow.EachSequential" not in system  # deprecated types are not offered


def test_common_properties_are_stated_once_not_per_type() -> None:
    rendered = render_type(by_type()["io.kestra.plugin.core.log.Log"])
    assert "- message*" in rendered
    assert "- allowFailure" not in rendered and "- retry" not in rendered
    assert "allowFailure" in rules.RULES


def test_editing_gives_the_current_flow_and_its_errors() -> None:
    _, user = _system_and_user("add a daily schedule", UNKNOWN_PROPERTY)
    assert rules.EDIT_RULES in user
    assert UNKNOWN_PROPERTY.rstrip() in user
    assert '11:5: tasks[1].fileFormat: Unrecognized field "fileFormat"' in user
    assert user.rstrip().endswith("add a daily schedule")


def test_editing_always_gives_the_types_the_current_flow_uses() -> None:
    chat = ScriptedChatProvider([fenced(VALID)])
    copilot = Copilot(chat, Retriever(), top_k=1)
    types = [doc.type for doc in copilot.context_types("rename the flow", VALID)]
    assert {"io.kestra.plugin.core.http.Download", "io.kestra.plugin.gcp.bigquery.Load"} <= set(types)


def test_a_type_named_in_the_request_is_given_in_full() -> None:
    copilot = Copilot(ScriptedChatProvider([]), Retriever(), top_k=1)
    types = [d.type for d in copilot.context_types("use io.kestra.plugin.jdbc.sqlite.Queries to clean up")]
    assert types[0] == "io.kestra.plugin.jdbc.sqlite.Queries"


def test_the_repair_message_lists_errors_with_line_column_path_and_hint() -> None:
    wrong = VALID.replace("io.kestra.plugin.core.http.Download", "io.kestra.plugin.core.http.Downlod")
    message = repair_message(validate(wrong).issues, [type_doc("io.kestra.plugin.core.http.Download")])
    assert message.role == "user"
    assert "- 5:11: tasks[0].type: Invalid type: io.kestra.plugin.core.http.Downlod" in message.content
    assert "(hint: did you mean one of: `io.kestra.plugin.core.http.Download`" in message.content
    assert "### io.kestra.plugin.core.http.Download (task)" in message.content


def test_system_message_can_be_built_from_any_docs() -> None:
    message = system_message(catalog()[:2], [])
    assert message.content.count("\n- ") >= 2


def test_a_new_flow_request_is_not_an_edit() -> None:
    message = user_message("log hello")
    assert rules.EDIT_RULES not in message.content and "log hello" in message.content
