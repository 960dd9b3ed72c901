"""ForEachItem in the local runtime: a stored file cut into batches, one child execution per batch
(kestra-reference §2.6; Kestra's ForEachItemCaseTest)."""

from __future__ import annotations

import time

from lanner.files.uris import flow_prefix
from lanner.model.execution import Execution
from lanner.runtime.local import LocalRun
from lanner.store.ports import ExecutionQuery
from lanner.testing import local_runtime

NS = "company.team"
TEN_LINES = "".join(f"line {n}\n" for n in range(1, 11)).encode()

CHILD = f"""\
id: count_lines
namespace: {NS}
inputs:
  - id: file
    type: STRING
  - id: fail_on
    type: INT
    defaults: -1
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ read(inputs.file) | trim | split('\\n') | length }}}}"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{{{ inputs.fail_on == trigger.taskRunIteration }}}}"
outputs:
  - id: lines
    type: INT
    value: "{{{{ outputs.count.value }}}}"
  - id: first
    type: STRING
    value: "{{{{ read(inputs.file) | trim | split('\\n') | first }}}}"  # rendered by the engine
"""


def parent(batch: str, *, extra: str = "", fail_on: int = -1) -> str:
    return f"""\
id: split_parent
namespace: {NS}
inputs:
  - id: file
    type: STRING
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{{{ inputs.file }}}}"
    batch:
      {batch}
    namespace: {NS}
    flowId: count_lines
{extra}    inputs:
      file: "{{{{ taskrun.items }}}}"
      fail_on: {fail_on}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.each_items.numberOfBatches }}}}"
"""


def run_parent(local: LocalRun, source: str) -> Execution:
    local.runtime.deploy(CHILD)
    flow = local.runtime.deploy(source)
    uri = local.services.files.put_bytes(f"{flow_prefix(NS, 'split_parent')}/data/ten.txt", TEN_LINES)
    return local.wait(local.start(flow, {"file": uri}).id, timeout=60)


def children(local: LocalRun, parent_id: str) -> list[Execution]:
    query = ExecutionQuery(namespace=NS, flow_id="count_lines", size=100)
    page = local.services.stores.executions.search(query)
    found = [e for e in page.results if e.parent_id == parent_id]
    return sorted(found, key=lambda e: e.trigger.variables["taskRunIteration"] if e.trigger else -1)


def read_text(local: LocalRun, uri: str) -> str:
    with local.services.files.open(uri) as handle:
        return handle.read().decode()


def test_ten_lines_by_three_rows_start_four_children_each_with_its_batch() -> None:
    with local_runtime() as local:
        final = run_parent(local, parent("rows: 3"))
        kids = children(local, final.id)
        merged = final.task_runs[3].outputs or {}
        merged_text = read_text(local, merged["subflowOutputs"])
    assert final.state.current.value == "SUCCESS"
    assert [r.task_id for r in final.task_runs] == ["each", "each_split", "each_items", "each_merge", "after"]
    items = final.task_runs[2]
    assert items.outputs == {"numberOfBatches": 4,
                             "iterations": {"CREATED": 0, "RUNNING": 0, "SUCCESS": 4}}
    assert len(items.attempts) == 1 and items.attempts[0].state.current.value == "SUCCESS"
    assert [k.outputs for k in kids] == [{"lines": 3, "first": "line 1"}, {"lines": 3, "first": "line 4"},
                                         {"lines": 3, "first": "line 7"}, {"lines": 1, "first": "line 10"}]
    assert all(k.state.current.value == "SUCCESS" for k in kids)
    assert kids[0].inputs["file"].endswith(".txt") and "/executions/" + final.id in kids[0].inputs["file"]
    assert merged_text.splitlines() == ['{lines:3,first:"line 1"}', '{lines:3,first:"line 4"}',
                                        '{lines:3,first:"line 7"}', '{lines:1,first:"line 10"}']
    assert final.task_runs[-1].outputs == {"value": "4"}


def test_a_failing_child_fails_the_parent_when_transmit_failed() -> None:
    with local_runtime() as local:
        final = run_parent(local, parent("rows: 3", fail_on=1))
        kids = children(local, final.id)
    assert final.state.current.value == "FAILED"
    assert [r.task_id for r in final.task_runs] == ["each", "each_split", "each_items"]
    assert final.task_runs[2].outputs == {
        "numberOfBatches": 4, "iterations": {"CREATED": 0, "RUNNING": 0, "SUCCESS": 3, "FAILED": 1}}
    assert [k.state.current.value for k in kids] == ["SUCCESS", "FAILED", "SUCCESS", "SUCCESS"]


def test_without_transmit_failed_a_failing_child_is_only_counted() -> None:
    with local_runtime() as local:
        final = run_parent(local, parent("rows: 5", extra="    transmitFailed: false\n", fail_on=0))
    assert final.state.current.value == "SUCCESS"
    assert final.task_runs[2].outputs["iterations"] == {"CREATED": 0, "RUNNING": 0, "FAILED": 1,
                                                        "SUCCESS": 1}


def test_wait_false_ends_once_the_children_are_created() -> None:
    with local_runtime() as local:
        final = run_parent(local, parent("rows: 4", extra="    wait: false\n", fail_on=0))
        assert final.state.current.value == "SUCCESS"  # the failing child does not matter
        assert final.task_runs[2].outputs == {"numberOfBatches": 3,
                                              "iterations": {"RUNNING": 0, "SUCCESS": 3}}
        assert "subflowOutputs" not in (final.task_runs[3].outputs or {})
        deadline = time.monotonic() + 30
        while len([k for k in children(local, final.id) if k.state.current.is_terminated]) < 3:
            assert time.monotonic() < deadline, "children did not end"
            time.sleep(0.05)


def test_partitions_deal_the_rows_round_robin() -> None:
    with local_runtime() as local:
        final = run_parent(local, parent("partitions: 3"))
        kids = children(local, final.id)
        first_batch = read_text(local, kids[0].inputs["file"])
    assert final.state.current.value == "SUCCESS"
    assert final.task_runs[2].outputs["numberOfBatches"] == 3
    assert [k.outputs["lines"] for k in kids] == [4, 3, 3]
    assert first_batch == "line 1\nline 4\nline 7\nline 10\n"


def test_killing_the_parent_kills_its_children() -> None:
    slow_child = CHILD.replace("tasks:\n", "tasks:\n  - id: nap\n    type: io.kestra.plugin.core.flow.Sleep\n"
                                           "    duration: PT30S\n", 1)
    with local_runtime() as local:
        local.runtime.deploy(slow_child)
        flow = local.runtime.deploy(parent("rows: 5"))
        uri = local.services.files.put_bytes(f"{flow_prefix(NS, 'split_parent')}/data/ten.txt", TEN_LINES)
        execution = local.start(flow, {"file": uri})
        deadline = time.monotonic() + 30
        while len([k for k in children(local, execution.id) if k.state.current.value == "RUNNING"]) < 2:
            assert time.monotonic() < deadline, "children did not start"
            time.sleep(0.05)
        local.runtime.kill(execution.id)
        final = local.wait(execution.id, timeout=30)
        deadline = time.monotonic() + 30
        while not all(k.state.current.is_terminated for k in children(local, execution.id)):
            assert time.monotonic() < deadline, "children still running"
            time.sleep(0.05)
        kids = children(local, execution.id)
    assert final.state.current.value == "KILLED"
    assert [k.state.current.value for k in kids] == ["KILLED", "KILLED"]
