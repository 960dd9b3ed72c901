// A form generated from a flow's inputs: one widget per Kestra input type, defaults prefilled,
// checked in the browser first (errors next to each field), then by the server (its 422 errors
// are shown next to their field too).
import { html } from "../vendor/lanner-vendor.js";
import { Field, Switch, isoToLocalInput, localInputToIso, localZone } from "./ui.js";

const isExpression = (value) => typeof value === "string" && value.includes("{{");
const DURATION = /^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/i;
const EMAIL = /^$|^[a-zA-Z0-9_!#$%&'*+/=?{}~^.-]+@[a-zA-Z0-9.-]+$/;
const URI = /^[a-z]+:\/\/(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*)$/;

export const inputType = (input) => String(input.type || "STRING").toUpperCase();

/** SELECT/MULTISELECT options as [{label, value}] (values may be strings or {label, value}). */
export function optionsOf(input) {
  const raw = input.values || input.options || [];
  return (Array.isArray(raw) ? raw : []).map((v) => (v && typeof v === "object"
    ? { label: String(v.label ?? v.value), value: String(v.value) }
    : { label: String(v), value: String(v) }));
}

/** The form's initial values: `overrides` (e.g. a trigger's inputs) over the inputs' defaults. */
export function initialValues(inputs, overrides = {}) {
  const values = {};
  for (const input of inputs || []) {
    const type = inputType(input);
    const given = overrides[input.id] !== undefined ? overrides[input.id] : input.defaults ?? input.prefill;
    if (given === undefined || given === null || isExpression(given)) {
      values[input.id] = type === "BOOLEAN" || type === "BOOL" ? false : type === "MULTISELECT" ? [] : "";
      continue;
    }
    if (type === "BOOLEAN" || type === "BOOL") values[input.id] = given === true || String(given).toLowerCase() === "true";
    else if (type === "MULTISELECT") values[input.id] = Array.isArray(given) ? given.map(String) : [String(given)];
    else if (type === "ARRAY") values[input.id] = Array.isArray(given) ? given.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join("\n") : String(given);
    else if (type === "JSON" || type === "YAML") values[input.id] = typeof given === "string" ? given : JSON.stringify(given, null, 2);
    else if (type === "DATETIME") values[input.id] = isoToLocalInput(given);
    else values[input.id] = String(given);
  }
  return values;
}

const blank = (value) => value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length);

function hasDefault(input) {
  return input.defaults !== undefined && input.defaults !== null;
}

/** {inputId: message} of the values the server would refuse (what can be known in the browser). */
export function validateInputs(inputs, values, files = {}) {
  const errors = {};
  for (const input of inputs || []) {
    const type = inputType(input);
    const value = values[input.id];
    const required = input.required !== false;
    if (type === "FILE") {
      if (required && !files[input.id]) errors[input.id] = "Choose a file.";
      continue;
    }
    if (blank(value)) {
      if (required && !hasDefault(input) && type !== "BOOLEAN" && type !== "BOOL") errors[input.id] = "This input is required.";
      continue;
    }
    const text = String(value).trim();
    const check = () => {
      switch (type) {
        case "INT": {
          if (!/^[-+]?\d+$/.test(text)) return "Enter a whole number.";
          const n = Number(text);
          if (input.min !== undefined && n < input.min) return `It must be at least ${input.min}.`;
          if (input.max !== undefined && n > input.max) return `It must be at most ${input.max}.`;
          return null;
        }
        case "FLOAT": {
          if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return "Enter a number.";
          const n = Number(text);
          if (input.min !== undefined && n < input.min) return `It must be at least ${input.min}.`;
          if (input.max !== undefined && n > input.max) return `It must be at most ${input.max}.`;
          return null;
        }
        case "STRING":
        case "SECRET":
          if (input.validator) {
            try {
              if (!new RegExp(`^(?:${input.validator})$`).test(String(value))) return `It must match the pattern ${input.validator}.`;
            } catch { /* a Java-only pattern: the server checks it */ }
          }
          return null;
        case "EMAIL": return EMAIL.test(text) ? null : "Enter a valid email address.";
        case "URI": return URI.test(text) ? null : "Enter a URI such as https://example.com/file.csv.";
        case "DURATION": return DURATION.test(text) ? null : "Enter an ISO-8601 duration such as PT15M or P1D.";
        case "DATE": return /^\d{4}-\d{2}-\d{2}$/.test(text) ? null : "Enter a date (YYYY-MM-DD).";
        case "TIME": return /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? null : "Enter a time (HH:MM:SS).";
        case "DATETIME": return localInputToIso(text) ? null : "Enter a date and a time.";
        case "JSON":
          try {
            JSON.parse(text);
            return null;
          } catch (error) {
            return `Invalid JSON: ${error.message}`;
          }
        case "ARRAY": {
          const items = arrayItems(text);
          if (input.itemType && ["INT", "FLOAT"].includes(String(input.itemType).toUpperCase())) {
            const bad = items.find((i) => Number.isNaN(Number(i)));
            if (bad !== undefined) return `Each item must be a number ('${bad}' is not).`;
          }
          return null;
        }
        case "SELECT":
        case "ENUM": {
          const allowed = optionsOf(input).map((o) => o.value);
          if (allowed.length && !input.allowCustomValue && !allowed.includes(text)) return `Choose one of: ${allowed.join(", ")}.`;
          return null;
        }
        case "MULTISELECT": {
          const allowed = optionsOf(input).map((o) => o.value);
          const bad = value.find((v) => allowed.length && !input.allowCustomValue && !allowed.includes(v));
          return bad !== undefined ? `'${bad}' is not one of: ${allowed.join(", ")}.` : null;
        }
        default: return null;
      }
    };
    const message = check();
    if (message) errors[input.id] = message;
  }
  return errors;
}

function arrayItems(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const parsed = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
    } catch { /* one item per line */ }
  }
  return trimmed.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** The values as the API wants them: strings (JSON for lists), blanks left out. */
export function inputsPayload(inputs, values) {
  const out = {};
  for (const input of inputs || []) {
    const type = inputType(input);
    const value = values[input.id];
    if (type === "FILE" || blank(value)) continue;
    if (type === "BOOLEAN" || type === "BOOL") out[input.id] = value ? "true" : "false";
    else if (type === "MULTISELECT") out[input.id] = JSON.stringify(value);
    else if (type === "ARRAY") out[input.id] = JSON.stringify(arrayItems(String(value)));
    else if (type === "DATETIME") out[input.id] = localInputToIso(value);
    else out[input.id] = String(value);
  }
  return out;
}

function Widget({ input, value, onChange, onFile, invalid }) {
  const id = `input-${input.id}`;
  const type = inputType(input);
  const cls = invalid ? "invalid" : "";
  const text = (attrs = {}) => html`<input id=${id} name=${input.id} class=${cls} value=${value ?? ""} ...${attrs}
    onInput=${(e) => onChange(e.currentTarget.value)} />`;
  const expressionDefault = isExpression(input.defaults) ? `default: ${input.defaults}` : "";
  switch (type) {
    case "BOOLEAN":
    case "BOOL":
      return html`<div class="row"><${Switch} id=${id} checked=${value === true} onChange=${onChange} />
        <span class="muted small">${value ? "true" : "false"}</span></div>`;
    case "INT": return text({ type: "number", step: 1, min: input.min, max: input.max, placeholder: expressionDefault });
    case "FLOAT": return text({ type: "number", step: "any", min: input.min, max: input.max, placeholder: expressionDefault });
    case "SECRET": return text({ type: "password", autocomplete: "off" });
    case "EMAIL": return text({ type: "email", placeholder: expressionDefault || "name@example.com" });
    case "DATE": return text({ type: "date" });
    case "TIME": return text({ type: "time", step: 1 });
    case "DATETIME": return html`<div class="row">${text({ type: "datetime-local", step: 1 })}<span class="muted small">${localZone()}</span></div>`;
    case "JSON":
    case "YAML":
      return html`<textarea id=${id} name=${input.id} rows="5" class=${cls} placeholder=${expressionDefault || (type === "JSON" ? '{"key": "value"}' : "key: value")}
        onInput=${(e) => onChange(e.currentTarget.value)}>${value ?? ""}</textarea>`;
    case "ARRAY":
      return html`<textarea id=${id} name=${input.id} rows="4" class=${cls} placeholder="one item per line (or a JSON list)"
        onInput=${(e) => onChange(e.currentTarget.value)}>${value ?? ""}</textarea>`;
    case "FILE":
      return html`<input id=${id} name=${input.id} type="file" class=${cls} accept=${input.extension || undefined}
        onChange=${(e) => onFile(e.currentTarget.files[0] || null)} />`;
    case "SELECT":
    case "ENUM": {
      const options = optionsOf(input);
      if (input.allowCustomValue || !options.length) {
        return html`<div>${text({ list: `${id}-options`, placeholder: expressionDefault || "choose or type a value" })}
          <datalist id=${`${id}-options`}>${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}</datalist></div>`;
      }
      return html`<select id=${id} name=${input.id} class=${cls} value=${value ?? ""} onChange=${(e) => onChange(e.currentTarget.value)}>
        <option value="">— choose —</option>
        ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
      </select>`;
    }
    case "MULTISELECT": {
      const options = optionsOf(input);
      const chosen = Array.isArray(value) ? value : [];
      const toggle = (v, on) => onChange(on ? [...chosen, v] : chosen.filter((c) => c !== v));
      const custom = chosen.filter((c) => !options.some((o) => o.value === c));
      return html`<div class="col" id=${id} role="group">
        <div class="row">${options.map((o) => html`<label class="row small" key=${o.value}>
          <input type="checkbox" name=${input.id} value=${o.value} checked=${chosen.includes(o.value)}
            onChange=${(e) => toggle(o.value, e.currentTarget.checked)} />${o.label}</label>`)}</div>
        ${input.allowCustomValue ? html`<input placeholder="other values, comma-separated" value=${custom.join(", ")}
          onInput=${(e) => onChange([...chosen.filter((c) => options.some((o) => o.value === c)),
            ...e.currentTarget.value.split(",").map((s) => s.trim()).filter(Boolean)])} />` : ""}
      </div>`;
    }
    default:
      return text({ placeholder: expressionDefault });
  }
}

/** The fields of `inputs`; their values and files are kept by the parent. `onChange`/`onFile`
 * get an updater (previous => next), as a useState setter takes, so two fields changed before
 * a re-render both count. */
export function InputsForm({ inputs, values, errors = {}, onChange, onFile, noFiles = false }) {
  const shown = (inputs || []).filter((i) => !(noFiles && inputType(i) === "FILE"));
  if (!shown.length) return html`<p class="muted">This flow has no inputs.</p>`;
  return html`<div data-testid="inputs-form">${shown.map((input) => {
    const type = inputType(input);
    const hints = [input.description, type !== "STRING" ? type : "", input.itemType ? `of ${input.itemType}` : ""]
      .filter(Boolean).join(" · ");
    return html`<${Field} key=${input.id} id=${`input-${input.id}`} testid=${input.id}
        label=${input.displayName || input.id} required=${input.required !== false && !hasDefault(input) && type !== "BOOLEAN"}
        error=${errors[input.id]} hint=${hints}>
      <${Widget} input=${input} value=${values[input.id]} invalid=${!!errors[input.id]}
        onChange=${(v) => onChange((previous) => ({ ...previous, [input.id]: v }))}
        onFile=${(f) => onFile && onFile((previous) => ({ ...previous, [input.id]: f }))} />
    <//>`;
  })}</div>`;
}
