// The Outputs tab: browse the outputs of every task run (and the flow's), preview stored files.
import { html, useMemo, useState } from "../../vendor/lanner-vendor.js";
import { download } from "../api.js";
import { path } from "../router.js";
import { JsonTree } from "../ui.js";
import { FilePreview } from "./preview.js";

const isStored = (value) => typeof value === "string" && /^kestra:\/\/\//.test(value);

export function OutputsView({ execution }) {
  const items = useMemo(() => {
    const list = [];
    if (execution.outputs && Object.keys(execution.outputs).length) {
      list.push({ key: "flow", label: "Flow outputs", outputs: execution.outputs });
    }
    for (const run of execution.taskRunList || []) {
      if (run.outputs && Object.keys(run.outputs).length) {
        list.push({ key: run.id, label: run.value ? `${run.taskId} [${run.value}]` : run.taskId, outputs: run.outputs });
      }
    }
    return list;
  }, [execution]);
  const [chosen, setChosen] = useState(null);
  const [preview, setPreview] = useState(null);
  const current = items.find((i) => i.key === chosen) || items[0];
  if (!items.length) return html`<div class="card muted" data-testid="outputs">No outputs${execution.state.current === "RUNNING" ? " yet" : ""}.</div>`;
  const leaf = (value) => (isStored(value) ? html` <button class="small" onClick=${() => setPreview(value)} data-testid="preview-button">Preview</button>
    <button class="small" onClick=${() => download(path("executions", execution.id, "file"), { path: value })}>⬇</button>` : "");
  return html`<div class="outputs" data-testid="outputs">
    <div class="list">${items.map((i) => html`<div key=${i.key} class=${i === current ? "active" : ""} data-output=${i.label}
      onClick=${() => { setChosen(i.key); setPreview(null); }}>${i.label}</div>`)}</div>
    <div class="detail">
      <div class="card tree" data-testid="output-values"><${JsonTree} value=${current.outputs} renderLeaf=${leaf} /></div>
      ${preview ? html`<${FilePreview} executionId=${execution.id} uri=${preview} />` : ""}
    </div>
  </div>`;
}
