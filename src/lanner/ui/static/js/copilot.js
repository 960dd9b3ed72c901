// The Copilot panel of the editor (POST /ai/generate-flow). It is offered when the server lists
// the route and its configuration does not say AI is off (`isAiEnabled`); when the server then
// answers that no provider is configured (404/503), the panel hides itself for the session.
import { html, useState } from "../vendor/lanner-vendor.js";
import { api } from "./api.js";
import { ErrorBox } from "./ui.js";

const ROUTE = "/api/v1/main/ai/generate-flow";
let availability = null;

export function copilotAvailable() {
  if (!availability) {
    availability = Promise.all([api.get("/api/v1/openapi.json"), api.get("/api/v1/configs")])
      .then(([openapi, configs]) => Boolean(openapi && openapi.paths && openapi.paths[ROUTE])
        && configs.isAiEnabled !== false)
      .catch(() => false);
  }
  return availability;
}

function markUnavailable() {
  availability = Promise.resolve(false);
}

export function CopilotPanel({ currentSource, onApply, onClose, onUnavailable }) {
  const [prompt, setPrompt] = useState("");
  const [promptError, setPromptError] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [draft, setDraft] = useState(null);
  const generate = async () => {
    if (!prompt.trim()) {
      setPromptError("Describe what the flow should do.");
      return;
    }
    setPromptError("");
    setBusy(true);
    setError(null);
    try {
      const answer = await api.json("POST", "/ai/generate-flow", { prompt, flow: currentSource() || undefined });
      if (!answer || !String(answer.yaml || "").trim()) throw new Error("The AI provider answered without a flow.");
      setDraft(answer);
    } catch (e) {
      if (e.status === 404 || e.status === 503) {
        markUnavailable();
        onUnavailable(e.message);
        return;
      }
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="card copilot col" data-testid="copilot">
    <div class="row"><h3 style="margin:0">Copilot</h3><span class="spacer"></span><button class="small" onClick=${onClose} aria-label="Close">✕</button></div>
    <textarea placeholder="Describe the flow, e.g. 'download a CSV every day and load it into Postgres'" value=${prompt}
      class=${promptError ? "invalid" : ""} onInput=${(e) => setPrompt(e.currentTarget.value)}></textarea>
    ${promptError ? html`<div class="field-error">${promptError}</div>` : ""}
    <div class="row"><button class="primary small" onClick=${generate} disabled=${busy}>${busy ? "Generating…" : "Generate"}</button>
      <span class="muted small">The current editor content is sent along, to be changed.</span></div>
    <${ErrorBox} error=${error} />
    ${draft ? html`<div class="col">
      ${draft.explanation ? html`<div class="small">${draft.explanation}</div>` : ""}
      ${draft.valid === false ? html`<div class="field-error">Still invalid after ${draft.attempts || "several"} attempt(s):
        ${(draft.errors || []).map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`).join("; ")}</div>` : ""}
      <pre class="log-detail">${draft.yaml}</pre>
      <div class="row"><button class="small primary" onClick=${() => { onApply(draft.yaml); setDraft(null); }}>Use this flow</button>
      <button class="small" onClick=${() => setDraft(null)}>Discard</button></div></div>` : ""}
  </div>`;
}
