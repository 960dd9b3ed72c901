// Plugin types and their JSON Schemas (GET /plugins, /plugins/{type}), fetched once per page load.
import { api } from "./api.js";

let typesPromise = null;
const schemas = new Map();

/** [{type, kind: "task"|"trigger"|"object", group}] */
export function pluginTypes() {
  if (!typesPromise) {
    typesPromise = api.get("/plugins").then((groups) => {
      const out = [];
      for (const group of groups) {
        for (const type of group.tasks || []) out.push({ type, kind: "task", group: group.group });
        for (const type of group.triggers || []) out.push({ type, kind: "trigger", group: group.group });
        for (const type of group.others || []) out.push({ type, kind: "object", group: group.group });
      }
      return out;
    }).catch((error) => {
      typesPromise = null; // try again next time
      throw error;
    });
  }
  return typesPromise;
}

/** {description, properties: {name: schema}, required: [names]} of one type, or null if unknown. */
export function pluginSchema(type) {
  if (!schemas.has(type)) {
    const promise = api.get(`/plugins/${encodeURIComponent(type)}`).then((body) => {
      const schema = (body && body.schema && body.schema.properties) || {};
      return {
        description: body.markdown || schema.description || "",
        properties: schema.properties || {},
        required: schema.required || [],
      };
    }).catch(() => {
      schemas.delete(type);
      return null;
    });
    schemas.set(type, promise);
  }
  return schemas.get(type);
}

/** A one-line summary of a property schema: its type(s) and default. */
export function describeProperty(schema) {
  if (!schema) return "";
  const kinds = new Set();
  const visit = (s) => {
    if (!s || typeof s !== "object") return;
    if (s.type && s.type !== "null") kinds.add(Array.isArray(s.type) ? s.type.join("|") : s.type);
    if (s.enum) kinds.add(`one of ${s.enum.slice(0, 6).join(", ")}`);
    for (const key of ["anyOf", "oneOf"]) (s[key] || []).forEach(visit);
    if (s.$ref) kinds.add(s.$ref.split("/").pop());
  };
  visit(schema);
  let text = [...kinds].join(" | ");
  if (schema.default !== undefined && schema.default !== null) text += ` (default ${JSON.stringify(schema.default)})`;
  return text;
}
