// Autocompletion of flow YAML: top-level keys, task types, and a task's properties from its
// plugin JSON Schema. The YAML around the cursor is read by indentation (it is often invalid
// while being typed, so no parser is involved).
import { describeProperty, pluginSchema, pluginTypes } from "../plugins.js";

export const FLOW_KEYS = {
  id: "The flow id (unique in its namespace).",
  namespace: "Dot-separated namespace, e.g. company.team.",
  description: "Markdown description.",
  labels: "Key/value labels copied to every execution.",
  inputs: "Typed inputs, given when an execution starts.",
  outputs: "Flow outputs, rendered when the execution ends.",
  variables: "Constants, read with {{ vars.name }}.",
  tasks: "The tasks, run in order.",
  errors: "Tasks run when a task fails.",
  finally: "Tasks run at the end, whatever the state.",
  afterExecution: "Tasks run after the execution ended.",
  triggers: "Schedules, flow triggers and webhooks.",
  pluginDefaults: "Default property values per task type.",
  concurrency: "At most `limit` executions at once.",
  retry: "Retry policy of the whole flow.",
  disabled: "A disabled flow cannot be executed.",
  sla: "Service-level assertions.",
  workerGroup: "Worker group (ignored by Lanner).",
};

export const INPUT_KEYS = [
  "id", "type", "description", "displayName", "required", "defaults", "prefill", "values", "allowCustomValue",
  "isRadio", "expression", "validator", "min", "max", "after", "before", "itemType", "dependsOn", "extension",
];

export const INPUT_TYPES = [
  "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "SELECT", "MULTISELECT", "ENUM", "DATETIME", "DATE", "TIME",
  "DURATION", "FILE", "JSON", "YAML", "URI", "SECRET", "ARRAY", "EMAIL",
];

const COMMON_TASK_KEYS = ["id", "type", "description", "disabled", "timeout", "retry", "allowFailure", "logLevel"];

function lineInfo(text) {
  if (!text.trim() || text.trim().startsWith("#")) return null;
  const spaces = text.length - text.trimStart().length;
  const dash = /^(\s*)-(\s+)/.exec(text);
  const keyIndent = dash ? dash[0].length : spaces;
  const rest = text.slice(keyIndent);
  const key = /^([A-Za-z_$][\w.$-]*)\s*:(?:\s+(.*))?$/.exec(rest) || /^([A-Za-z_$][\w.$-]*)\s*:$/.exec(rest);
  return {
    spaces, keyIndent, isItem: !!dash,
    key: key ? key[1] : null,
    value: key && key[2] !== undefined ? key[2].trim().replace(/^["']|["']$/g, "") : null,
  };
}

/** The mapping that holds a key at `indent` on line `lineNo`: its keys, `type` and parent key. */
export function blockAt(doc, lineNo, indent) {
  const keys = new Set();
  let type = null;
  let parent = null;
  const collect = (info) => {
    keys.add(info.key);
    if (info.key === "type") type = info.value;
  };
  // The line where this mapping starts as a list item ("- id: x"), if it is one. On that line
  // itself, the lines above belong to the previous item.
  let itemLine = /^\s*-\s/.test(doc.line(lineNo).text) ? lineNo : null;
  for (let n = lineNo - 1; n >= 1 && itemLine === null; n--) {
    const info = lineInfo(doc.line(n).text);
    if (!info || info.keyIndent > indent) continue;
    if (info.keyIndent === indent && info.key) {
      collect(info);
      if (info.isItem) itemLine = n;
    } else if (info.spaces < indent) {
      parent = info.key;
      break;
    }
  }
  if (itemLine !== null) {
    const column = doc.line(itemLine).text.indexOf("-");
    for (let n = itemLine - 1; n >= 1; n--) {
      const info = lineInfo(doc.line(n).text);
      if (info && (info.spaces < column || (info.spaces === column && !info.isItem))) {
        parent = info.key;
        break;
      }
    }
  }
  for (let n = lineNo + 1; n <= doc.lines; n++) {
    const info = lineInfo(doc.line(n).text);
    if (!info) continue;
    if (info.spaces < indent) break;
    if (info.spaces === indent && info.key && !info.isItem) collect(info);
  }
  return { keys, type, parent };
}

const property = (name, detail, info, boost = 0) => ({ label: name, type: "property", detail, info, apply: `${name}: `, boost });

async function keyOptions(doc, lineNo, indent) {
  const block = blockAt(doc, lineNo, indent);
  const unused = (name) => !block.keys.has(name);
  if (indent === 0 && block.parent === null) {
    return Object.entries(FLOW_KEYS).filter(([k]) => unused(k)).map(([k, info]) => property(k, "flow", info));
  }
  if (block.parent === "inputs") return INPUT_KEYS.filter(unused).map((k) => property(k, "input"));
  if (block.type) {
    const schema = await pluginSchema(block.type);
    if (schema) {
      return Object.entries(schema.properties).filter(([k]) => unused(k) && k !== "type").map(([k, s]) => property(
        k, describeProperty(s), s.description || s.title || "", schema.required.includes(k) ? 2 : 0));
    }
  }
  return COMMON_TASK_KEYS.filter(unused).map((k) => property(k, "task"));
}

async function typeOptions(doc, lineNo, indent) {
  const { parent } = blockAt(doc, lineNo, indent);
  if (parent === "inputs") return INPUT_TYPES.map((t) => ({ label: t, type: "enum" }));
  const types = await pluginTypes().catch(() => []);
  const wanted = parent === "triggers" ? "trigger" : "task";
  return types.map((t) => ({
    label: t.type, type: "class", detail: t.kind, boost: t.kind === wanted ? 1 : t.kind === "object" ? -1 : 0,
  }));
}

/** A CodeMirror completion source. */
export async function flowCompletion(context) {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const typed = /^(\s*(?:-\s+)?)type:\s*([\w.]*)$/.exec(before);
  if (typed) {
    const options = await typeOptions(context.state.doc, line.number, typed[1].length);
    return { from: context.pos - typed[2].length, options, validFor: /^[\w.]*$/ };
  }
  const key = /^(\s*)(-\s+)?([A-Za-z_][\w-]*)?$/.exec(before);
  if (key && (key[3] || context.explicit)) {
    const indent = key[1].length + (key[2] ? key[2].length : 0);
    const options = await keyOptions(context.state.doc, line.number, indent);
    return { from: context.pos - (key[3] || "").length, options, validFor: /^[\w-]*$/ };
  }
  return null;
}
