// Resume a PAUSED execution: the paused tasks' `onResume` inputs as a form, then
// POST /executions/{id}/resume (the server types and validates them; 422 marks the fields).
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api } from "../api.js";
import { InputsForm, initialValues, inputsPayload, validateInputs } from "../inputs.js";
import { path } from "../router.js";
import { ErrorBox, Loading, Modal, toast } from "../ui.js";

/** Every task definition in a flow's JSON, however deeply nested (Sequential, If, Parallel...). */
function* tasksOf(node) {
  if (Array.isArray(node)) {
    for (const item of node) yield* tasksOf(item);
  } else if (node && typeof node === "object") {
    if (typeof node.id === "string" && typeof node.type === "string") yield node;
    for (const value of Object.values(node)) if (value && typeof value === "object") yield* tasksOf(value);
  }
}

/** The inputs asked on resume: the `onResume` of each PAUSED task run's task, first one wins. */
export function resumeInputs(flow, execution) {
  const paused = new Set((execution.taskRunList || []).filter((r) => r.state.current === "PAUSED").map((r) => r.taskId));
  const found = new Map();
  for (const task of tasksOf([flow.tasks, flow.errors, flow.finally])) {
    if (!paused.has(task.id) || !Array.isArray(task.onResume)) continue;
    for (const input of task.onResume) if (input && input.id && !found.has(input.id)) found.set(input.id, input);
  }
  return [...found.values()];
}

export function ResumeDialog({ execution, onClose, onResumed }) {
  const [inputs, setInputs] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [values, setValues] = useState({});
  const [files, setFiles] = useState({});
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.get(path("flows", execution.namespace, execution.flowId), { revision: execution.flowRevision, allowDeleted: true })
      .then((flow) => {
        const asked = resumeInputs(flow, execution);
        setInputs(asked);
        setValues(initialValues(asked));
      }).catch(setLoadError);
  }, [execution.id]);

  const submit = async (event) => {
    event && event.preventDefault();
    const found = validateInputs(inputs, values, files);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length) return;
    const form = new FormData();
    for (const [key, value] of Object.entries(inputsPayload(inputs, values))) form.append(key, value);
    for (const [key, file] of Object.entries(files)) if (file) form.append(key, file, file.name);
    setBusy(true);
    try {
      await api.post(path("executions", execution.id, "resume"), form);
      toast("Execution resumed", "success");
      onResumed();
    } catch (error) {
      const perField = error.fieldErrors ? error.fieldErrors("inputs.") : {};
      setErrors(perField);
      setFormError(Object.keys(perField).length ? null : error);
    } finally {
      setBusy(false);
    }
  };

  const footer = html`<button onClick=${onClose}>Cancel</button>
    <button class="primary" onClick=${submit} disabled=${!inputs || busy} data-testid="resume-submit">
      ${busy ? "Resuming…" : "Resume"}</button>`;
  return html`<${Modal} title="Resume the execution" onClose=${onClose} footer=${footer} testid="resume-dialog">
    ${loadError ? html`<${ErrorBox} error=${loadError} />` : !inputs ? html`<${Loading} />` : html`
      <form onSubmit=${submit} novalidate>
        ${inputs.length ? html`<${InputsForm} inputs=${inputs} values=${values} errors=${errors}
          onChange=${setValues} onFile=${setFiles} />` : html`<p>The paused task asks for no input: resume now?</p>`}
        ${formError ? html`<div style="margin-top:10px"><${ErrorBox} error=${formError} /></div>` : ""}
        <button type="submit" hidden></button>
      </form>`}
  <//>`;
}
