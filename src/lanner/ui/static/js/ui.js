// Shared components, formatting and hooks.
import { html, useCallback, useEffect, useRef, useState } from "../vendor/lanner-vendor.js";
import { href } from "./router.js";

export const STATES = [
  "CREATED", "QUEUED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING", "FAILED",
  "KILLED", "CANCELLED", "RETRYING", "RETRIED", "SKIPPED",
];
const TERMINATED = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED", "RESUBMITTED"]);

export const isTerminated = (state) => TERMINATED.has(state);

// ---- formatting --------------------------------------------------------------------------------

const pad = (n, width = 2) => String(n).padStart(width, "0");

export function fmtDate(iso, { seconds = true } = {}) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ""}`;
  return `${day} ${time}`;
}

export function fmtTime(iso) {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** Milliseconds between a state's start and end (or now while it runs). */
export function stateDuration(state, now = Date.now()) {
  if (!state || !state.startDate) return null;
  const end = state.endDate ? Date.parse(state.endDate) : now;
  return end - Date.parse(state.startDate);
}

export const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";

/** "2019-01-01T09:00" (datetime-local) <-> ISO instant, in the browser's time zone. */
export function localInputToIso(value) {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

export function isoToLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function shortType(type) {
  return type ? String(type).split(".").pop() : "";
}

export function errorMessage(error) {
  if (!error) return "";
  if (typeof error === "string") return error;
  return error.message || String(error);
}

// ---- toasts ------------------------------------------------------------------------------------

const toastListeners = new Set();
let toastSeq = 0;

export function toast(message, kind = "info", ms = 6000) {
  const item = { id: ++toastSeq, message: errorMessage(message), kind };
  for (const listener of toastListeners) listener(item, ms);
}

export function Toasts() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const listener = (item, ms) => {
      setItems((old) => [...old.slice(-4), item]);
      setTimeout(() => setItems((old) => old.filter((i) => i.id !== item.id)), ms);
    };
    toastListeners.add(listener);
    return () => toastListeners.delete(listener);
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((i) => html`<div class=${`toast ${i.kind}`} key=${i.id}
      onClick=${() => setItems((old) => old.filter((o) => o.id !== i.id))}>${i.message}</div>`)}
  </div>`;
}

// ---- hooks ----------------------------------------------------------------------------------

/** {data, error, loading, reload, setData} for an async loader re-run when `deps` change. */
export function useAsync(loader, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(async (quiet = false) => {
    const mine = ++seq.current;
    if (!quiet) setState((old) => ({ ...old, loading: true }));
    try {
      const data = await loader();
      if (mine === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === seq.current) setState((old) => ({ ...old, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  const setData = (fn) => setState((old) => ({ ...old, data: typeof fn === "function" ? fn(old.data) : fn }));
  return { ...state, reload: run, setData };
}

export function useInterval(fn, ms, active = true) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active || !ms) return undefined;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}

/** Calls `fn` `ms` after the last change of `value`. */
export function useDebounced(value, ms) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

// ---- components -----------------------------------------------------------------------------

export function StateBadge({ state }) {
  const name = (state && state.current) || state || "CREATED";
  return html`<span class=${`badge state ${name}`} style=${`background: var(--st-${name})`}
    data-state=${name}>${name}</span>`;
}

export function Labels({ labels, hideSystem = true }) {
  const list = (labels || []).filter((l) => !hideSystem || !String(l.key).startsWith("system."));
  return html`${list.map((l) => html`<span class="label-chip" key=${`${l.key}:${l.value}`}><b>${l.key}</b>: ${l.value}</span>`)}`;
}

export function ErrorBox({ error, title }) {
  if (!error) return null;
  const details = (error.errors || []).filter((e) => e.message && !errorMessage(error).includes(e.message));
  return html`<div class="error-box" role="alert">
    ${title ? html`<b>${title}: </b>` : ""}${errorMessage(error)}
    ${details.length ? html`<ul>${details.map((e) => html`<li>${e.path ? `${e.path}: ` : ""}${e.message}</li>`)}</ul>` : ""}
  </div>`;
}

export function Loading({ what = "Loading" }) {
  return html`<div class="muted">${what}…</div>`;
}

export function Field({ label, required, error, hint, children, id, testid }) {
  return html`<div class="field" data-field=${testid || id}>
    ${label ? html`<label for=${id}>${label}${required ? html`<span class="req" title="required">*</span>` : ""}</label>` : ""}
    ${children}
    ${hint ? html`<div class="hint">${hint}</div>` : ""}
    ${error ? html`<div class="field-error" role="alert" data-error-for=${testid || id}>${error}</div>` : ""}
  </div>`;
}

export function Switch({ checked, onChange, id, title, disabled }) {
  return html`<label class="switch" title=${title}>
    <input type="checkbox" id=${id} role="switch" checked=${!!checked} disabled=${disabled}
      onChange=${(e) => onChange(e.currentTarget.checked)} />
    <span></span>
  </label>`;
}

export function Modal({ title, onClose, children, footer, wide, testid }) {
  useEffect(() => {
    const onKey = (e) => { if (e.key === "Escape") onClose(); };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return html`<div class="modal-back" onMouseDown=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
    <div class=${`modal ${wide ? "wide" : ""}`} role="dialog" aria-modal="true" aria-label=${title} data-testid=${testid}>
      <header><h2>${title}</h2><button class="small" onClick=${onClose} aria-label="Close">✕</button></header>
      <div class="body">${children}</div>
      ${footer ? html`<footer>${footer}</footer>` : ""}
    </div>
  </div>`;
}

export function Tabs({ tabs, active, base }) {
  return html`<nav class="tabs" role="tablist">
    ${tabs.map((t) => html`<a key=${t.id} role="tab" aria-selected=${t.id === active} data-tab=${t.id}
      class=${t.id === active ? "active" : ""} href=${href(`${base}/${t.id}`)}
      onClick=${(e) => { e.preventDefault(); history.replaceState(null, "", href(`${base}/${t.id}`)); window.dispatchEvent(new Event("lanner:navigate")); }}>
      ${t.label}</a>`)}
  </nav>`;
}

export function Pager({ page, size, total, onChange, sizes = [10, 25, 50, 100] }) {
  const pages = Math.max(1, Math.ceil(total / size));
  return html`<div class="pager">
    <span class="muted">${total.toLocaleString()} result${total === 1 ? "" : "s"}</span>
    <select aria-label="Page size" value=${size} onChange=${(e) => onChange(1, Number(e.currentTarget.value))}>
      ${sizes.map((s) => html`<option value=${s}>${s} / page</option>`)}
    </select>
    <button class="small" disabled=${page <= 1} onClick=${() => onChange(page - 1, size)} aria-label="Previous page">‹</button>
    <span data-testid="page">${page} / ${pages}</span>
    <button class="small" disabled=${page >= pages} onClick=${() => onChange(page + 1, size)} aria-label="Next page">›</button>
  </div>`;
}

/** Key/value rows; `errors` maps a row index to a message. `onChange` gets an updater
 * (previous rows => next rows), as a useState setter takes, so two edits before a re-render
 * both count. */
export function LabelsEditor({ rows, onChange, errors = {} }) {
  const update = (index, key, value) => onChange((previous) => previous.map((r, i) => (i === index ? { ...r, [key]: value } : r)));
  return html`<div class="col" data-testid="labels-editor">
    ${rows.map((row, i) => html`<div key=${i}>
      <div class="row">
        <input placeholder="key" aria-label="Label key" value=${row.key} class=${errors[i] ? "invalid" : ""}
          onInput=${(e) => update(i, "key", e.currentTarget.value)} />
        <input placeholder="value" aria-label="Label value" value=${row.value}
          onInput=${(e) => update(i, "value", e.currentTarget.value)} />
        <button class="small" type="button" aria-label="Remove label" onClick=${() => onChange((previous) => previous.filter((_, j) => j !== i))}>✕</button>
      </div>
      ${errors[i] ? html`<div class="field-error">${errors[i]}</div>` : ""}
    </div>`)}
    <div><button class="small" type="button" onClick=${() => onChange((previous) => [...previous, { key: "", value: "" }])}>+ Add a label</button></div>
  </div>`;
}

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** {index: message} for invalid label rows; blank rows are ignored. */
export function labelErrors(rows) {
  const errors = {};
  const seen = new Set();
  rows.forEach((row, i) => {
    const key = row.key.trim();
    if (!key && !row.value.trim()) return;
    if (!key) errors[i] = "A label needs a key.";
    else if (!LABEL_KEY.test(key)) errors[i] = "Keys use letters, digits, '.', '_' and '-'.";
    else if (key.startsWith("system.")) errors[i] = "'system.' labels are reserved.";
    else if (!row.value.trim()) errors[i] = "A label needs a value.";
    else if (seen.has(key)) errors[i] = `The key '${key}' is used twice.`;
    seen.add(key);
  });
  return errors;
}

export const labelPairs = (rows) => rows.filter((r) => r.key.trim()).map((r) => `${r.key.trim()}:${r.value.trim()}`);

/** A JSON value as a collapsible tree; `renderLeaf(value, path)` may decorate strings. */
export function JsonTree({ value, renderLeaf, depth = 0, name }) {
  const [open, setOpen] = useState(depth < 2);
  const isObj = value && typeof value === "object";
  const key = name !== undefined ? html`<span class="k">${name}</span>: ` : "";
  if (!isObj) {
    const kind = value === null ? "null" : typeof value;
    const shown = kind === "string" ? JSON.stringify(value) : String(value);
    return html`<span>${key}<span class=${`v-${kind}`}>${shown}</span>${renderLeaf ? renderLeaf(value) : ""}</span>`;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return html`<span>
    <span class="toggle" onClick=${() => setOpen(!open)}>${open ? "▾" : "▸"}</span>${key}${brackets[0]}${open ? "" : html`<span class="muted"> ${entries.length} … </span>${brackets[1]}`}
    ${open ? html`<ul>${entries.map(([k, v]) => html`<li key=${k}><${JsonTree} value=${v} name=${k} depth=${depth + 1} renderLeaf=${renderLeaf} /></li>`)}</ul>${brackets[1]}` : ""}
  </span>`;
}
