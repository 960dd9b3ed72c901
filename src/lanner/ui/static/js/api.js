// The only way the UI talks to the server: Lanner's public REST API (Kestra-compatible).
//
// Credentials are sent explicitly as an Authorization header with `credentials: "omit"`: the
// browser then never shows its own basic-auth dialog on a 401 (the login page handles it).
// Server-sent events are read through fetch for the same reason (EventSource cannot send headers).

export const TENANT = "/api/v1/main";
const STORE_KEY = "lanner.auth";

let authorization = null;
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(status, message, errors = [], path = "") {
    super(message);
    this.status = status;
    this.errors = errors; // [{message, path, line, column, hint}]
    this.path = path;
  }

  /** {field: message} for the errors whose path starts with `prefix` (e.g. "inputs."). */
  fieldErrors(prefix = "") {
    const out = {};
    for (const error of this.errors) {
      const path = error.path || "";
      if (!path.startsWith(prefix)) continue;
      const key = path.slice(prefix.length).split(/[.[]/)[0];
      if (key) out[key] = out[key] ? `${out[key]}\n${error.message}` : error.message;
    }
    return out;
  }
}

export function loadCredentials() {
  try {
    authorization = sessionStorage.getItem(STORE_KEY) || localStorage.getItem(STORE_KEY);
  } catch {
    authorization = null;
  }
  return authorization !== null;
}

function encodeBasic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export function setCredentials(user, password, remember) {
  authorization = encodeBasic(user, password);
  try {
    (remember ? localStorage : sessionStorage).setItem(STORE_KEY, authorization);
  } catch { /* private mode: kept in memory only */ }
}

export function clearCredentials() {
  authorization = null;
  try {
    sessionStorage.removeItem(STORE_KEY);
    localStorage.removeItem(STORE_KEY);
  } catch { /* nothing stored */ }
}

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function url(path, query) {
  const full = path.startsWith("/api/") || path.startsWith("/ping") ? path : TENANT + path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${full}?${text}` : full;
}

async function errorOf(response, path) {
  let body = null;
  const text = await response.text().catch(() => "");
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  const message = (body && body.message)
    || (text && text.length < 300 && !text.trimStart().startsWith("<") ? text : "")
    || `The server answered ${response.status} ${response.statusText || ""}`.trim();
  const errors = (body && body._embedded && body._embedded.errors) || [];
  return new ApiError(response.status, message, errors, path);
}

/** fetch + error handling. Returns parsed JSON, text, null (204) or the Response when `raw`. */
export async function request(method, path, { query, body, headers, raw, signal, anonymous } = {}) {
  const target = url(path, query);
  const allHeaders = { ...(headers || {}) };
  if (authorization && !anonymous) allHeaders.Authorization = authorization;
  let response;
  try {
    response = await fetch(target, { method, body, headers: allHeaders, credentials: "omit", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, `The server cannot be reached (${error.message}). Is 'lanner server' still running?`);
  }
  if (response.status === 401 && !anonymous) {
    unauthorizedHandler();
    throw new ApiError(401, "You are not logged in, or your credentials were refused: log in again.");
  }
  if (!response.ok) throw await errorOf(response, path);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) return response.json();
  return response.text();
}

export const api = {
  get: (path, query, options = {}) => request("GET", path, { ...options, query }),
  del: (path, query, options = {}) => request("DELETE", path, { ...options, query }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  json: (method, path, data, options = {}) => request(method, path, {
    ...options, body: JSON.stringify(data), headers: { "Content-Type": "application/json" },
  }),
  yaml: (method, path, text, options = {}) => request(method, path, {
    ...options, body: text, headers: { "Content-Type": "application/x-yaml" },
  }),
};

/**
 * Reads a server-sent event stream (`id: progress` / `id: end` + `data: JSON`) and calls
 * `onEvent(id, data)` for each event. Resolves when the stream ends, rejects on errors; abort
 * with `signal`.
 */
export async function follow(path, query, onEvent, signal) {
  const response = await request("GET", path, {
    query, raw: true, signal, headers: { Accept: "text/event-stream" },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let id = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("event:")) id = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) {
        let parsed;
        try {
          parsed = JSON.parse(data.join("\n"));
        } catch {
          parsed = data.join("\n");
        }
        onEvent(id, parsed);
      }
    }
  }
}

/** Downloads a protected file (the browser cannot add the Authorization header to a link). */
export async function download(path, query, filename) {
  const response = await request("GET", path, { query, raw: true });
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) || /filename="?([^";]+)"?/i.exec(disposition);
  const name = filename || (named ? decodeURIComponent(named[1]) : "download");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; returns results in order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await fn(items[index], index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
