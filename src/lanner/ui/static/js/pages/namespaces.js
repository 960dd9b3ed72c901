// Namespaces: the KV store (typed values) and the namespace files.
import { html, useEffect, useRef, useState } from "../../vendor/lanner-vendor.js";
import { api, download } from "../api.js";
import { createYamlEditor } from "../editor/editor.js";
import { Link, navigate, path } from "../router.js";
import {
  ErrorBox, Field, Loading, Tabs, errorMessage, fmtDate, isoToLocalInput, localInputToIso, toast, useAsync,
} from "../ui.js";

const KV_TYPES = ["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "JSON"];
const KEY = /^[A-Za-z0-9_.-]+$/;
const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/i;
const NAMESPACE = /^[a-z0-9][a-z0-9._-]*$/i;

/** The value field's text for a stored value of `type`. */
function valueText(type, value) {
  if (type === "JSON") return JSON.stringify(value, null, 2);
  if (type === "DATETIME") return isoToLocalInput(value);
  if (value === null || value === undefined) return "";
  return String(value);
}

/** [body, error]: the PUT body (parsed as JSON/Ion by the server), or why the value is wrong. */
export function kvBody(type, text) {
  const trimmed = text.trim();
  switch (type) {
    case "STRING": return [JSON.stringify(text), null];
    case "NUMBER": return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? [trimmed, null] : [null, "Enter a number."];
    case "BOOLEAN": return trimmed === "true" || trimmed === "false" ? [trimmed, null] : [null, "Choose true or false."];
    case "DATETIME": {
      const iso = localInputToIso(trimmed);
      return iso ? [iso, null] : [null, "Enter a date and a time."];
    }
    case "DATE": return /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? [trimmed, null] : [null, "Enter a date."];
    case "JSON":
      try {
        JSON.parse(trimmed);
        return [trimmed, null];
      } catch (error) {
        return [null, `Invalid JSON: ${error.message}`];
      }
    default: return [JSON.stringify(text), null];
  }
}

function ValueInput({ type, value, onChange, invalid }) {
  const cls = invalid ? "invalid" : "";
  const props = { id: "kv-value", class: cls, value, onInput: (e) => onChange(e.currentTarget.value) };
  if (type === "BOOLEAN") {
    return html`<select id="kv-value" class=${cls} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">— choose —</option><option value="true" selected=${value === "true"}>true</option>
      <option value="false" selected=${value === "false"}>false</option></select>`;
  }
  if (type === "JSON" || type === "STRING") return html`<textarea rows=${type === "JSON" ? 8 : 3} ...${props}>${value}</textarea>`;
  if (type === "DATETIME") return html`<input type="datetime-local" step="1" ...${props} />`;
  if (type === "DATE") return html`<input type="date" ...${props} />`;
  return html`<input inputmode="decimal" ...${props} />`;
}

/** One editor per key: KvTab mounts a fresh one (its `key`) for each entry or new key, so the
 * form never needs resetting from an effect, which would run after the first keystrokes. */
function KvEditor({ namespace, entry, onSaved, onCancel }) {
  const isNew = !entry;
  const [form, setForm] = useState(isNew ? { key: "", type: "STRING", value: "", ttl: "", description: "" } : null);
  const [errors, setErrors] = useState({});
  const [loadError, setLoadError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (isNew) return;
    api.get(path("namespaces", namespace, "kv", entry.key)).then((found) => {
      const type = KV_TYPES.includes(found.type) ? found.type : "STRING";
      setForm({ key: entry.key, type, value: valueText(found.type, found.value), ttl: "", description: entry.description || "" });
    }).catch(setLoadError);
  }, []);
  const save = async (event) => {
    event.preventDefault();
    const found = {};
    if (!form.key.trim()) found.key = "The key is required.";
    else if (!KEY.test(form.key.trim())) found.key = "Keys use letters, digits, '.', '_' and '-'.";
    const [body, valueError] = kvBody(form.type, form.value);
    if (valueError) found.value = valueError;
    if (form.ttl.trim() && !DURATION.test(form.ttl.trim())) found.ttl = "An ISO-8601 duration, e.g. PT1H or P30D.";
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const headers = { "Content-Type": "text/plain" };
      if (form.ttl.trim()) headers.ttl = form.ttl.trim();
      if (form.description.trim()) headers.description = form.description.trim();
      await api.put(path("namespaces", namespace, "kv", form.key.trim()), body, { headers });
      toast(`Saved ${form.key}`, "success");
      onSaved(form.key.trim());
    } catch (error) {
      setErrors({ value: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  // Updates from the previous state: two events before a re-render must not undo each other.
  const set = (key) => (v) => {
    const value = typeof v === "string" ? v : v.currentTarget.value;
    setForm((previous) => ({ ...previous, [key]: value }));
  };
  if (loadError) return html`<${ErrorBox} error=${loadError} />`;
  if (!form) return html`<${Loading} />`;
  return html`<form class="card" onSubmit=${save} novalidate data-testid="kv-editor">
    <h2>${isNew ? "New key" : `Edit ${entry.key}`}</h2>
    <${Field} label="Key" id="kv-key" required=${true} error=${errors.key}>
      <input id="kv-key" value=${form.key} disabled=${!isNew} class=${errors.key ? "invalid" : ""} onInput=${set("key")} /><//>
    <${Field} label="Type" id="kv-type">
      <select id="kv-type" value=${form.type} onChange=${(e) => { const type = e.currentTarget.value; setForm((previous) => ({ ...previous, type, value: "" })); }}>
        ${KV_TYPES.map((t) => html`<option value=${t} selected=${t === form.type}>${t}</option>`)}</select><//>
    <${Field} label="Value" id="kv-value" required=${true} error=${errors.value}>
      <${ValueInput} type=${form.type} value=${form.value} onChange=${set("value")} invalid=${!!errors.value} /><//>
    <${Field} label="Expires after" id="kv-ttl" error=${errors.ttl} hint="optional ISO-8601 duration, e.g. PT1H">
      <input id="kv-ttl" value=${form.ttl} placeholder="never" class=${errors.ttl ? "invalid" : ""} onInput=${set("ttl")} /><//>
    <${Field} label="Description" id="kv-description">
      <input id="kv-description" value=${form.description} onInput=${set("description")} /><//>
    <div class="row"><button class="primary" type="submit" disabled=${busy}>Save</button>
      <button type="button" onClick=${onCancel}>Cancel</button></div>
  </form>`;
}

function KvTab({ namespace }) {
  const entries = useAsync(() => api.get(path("namespaces", namespace, "kv")), [namespace]);
  const [editing, setEditing] = useState(null); // null | "new" | entry
  const remove = async (entry) => {
    if (!confirm(`Delete the key ${entry.key}?`)) return;
    try {
      await api.del(path("namespaces", namespace, "kv", entry.key));
      toast(`Deleted ${entry.key}`, "success");
      entries.reload(true);
    } catch (error) {
      toast(error, "error");
    }
  };
  return html`<div class="kv-layout">
    <div class="list col">
      <div class="row"><button class="primary small" onClick=${() => setEditing("new")}>+ Add a key</button></div>
      <${ErrorBox} error=${entries.error} />
      ${!entries.data ? html`<${Loading} />` : html`<div class="table-wrap"><table class="grid" data-testid="kv-table">
        <thead><tr><th>Key</th><th>Description</th><th>Updated</th><th>Expires</th><th></th></tr></thead>
        <tbody>${entries.data.map((e) => html`<tr key=${e.key} data-key=${e.key}>
          <td><button class="link" onClick=${() => setEditing(e)}><b>${e.key}</b></button></td>
          <td>${e.description || ""}</td><td class="nowrap">${fmtDate(e.updateDate)}</td>
          <td class="nowrap">${fmtDate(e.expirationDate) || "never"}</td>
          <td><button class="small danger" onClick=${() => remove(e)}>Delete</button></td></tr>`)}
          ${!entries.data.length ? html`<tr><td colspan="5" class="muted">No key in ${namespace}.</td></tr>` : ""}</tbody>
      </table></div>`}
    </div>
    <div class="edit">${editing ? html`<${KvEditor} key=${editing === "new" ? "new" : `entry:${editing.key}`} namespace=${namespace} entry=${editing === "new" ? null : editing}
      onCancel=${() => setEditing(null)} onSaved=${() => { setEditing(null); entries.reload(true); }} />` : ""}</div>
  </div>`;
}

function FileEditor({ namespace, file, onSaved }) {
  const host = useRef(null);
  const editor = useRef(null);
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let alive = true;
    setState({ loading: true });
    api.get(path("namespaces", namespace, "files"), { path: file }).then((text) => {
      if (!alive) return;
      setState({ loading: false });
      editor.current = createYamlEditor(host.current, { doc: typeof text === "string" ? text : JSON.stringify(text, null, 2), label: file });
    }).catch((error) => alive && setState({ error }));
    return () => {
      alive = false;
      if (editor.current) editor.current.destroy();
      editor.current = null;
    };
  }, [namespace, file]);
  const save = async () => {
    const form = new FormData();
    form.append("fileContent", new Blob([editor.current.text()]), file.split("/").pop());
    try {
      await api.post(path("namespaces", namespace, "files"), form, { query: { path: file } });
      toast(`Saved ${file}`, "success");
      onSaved();
    } catch (error) {
      toast(error, "error");
    }
  };
  return html`<div class="col grow" style="min-height:0">
    <div class="row"><b class="mono">${file}</b><span class="spacer"></span>
      <button class="primary small" onClick=${save} disabled=${state.loading || state.error}>Save</button>
      <button class="small" onClick=${() => download(path("namespaces", namespace, "files"), { path: file }, file.split("/").pop())}>⬇ Download</button></div>
    <${ErrorBox} error=${state.error} />
    <div class="cm-host" ref=${host}></div>
  </div>`;
}

function FilesTab({ namespace }) {
  const [dir, setDir] = useState("/");
  const [file, setFile] = useState(null);
  const [newName, setNewName] = useState("");
  const [nameError, setNameError] = useState("");
  const listing = useAsync(() => api.get(path("namespaces", namespace, "files", "directory"), { path: dir }), [namespace, dir]);
  const join = (name) => `${dir.replace(/\/$/, "")}/${name}`;
  const upload = async (chosen) => {
    if (!chosen) return;
    const form = new FormData();
    form.append("fileContent", chosen, chosen.name);
    try {
      await api.post(path("namespaces", namespace, "files"), form, { query: { path: join(chosen.name) } });
      toast(`Uploaded ${chosen.name}`, "success");
      listing.reload(true);
    } catch (error) {
      toast(error, "error");
    }
  };
  const create = async (event) => {
    event.preventDefault();
    const name = newName.trim();
    if (!name || /(^|\/)\.\.(\/|$)/.test(name) || name.endsWith("/")) {
      setNameError("Give a file name, e.g. queries/setup.sql.");
      return;
    }
    setNameError("");
    const target = name.startsWith("/") ? name : join(name);
    const form = new FormData();
    form.append("fileContent", new Blob([""]), target.split("/").pop());
    try {
      await api.post(path("namespaces", namespace, "files"), form, { query: { path: target } });
      setNewName("");
      listing.reload(true);
      setFile(target);
    } catch (error) {
      setNameError(errorMessage(error));
    }
  };
  const remove = async (target) => {
    if (!confirm(`Delete ${target}?`)) return;
    try {
      await api.del(path("namespaces", namespace, "files"), { path: target });
      if (file === target) setFile(null);
      listing.reload(true);
    } catch (error) {
      toast(error, "error");
    }
  };
  return html`<div class="kv-layout">
    <div class="list col" style="flex:0 0 320px">
      <div class="row"><span class="mono">${dir}</span>${dir !== "/" ? html`<button class="small" onClick=${() => setDir(dir.replace(/\/[^/]+\/?$/, "") || "/")}>↑ Up</button>` : ""}</div>
      <${ErrorBox} error=${listing.error} />
      <div class="card file-tree" data-testid="file-tree">
        ${(listing.data || []).map((e) => html`<div key=${e.fileName} class=${file === join(e.fileName) ? "active" : ""} data-file=${e.fileName}
            onClick=${() => (e.type === "Directory" ? setDir(join(e.fileName)) : setFile(join(e.fileName)))}>
          ${e.type === "Directory" ? html`<b>▸ ${e.fileName}/</b>` : e.fileName}
          ${e.type !== "Directory" ? html` <button class="small link" onClick=${(ev) => { ev.stopPropagation(); remove(join(e.fileName)); }}>delete</button>` : ""}</div>`)}
        ${listing.data && !listing.data.length ? html`<span class="muted">Empty.</span>` : ""}
      </div>
      <form class="col" onSubmit=${create} novalidate>
        <${Field} label="New file" id="new-file" error=${nameError}>
          <div class="row"><input id="new-file" placeholder="setup.sql" value=${newName} class=${nameError ? "invalid" : ""}
            onInput=${(e) => setNewName(e.currentTarget.value)} /><button type="submit" class="small">Create</button></div><//>
      </form>
      <label class="btn small">⬆ Upload a file<input type="file" hidden onChange=${(e) => upload(e.currentTarget.files[0])} /></label>
    </div>
    <div class="edit col">${file ? html`<${FileEditor} namespace=${namespace} file=${file} onSaved=${() => listing.reload(true)} />`
      : html`<p class="muted">Choose a file to view or edit it.</p>`}</div>
  </div>`;
}

export function NamespacesPage({ namespace, tab }) {
  const namespaces = useAsync(() => api.get("/flows/distinct-namespaces"), []);
  const [typed, setTyped] = useState("");
  const [typedError, setTypedError] = useState("");
  const open = (event) => {
    event.preventDefault();
    if (!NAMESPACE.test(typed.trim())) {
      setTypedError("A namespace is made of letters, digits, '.', '_' and '-'.");
      return;
    }
    setTypedError("");
    navigate(path("namespaces", typed.trim(), "kv"));
  };
  if (!namespace) {
    return html`<div class="page" data-testid="namespaces-page">
      <div class="page-head"><h1>Namespaces</h1></div>
      <${ErrorBox} error=${namespaces.error} />
      <div class="table-wrap"><table class="grid"><thead><tr><th>Namespace</th><th></th></tr></thead><tbody>
        ${(namespaces.data || []).map((ns) => html`<tr key=${ns}><td><${Link} to=${path("namespaces", ns, "kv")}>${ns}</${Link}></td>
          <td><${Link} to=${path("namespaces", ns, "kv")}>KV store</${Link}> · <${Link} to=${path("namespaces", ns, "files")}>Files</${Link}></td></tr>`)}
      </tbody></table></div>
      <form class="row" onSubmit=${open} novalidate style="align-items:flex-start">
        <${Field} error=${typedError}><input placeholder="another namespace, e.g. zoomcamp" aria-label="Namespace" value=${typed}
          class=${typedError ? "invalid" : ""} onInput=${(e) => setTyped(e.currentTarget.value)} /><//>
        <button type="submit">Open</button>
      </form>
    </div>`;
  }
  const current = tab || "kv";
  return html`<div class="page" data-testid="namespace-page">
    <div class="page-head"><h1><${Link} to="/namespaces">Namespaces</${Link}> / ${namespace}</h1></div>
    <${Tabs} base=${path("namespaces", namespace)} active=${current} tabs=${[{ id: "kv", label: "KV store" }, { id: "files", label: "Files" }]} />
    ${current === "kv" ? html`<${KvTab} namespace=${namespace} />` : html`<${FilesTab} namespace=${namespace} />`}
  </div>`;
}
