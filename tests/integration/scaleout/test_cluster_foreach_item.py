"""ForEachItem in the cluster runtime (SQLite and PostgreSQL): the split runs on a worker, the
executor creates one child execution per batch, each child's end comes back with its batch
number through the event queue."""

from __future__ import annotations

from lanner.files.uris import flow_prefix
from lanner.model.state import State
from lanner.store.ports import ExecutionQuery
from tests.integration.scaleout.conftest import Cluster

CHILD = """\
id: batch_child
namespace: scale.out
inputs:
  - id: file
    type: STRING
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.file) | trim | split('\\n') | length }}"
outputs:
  - id: lines
    type: INT
    value: "{{ outputs.count.value }}"
"""

PARENT = """\
id: batch_parent
namespace: scale.out
inputs:
  - id: file
    type: STRING
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 3
    namespace: scale.out
    flowId: batch_child
    inputs:
      file: "{{ taskrun.items }}"
"""


def test_for_each_item_starts_one_child_per_batch(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    cluster.gateway.deploy(CHILD)
    uri = cluster.services.files.put_bytes(f"{flow_prefix('scale.out', 'batch_parent')}/ten.txt",
                                           "".join(f"row {n}\n" for n in range(10)).encode())
    final = cluster.run(PARENT, {"file": uri}, timeout=60)
    assert final.state.current is State.SUCCESS, final.state.current
    assert [r.task_id for r in final.task_runs] == ["each", "each_split", "each_items", "each_merge"]
    assert final.task_runs[2].outputs == {"numberOfBatches": 4,
                                          "iterations": {"CREATED": 0, "RUNNING": 0, "SUCCESS": 4}}
    page = cluster.services.stores.executions.search(
        ExecutionQuery(namespace="scale.out", flow_id="batch_child", size=50))
    kids = sorted((e for e in page.results if e.parent_id == final.id),
                  key=lambda e: e.trigger.variables["taskRunIteration"] if e.trigger else -1)
    assert [k.outputs for k in kids] == [{"lines": 3}, {"lines": 3}, {"lines": 3}, {"lines": 1}]
    with cluster.services.files.open(final.task_runs[3].outputs["subflowOutputs"]) as merged:
        assert merged.read().decode().splitlines() == ["{lines:3}"] * 3 + ["{lines:1}"]
