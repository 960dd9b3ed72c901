"""WorkingDirectory across the cluster's queues: the children run on workers, the last one's
worker collects ``outputFiles`` and the WorkingDirectory's outputs reach a later task."""

from __future__ import annotations

import json

from lanner.engine import process
from lanner.engine.commands import RunTask
from lanner.engine.events import Start
from lanner.model.execution import Execution, StateInfo
from lanner.model.state import State
from lanner.plugins.flowparse import load_flow
from lanner.runtime.distributed.codec import decode_run_task, encode_run_task
from tests.integration.scaleout.conftest import Cluster
from tests.integration.scaleout.test_codec import NOW

WORKING = """\
id: working
namespace: scale.out
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles:
      - "*.csv"
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - printf 'id\\n1\\n' > out.csv
      - id: append
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - printf '2\\n' >> out.csv
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.wdir.outputFiles['out.csv']) }}"
"""


def test_output_files_are_collected_on_the_worker_and_read_later(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    final = cluster.run(WORKING)
    assert final.state.current is State.SUCCESS
    by_id = {run.task_id: run for run in final.task_runs}
    assert sorted((by_id["wdir"].outputs or {})["outputFiles"]) == ["out.csv"]
    assert by_id["show"].outputs == {"value": "id\n1\n2\n"}


def test_the_shared_directory_travels_with_its_owner_and_collect_flag() -> None:
    flow = load_flow(WORKING).model_copy(update={"revision": 2})
    execution = Execution(id="e1", namespace="scale.out", flow_id="working", flow_revision=2,
                          state=StateInfo.new(State.CREATED, NOW))
    decision = process(flow, execution, Start(), NOW)
    command = next(c for c in decision.commands if isinstance(c, RunTask))
    back = decode_run_task(json.loads(json.dumps(encode_run_task(command, 2))), flow)
    assert back.shared_directory == command.shared_directory
    assert back.shared_directory is not None and back.shared_directory.owner is not None
    assert back.shared_directory.owner.id == "wdir"
    assert back.shared_directory.setup["outputFiles"] == ["*.csv"]
