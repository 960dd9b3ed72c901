// The Metrics tab: what the execution's tasks reported (ctx.metric, a script's ::{"metrics":…}::),
// one page of GET /metrics/{executionId} at a time. Timers are durations in seconds.
import { html, useState } from "../../vendor/lanner-vendor.js";
import { api } from "../api.js";
import { path } from "../router.js";
import { ErrorBox, Loading, Pager, fmtDate, fmtDuration, isTerminated, useAsync } from "../ui.js";

/** A metric's value as people read it: timers as durations, counters as plain numbers. */
export function fmtMetricValue(metric) {
  const value = Number(metric.value);
  if (metric.type === "timer") return fmtDuration(value * 1000);
  if (Number.isInteger(value)) return value.toLocaleString();
  return value.toLocaleString(undefined, { maximumFractionDigits: 3 });
}

function Tags({ tags }) {
  const entries = Object.entries(tags || {});
  if (!entries.length) return html`<span class="muted">—</span>`;
  return html`${entries.map(([key, value]) => html`<span class="label-chip" key=${key}><b>${key}</b>: ${value}</span>`)}`;
}

export function MetricsView({ execution }) {
  const [paging, setPaging] = useState({ page: 1, size: 25 });
  // Metrics are stored as each task run ends: fetch again when one more has ended.
  const ended = (execution.taskRunList || []).filter((r) => isTerminated(r.state.current)).length;
  const metrics = useAsync(() => api.get(path("metrics", execution.id), { page: paging.page, size: paging.size }),
    [execution.id, paging.page, paging.size, ended]);
  const runs = new Map((execution.taskRunList || []).map((r) => [r.id, r]));
  if (metrics.error) return html`<${ErrorBox} title="Cannot load the metrics" error=${metrics.error} />`;
  if (!metrics.data) return html`<${Loading} />`;
  const { results, total } = metrics.data;
  if (!total) {
    const running = !isTerminated(execution.state.current);
    return html`<div class="card muted" data-testid="metrics-empty">No metric reported by this execution${running ? " yet" : ""}.</div>`;
  }
  const taskLabel = (m) => {
    const run = runs.get(m.taskRunId);
    return run && run.value ? `${m.taskId} [${run.value}]` : m.taskId;
  };
  return html`<div class="col" data-testid="metrics">
    <div class="table-wrap"><table class="grid" data-testid="metrics-table">
      <thead><tr><th>Task</th><th>Name</th><th>Type</th><th>Value</th><th>Tags</th><th>Reported</th></tr></thead>
      <tbody>
        ${results.map((m, i) => html`<tr key=${`${m.taskRunId}:${m.name}:${i}`} data-metric=${m.name} data-task=${m.taskId}>
          <td class="mono" title=${m.taskRunId}>${taskLabel(m)}</td>
          <td class="mono">${m.name}</td>
          <td>${m.type}</td>
          <td class="nowrap" data-testid="metric-value" title=${String(m.value)}>${fmtMetricValue(m)}</td>
          <td><${Tags} tags=${m.tags} /></td>
          <td class="nowrap small muted">${fmtDate(m.timestamp)}</td>
        </tr>`)}
      </tbody>
    </table></div>
    <${Pager} page=${paging.page} size=${paging.size} total=${total}
      onChange=${(page, size) => setPaging((prev) => ({ ...prev, page, size }))} />
  </div>`;
}
