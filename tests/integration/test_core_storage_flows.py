"""Storage tasks chained in one flow on the real local runtime: Write -> Split -> Concat -> Size,
and a row file deduplicated then filtered."""

from __future__ import annotations

from lanner.testing import run_flow


def test_write_split_concat_size_round_trip() -> None:
    result = run_flow("""
id: storage_chain
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "a\\nb\\nc\\nd\\ne\\n"
    extension: .csv
  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ outputs.write.uri }}"
    rows: 2
  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    files: "{{ outputs.split.uris }}"
    separator: "--\\n"
    extension: .csv
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.concat.uri }}"
  - id: content
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.concat.uri) }}"
  - id: delete
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.write.uri }}"
""")
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert len(result.outputs("split")["uris"]) == 3
    text = "a\nb\n--\nc\nd\n--\ne\n--\n"
    assert result.outputs("content")["value"] == text
    assert result.outputs("size")["size"] == len(text)
    assert result.outputs("concat")["uri"].endswith(".csv")
    assert result.outputs("delete")["deleted"] is True


def test_deduplicate_then_filter_rows() -> None:
    result = run_flow("""
id: rows
namespace: company.team
tasks:
  - id: rows
    type: io.kestra.plugin.core.storage.Write
    extension: .ion
    content: |
      {id:1,email:"a@x.io",amount:5}
      {id:2,email:"b@x.io",amount:50}
      {id:3,email:"a@x.io",amount:70}
  - id: dedup
    type: io.kestra.plugin.core.storage.DeduplicateItems
    from: "{{ outputs.rows.uri }}"
    expr: "{{ email }}"
  - id: big
    type: io.kestra.plugin.core.storage.FilterItems
    from: "{{ outputs.dedup.uri }}"
    filterCondition: "{{ amount > 60 }}"
  - id: content
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.big.uri) }}"
""")
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert result.outputs("dedup")["droppedItemsTotal"] == 1
    assert result.outputs("big")["droppedItemsTotal"] == 1
    assert result.outputs("content")["value"] == '{id:3,email:"a@x.io",amount:70}\n'


EXIT_FLOW = """
id: exit
namespace: company.team
inputs:
  - id: state
    type: SELECT
    values: [CONTINUE, END]
    defaults: END
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.state == 'CONTINUE' }}"
    then:
      - id: hello
        type: io.kestra.plugin.core.log.Log
        message: I'm continuing
    else:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: "{{ inputs.exit_state ?? 'WARNING' }}"
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: I'm ending
"""


def test_exit_ends_the_execution_in_its_state_like_kestra() -> None:
    result = run_flow(EXIT_FLOW)
    assert result.state == "WARNING"
    states = [(r.task_id, r.state.current.value) for r in result.task_runs]
    assert states == [("if", "WARNING"), ("exit", "WARNING")]
    assert run_flow(EXIT_FLOW, {"state": "CONTINUE"}).state == "SUCCESS"


def test_exit_killed_kills_the_execution() -> None:
    killed = run_flow(EXIT_FLOW.replace("{{ inputs.exit_state ?? 'WARNING' }}", "KILLED"))
    assert killed.state == "KILLED"
    states = [(r.task_id, r.state.current.value) for r in killed.task_runs]
    assert states == [("if", "KILLED"), ("exit", "KILLED")]


def test_assert_fails_the_execution_listing_false_conditions() -> None:
    result = run_flow("""
id: checks
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: abc
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.write.uri }}"
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions:
      - "{{ outputs.size.size == 3 }}"
      - "{{ outputs.size.size > 10 }}"
    errorMessage: too small
""")
    assert result.state == "FAILED"
    assert "Assertion `{{ outputs.size.size > 10 }}` failed!" in result.messages("ERROR")
    assert any("1 assertion failed!\ntoo small" in m for m in result.messages("ERROR"))
