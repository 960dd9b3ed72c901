"""One-shot local runs (``lanner run FILE``, ``lanner.testing``): a Runtime on embedded defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.errors import FlowValidationError, InputError, Issue
from lanner.model.execution import Execution
from lanner.model.flow import Flow
from lanner.runtime.executor_loop import Runtime
from lanner.runtime.leases import RunLease, leases_dir, orphaned_executions
from lanner.runtime.services import Services, build_services

if TYPE_CHECKING:
    from lanner.scheduler.ports import LaunchRequest

ORPHAN_REASON = ("Killed: the `lanner run` process that was running this execution stopped without "
                 "finishing it (kill -9, out of memory, a crash). Replay or restart it to run it again.")


class LocalRun:
    def __init__(self, services: Services | None = None, *, max_workers: int = 32) -> None:
        self.services = services or build_services()
        self.runtime = Runtime(self.services, max_workers=max_workers)

    def __enter__(self) -> LocalRun:
        self.runtime.start()
        self._take_lease()
        return self

    def __exit__(self, *exc: object) -> None:
        self.runtime.stop()
        if self.runtime.lease is not None:
            self.runtime.lease.close()
        self.services.close()

    def _take_lease(self) -> None:
        """Record the executions this process runs, and kill those a dead ``lanner run`` left
        unfinished: nobody else would, and they hold concurrency slots (see ``leases``)."""
        directory = leases_dir(self.services.settings.home)
        self.runtime.lease = RunLease(directory)
        with orphaned_executions(directory, own=self.runtime.lease) as orphans:
            killed = [execution_id for execution_id in sorted(orphans)
                      if self.runtime.kill_orphan(execution_id, ORPHAN_REASON)]
            for execution_id in killed:  # its slot frees when it ends: a bounded wait is enough
                with suppress(TimeoutError):
                    self.runtime.wait(execution_id, timeout=10)

    def deploy_file(self, path: Path) -> Flow:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FlowValidationError([Issue("", "the file is binary, not a YAML flow",
                                             file=str(path))]) from None
        return self.runtime.deploy(text, str(path))

    def deploy_subflows_beside(self, flow: Flow, path: Path) -> list[Path]:
        """Deploy the flows ``flow`` calls (Subflow, ForEachItem: a literal ``namespace`` and
        ``flowId``) that are declared by YAML files next to ``path``, and theirs in turn, so
        ``lanner run parent.yaml`` runs the ``child.yaml`` beside it as it is now. Returns the
        files deployed."""
        deployed: list[Path] = []
        pending, seen = [flow], {(flow.namespace, flow.id)}
        declared: dict[tuple[str, str], Path] | None = None
        while pending:
            targets = _called_flows(pending.pop()) - seen
            if not targets:
                continue
            if declared is None:  # read the folder only for a flow that calls another one
                declared = _flows_declared_in(path.parent, skip=path)
            for target in sorted(targets):
                file = declared.get(target)
                seen.add(target)
                if file is not None:
                    deployed.append(file)
                    pending.append(self.deploy_file(file))
        return deployed

    def start(
        self,
        flow: Flow,
        inputs: Mapping[str, Any] | None = None,
        *,
        labels: Iterable[tuple[str, str]] = (),
        trigger_date: str | None = None,
        trigger_id: str | None = None,
    ) -> Execution:
        submitted = dict(inputs or {})
        trigger = None
        variables: dict[str, Any] = {}
        all_labels = list(labels)
        if trigger_date is not None:
            request = _schedule_request(flow, _pick_schedule(flow, trigger_id), trigger_date)
            trigger, variables = request.trigger, request.variables
            submitted = {**request.inputs, **submitted}
            all_labels = request.labels + all_labels
        _refuse_undeclared(flow, submitted)
        submitted = self._upload_files(flow, submitted)
        return self.runtime.create_execution(flow, submitted, labels=all_labels, trigger=trigger,
                                             variables=variables)

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        try:
            return self.runtime.wait(execution_id, timeout)
        except KeyboardInterrupt:
            # Ctrl-C: kill properly so the execution does not hold a concurrency slot forever.
            self.runtime.kill(execution_id)
            return self.runtime.wait(execution_id, 30)

    def _upload_files(self, flow: Flow, submitted: dict[str, Any]) -> dict[str, Any]:
        """``--input data=@path`` for FILE inputs: store the file, pass its kestra:// URI."""
        from lanner.files.uris import namespace_path, slugify
        from lanner.model.ids import new_id

        file_inputs = {getattr(i, "id", None) for i in flow.inputs if getattr(i, "type", "") == "FILE"}
        out = dict(submitted)
        for key, value in submitted.items():
            if key in file_inputs and isinstance(value, str) and value.startswith("@"):
                path = Path(value[1:]).expanduser()
                if not path.is_file():
                    raise InputError([Issue(f"inputs.{key}", f"no such file: {path}")])
                uri = (f"kestra:///{namespace_path(flow.namespace)}/{slugify(flow.id)}/uploads/"
                       f"{new_id()}/{key}/{path.name}")
                out[key] = self.services.files.put_file(uri, path)
        return out


def _called_flows(flow: Flow) -> set[tuple[str, str]]:
    """(namespace, flowId) of the flows a flow's tasks start, when written literally."""
    from lanner.engine.flowindex import index_of

    called = set()
    for task in index_of(flow).tasks.values():
        namespace, flow_id = getattr(task, "namespace", None), getattr(task, "flowId", None)
        if isinstance(namespace, str) and isinstance(flow_id, str) and "{{" not in namespace + flow_id:
            called.add((namespace, flow_id))
    return called


def _flows_declared_in(folder: Path, *, skip: Path) -> dict[tuple[str, str], Path]:
    """(namespace, id) -> file, for the YAML flow files of ``folder`` (unreadable files skipped)."""
    import yaml

    declared: dict[tuple[str, str], Path] = {}
    for candidate in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        if candidate.resolve() == skip.resolve() or candidate.stat().st_size > 1_000_000:
            continue
        try:
            head = yaml.safe_load(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(head, dict):
            continue
        namespace, flow_id = head.get("namespace"), head.get("id")
        if isinstance(namespace, str) and isinstance(flow_id, str):
            declared.setdefault((namespace, flow_id), candidate)
    return declared


def _refuse_undeclared(flow: Flow, submitted: Mapping[str, Any]) -> None:
    """Kestra's API ignores undeclared inputs; on the command line a typo deserves an error."""
    import difflib

    declared = [str(getattr(i, "id", "")) for i in flow.inputs]
    issues = []
    for key in submitted:
        if key in declared or any(key.startswith(d + ".") for d in declared):
            continue
        close = difflib.get_close_matches(key, declared, n=1)
        hint = f"did you mean '{close[0]}'?" if close else (
            f"declared inputs: {', '.join(repr(d) for d in declared)}" if declared
            else "the flow declares no inputs")
        issues.append(Issue(f"inputs.{key}", f"the flow has no input '{key}'", hint=hint))
    if issues:
        raise InputError(issues)


def _pick_schedule(flow: Flow, trigger_id: str | None) -> Any:
    from lanner.scheduler.cron import is_schedule

    schedules = [t for t in flow.triggers if is_schedule(t)]
    if trigger_id is not None:
        schedules = [t for t in schedules if t.id == trigger_id]
    if not schedules:
        what = f"no Schedule trigger with id '{trigger_id}'" if trigger_id else "no Schedule trigger"
        raise InputError([Issue("--trigger-date", f"the flow has {what}",
                                hint="add a trigger of type io.kestra.plugin.core.trigger.Schedule")])
    return schedules[0]


def _schedule_request(flow: Flow, schedule: Any, date_text: str) -> LaunchRequest:
    """What the scheduler would launch for ``schedule`` at ``date_text``: an exact instant, or a
    bare date for the schedule's first accepted fire time on or after that day."""
    from datetime import timedelta

    from lanner.expr.engine import Renderer
    from lanner.scheduler.conditions import ConditionEvaluator
    from lanner.scheduler.launch import flow_variables, schedule_request
    from lanner.scheduler.ticks import ScheduleDates

    renderer = Renderer()
    dates = ScheduleDates(schedule, flow_variables(flow), ConditionEvaluator(renderer))
    try:
        if "T" in date_text:
            moment = datetime.fromisoformat(date_text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dates.zone)
        else:
            day = datetime.fromisoformat(date_text).replace(tzinfo=dates.zone)
            moment = dates.first_after(day - timedelta(seconds=1))
    except ValueError:
        raise InputError([Issue("--trigger-date", f"'{date_text}' is not a date",
                                hint="use 2019-01-01 or 2019-01-01T09:00:00Z")]) from None
    return schedule_request(flow, schedule, dates, moment, renderer)
