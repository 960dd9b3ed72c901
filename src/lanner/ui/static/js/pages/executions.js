// Executions: filters (namespace, flow, state, labels, time range), paging, bulk kill/restart.
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api, mapLimit } from "../api.js";
import { Link, path, setQuery, useRoute } from "../router.js";
import {
  ErrorBox, Field, Labels, Loading, Pager, STATES, StateBadge, fmtDate, fmtDuration, isTerminated, localInputToIso,
  shortType, stateDuration, toast, useAsync, useInterval,
} from "../ui.js";

const RANGES = [["", "Any time"], ["PT5M", "Last 5 minutes"], ["PT1H", "Last hour"], ["P1D", "Last 24 hours"],
  ["P7D", "Last 7 days"], ["P30D", "Last 30 days"], ["custom", "Between…"]];
const LABEL = /^[^:\s][^:]*:.+$/;

function readFilters(query, fixed) {
  return {
    namespace: fixed.namespace || query.get("namespace") || "",
    flowId: fixed.flowId || query.get("flowId") || "",
    states: query.getAll("state"),
    labels: query.get("labels") || "",
    range: query.get("range") || "",
    start: query.get("start") || "",
    end: query.get("end") || "",
    page: Number(query.get("page") || 1),
    size: Number(query.get("size") || 25),
    live: query.get("live") !== "false",
  };
}

function filterErrors(f) {
  const errors = {};
  const labels = f.labels.split(",").map((l) => l.trim()).filter(Boolean);
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad) errors.labels = `'${bad}' is not key:value (e.g. backfill:true).`;
  if (f.range === "custom") {
    if (!f.start && !f.end) errors.start = "Give a start, an end, or both.";
    if (f.start && !localInputToIso(f.start)) errors.start = "Not a valid date.";
    if (f.end && !localInputToIso(f.end)) errors.end = "Not a valid date.";
    if (f.start && f.end && localInputToIso(f.start) > localInputToIso(f.end)) errors.end = "The end must be after the start.";
  }
  return errors;
}

function searchParams(f) {
  const params = {
    namespace: f.namespace, flowId: f.flowId, state: f.states, page: f.page, size: f.size, sort: "state.startDate:desc",
    labels: f.labels.split(",").map((l) => l.trim()).filter(Boolean),
  };
  if (f.range === "custom") {
    params.startDate = localInputToIso(f.start);
    params.endDate = localInputToIso(f.end);
  } else if (f.range) params.timeRange = f.range;
  return params;
}

function StatePicker({ value, onChange }) {
  const [open, setOpen] = useState(false);
  return html`<div style="position:relative">
    <button type="button" onClick=${() => setOpen(!open)} data-testid="state-filter">
      State${value.length ? `: ${value.join(", ")}` : ": any"} ▾</button>
    ${open ? html`<div class="card" style="position:absolute;z-index:5;top:34px;left:0;width:220px;max-height:300px;overflow:auto">
      ${STATES.map((s) => html`<label class="row small" key=${s}><input type="checkbox" checked=${value.includes(s)}
        onChange=${(e) => onChange(e.currentTarget.checked ? [...value, s] : value.filter((v) => v !== s))} /><${StateBadge} state=${s} /></label>`)}
      <button class="small" type="button" onClick=${() => setOpen(false)}>Close</button>
    </div>` : ""}
  </div>`;
}

export function ExecutionsBrowser({ fixed = {} }) {
  const { query } = useRoute();
  const applied = readFilters(query, fixed);
  const [draft, setDraft] = useState(applied);
  const [errors, setErrors] = useState({});
  const [selected, setSelected] = useState(new Set());
  const [busy, setBusy] = useState(false);
  const key = query.toString();
  useEffect(() => setDraft(readFilters(query, fixed)), [key]);

  const apply = (next) => {
    const found = filterErrors(next);
    setErrors(found);
    if (Object.keys(found).length) return;
    const { namespace, flowId, states, labels, range, start, end, page, size, live } = next;
    setQuery({
      namespace: fixed.namespace ? undefined : namespace, flowId: fixed.flowId ? undefined : flowId,
      state: states, labels, range, start: range === "custom" ? start : "", end: range === "custom" ? end : "",
      page, size, live: live ? undefined : "false",
    });
  };
  const executions = useAsync(() => api.get("/executions/search", searchParams(applied)), [key, fixed.namespace, fixed.flowId]);
  const results = (executions.data && executions.data.results) || [];
  useInterval(() => executions.reload(true), 4000, applied.live);

  const toggle = (id, on) => {
    const next = new Set(selected);
    if (on) next.add(id); else next.delete(id);
    setSelected(next);
  };
  const bulk = async (verb) => {
    const ids = [...selected];
    if (!ids.length || !confirm(`${verb === "kill" ? "Kill" : "Restart"} ${ids.length} execution(s)?`)) return;
    setBusy(true);
    const answers = await mapLimit(ids, 4, (id) => (verb === "kill"
      ? api.del(path("executions", id, "kill")) : api.post(path("executions", id, "restart"))));
    setBusy(false);
    const failed = answers.filter((a) => !a.ok);
    const done = ids.length - failed.length;
    toast(`${done} execution(s) ${verb === "kill" ? "killed" : "restarted"}${failed.length ? `; ${failed.length} refused: ${failed[0].error.message}` : ""}`,
      failed.length ? "error" : "success", 9000);
    setSelected(new Set());
    executions.reload(true);
  };
  const set = (field) => (e) => {
    const value = e.currentTarget.value;
    setDraft((previous) => ({ ...previous, [field]: value }));
  };
  const allChecked = results.length > 0 && results.every((e) => selected.has(e.id));

  return html`<div class="col grow" style="min-height:0" data-testid="executions-browser">
    <form class="row" style="align-items:flex-start" onSubmit=${(e) => { e.preventDefault(); apply({ ...draft, page: 1 }); }} novalidate>
      ${!fixed.namespace ? html`<${Field} error=${errors.namespace}><input placeholder="Namespace" aria-label="Namespace filter" value=${draft.namespace} onInput=${set("namespace")} /><//>` : ""}
      ${!fixed.flowId ? html`<${Field} error=${errors.flowId}><input placeholder="Flow id" aria-label="Flow filter" value=${draft.flowId} onInput=${set("flowId")} /><//>` : ""}
      <${StatePicker} value=${draft.states} onChange=${(states) => apply({ ...draft, states, page: 1 })} />
      <${Field} error=${errors.labels} testid="labels-filter"><input placeholder="Labels key:value, …" aria-label="Labels filter" value=${draft.labels}
        class=${errors.labels ? "invalid" : ""} onInput=${set("labels")} /><//>
      <select aria-label="Time range" value=${draft.range} onChange=${(e) => {
        const range = e.currentTarget.value;
        if (range === "custom") setDraft((previous) => ({ ...previous, range }));
        else apply({ ...draft, range, page: 1 });
      }}>${RANGES.map(([v, l]) => html`<option value=${v} selected=${v === draft.range}>${l}</option>`)}</select>
      ${draft.range === "custom" ? html`
        <${Field} error=${errors.start}><input type="datetime-local" step="1" aria-label="From" value=${draft.start} onInput=${set("start")} class=${errors.start ? "invalid" : ""} /><//>
        <${Field} error=${errors.end}><input type="datetime-local" step="1" aria-label="To" value=${draft.end} onInput=${set("end")} class=${errors.end ? "invalid" : ""} /><//>` : ""}
      <button type="submit">Search</button>
      <label class="row small" style="align-self:center"><input type="checkbox" checked=${applied.live}
        onChange=${(e) => apply({ ...draft, live: e.currentTarget.checked })} /> Auto-refresh</label>
    </form>
    <div class="row small">
      <span class="muted">${selected.size ? `${selected.size} selected` : "Select executions to act on several at once"}</span>
      <button type="button" class="small danger" disabled=${!selected.size || busy} onClick=${() => bulk("kill")}>Kill selected</button>
      <button type="button" class="small" disabled=${!selected.size || busy} onClick=${() => bulk("restart")}>Restart selected</button>
    </div>
    <${ErrorBox} error=${executions.error} />
    ${executions.loading && !executions.data ? html`<${Loading} />` : html`
    <div class="table-wrap"><table class="grid" data-testid="executions-table">
      <thead><tr>
        <th><input type="checkbox" aria-label="Select all" checked=${allChecked}
          onChange=${(e) => setSelected(e.currentTarget.checked ? new Set(results.map((r) => r.id)) : new Set())} /></th>
        <th>Id</th><th>Start</th><th>Duration</th><th>Namespace</th><th>Flow</th><th>Labels</th><th>State</th><th>Trigger</th>
      </tr></thead>
      <tbody>
        ${results.map((e) => html`<tr key=${e.id} data-execution=${e.id} data-state=${e.state.current}>
          <td><input type="checkbox" aria-label=${`Select ${e.id}`} checked=${selected.has(e.id)} onChange=${(ev) => toggle(e.id, ev.currentTarget.checked)} /></td>
          <td class="mono"><${Link} to=${path("executions", e.namespace, e.flowId, e.id)} title=${e.id}>${e.id.slice(0, 8)}</${Link}></td>
          <td class="nowrap">${fmtDate(e.state.startDate)}</td>
          <td class="nowrap">${fmtDuration(stateDuration(e.state))}${isTerminated(e.state.current) ? "" : "…"}</td>
          <td>${e.namespace}</td>
          <td><${Link} to=${path("flows", "edit", e.namespace, e.flowId)}>${e.flowId}</${Link}></td>
          <td><${Labels} labels=${e.labels} /></td>
          <td><${StateBadge} state=${e.state} /></td>
          <td class="small muted">${e.trigger ? shortType(e.trigger.type) : "manual"}</td>
        </tr>`)}
        ${!results.length ? html`<tr><td colspan="9" class="muted">No execution matches.</td></tr>` : ""}
      </tbody>
    </table></div>
    <${Pager} page=${applied.page} size=${applied.size} total=${executions.data ? executions.data.total : 0}
      onChange=${(page, size) => apply({ ...applied, page, size })} />`}
  </div>`;
}

export function ExecutionsPage() {
  return html`<div class="page" data-testid="executions-page">
    <div class="page-head"><h1>Executions</h1></div>
    <${ExecutionsBrowser} />
  </div>`;
}
