// The Gantt tab: one bar per task run (children under their flowable parent) and, when a task
// run was retried, one more bar per attempt. Live while the execution runs.
import { html, useMemo } from "../../vendor/lanner-vendor.js";
import { StateBadge, fmtDuration, isTerminated, stateDuration } from "../ui.js";
import { VirtualList } from "../vlist.js";

const ROW = 28;

/** Rows in display order: [{run, depth, attempt?, attemptNumber?}]. */
export function ganttRows(execution) {
  const runs = (execution && execution.taskRunList) || [];
  const byId = new Set(runs.map((r) => r.id));
  const children = new Map();
  const roots = [];
  for (const run of runs) {
    if (run.parentTaskRunId && byId.has(run.parentTaskRunId)) {
      if (!children.has(run.parentTaskRunId)) children.set(run.parentTaskRunId, []);
      children.get(run.parentTaskRunId).push(run);
    } else roots.push(run);
  }
  const rows = [];
  const stack = roots.map((run) => ({ run, depth: 0 })).reverse();
  while (stack.length) {
    const { run, depth } = stack.pop();
    rows.push({ run, depth });
    const attempts = run.attempts || [];
    if (attempts.length > 1) {
      attempts.forEach((attempt, i) => rows.push({ run, depth: depth + 1, attempt, attemptNumber: i + 1 }));
    }
    const kids = children.get(run.id) || [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ run: kids[i], depth: depth + 1 });
  }
  return rows;
}

function bounds(execution, now) {
  const t0 = Date.parse(execution.state.startDate);
  let t1 = execution.state.endDate ? Date.parse(execution.state.endDate) : now;
  for (const run of execution.taskRunList || []) {
    const end = run.state.endDate ? Date.parse(run.state.endDate) : now;
    if (end > t1) t1 = end;
  }
  return [t0, Math.max(t1, t0 + 1)];
}

function ticks(t0, t1) {
  const span = t1 - t0;
  return [0, 0.25, 0.5, 0.75, 1].map((f) => ({ left: f * 100, label: fmtDuration(f * span) }));
}

export function Gantt({ execution, now, selectedRunId, onSelect, onReplay }) {
  const rows = useMemo(() => ganttRows(execution), [execution]);
  const [t0, t1] = bounds(execution, now);
  const span = t1 - t0;
  const canReplay = isTerminated(execution.state.current);
  const renderRow = (index, top) => {
    const row = rows[index];
    const state = row.attempt ? row.attempt.state : row.run.state;
    const start = Date.parse(state.startDate);
    const duration = stateDuration(state, now);
    const left = ((start - t0) / span) * 100;
    const width = Math.max(0.25, (duration / span) * 100);
    const name = row.attempt ? `attempt ${row.attemptNumber}` : row.run.taskId;
    return html`<div class=${`gantt-row ${row.run.id === selectedRunId && !row.attempt ? "selected" : ""}`}
        key=${`${row.run.id}:${row.attemptNumber || 0}`} style=${`top:${top}px`} data-task-id=${row.run.taskId}
        data-state=${state.current} onClick=${() => onSelect(row.run)} title="Show the logs of this task run">
      <div class="name" style=${`padding-left:${8 + row.depth * 14}px`}>
        ${row.attempt ? html`<span class="muted">↳ ${name}</span>` : html`<b>${name}</b>`}
        ${!row.attempt && row.run.value !== null && row.run.value !== undefined ? html`<span class="muted">${String(row.run.value).slice(0, 40)}</span>` : ""}
        <${StateBadge} state=${state.current} />
      </div>
      <div class="dur">${fmtDuration(duration)}</div>
      <div class="track"><div class=${`bar ${state.current}`}
        style=${`left:${left}%;width:${Math.min(width, 100 - left)}%;background-color:var(--st-${state.current})`}></div></div>
      <div class="act">${canReplay && !row.attempt ? html`<button class="small link" title="Replay from this task"
        onClick=${(e) => { e.stopPropagation(); onReplay(row.run); }}>⟲</button>` : ""}</div>
    </div>`;
  };
  return html`<div class="col grow" style="min-height:0" data-testid="gantt">
    <div class="gantt-head"><div class="name">Task run</div><div class="dur">Duration</div>
      <div class="track">${ticks(t0, t1).map((t) => html`<span class="tick" style=${`left:${t.left}%`}>${t.label}</span>`)}</div></div>
    ${rows.length ? html`<${VirtualList} count=${rows.length} rowHeight=${ROW} renderRow=${renderRow} testid="gantt-rows" />`
      : html`<div class="muted card">No task run yet${isTerminated(execution.state.current) ? "" : ": waiting for the first task"}.</div>`}
  </div>`;
}
