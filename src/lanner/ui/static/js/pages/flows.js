// Flows: list by namespace with search, each with its last execution and its triggers.
import { html, useEffect, useState } from "../../vendor/lanner-vendor.js";
import { api, mapLimit } from "../api.js";
import { Link, navigate, path, setQuery, useRoute } from "../router.js";
import { ErrorBox, Labels, Loading, Pager, StateBadge, fmtDate, shortType, useAsync, useDebounced } from "../ui.js";
import { ExecuteDialog } from "./execute.js";

export function FlowsPage() {
  const { query } = useRoute();
  const namespace = query.get("namespace") || "";
  const [search, setSearch] = useState(query.get("q") || "");
  const q = useDebounced(search, 250);
  const page = Number(query.get("page") || 1);
  const size = Number(query.get("size") || 25);
  const [executing, setExecuting] = useState(null);
  const [lastRuns, setLastRuns] = useState({});

  useEffect(() => {
    if (q !== (query.get("q") || "")) setQuery({ namespace, q, page: 1, size });
  }, [q]);

  const namespaces = useAsync(() => api.get("/flows/distinct-namespaces"), []);
  const flows = useAsync(() => api.get("/flows/search", { namespace, q: query.get("q"), page, size, sort: "id:asc" }),
    [namespace, query.get("q"), page, size]);

  useEffect(() => {
    const results = (flows.data && flows.data.results) || [];
    let alive = true;
    mapLimit(results, 6, (f) => api.get("/executions/search", { namespace: f.namespace, flowId: f.id, page: 1, size: 1 }))
      .then((answers) => {
        if (!alive) return;
        const found = {};
        answers.forEach((a, i) => {
          const flow = results[i];
          const last = a.ok ? a.value.results.find((e) => e.namespace === flow.namespace) : null;
          found[`${flow.namespace}/${flow.id}`] = last || null;
        });
        setLastRuns(found);
      });
    return () => { alive = false; };
  }, [flows.data]);

  const results = (flows.data && flows.data.results) || [];
  return html`<div class="page" data-testid="flows-page">
    <div class="page-head">
      <h1>Flows</h1><span class="spacer"></span>
      <button class="primary" onClick=${() => navigate("/flows/new")} data-testid="create-flow">+ Create a flow</button>
    </div>
    <div class="row">
      <select aria-label="Namespace" value=${namespace} onChange=${(e) => setQuery({ namespace: e.currentTarget.value, q, page: 1, size })}>
        <option value="">All namespaces</option>
        ${(namespaces.data || []).map((ns) => html`<option value=${ns} selected=${ns === namespace}>${ns}</option>`)}
      </select>
      <input type="search" placeholder="Search flows (id, namespace, description…)" aria-label="Search flows" style="flex:1;max-width:420px"
        value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} />
    </div>
    <${ErrorBox} error=${flows.error} />
    ${flows.loading && !flows.data ? html`<${Loading} />` : html`
    <div class="table-wrap"><table class="grid" data-testid="flows-table">
      <thead><tr><th>Flow</th><th>Namespace</th><th>Labels</th><th>Last execution</th><th>Triggers</th><th></th></tr></thead>
      <tbody>
        ${results.map((f) => {
          const last = lastRuns[`${f.namespace}/${f.id}`];
          return html`<tr key=${`${f.namespace}/${f.id}`} data-flow=${`${f.namespace}.${f.id}`}>
            <td><${Link} to=${path("flows", "edit", f.namespace, f.id)}><b>${f.id}</b></${Link}>
              ${f.disabled ? html` <span class="badge">disabled</span>` : ""}
              ${f.description ? html`<div class="muted small">${String(f.description).split("\n")[0].slice(0, 120)}</div>` : ""}</td>
            <td>${f.namespace}</td>
            <td><${Labels} labels=${f.labels} /></td>
            <td class="nowrap">${last ? html`<${Link} to=${path("executions", last.namespace, last.flowId, last.id)}>
                <${StateBadge} state=${last.state} /></${Link}> <span class="muted small">${fmtDate(last.state.startDate)}</span>`
              : last === null ? html`<span class="muted">never</span>` : ""}</td>
            <td>${(f.triggers || []).map((t) => html`<span class="label-chip" title=${t.type}
                style=${t.disabled ? "text-decoration:line-through" : ""}>${t.id} · ${shortType(t.type)}${t.cron ? ` (${t.cron})` : ""}</span>`)}</td>
            <td class="nowrap"><button class="small" onClick=${() => setExecuting(f)} disabled=${f.disabled}>▶ Execute</button></td>
          </tr>`;
        })}
        ${!results.length ? html`<tr><td colspan="6" class="muted">No flow${namespace || q ? " matches" : " yet: create one"}.</td></tr>` : ""}
      </tbody>
    </table></div>
    <${Pager} page=${page} size=${size} total=${flows.data ? flows.data.total : 0}
      onChange=${(p, s) => setQuery({ namespace, q, page: p, size: s })} />`}
    ${executing ? html`<${ExecuteDialog} namespace=${executing.namespace} flowId=${executing.id} onClose=${() => setExecuting(null)} />` : ""}
  </div>`;
}
