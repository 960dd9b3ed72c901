"""Taking the flow and the explanation out of a model's reply."""

from __future__ import annotations

from tests.unit.copilot.flows import VALID

from lanner.copilot.answer import parse_reply


def test_a_yaml_block_and_the_prose_around_it() -> None:
    draft = parse_reply(f"Here is your flow:\n```yaml\n{VALID}```\nIt downloads the file, then loads it.")
    assert draft.yaml == VALID
    assert draft.explanation == "It downloads the file, then loads it."


def test_the_yaml_block_wins_over_other_blocks() -> None:
    draft = parse_reply(f"Run:\n```bash\nlanner run flow.yaml\n```\n```yml\n{VALID}```")
    assert draft.yaml == VALID
    assert "lanner run" not in draft.explanation


def test_an_untagged_block_that_reads_as_a_flow() -> None:
    draft = parse_reply(f"```\n{VALID}```")
    assert draft.yaml == VALID


def test_a_bare_flow_without_fences() -> None:
    assert parse_reply(VALID).yaml == VALID


def test_an_unclosed_block_is_read_to_the_end() -> None:
    assert parse_reply(f"```yaml\n{VALID}").yaml == VALID


def test_a_document_marker_is_dropped() -> None:
    assert parse_reply(f"```yaml\n---\n{VALID}```").yaml == VALID


def test_no_flow_at_all() -> None:
    draft = parse_reply("I can only help with flows.")
    assert draft.yaml is None and draft.explanation == "I can only help with flows."
