// Triggers: next/last dates, enable/disable, backfills (create with a dry-run preview, progress,
// pause, resume, cancel).
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api } from "../api.js";
import { cronDates } from "../cron.js";
import { InputsForm, initialValues, inputsPayload, validateInputs } from "../inputs.js";
import { Link, path } from "../router.js";
import {
  ErrorBox, Field, LabelsEditor, Loading, Modal, Switch, errorMessage, fmtDate, labelErrors, localInputToIso,
  localZone, shortType, toast, useAsync, useInterval,
} from "../ui.js";

const ids = (row) => ({ namespace: row.triggerContext.namespace, flowId: row.triggerContext.flowId, triggerId: row.triggerContext.triggerId });
const isSchedule = (definition) => shortType(definition && definition.type) === "Schedule";

function BackfillProgress({ backfill }) {
  const total = backfill.total || 0;
  const done = backfill.done || 0;
  const percent = total ? Math.round((done / total) * 100) : 0;
  return html`<div class="col" style="gap:3px;min-width:160px" data-testid="backfill-progress">
    <div class="progress"><div style=${`width:${percent}%`}></div></div>
    <span class="small muted">${done} / ${total || "?"} ${backfill.paused ? "· paused" : ""} · at ${fmtDate(backfill.currentDate)}</span>
  </div>`;
}

async function backfillAction(row, action) {
  const body = ids(row);
  if (action === "delete") return api.json("POST", "/triggers/backfill/delete", body);
  return api.json("PUT", `/triggers/backfill/${action}`, body);
}

export function TriggersTable({ namespace, flowId }) {
  const [backfilling, setBackfilling] = useState(null);
  const triggers = useAsync(() => api.get("/triggers/search", { namespace, flowId, page: 1, size: 500 }), [namespace, flowId]);
  const rows = ((triggers.data && triggers.data.results) || [])
    .filter((r) => !flowId || (r.triggerContext.flowId === flowId && r.triggerContext.namespace === namespace));
  const active = rows.some((r) => r.triggerContext.backfill);
  useInterval(() => triggers.reload(true), active ? 2000 : 10000);

  const run = async (label, call) => {
    try {
      await call();
      toast(label, "success");
    } catch (error) {
      toast(`${label} failed: ${errorMessage(error)}`, "error", 9000);
    }
    triggers.reload(true);
  };
  const setEnabled = (row, enabled) => run(enabled ? "Trigger enabled" : "Trigger disabled",
    () => api.json("PUT", "/triggers", { ...ids(row), disabled: !enabled }));

  return html`<div class="col" data-testid="triggers">
    <${ErrorBox} error=${triggers.error} />
    ${triggers.loading && !triggers.data ? html`<${Loading} />` : html`
    <div class="table-wrap"><table class="grid" data-testid="triggers-table">
      <thead><tr>${!flowId ? html`<th>Flow</th>` : ""}<th>Trigger</th><th>Schedule</th><th>Last date</th><th>Next date</th>
        <th>Backfill</th><th>Enabled</th><th></th></tr></thead>
      <tbody>
        ${rows.map((row) => {
          const ctx = row.triggerContext;
          const def = row.abstractTrigger || {};
          const backfill = ctx.backfill;
          return html`<tr key=${`${ctx.namespace}/${ctx.flowId}/${ctx.triggerId}`} data-trigger=${ctx.triggerId}>
            ${!flowId ? html`<td><${Link} to=${path("flows", "edit", ctx.namespace, ctx.flowId, "triggers")}>${ctx.namespace}.${ctx.flowId}</${Link}></td>` : ""}
            <td><b>${ctx.triggerId}</b> <span class="muted small">${shortType(def.type)}</span>
              ${def.disabled ? html` <span class="badge" title="disabled: true in the flow">disabled in the flow</span>` : ""}</td>
            <td class="mono small">${def.cron || ""}${def.timezone ? ` (${def.timezone})` : ""}</td>
            <td class="nowrap">${fmtDate(ctx.date) || "—"}</td>
            <td class="nowrap">${fmtDate(ctx.nextExecutionDate) || "—"}</td>
            <td>${backfill ? html`<div class="row"><${BackfillProgress} backfill=${backfill} />
              ${backfill.paused
                ? html`<button class="small" onClick=${() => run("Backfill resumed", () => backfillAction(row, "unpause"))}>▶ Resume</button>`
                : html`<button class="small" onClick=${() => run("Backfill paused", () => backfillAction(row, "pause"))}>❚❚ Pause</button>`}
              <button class="small danger" onClick=${() => confirm("Cancel this backfill? Executions already created go on.")
                && run("Backfill cancelled", () => backfillAction(row, "delete"))}>Cancel</button></div>` : html`<span class="muted">—</span>`}</td>
            <td><${Switch} checked=${!ctx.disabled} title=${ctx.disabled ? "Enable" : "Disable"}
              onChange=${(on) => setEnabled(row, on)} /></td>
            <td>${isSchedule(def) ? html`<button class="small" disabled=${!!backfill} onClick=${() => setBackfilling(row)}
              data-testid="backfill-button">Backfill…</button>` : ""}</td>
          </tr>`;
        })}
        ${!rows.length ? html`<tr><td colspan="8" class="muted">No trigger${flowId ? " in this flow" : ""}.</td></tr>` : ""}
      </tbody>
    </table></div>`}
    ${backfilling ? html`<${BackfillDialog} row=${backfilling} onClose=${() => { setBackfilling(null); triggers.reload(true); }} />` : ""}
  </div>`;
}

function backfillErrors(form, flow, values) {
  const errors = {};
  const start = localInputToIso(form.start);
  const end = localInputToIso(form.end);
  if (!form.start) errors.start = "The first date is required.";
  else if (!start) errors.start = "Not a valid date.";
  if (form.end && !end) errors.end = "Not a valid date.";
  else if (start && end && end < start) errors.end = "The end must be after the start.";
  const inputs = validateInputs((flow.inputs || []).filter((i) => String(i.type).toUpperCase() !== "FILE"), values);
  return { errors, inputs, labels: labelErrors(form.labels) };
}

function previewDates(definition, form) {
  const start = Date.parse(localInputToIso(form.start));
  const end = form.end ? Date.parse(localInputToIso(form.end)) : Date.now();
  return cronDates(definition.cron, {
    start, end, zone: definition.timezone || "UTC", withSeconds: !!definition.withSeconds, limit: 10_000,
  });
}

/** Executions of the flow created since the backfill started: {total, ok, failed, running}. */
async function backfillExecutions(ctx, since, labels) {
  const base = { namespace: ctx.namespace, flowId: ctx.flowId, startDate: since, page: 1, size: 1, labels };
  const [all, ok, failed] = await Promise.all([
    api.get("/executions/search", base),
    api.get("/executions/search", { ...base, state: ["SUCCESS", "WARNING"] }),
    api.get("/executions/search", { ...base, state: ["FAILED", "KILLED", "CANCELLED"] }),
  ]);
  return { total: all.total, ok: ok.total, failed: failed.total, running: all.total - ok.total - failed.total };
}

function BackfillDialog({ row, onClose }) {
  const ctx = row.triggerContext;
  const def = row.abstractTrigger || {};
  const [flow, setFlow] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [form, setForm] = useState({ start: "", end: "", labels: [{ key: "backfill", value: "true" }] });
  const [values, setValues] = useState({});
  const [errors, setErrors] = useState({ errors: {}, inputs: {}, labels: {} });
  const [preview, setPreview] = useState(null);
  const [submitError, setSubmitError] = useState(null);
  const [started, setStarted] = useState(null); // {since, labels}
  const [progress, setProgress] = useState(null);
  const [counts, setCounts] = useState(null);

  useEffect(() => {
    api.get(path("flows", ctx.namespace, ctx.flowId)).then((found) => {
      setFlow(found);
      setValues(initialValues((found.inputs || []).filter((i) => String(i.type).toUpperCase() !== "FILE"), def.inputs || {}));
    }).catch(setLoadError);
  }, []);

  const check = () => {
    const found = backfillErrors(form, flow, values);
    setErrors(found);
    return !Object.keys(found.errors).length && !Object.keys(found.inputs).length && !Object.keys(found.labels).length;
  };
  const dryRun = () => {
    if (!check()) return;
    try {
      setPreview({ dates: previewDates(def, form) });
    } catch (error) {
      setPreview({ error: `No preview for this schedule (${error.message}); the server computes the dates.` });
    }
  };
  const start = async () => {
    if (!check()) return;
    setSubmitError(null);
    const labels = form.labels.filter((l) => l.key.trim()).map((l) => ({ key: l.key.trim(), value: l.value.trim() }));
    try {
      const answer = await api.json("PUT", "/triggers", {
        ...ids(row),
        backfill: {
          start: localInputToIso(form.start), end: form.end ? localInputToIso(form.end) : null,
          inputs: inputsPayload(flow.inputs, values), labels,
        },
      });
      const since = (answer.backfill && answer.backfill.createdDate) || new Date(Date.now() - 1000).toISOString();
      setStarted({ since, labels: labels.map((l) => `${l.key}:${l.value}`) });
      setProgress(answer.backfill);
      toast("Backfill started", "success");
    } catch (error) {
      setSubmitError(error);
    }
  };

  const poll = async () => {
    try {
      const found = await api.get("/triggers/search", { namespace: ctx.namespace, flowId: ctx.flowId, page: 1, size: 100 });
      const mine = found.results.find((r) => r.triggerContext.triggerId === ctx.triggerId && r.triggerContext.flowId === ctx.flowId);
      setProgress((old) => (mine && mine.triggerContext.backfill ? mine.triggerContext.backfill
        : old ? { ...old, finished: true, done: old.total } : old));
      setCounts(await backfillExecutions(ctx, started.since, started.labels));
    } catch (error) {
      setSubmitError(error);
    }
  };
  const settled = progress && progress.finished && counts && counts.running === 0;
  useInterval(poll, 1000, !!started && !settled);
  const act = async (action, label) => {
    try {
      const answer = await backfillAction(row, action);
      setProgress(answer.backfill || (action === "delete" ? { ...progress, finished: true, cancelled: true } : progress));
      toast(label, "success");
    } catch (error) {
      setSubmitError(error);
    }
  };

  const setF = (key) => (e) => {
    const value = e.currentTarget.value;
    setForm((previous) => ({ ...previous, [key]: value }));
  };
  let body;
  if (loadError) body = html`<${ErrorBox} error=${loadError} />`;
  else if (!flow) body = html`<${Loading} />`;
  else if (started) {
    body = html`<div class="col" data-testid="backfill-status">
      ${progress ? html`<${BackfillProgress} backfill=${progress} />` : ""}
      <div data-testid="backfill-state">${progress && progress.cancelled ? "Backfill cancelled."
        : progress && progress.finished ? "All the dates of the backfill have been emitted." : progress && progress.paused ? "Paused." : "Running…"}</div>
      ${counts ? html`<div data-testid="backfill-counts">${counts.total} execution(s): ${counts.ok} succeeded, ${counts.failed} failed, ${counts.running} not finished</div>` : ""}
      <div class="row">
        <${Link} to=${`/executions?namespace=${encodeURIComponent(ctx.namespace)}&flowId=${encodeURIComponent(ctx.flowId)}`}>See the executions</${Link}>
      </div>
      <${ErrorBox} error=${submitError} />
    </div>`;
  } else {
    body = html`<form novalidate onSubmit=${(e) => { e.preventDefault(); start(); }}>
      <p class="muted small">One execution per fire time of <code>${def.cron}</code>${def.timezone ? ` (${def.timezone})` : " (UTC)"} between the two dates, one after the other. Dates are in ${localZone()}.</p>
      <div class="row" style="align-items:flex-start">
        <${Field} label="Start" id="backfill-start" required=${true} error=${errors.errors.start}>
          <input id="backfill-start" type="datetime-local" step="1" value=${form.start} class=${errors.errors.start ? "invalid" : ""} onInput=${setF("start")} /><//>
        <${Field} label="End" id="backfill-end" error=${errors.errors.end} hint="empty: now">
          <input id="backfill-end" type="datetime-local" step="1" value=${form.end} class=${errors.errors.end ? "invalid" : ""} onInput=${setF("end")} /><//>
      </div>
      <h3>Inputs</h3>
      <${InputsForm} inputs=${flow.inputs} values=${values} errors=${errors.inputs} onChange=${setValues} noFiles=${true} />
      <h3>Labels</h3>
      <${LabelsEditor} rows=${form.labels} onChange=${(update) => setForm((previous) => ({ ...previous, labels: update(previous.labels) }))} errors=${errors.labels} />
      ${preview ? html`<div class="info-box" style="margin-top:10px" data-testid="backfill-preview">${preview.error ? preview.error : html`
        <b>${preview.dates.length >= 10000 ? "10,000+" : preview.dates.length} execution(s)</b>${preview.dates.length ? ":" : " — no fire time between these dates."}
        <div class="mono small">${preview.dates.slice(0, 12).map((t) => html`<div>${fmtDate(new Date(t).toISOString())}</div>`)}
          ${preview.dates.length > 12 ? html`<div>… ${fmtDate(new Date(preview.dates[preview.dates.length - 1]).toISOString())}</div>` : ""}</div>`}</div>` : ""}
      <div style="margin-top:10px"><${ErrorBox} error=${submitError} /></div>
      <button type="submit" hidden></button>
    </form>`;
  }
  const footer = started
    ? html`${progress && !progress.finished ? html`
        ${progress.paused ? html`<button onClick=${() => act("unpause", "Backfill resumed")}>▶ Resume</button>`
          : html`<button onClick=${() => act("pause", "Backfill paused")} data-testid="backfill-pause">❚❚ Pause</button>`}
        <button class="danger" onClick=${() => act("delete", "Backfill cancelled")}>Cancel the backfill</button>` : ""}
      <button onClick=${onClose}>Close</button>`
    : html`<button onClick=${onClose}>Close</button><button onClick=${dryRun} disabled=${!flow} data-testid="backfill-dry-run">Preview (dry run)</button>
      <button class="primary" onClick=${start} disabled=${!flow} data-testid="backfill-start">Start the backfill</button>`;
  return html`<${Modal} title=${`Backfill ${ctx.flowId} · ${ctx.triggerId}`} onClose=${onClose} footer=${footer} testid="backfill-dialog">${body}<//>`;
}

export function TriggersPage() {
  const [namespace, setNamespace] = useState("");
  const namespaces = useAsync(() => api.get("/flows/distinct-namespaces"), []);
  return html`<div class="page" data-testid="triggers-page">
    <div class="page-head"><h1>Triggers</h1><span class="spacer"></span>
      <select aria-label="Namespace" value=${namespace} onChange=${(e) => setNamespace(e.currentTarget.value)}>
        <option value="">All namespaces</option>
        ${(namespaces.data || []).map((ns) => html`<option value=${ns}>${ns}</option>`)}
      </select></div>
    <${TriggersTable} namespace=${namespace || undefined} />
  </div>`;
}
