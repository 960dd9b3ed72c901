"""Kestra semantics end to end: real YAML, the real runtime (threads, timers, storage)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lanner.errors import InputError
from lanner.testing import local_runtime, run_flow

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seed-flows"


def flow(body: str, flow_id: str = "t") -> str:
    return f"id: {flow_id}\nnamespace: company.team\n{body}"


def states(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {run.task_id + (f"[{run.value}]" if run.value else ""): run.state.current.value
            for run in result.task_runs}


def test_if_switch_foreach_and_nested_outputs() -> None:
    result = run_flow(flow("""
inputs:
  - id: kind
    type: SELECT
    values: [a, b]
    defaults: b
tasks:
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.kind == 'a' }}"
    then:
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: no
  - id: pick
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.kind }}"
    cases:
      b:
        - id: chosen
          type: io.kestra.plugin.core.debug.Return
          format: b-case
    defaults:
      - id: fallback
        type: io.kestra.plugin.core.debug.Return
        format: default
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x", "y"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: [1, 2]
        tasks:
          - id: leaf
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parent.taskrun.value }}{{ taskrun.value }}"
  - id: collect
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.leaf['y']['2'].value }} {{ outputs.chosen.value }}"
"""))
    assert result.state == "SUCCESS"
    assert result.outputs("branch") == {"evaluationResult": False}
    assert "never" not in states(result)
    assert result.outputs("pick")["value"] == "b"
    assert "fallback" not in states(result)
    assert result.outputs("collect")["value"] == "y2 b-case"


def test_parallel_really_runs_concurrently() -> None:
    started = time.monotonic()
    result = run_flow(flow("""
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: one
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
      - id: two
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
      - id: three
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
"""))
    assert result.state == "SUCCESS"
    assert time.monotonic() - started < 2.5


def test_errors_and_finally_run_and_the_execution_fails() -> None:
    result = run_flow(flow("""
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: first
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: broken on purpose
  - id: skipped
    type: io.kestra.plugin.core.log.Log
    message: never created
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: "handling {{ errorLogs()[0].message }}"
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: cleaning up
"""))
    assert result.state == "FAILED"
    assert states(result) == {"ok": "SUCCESS", "boom": "FAILED", "on_error": "SUCCESS",
                              "cleanup": "SUCCESS"}
    assert any("broken on purpose" in m for m in result.messages())


def test_allow_failure_gives_warning_and_continues() -> None:
    result = run_flow(flow("""
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    allowFailure: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: still running
"""))
    assert result.state == "WARNING"
    assert states(result) == {"flaky": "WARNING", "after": "SUCCESS"}


def test_constant_retry_until_success_with_warning_on_retry() -> None:
    result = run_flow(flow("""
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 1 }}"  # Kestra counts the attempts before this one
    retry:
      type: constant
      interval: PT0.2S
      maxAttempt: 3
      warningOnRetry: true
"""))
    run = result.task_run("flaky")
    assert [a.state.current.value for a in run.attempts] == ["FAILED", "SUCCESS"]
    assert run.state.current.value == "WARNING"
    assert result.state == "WARNING"


def test_a_new_execution_retry_waits_for_the_retry_interval() -> None:
    from lanner.store.ports import ExecutionQuery

    source = flow("""
tasks:
  - id: always
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 2
      behavior: CREATE_NEW_EXECUTION
""")
    with local_runtime() as local:
        first = local.wait(local.start(local.runtime.deploy(source)).id, timeout=30)
        store = local.services.stores.executions

        def retry() -> list:
            return [e for e in store.search(ExecutionQuery(flow_id="t", size=10)).results
                    if e.parent_id == first.id]

        deadline = time.monotonic() + 10
        while not retry() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = local.wait(retry()[0].id, timeout=30)
    assert first.state.current.value == "RETRIED"
    ended = first.state.histories[-1].date
    started = next(h.date for h in second.state.histories if h.state.value == "RUNNING")
    assert (started - ended).total_seconds() >= 0.9, (ended, started)
    assert second.attempt_number == 2 and second.state.current.value == "FAILED"


def test_retry_exhausted_fails_after_max_attempts() -> None:
    result = run_flow(flow("""
tasks:
  - id: always
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.1S
      maxAttempt: 3
"""))
    assert result.state == "FAILED"
    assert len(result.task_run("always").attempts) == 3


def test_timeout_fails_a_task_quickly() -> None:
    started = time.monotonic()
    result = run_flow(flow("""
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
    timeout: PT0.5S
"""))
    assert result.state == "FAILED"
    assert time.monotonic() - started < 10
    assert any("timeout" in m.lower() for m in result.messages("ERROR"))


def test_plugin_defaults_prefix_and_forced() -> None:
    result = run_flow(flow("""
tasks:
  - id: explicit
    type: io.kestra.plugin.core.log.Log
    message: explicit
    level: INFO
  - id: defaulted
    type: io.kestra.plugin.core.debug.Return
pluginDefaults:
  - type: io.kestra.plugin.core.log
    values:
      level: WARN
  - type: io.kestra.plugin.core.debug.Return
    forced: true
    values:
      format: forced value
"""))
    assert result.state == "SUCCESS"
    assert result.outputs("defaulted") == {"value": "forced value"}
    explicit = [e for e in result.logs if e.task_id == "explicit"]
    assert explicit and explicit[0].level == "INFO"  # an explicit property beats a non-forced default


def test_subflow_waits_and_returns_outputs() -> None:
    child = flow("""
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: result
    type: INT
    value: "{{ outputs.double.value }}"
""", "child")
    parent = flow("""
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
    inputs:
      n: 21
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.result }}"
""", "parent")
    with local_runtime() as local:
        local.runtime.deploy(child)
        parent_flow = local.runtime.deploy(parent)
        execution = local.start(parent_flow)
        final = local.wait(execution.id, timeout=30)
    assert final.state.current.value == "SUCCESS"
    show = next(run for run in final.task_runs if run.task_id == "show")
    assert show.outputs == {"value": "42"}


def test_subflow_schedule_date_delays_the_child() -> None:
    child = flow("""
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: hi
""", "later_child")
    parent = flow("""
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: later_child
    scheduleDate: "{{ now() | dateAdd(1, 'SECONDS') }}"
  - id: bad
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: later_child
    scheduleDate: next tuesday
""", "later_parent")
    with local_runtime() as local:
        local.runtime.deploy(child)
        final = local.wait(local.start(local.runtime.deploy(parent)).id, timeout=30)
        call = next(run for run in final.task_runs if run.task_id == "call")
        child_run = local.runtime.get(call.outputs["executionId"])
        assert child_run is not None
        logs = local.services.stores.logs.for_execution(final.id)
    assert child_run.state.current.value == "SUCCESS" and child_run.schedule_date is not None
    started = next(h.date for h in child_run.state.histories if h.state.value == "RUNNING")
    created = child_run.state.histories[0].date
    assert started >= child_run.schedule_date and (started - created).total_seconds() >= 0.8
    assert final.state.current.value == "FAILED"
    assert any("Invalid scheduleDate 'next tuesday'" in entry.message for entry in logs)


def test_labels_kv_and_flow_outputs() -> None:
    result = run_flow(flow("""
tasks:
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: "{{ 'te' ~ 'st' }}"
  - id: put
    type: io.kestra.plugin.core.kv.Set
    key: greeting
    value: "{{ {'hello': 'world'} }}"
    kvType: JSON
  - id: get
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('greeting').hello }}"
outputs:
  - id: said
    type: STRING
    value: "{{ outputs.get.value }}"
"""))
    assert result.state == "SUCCESS"
    assert result.execution.labels_map["stage"] == "test"
    assert result.execution.outputs == {"said": "world"}


def test_secrets_are_read_from_base64_env_and_masked_in_logs() -> None:
    secret = "hunter2-very-secret"
    environ = {"SECRET_DB_PASSWORD": base64.b64encode(secret.encode()).decode()}
    result = run_flow(flow("""
tasks:
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "the password is {{ secret('DB_PASSWORD') }}"
"""), environ=environ)
    assert result.state == "SUCCESS"
    assert not any(secret in m for m in result.messages())
    assert any("******" in m for m in result.messages())


def test_secret_inputs_are_masked_in_logs() -> None:
    result = run_flow(flow("""
inputs:
  - id: db.password
    type: SECRET
  - id: token
    type: SECRET
tasks:
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "password {{ inputs.db.password }} token {{ inputs.token }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo "from a script {{ inputs.token }}"
"""), {"db.password": "hunter2-input-secret", "token": "tok-0123456789"})
    assert result.state == "SUCCESS"
    messages = result.messages()
    assert not any("hunter2-input-secret" in m or "tok-0123456789" in m for m in messages), messages
    assert any(m == "password ****** token ******" for m in messages)
    assert any("from a script ******" in m for m in messages)


def test_strict_undefined_fails_the_task_with_kestras_message() -> None:
    result = run_flow(flow("""
tasks:
  - id: bad
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
"""))
    assert result.state == "FAILED"
    assert any("Unable to find `trigger` used in the expression `{{ trigger.date }}` at line 1" in m
               for m in result.messages("ERROR"))


def test_seed_01_concurrency_fail_behaviour() -> None:
    """01 says `concurrency: {limit: 2, behavior: FAIL}`: a third simultaneous run fails at once."""
    source = (SEEDS / "01_hello_world.yaml").read_text()
    with local_runtime() as local:
        hello = local.runtime.deploy(source)
        first, second, third = (local.start(hello, {"name": n}) for n in ("A", "B", "C"))
        failed = local.wait(third.id, timeout=10)
        assert failed.state.current.value == "FAILED"
        assert failed.task_runs == ()
        for running in (first, second):
            assert local.runtime.get(running.id).state.current.value == "RUNNING"  # type: ignore[union-attr]
            local.runtime.kill(running.id)
            assert local.wait(running.id, timeout=10).state.current.value == "KILLED"


def test_queue_behaviour_runs_executions_one_after_another_in_order() -> None:
    source = flow("""
concurrency:
  limit: 1
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.3S
""")
    with local_runtime() as local:
        queued_flow = local.runtime.deploy(source)
        executions = [local.start(queued_flow) for _ in range(3)]
        finals = [local.wait(e.id, timeout=30) for e in executions]
    assert [f.state.current.value for f in finals] == ["SUCCESS"] * 3
    assert "QUEUED" in [h.state.value for h in finals[2].state.histories]
    ends = [f.state.histories[-1].date for f in finals]
    starts = [next(h.date for h in f.state.histories if h.state.value == "RUNNING") for f in finals]
    assert starts[1] >= ends[0] and starts[2] >= ends[1]  # never two at once, in creation order


@pytest.mark.slow
def test_seed_01_through_the_testing_helper() -> None:
    result = run_flow((SEEDS / "01_hello_world.yaml").read_text(), {"name": "Ada"})
    assert result.state == "SUCCESS"
    assert len(result.task_runs) == 5
    hello = [e for e in result.logs if e.task_id == "hello_message"]
    assert hello[0].level == "ERROR" and hello[0].message == "Hello, Ada!"


def test_working_directory_children_share_files_and_the_directory_is_removed() -> None:
    source = flow("""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      hello.txt: "Hello {{ 'from' }} Lanner"
    tasks:
      - id: write
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          second.txt: written by the first child
      - id: read
        type: io.kestra.plugin.core.storage.LocalFiles
        outputs:
          - "*.txt"
""")
    with local_runtime() as local:
        execution = local.start(local.runtime.deploy(source))
        final = local.wait(execution.id, timeout=30)
        shared = local.services.settings.work_dir / "shared" / execution.id
        assert not shared.exists() or not any(shared.iterdir())
    assert final.state.current.value == "SUCCESS"
    read = next(run for run in final.task_runs if run.task_id == "read")
    stored = read.outputs or {}
    assert sorted(stored.get("uris", stored.get("outputFiles", {}))) == ["hello.txt", "second.txt"]


def test_working_directory_input_files_stay_inside_it() -> None:
    source = flow("""
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      ../escaped.txt: outside
    tasks:
      - id: list
        type: io.kestra.plugin.core.storage.LocalFiles
        outputs:
          - "*.txt"
""")
    with local_runtime() as local:
        execution = local.start(local.runtime.deploy(source))
        final = local.wait(execution.id, timeout=30)
        shared = local.services.settings.work_dir / "shared"
        escaped = list(shared.rglob("escaped.txt")) if shared.exists() else []
        messages = [e.message for e in local.services.stores.logs.for_execution(execution.id)]
    assert final.state.current.value == "FAILED"
    assert escaped == []
    assert any("must stay inside the working directory" in m for m in messages), messages


def test_a_trigger_date_runs_what_the_scheduler_would_launch() -> None:
    # Trigger inputs and labels are rendered with the trigger's variables, as the scheduler does.
    result = run_flow(flow("""
inputs:
  - id: month
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.month }} {{ trigger.date | date('yyyy-MM-dd') }} {{ labels.month }}"
triggers:
  - id: monthly
    type: io.kestra.core.models.triggers.types.Schedule
    cron: "0 9 1 * *"
    inputs:
      month: "{{ trigger.date | date('yyyy-MM') }}"
    labels:
      month: "{{ trigger.date | date('MM') }}"
"""), trigger_date="2019-03-01")
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert result.outputs("show") == {"value": "2019-03 2019-03-01 03"}


def test_envs_and_globals_come_from_the_configuration() -> None:
    result = run_flow(flow("""
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ envs.region }} {{ globals.team }}"
"""), environ={"ENV_REGION": "eu"}, config={"variables": {"globals": {"team": "data"}}})
    assert result.outputs("show") == {"value": "eu data"}


def test_queued_execution_of_another_process_sharing_the_store_is_not_stolen(tmp_path: Path) -> None:
    """Two runtimes on one SQLite file (two `lanner run`s): each starts only its own queued
    executions, when the other frees the slot."""
    from lanner.runtime.local import LocalRun
    from lanner.runtime.services import build_services
    from lanner.settings import Settings

    source = flow("""
concurrency:
  limit: 1
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.5S
""")

    def runtime() -> LocalRun:
        return LocalRun(build_services(Settings(home=tmp_path, raw={}, environ={})))

    with runtime() as first, runtime() as second:
        one = first.start(first.runtime.deploy(source))
        time.sleep(0.1)
        two = second.start(second.runtime.deploy(source))
        assert first.wait(one.id, timeout=10).state.current.value == "SUCCESS"
        final = second.wait(two.id, timeout=10)
    assert final.state.current.value == "SUCCESS"
    assert "QUEUED" in [h.state.value for h in final.state.histories]


def test_replay_from_a_task_run_keeps_what_ran_before_it() -> None:
    source = flow("""
inputs:
  - id: fail
    type: BOOLEAN
    defaults: true
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.id }}"
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ kv('broken') ?? false }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}"
""")
    with local_runtime() as local:
        local.services.kv.set("company.team", "broken", True)
        original = local.wait(local.start(local.runtime.deploy(source)).id, timeout=30)
        assert original.state.current.value == "FAILED"
        loop_run = next(r for r in original.task_runs if r.task_id == "loop")

        local.services.kv.set("company.team", "broken", False)
        replay = local.runtime.replay(original.id, loop_run.id)
        final = local.wait(replay.id, timeout=30)
    assert final.id != original.id and final.parent_id == original.id
    assert final.state.current.value == "SUCCESS"
    first = next(r for r in final.task_runs if r.task_id == "first")
    assert first.outputs == {"value": original.id}  # kept from before the replayed task, not re-run
    assert [h.state.value for h in first.state.histories][-1] == "SUCCESS"
    assert next(r for r in final.task_runs if r.task_id == "last").outputs == {"value": original.id}
    assert sorted(r.value for r in final.task_runs if r.task_id == "check") == ["a", "b"]


INPUT_EXPRESSIONS = """
variables:
  region: eu
inputs:
  - {id: year, type: INT, defaults: "{{ now() | date('yyyy') }}"}
  - id: where
    type: STRING
    defaults: "{{ flow.namespace }}/{{ vars.region }}/{{ secret('TOKEN') | length }}"
  - {id: cloud, type: SELECT, values: [AWS, GCP], defaults: AWS}
  - id: region
    type: SELECT
    expression: "{{ ['us-east-1', 'eu-west-1'] }}"
    defaults: us-east-1
    dependsOn: {inputs: [cloud], condition: "{{ inputs.cloud == 'AWS' }}"}
  - id: file
    type: STRING
    defaults: "{{ trigger.date ?? 'manual' }}-{{ inputs.cloud | lower }}.csv"
    dependsOn: {inputs: [cloud]}
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.year }} {{ inputs.where }} {{ inputs.region }} {{ inputs.file }}"
"""


def test_input_defaults_conditions_and_expressions_are_rendered() -> None:
    token = {"SECRET_TOKEN": "c2VjcmV0"}  # base64 "secret"
    result = run_flow(flow(INPUT_EXPRESSIONS), environ=token)
    assert result.state == "SUCCESS", result.logs
    year = datetime.now(UTC).year
    assert result.execution.inputs["year"] == year and result.execution.inputs["region"] == "us-east-1"
    assert result.outputs("show") == {"value": f"{year} company.team/eu/6 us-east-1 manual-aws.csv"}
    other = run_flow(flow(INPUT_EXPRESSIONS), {"cloud": "GCP"}, environ=token)
    assert "region" not in other.execution.inputs  # its condition is false: the input is disabled
    assert other.execution.inputs["file"] == "manual-gcp.csv"
    with pytest.raises(InputError, match="region"):
        run_flow(flow(INPUT_EXPRESSIONS), {"region": "mars-1"}, environ=token)  # not in `expression`


def test_tasks_with_state_lists_the_task_runs_in_a_state() -> None:
    result = run_flow(flow("""
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: maybe
        type: io.kestra.plugin.core.execution.Fail
        runIf: "{{ taskrun.value == 'b' }}"
        allowFailure: true
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{ tasksWithState('warning') | toJson }}|{{ tasksWithState('SKIPPED') | toJson }}"
"""))
    failed, skipped = result.outputs("report")["value"].split("|")
    assert {"taskId": "maybe", "state": "WARNING", "value": "b"} in json.loads(failed)
    assert json.loads(skipped) == [{"taskId": "maybe", "state": "SKIPPED", "value": "a"}]
