// One flow: the YAML editor (inline validation, completion, live topology), revisions with a
// diff, its executions and its triggers; save, delete, execute.
import {
  EditorState, EditorView, MergeView, html, oneDark, parseDocument, useEffect, useRef, useState, yamlLanguage,
} from "../../vendor/lanner-vendor.js";
import { api } from "../api.js";
import { CopilotPanel, copilotAvailable } from "../copilot.js";
import { flowCompletion } from "../editor/completion.js";
import { createYamlEditor } from "../editor/editor.js";
import { navigate, path } from "../router.js";
import { Topology } from "../topology.js";
import { ErrorBox, Loading, Tabs, errorMessage, fmtDate, toast, useAsync } from "../ui.js";
import { ExecuteDialog } from "./execute.js";
import { ExecutionsBrowser } from "./executions.js";
import { TriggersTable } from "./triggers.js";

const TEMPLATE = `id: my_flow
namespace: company.team

inputs:
  - id: name
    type: STRING
    defaults: World

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
`;

function issuesOfError(error) {
  const found = (error && error.errors) || [];
  return found.length ? found.map((e) => ({ ...e, severity: "error" })) : [{ message: errorMessage(error), severity: "error" }];
}

function Problems({ issues, validating, onPick }) {
  if (issues === null) return html`<div class="problems" data-testid="problems"><div class="muted">${validating ? "Validating…" : ""}</div></div>`;
  if (!issues.length) {
    return html`<div class="problems" data-testid="problems"><div class="ok" data-testid="validation-ok">✓ Valid flow${validating ? " (checking…)" : ""}</div></div>`;
  }
  return html`<div class="problems" data-testid="problems" role="list">
    ${issues.map((i) => html`<div role="listitem" class=${`sev-${i.severity || "error"}`} data-line=${i.line || ""}
        onClick=${() => i.line && onPick(i.line, i.column)}>
      ${i.line ? html`<b>Line ${i.line}${i.column ? `, col ${i.column}` : ""}:</b> ` : ""}${i.path ? `${i.path}: ` : ""}${i.message}${i.hint ? html` <span class="muted">— ${i.hint}</span>` : ""}
    </div>`)}
  </div>`;
}

function FlowEditor({ initialSource, isNew, saved, onSaved }) {
  const host = useRef(null);
  const editor = useRef(null);
  const textRef = useRef(initialSource);
  const [text, setText] = useState(initialSource);
  const [issues, setIssues] = useState(null);
  const [validating, setValidating] = useState(false);
  const [graph, setGraph] = useState({ flow: {}, outdated: false });
  const [busy, setBusy] = useState(false);
  const [executing, setExecuting] = useState(false);
  const [copilot, setCopilot] = useState({ available: false, open: false });
  const savedSource = saved ? saved.source : null;
  const dirty = isNew || text !== savedSource;

  const save = async () => {
    const source = textRef.current;
    setBusy(true);
    try {
      const stored = isNew
        ? await api.yaml("POST", "/flows", source)
        : await api.yaml("PUT", path("flows", saved.namespace, saved.id), source);
      toast(isNew ? `Flow ${stored.namespace}.${stored.id} created` : `Saved: revision ${stored.revision}`, "success");
      onSaved(stored);
    } catch (error) {
      if (error.status === 422) {
        const found = issuesOfError(error);
        setIssues(found);
        editor.current.setIssues(found);
      }
      toast(`Not saved: ${errorMessage(error)}`, "error", 9000);
    } finally {
      setBusy(false);
    }
  };
  const saveRef = useRef(save);
  saveRef.current = save;

  useEffect(() => {
    editor.current = createYamlEditor(host.current, {
      doc: initialSource,
      onChange: (value) => { textRef.current = value; setText(value); },
      onSave: () => saveRef.current(),
      completion: flowCompletion,
    });
    copilotAvailable().then((available) => setCopilot((c) => ({ ...c, available })));
    return () => editor.current.destroy();
  }, []);

  useEffect(() => { if (saved && saved.source !== textRef.current && !isNew) editor.current.setText(saved.source); }, [saved && saved.revision]);

  // Validation by the server (the CLI's validator), as you type.
  useEffect(() => {
    let stale = false;
    setValidating(true);
    const timer = setTimeout(async () => {
      let found;
      try {
        if (!text.trim()) found = [{ message: "The flow is empty.", line: 1, severity: "error" }];
        else {
          const checks = await api.yaml("POST", "/flows/validate", text);
          found = checks.flatMap((c) => c.issues || (c.constraints ? [{ message: c.constraints, severity: "error" }] : []));
        }
      } catch (error) {
        found = issuesOfError(error);
      }
      if (stale || textRef.current !== text) return;
      setIssues(found);
      setValidating(false);
      editor.current.setIssues(found);
    }, 300);
    return () => { stale = true; clearTimeout(timer); };
  }, [text]);

  // The topology, from the YAML as parsed in the browser (the last good one while it does not parse).
  useEffect(() => {
    const timer = setTimeout(() => {
      try {
        const doc = parseDocument(text);
        if (doc.errors.length) throw doc.errors[0];
        const value = doc.toJS();
        setGraph({ flow: value && typeof value === "object" ? value : {}, outdated: false });
      } catch {
        setGraph((g) => ({ ...g, outdated: true }));
      }
    }, 120);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    if (!dirty || isNew) return undefined;
    const warn = (e) => { e.preventDefault(); e.returnValue = ""; };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty, isNew]);

  const goToTask = (taskId) => {
    const lines = textRef.current.split("\n");
    const index = lines.findIndex((l) => new RegExp(`^\\s*(-\\s+)?id:\\s*["']?${taskId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*$`).test(l));
    if (index >= 0) editor.current.goToLine(index + 1);
  };
  const remove = async () => {
    if (!confirm(`Delete the flow ${saved.namespace}.${saved.id}? Its executions are kept.`)) return;
    try {
      await api.del(path("flows", saved.namespace, saved.id));
      toast("Flow deleted", "success");
      navigate("/flows");
    } catch (error) {
      toast(error, "error");
    }
  };
  const errorsCount = (issues || []).filter((i) => i.severity !== "warning").length;

  return html`<div class="col grow" style="min-height:0">
    <div class="row">
      <button class="primary" onClick=${save} disabled=${busy || !dirty} data-testid="save-flow" title="Ctrl+S">
        ${busy ? "Saving…" : isNew ? "Save" : dirty ? "Save" : "Saved"}</button>
      ${!isNew ? html`<button onClick=${() => setExecuting(true)} disabled=${dirty} data-testid="execute-flow"
          title=${dirty ? "Save the flow first" : "Execute this flow"}>▶ Execute</button>
        <button class="danger" onClick=${remove}>Delete</button>` : ""}
      <span class="muted small">${errorsCount ? `${errorsCount} problem${errorsCount > 1 ? "s" : ""}` : ""}</span>
      <span class="spacer"></span>
      ${copilot.available ? html`<button class="small" onClick=${() => setCopilot({ ...copilot, open: !copilot.open })}
        data-testid="copilot-toggle">Copilot</button>` : ""}
      <span class="muted small">Ctrl+Space: complete · Ctrl+S: save</span>
    </div>
    <div class="editor-split">
      <div class="editor-pane">
        <div class="cm-host" ref=${host} data-testid="editor"></div>
        <${Problems} issues=${issues} validating=${validating} onPick=${(l, c) => editor.current.goToLine(l, c)} />
      </div>
      <div class="side-pane">
        ${copilot.open ? html`<${CopilotPanel} currentSource=${() => textRef.current} onClose=${() => setCopilot({ ...copilot, open: false })}
          onApply=${(draft) => editor.current.setText(draft)}
          onUnavailable=${(why) => { setCopilot({ available: false, open: false }); toast(`Copilot unavailable: ${why}`, "error"); }} />` : ""}
        <${Topology} flow=${graph.flow} outdated=${graph.outdated} onSelect=${goToTask} direction="TB" />
      </div>
    </div>
    ${executing ? html`<${ExecuteDialog} namespace=${saved.namespace} flowId=${saved.id} onClose=${() => setExecuting(false)} />` : ""}
  </div>`;
}

function RevisionDiff({ left, right }) {
  const host = useRef(null);
  useEffect(() => {
    const extensions = [yamlLanguage(), EditorView.editable.of(false), EditorState.readOnly.of(true),
      document.documentElement.dataset.theme === "dark" ? oneDark : []];
    const view = new MergeView({ a: { doc: left.source, extensions }, b: { doc: right.source, extensions }, parent: host.current });
    return () => view.destroy();
  }, [left.revision, right.revision]);
  return html`<div class="cm-host" style="overflow:auto" ref=${host} data-testid="revision-diff"></div>`;
}

function Revisions({ namespace, flowId, onRestored }) {
  const revisions = useAsync(() => api.get(path("flows", namespace, flowId, "revisions")), [namespace, flowId]);
  const [pick, setPick] = useState(null);
  if (revisions.error) return html`<${ErrorBox} error=${revisions.error} />`;
  if (!revisions.data) return html`<${Loading} />`;
  const list = revisions.data;
  const byNumber = Object.fromEntries(list.map((r) => [r.revision, r]));
  const latest = list[list.length - 1].revision;
  const chosen = pick || { left: list.length > 1 ? list[list.length - 2].revision : latest, right: latest };
  const restore = async (revision) => {
    try {
      const stored = await api.yaml("PUT", path("flows", namespace, flowId), byNumber[revision].source);
      toast(`Revision ${revision} restored as revision ${stored.revision}`, "success");
      onRestored(stored);
      revisions.reload();
    } catch (error) {
      toast(error, "error");
    }
  };
  const select = (side) => html`<select aria-label=${`${side} revision`} value=${chosen[side]}
      onChange=${(e) => setPick({ ...chosen, [side]: Number(e.currentTarget.value) })}>
    ${list.map((r) => html`<option value=${r.revision} selected=${r.revision === chosen[side]}>Revision ${r.revision} · ${fmtDate(r.updated)}</option>`)}
  </select>`;
  return html`<div class="col grow" style="min-height:0">
    <div class="row">${select("left")} → ${select("right")}
      <span class="spacer"></span>
      <button class="small" disabled=${chosen.left === latest} onClick=${() => restore(chosen.left)}>Restore revision ${chosen.left}</button></div>
    ${byNumber[chosen.left] && byNumber[chosen.right] ? html`<${RevisionDiff} left=${byNumber[chosen.left]} right=${byNumber[chosen.right]} />` : ""}
  </div>`;
}

export function FlowPage({ isNew, namespace, flowId, tab }) {
  const current = isNew ? "editor" : tab || "editor";
  const flow = useAsync(() => (isNew ? Promise.resolve(null) : api.get(path("flows", namespace, flowId), { source: true })),
    [isNew, namespace, flowId]);
  const base = path("flows", "edit", namespace, flowId);
  const onSaved = (stored) => {
    if (isNew) navigate(path("flows", "edit", stored.namespace, stored.id), { replace: true });
    else flow.setData(stored);
  };
  return html`<div class="page" data-testid="flow-page">
    <div class="page-head">
      <h1>${isNew ? "New flow" : html`<span class="muted">${namespace}.</span>${flowId}`}</h1>
      ${flow.data ? html`<span class="badge" data-testid="revision">revision ${flow.data.revision}</span>` : ""}
    </div>
    ${!isNew ? html`<${Tabs} base=${base} active=${current} tabs=${[
      { id: "editor", label: "Editor" }, { id: "revisions", label: "Revisions" },
      { id: "executions", label: "Executions" }, { id: "triggers", label: "Triggers" }]} />` : ""}
    <${ErrorBox} error=${flow.error} />
    ${current === "editor" && (isNew || flow.data) ? html`<${FlowEditor} key=${isNew ? "new" : `${namespace}/${flowId}`}
        initialSource=${isNew ? TEMPLATE : flow.data.source} isNew=${isNew} saved=${flow.data} onSaved=${onSaved} />` : ""}
    ${current === "revisions" && flow.data ? html`<${Revisions} namespace=${namespace} flowId=${flowId} onRestored=${onSaved} />` : ""}
    ${current === "executions" ? html`<${ExecutionsBrowser} fixed=${{ namespace, flowId }} />` : ""}
    ${current === "triggers" ? html`<${TriggersTable} namespace=${namespace} flowId=${flowId} />` : ""}
    ${!isNew && !flow.data && !flow.error ? html`<${Loading} />` : ""}
  </div>`;
}
