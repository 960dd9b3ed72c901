// The Execute dialog: the flow's inputs as a form, labels, then POST /executions/{ns}/{flowId}.
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api } from "../api.js";
import { InputsForm, initialValues, inputsPayload, validateInputs } from "../inputs.js";
import { navigate, path } from "../router.js";
import { ErrorBox, LabelsEditor, Loading, Modal, labelErrors, labelPairs, toast } from "../ui.js";

export function ExecuteDialog({ namespace, flowId, onClose }) {
  const [flow, setFlow] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [values, setValues] = useState({});
  const [files, setFiles] = useState({});
  const [labels, setLabels] = useState([]);
  const [errors, setErrors] = useState({});
  const [labelErrs, setLabelErrs] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.get(path("flows", namespace, flowId)).then((found) => {
      setFlow(found);
      setValues(initialValues(found.inputs));
    }).catch(setLoadError);
  }, [namespace, flowId]);

  const submit = async (event) => {
    event && event.preventDefault();
    const found = validateInputs(flow.inputs, values, files);
    const foundLabels = labelErrors(labels);
    setErrors(found);
    setLabelErrs(foundLabels);
    setFormError(null);
    if (Object.keys(found).length || Object.keys(foundLabels).length) return;
    const form = new FormData();
    for (const [key, value] of Object.entries(inputsPayload(flow.inputs, values))) form.append(key, value);
    for (const [key, file] of Object.entries(files)) if (file) form.append(key, file, file.name);
    setBusy(true);
    try {
      const execution = await api.post(path("executions", namespace, flowId), form, { query: { labels: labelPairs(labels) } });
      toast(`Execution ${execution.id} created`, "success");
      onClose();
      navigate(path("executions", namespace, flowId, execution.id, "gantt"));
    } catch (error) {
      const perField = error.fieldErrors ? error.fieldErrors("inputs.") : {};
      setErrors(perField);
      const unplaced = (error.errors || []).filter((e) => !(e.path || "").startsWith("inputs."));
      setFormError(Object.keys(perField).length && !unplaced.length ? null : error);
    } finally {
      setBusy(false);
    }
  };

  const footer = html`<button onClick=${onClose}>Cancel</button>
    <button class="primary" onClick=${submit} disabled=${!flow || busy} data-testid="execute-submit">
      ${busy ? "Starting…" : "Execute"}</button>`;
  return html`<${Modal} title=${`Execute ${namespace}.${flowId}`} onClose=${onClose} footer=${footer} testid="execute-dialog">
    ${loadError ? html`<${ErrorBox} error=${loadError} />` : !flow ? html`<${Loading} />` : html`
      <form onSubmit=${submit} novalidate>
        ${flow.disabled ? html`<div class="error-box">This flow is disabled: the server will refuse to execute it.</div>` : ""}
        <${InputsForm} inputs=${flow.inputs} values=${values} errors=${errors}
          onChange=${setValues} onFile=${setFiles} />
        <h3>Labels</h3>
        <${LabelsEditor} rows=${labels} onChange=${setLabels} errors=${labelErrs} />
        ${formError ? html`<div style="margin-top:10px"><${ErrorBox} error=${formError} /></div>` : ""}
        ${Object.keys(errors).length ? html`<p class="field-error">Fix the fields marked in red.</p>` : ""}
        <button type="submit" hidden></button>
      </form>`}
  <//>`;
}
