// Previews of stored files: CSV, JSON (lines) and Ion as a table, images, text otherwise.
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api, download } from "../api.js";
import { path } from "../router.js";
import { ErrorBox, Loading } from "../ui.js";

/** RFC 4180 rows (quoted fields, doubled quotes, newlines inside quotes). */
export function csvRows(text, separator = ",") {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === separator) { row.push(field); field = ""; } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// ---- Ion text (Kestra stores task results as one Ion value per line) ----------------------------

class IonReader {
  constructor(text) { this.s = text; this.i = 0; }

  ws() {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
      if (this.s.startsWith("//", this.i)) { while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++; } else if (this.s.startsWith("/*", this.i)) {
        const end = this.s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? this.s.length : end + 2;
      } else return;
    }
  }

  string(quote) {
    let out = "";
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      let c = this.s[this.i++];
      if (c === "\\") {
        const e = this.s[this.i++];
        const map = { n: "\n", t: "\t", r: "\r", 0: "\0", b: "\b", f: "\f", v: "\v", a: "\x07" };
        if (e === "x") { c = String.fromCharCode(parseInt(this.s.substr(this.i, 2), 16)); this.i += 2; } else if (e === "u") { c = String.fromCharCode(parseInt(this.s.substr(this.i, 4), 16)); this.i += 4; } else if (e === "U") { c = String.fromCodePoint(parseInt(this.s.substr(this.i, 8), 16)); this.i += 8; } else c = map[e] ?? e;
      }
      out += c;
    }
    this.i++;
    return out;
  }

  atom() {
    const m = /^[^\s,:{}[\]()'"]+/.exec(this.s.slice(this.i, this.i + 400));
    const token = m ? m[0] : "";
    this.i += token.length || 1;
    return token;
  }

  value() {
    this.ws();
    const c = this.s[this.i];
    if (c === "{" && this.s[this.i + 1] === "{") {
      const end = this.s.indexOf("}}", this.i);
      const blob = this.s.slice(this.i + 2, end < 0 ? undefined : end).trim();
      this.i = end < 0 ? this.s.length : end + 2;
      return blob;
    }
    if (c === "{") return this.struct();
    if (c === "[" || c === "(") return this.list(c === "[" ? "]" : ")");
    if (c === '"') return this.string('"');
    if (this.s.startsWith("'''", this.i)) {
      let out = "";
      while (this.s.startsWith("'''", this.i)) {
        const end = this.s.indexOf("'''", this.i + 3);
        out += this.s.slice(this.i + 3, end);
        this.i = end + 3;
        this.ws();
      }
      return out;
    }
    if (c === "'") {
      const symbol = this.string("'");
      return this.annotated(symbol);
    }
    // Timestamps hold ':' (2019-01-01T00:46:40.000Z): read them whole, kept as text.
    const stamp = /^\d{4}-\d{2}(?:-\d{2})?(?:T(?:\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?/
      .exec(this.s.slice(this.i, this.i + 40));
    if (stamp) {
      this.i += stamp[0].length;
      return stamp[0];
    }
    const token = this.atom();
    return this.annotated(token, true);
  }

  annotated(token, bare = false) {
    this.ws();
    if (this.s.startsWith("::", this.i)) { // an annotation: the value follows
      this.i += 2;
      return this.value();
    }
    if (!bare) return token;
    if (token === "null" || token.startsWith("null.")) return null;
    if (token === "true") return true;
    if (token === "false") return false;
    if (/^[-+]?\d[\d_]*$/.test(token)) return Number(token.replace(/_/g, ""));
    if (/^[-+]?\d[\d_]*\.\d*([dDeE][-+]?\d+)?$|^[-+]?\d+[eE][-+]?\d+$/.test(token)) return Number(token.replace(/_/g, "").replace(/[dD]/, "e"));
    return token; // symbols, timestamps (2019-01-01T00:00:00Z), nan, +inf
  }

  list(close) {
    this.i++;
    const out = [];
    for (;;) {
      this.ws();
      if (this.i >= this.s.length || this.s[this.i] === close) { this.i++; return out; }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
    }
  }

  struct() {
    this.i++;
    const out = {};
    for (;;) {
      this.ws();
      if (this.i >= this.s.length || this.s[this.i] === "}") { this.i++; return out; }
      const c = this.s[this.i];
      const key = c === '"' || c === "'" ? this.string(c) : this.atom();
      this.ws();
      if (this.s[this.i] === ":") this.i++;
      out[key] = this.value();
      this.ws();
      if (this.s[this.i] === ",") this.i++;
    }
  }

  all() {
    const values = [];
    for (;;) {
      this.ws();
      if (this.i >= this.s.length) return values;
      const before = this.i;
      values.push(this.value());
      if (this.i === before) this.i++;
    }
  }
}

export function ionValues(text) {
  return new IonReader(text).all();
}

export function jsonValues(text) {
  try {
    const whole = JSON.parse(text);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    return text.split("\n").filter((l) => l.trim()).map((l) => {
      try { return JSON.parse(l); } catch { return l; }
    });
  }
}

/** {columns, rows} when the records are objects, else null. */
export function tableOf(records) {
  if (!records.length || !records.every((r) => r && typeof r === "object" && !Array.isArray(r))) return null;
  const columns = [];
  for (const record of records) for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
  const cell = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  return { columns, rows: records.map((r) => columns.map((c) => cell(r[c]))) };
}

export function previewTable(extension, content) {
  const ext = (extension || "").toLowerCase();
  if (ext === "csv" || ext === "tsv") {
    const rows = csvRows(content, ext === "tsv" ? "\t" : ",");
    return rows.length ? { columns: rows[0], rows: rows.slice(1) } : null;
  }
  if (ext === "ion") return tableOf(ionValues(content));
  if (ext === "json" || ext === "jsonl" || ext === "ndjson") return tableOf(jsonValues(content));
  return null;
}

export function FilePreview({ executionId, uri }) {
  const [maxRows, setMaxRows] = useState(100);
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    setState({ loading: true });
    api.get(path("executions", executionId, "file", "preview"), { path: uri, maxRows })
      .then((data) => setState({ data })).catch((error) => setState({ error }));
  }, [executionId, uri, maxRows]);
  const name = uri.split("/").pop();
  const { data, error, loading } = state;
  let body = null;
  if (data) {
    if (data.type === "IMAGE") body = html`<img src=${data.content} alt=${name} />`;
    else {
      let table = null;
      try { table = previewTable(data.extension, data.content); } catch { table = null; }
      body = table ? html`<table class="grid" data-testid="preview-table">
          <thead><tr><th>#</th>${table.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
          <tbody>${table.rows.map((r, i) => html`<tr><td class="muted">${i + 1}</td>${r.map((v) => html`<td>${v}</td>`)}</tr>`)}</tbody>
        </table>` : html`<pre data-testid="preview-text">${data.content}</pre>`;
    }
  }
  return html`<div class="card col" data-testid="file-preview">
    <div class="row"><b class="mono">${name}</b><span class="spacer"></span>
      <select aria-label="Rows" value=${maxRows} onChange=${(e) => setMaxRows(Number(e.currentTarget.value))}>
        ${[100, 500, 1000, 5000].map((n) => html`<option value=${n} selected=${n === maxRows}>${n} rows</option>`)}
      </select>
      <button class="small" onClick=${() => download(path("executions", executionId, "file"), { path: uri }, name)}>⬇ Download</button></div>
    <div class="muted small mono">${uri}</div>
    ${loading ? html`<${Loading} />` : ""}<${ErrorBox} error=${error} />
    ${data && data.truncated ? html`<div class="muted small">Only the beginning of the file is shown.</div>` : ""}
    <div class="preview">${body}</div>
  </div>`;
}
