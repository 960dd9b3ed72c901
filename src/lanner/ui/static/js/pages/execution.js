// One execution: overview, Gantt, logs, outputs, metrics, topology coloured by state; kill, restart,
// replay.
import { html, useEffect, useRef, useState } from "../../vendor/lanner-vendor.js";
import { api, follow } from "../api.js";
import { Gantt } from "../execution/gantt.js";
import { LogsView } from "../execution/logs.js";
import { MetricsView } from "../execution/metrics.js";
import { OutputsView } from "../execution/outputs.js";
import { ResumeDialog } from "../execution/resume.js";
import { Link, navigate, path } from "../router.js";
import { Topology, taskStates } from "../topology.js";
import {
  ErrorBox, JsonTree, Labels, Loading, StateBadge, Tabs, errorMessage, fmtDate, fmtDuration, isTerminated,
  stateDuration, toast, useAsync, useInterval,
} from "../ui.js";

const TABS = [
  { id: "overview", label: "Overview" }, { id: "gantt", label: "Gantt" }, { id: "logs", label: "Logs" },
  { id: "outputs", label: "Outputs" }, { id: "metrics", label: "Metrics" }, { id: "topology", label: "Topology" },
];

/** Terminated, and so are all its task runs (afterExecution included). */
export function isSettled(execution) {
  return isTerminated(execution.state.current) && (execution.taskRunList || []).every((r) => isTerminated(r.state.current));
}

/** The execution, followed live (SSE) until it settles; `refollow()` after an action restarts it. */
function useLiveExecution(executionId) {
  const [execution, setExecution] = useState(null);
  const [error, setError] = useState(null);
  const [round, setRound] = useState(0);
  const latest = useRef(null);
  useEffect(() => {
    const controller = new AbortController();
    let timer = null;
    const push = (data) => {
      latest.current = data;
      // At most ~4 renders a second, whatever the rate of changes (1,000 task runs stay smooth).
      if (!timer) timer = setTimeout(() => { timer = null; setExecution(latest.current); }, 250);
    };
    (async () => {
      try {
        const first = await api.get(path("executions", executionId), {}, { signal: controller.signal });
        setExecution(first);
        if (isSettled(first)) return;
        await follow(path("executions", executionId, "follow"), {}, (id, data) => {
          if (data && data.id) push(data);
        }, controller.signal);
      } catch (e) {
        if (e.name !== "AbortError") setError(e);
      }
    })();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [executionId, round]);
  return { execution, error, refollow: () => setRound((r) => r + 1) };
}

function Overview({ execution }) {
  const trigger = execution.trigger;
  return html`<div class="col" data-testid="overview">
    <div class="card"><dl class="props">
      <dt>State</dt><dd><${StateBadge} state=${execution.state} /></dd>
      <dt>Namespace</dt><dd>${execution.namespace}</dd>
      <dt>Flow</dt><dd><${Link} to=${path("flows", "edit", execution.namespace, execution.flowId)}>${execution.flowId}</${Link}> (revision ${execution.flowRevision})</dd>
      <dt>Created</dt><dd>${fmtDate(execution.state.startDate)}</dd>
      <dt>Ended</dt><dd>${fmtDate(execution.state.endDate) || "—"}</dd>
      <dt>Duration</dt><dd>${fmtDuration(stateDuration(execution.state))}</dd>
      <dt>Trigger</dt><dd>${trigger ? `${trigger.id} (${trigger.type})` : "manual"}</dd>
      ${execution.scheduleDate ? html`<dt>Scheduled for</dt><dd>${fmtDate(execution.scheduleDate)}</dd>` : ""}
      ${execution.originalId && execution.originalId !== execution.id ? html`<dt>Replay of</dt><dd class="mono">${execution.originalId}</dd>` : ""}
      ${execution.parentId ? html`<dt>Parent</dt><dd class="mono">${execution.parentId}</dd>` : ""}
      <dt>Labels</dt><dd data-testid="execution-labels"><${Labels} labels=${execution.labels} hideSystem=${false} /></dd>
    </dl></div>
    <div class="card tree" data-testid="execution-inputs"><h3>Inputs</h3>
      ${execution.inputs && Object.keys(execution.inputs).length ? html`<${JsonTree} value=${execution.inputs} />` : html`<span class="muted">none</span>`}</div>
    ${trigger && trigger.variables ? html`<div class="card tree"><h3>Trigger variables</h3><${JsonTree} value=${trigger.variables} /></div>` : ""}
    <div class="card"><h3>State history</h3>
      ${(execution.state.histories || []).map((h) => html`<div class="row small"><${StateBadge} state=${h.state} /> ${fmtDate(h.date)}</div>`)}</div>
  </div>`;
}

function ExecutionTopology({ execution }) {
  const flow = useAsync(() => api.get(path("flows", execution.namespace, execution.flowId),
    { revision: execution.flowRevision, allowDeleted: true }), [execution.namespace, execution.flowId, execution.flowRevision]);
  if (flow.error) return html`<${ErrorBox} error=${flow.error} />`;
  if (!flow.data) return html`<${Loading} />`;
  return html`<${Topology} flow=${flow.data} states=${taskStates(execution)} testid="execution-topology" />`;
}

export function ExecutionPage({ executionId, tab }) {
  const { execution, error, refollow } = useLiveExecution(executionId);
  const [now, setNow] = useState(Date.now());
  const [taskRun, setTaskRun] = useState(null);
  const [busy, setBusy] = useState(false);
  const [resuming, setResuming] = useState(false);
  const settled = execution ? isSettled(execution) : true;
  useInterval(() => setNow(Date.now()), 1000, !settled);
  if (error) return html`<div class="page"><${ErrorBox} title="Cannot show this execution" error=${error} /></div>`;
  if (!execution) return html`<div class="page"><${Loading} /></div>`;
  const current = tab || "gantt";
  const base = path("executions", execution.namespace, execution.flowId, execution.id);
  const state = execution.state.current;

  const act = async (label, call, after) => {
    setBusy(true);
    try {
      const result = await call();
      toast(label, "success");
      if (after) after(result);
      else refollow();
    } catch (e) {
      toast(`${label} failed: ${errorMessage(e)}`, "error", 9000);
    } finally {
      setBusy(false);
    }
  };
  const kill = () => confirm("Kill this execution?") && act("Kill requested", () => api.del(path("executions", execution.id, "kill")));
  const restart = () => act("Execution restarted", () => api.post(path("executions", execution.id, "restart")));
  const replay = (run) => {
    const what = run ? `from the task '${run.taskId}'` : "from the start";
    if (!confirm(`Replay this execution ${what}? A new execution is created.`)) return;
    act("Replay created", () => api.post(path("executions", execution.id, "replay"), undefined, { query: { taskRunId: run ? run.id : undefined } }),
      (created) => navigate(path("executions", created.namespace, created.flowId, created.id, "gantt")));
  };
  const showLogsOf = (run) => {
    setTaskRun(run);
    history.replaceState(null, "", `/ui${base}/logs`);
    window.dispatchEvent(new Event("lanner:navigate"));
  };

  return html`<div class="page" data-testid="execution-page" data-state=${state}>
    <div class="page-head">
      <h1><span class="muted">${execution.namespace}.</span><${Link} to=${path("flows", "edit", execution.namespace, execution.flowId)}>${execution.flowId}</${Link}>
        <span class="muted small mono"> ${execution.id}</span></h1>
      <${StateBadge} state=${execution.state} />
      <span class="muted small" data-testid="execution-duration">${fmtDuration(stateDuration(execution.state, now))}</span>
      <span class="spacer"></span>
      ${state === "PAUSED" ? html`<button class="primary" onClick=${() => setResuming(true)} disabled=${busy}
        data-testid="resume-execution">▶ Resume</button>` : ""}
      <button class="danger" onClick=${kill} disabled=${busy || isTerminated(state)}>■ Kill</button>
      <button onClick=${restart} disabled=${busy || !(isTerminated(state) || state === "PAUSED")}
        title="Run the failed tasks again, in this execution">↻ Restart</button>
      <button onClick=${() => replay(null)} disabled=${busy || !isTerminated(state)} title="A new execution from the start">⟲ Replay</button>
    </div>
    <${Tabs} base=${base} active=${current} tabs=${TABS} />
    ${current === "overview" ? html`<${Overview} execution=${execution} />` : ""}
    ${current === "gantt" ? html`<${Gantt} execution=${execution} now=${now} selectedRunId=${taskRun && taskRun.id}
      onSelect=${showLogsOf} onReplay=${replay} />` : ""}
    ${current === "logs" ? html`<${LogsView} execution=${execution} live=${!settled} taskRun=${taskRun} onClearTaskRun=${() => setTaskRun(null)} />` : ""}
    ${current === "outputs" ? html`<${OutputsView} execution=${execution} />` : ""}
    ${current === "metrics" ? html`<${MetricsView} execution=${execution} />` : ""}
    ${current === "topology" ? html`<${ExecutionTopology} execution=${execution} />` : ""}
    ${resuming ? html`<${ResumeDialog} execution=${execution} onClose=${() => setResuming(false)}
      onResumed=${() => { setResuming(false); refollow(); }} />` : ""}
  </div>`;
}
