// The topology of a flow, drawn as SVG from the flow's JSON (the YAML as data): tasks left to
// right; If/Switch branches and Parallel tasks fan out and join; ForEach, Sequential,
// WorkingDirectory... are boxes around their tasks; errors/finally/afterExecution are rows below.
import { html, useMemo, useState } from "../vendor/lanner-vendor.js";
import { shortType } from "./ui.js";

const NODE_W = 184;
const NODE_H = 44;
const PAD = 12;
const TITLE = 20;
const DOT = 14;

const BRANCHING = new Set(["If", "Switch", "Parallel"]);

/** Sizes along the flow's direction (a) and across it (c). */
function metrics(direction) {
  return direction === "LR"
    ? { lr: true, A: NODE_W, C: NODE_H, GAP_A: 34, GAP_C: 16, TITLE_A: 0, TITLE_C: TITLE }
    : { lr: false, A: NODE_H, C: NODE_W, GAP_A: 30, GAP_C: 22, TITLE_A: TITLE, TITLE_C: 0 };
}

function taskList(value) {
  return Array.isArray(value) ? value.filter((t) => t && typeof t === "object") : [];
}

function childrenOf(task) {
  if (shortType(task.type) === "Dag") return taskList(task.tasks).map((t) => t.task || t).filter(Boolean);
  return taskList(task.tasks);
}

// ---- building blocks (sizes in a/c) -------------------------------------------------------------

function node(m, task, extra = {}) {
  return { kind: "node", task, a: m.A, c: m.C, ...extra };
}

function sequence(m, tasks) {
  const items = tasks.map((t) => block(m, t));
  if (!items.length) return { kind: "seq", items, a: DOT * 2, c: DOT };
  return {
    kind: "seq", items,
    a: items.reduce((sum, b) => sum + b.a, 0) + m.GAP_A * (items.length - 1),
    c: Math.max(...items.map((b) => b.c)),
  };
}

function branches(m, task, list) {
  const inner = list.map((b) => ({ ...b, seq: sequence(m, b.tasks) }));
  const ba = Math.max(DOT * 2, ...inner.map((b) => b.seq.a));
  const bc = inner.reduce((sum, b) => sum + b.seq.c, 0) + m.GAP_C * Math.max(0, inner.length - 1);
  return {
    kind: "branch", head: node(m, task, { flowable: true }), branches: inner, ba, bc,
    a: m.A + m.GAP_A * 2 + ba + DOT, c: Math.max(m.C, bc),
  };
}

function block(m, task) {
  const type = shortType(task.type);
  if (type === "If") {
    const list = [{ label: "then", tasks: taskList(task.then) }];
    if (task.else) list.push({ label: "else", tasks: taskList(task.else) });
    return branches(m, task, list);
  }
  if (type === "Switch") {
    const cases = task.cases && typeof task.cases === "object" ? Object.entries(task.cases) : [];
    const list = cases.map(([label, tasks]) => ({ label, tasks: taskList(tasks) }));
    if (task.defaults) list.push({ label: "defaults", tasks: taskList(task.defaults) });
    return branches(m, task, list);
  }
  if (type === "Parallel") return branches(m, task, taskList(task.tasks).map((t) => ({ label: "", tasks: [t] })));
  const children = childrenOf(task);
  if (children.length || BRANCHING.has(type) || Array.isArray(task.tasks)) {
    const body = sequence(m, children);
    return { kind: "cluster", task, body, a: body.a + PAD * 2 + m.TITLE_A, c: body.c + PAD * 2 + m.TITLE_C };
  }
  return node(m, task);
}

// ---- placement ----------------------------------------------------------------------------------

/** Places `b` starting at `a` along the flow, centred on `c` across it; returns its entry and exit. */
function place(m, b, a, c, out) {
  if (b.kind === "node") {
    out.nodes.push({ task: b.task, a, c: c - m.C / 2, flowable: !!b.flowable });
    return { in: { a, c }, out: { a: a + m.A, c } };
  }
  if (b.kind === "seq") {
    if (!b.items.length) {
      out.dots.push({ a: a + DOT, c, r: 3 });
      return { in: { a: a + DOT, c }, out: { a: a + DOT, c } };
    }
    let cursor = a;
    let first = null;
    let prev = null;
    for (const item of b.items) {
      const anchors = place(m, item, cursor, c, out);
      if (prev) out.edges.push({ from: prev.out, to: anchors.in });
      first = first || anchors;
      prev = anchors;
      cursor += item.a + m.GAP_A;
    }
    return { in: first.in, out: prev.out };
  }
  if (b.kind === "branch") {
    const head = place(m, b.head, a, c, out);
    const join = { a: a + b.a - DOT / 2, c };
    let top = c - b.bc / 2;
    const ba = a + m.A + m.GAP_A;
    for (const branch of b.branches) {
      const bcc = top + branch.seq.c / 2;
      const anchors = place(m, branch.seq, ba, bcc, out);
      out.edges.push({ from: head.out, to: anchors.in, label: branch.label, at: { a: ba - 4, c: bcc } });
      out.edges.push({ from: anchors.out, to: join });
      top += branch.seq.c + m.GAP_C;
    }
    out.dots.push({ a: join.a, c: join.c, r: 4 });
    return { in: head.in, out: join };
  }
  // a cluster: ForEach, Sequential, WorkingDirectory... around its tasks
  out.clusters.push({ task: b.task, a, c: c - b.c / 2, sa: b.a, sc: b.c });
  const body = place(m, b.body, a + PAD + m.TITLE_A, c + m.TITLE_C / 2, out);
  out.edges.push({ from: { a, c }, to: body.in });
  out.edges.push({ from: body.out, to: { a: a + b.a, c } });
  return { in: { a, c }, out: { a: a + b.a, c } };
}

/** {width, height, nodes, clusters, edges, dots, terminals, triggers} in x/y, for a flow object. */
export function layoutFlow(flow, direction = "LR") {
  const m = metrics(direction);
  const out = { nodes: [], clusters: [], edges: [], dots: [], terminals: [], triggers: [] };
  const margin = 16;
  const triggers = taskList(flow && flow.triggers);
  const main = sequence(m, taskList(flow && flow.tasks));
  const triggerA = triggers.length ? m.A + m.GAP_A : 0;
  const triggerC = triggers.length * m.C + Math.max(0, triggers.length - 1) * m.GAP_C;
  const mainC = Math.max(main.c, triggerC, m.C);
  const c = margin + mainC / 2;
  const start = { a: margin + triggerA + DOT / 2, c };
  triggers.forEach((trigger, i) => {
    const tc = c - triggerC / 2 + i * (m.C + m.GAP_C);
    out.triggers.push({ task: trigger, a: margin, c: tc });
    out.edges.push({ from: { a: margin + m.A, c: tc + m.C / 2 }, to: start });
  });
  out.terminals.push({ ...start, label: "start" });
  const a = margin + triggerA + DOT + m.GAP_A;
  const anchors = place(m, main, a, c, out);
  out.edges.push({ from: start, to: anchors.in });
  const end = { a: a + main.a + m.GAP_A, c };
  out.edges.push({ from: anchors.out, to: end });
  out.terminals.push({ ...end, label: "end" });
  let extentA = end.a + DOT + margin;
  let cursorC = margin + mainC + 28;
  for (const section of ["errors", "finally", "afterExecution"]) {
    const tasks = taskList(flow && flow[section]);
    if (!tasks.length) continue;
    const seq = sequence(m, tasks);
    const box = { a: margin, c: cursorC, sa: seq.a + PAD * 2 + m.TITLE_A, sc: seq.c + PAD * 2 + m.TITLE_C };
    out.clusters.push({ section, ...box });
    place(m, seq, margin + PAD + m.TITLE_A, cursorC + m.TITLE_C + PAD + seq.c / 2, out);
    extentA = Math.max(extentA, box.a + box.sa + margin);
    cursorC += box.sc + 20;
  }
  // a/c -> x/y
  const xy = (p) => (m.lr ? { x: p.a, y: p.c } : { x: p.c, y: p.a });
  const rect = (r, sa, sc) => (m.lr ? { x: r.a, y: r.c, w: sa, h: sc } : { x: r.c, y: r.a, w: sc, h: sa });
  const curve = (p, q) => {
    const [s, t] = [xy(p), xy(q)];
    if (m.lr) {
      const mx = (s.x + t.x) / 2;
      return `M${s.x},${s.y} C${mx},${s.y} ${mx},${t.y} ${t.x},${t.y}`;
    }
    const my = (s.y + t.y) / 2;
    return `M${s.x},${s.y} C${s.x},${my} ${t.x},${my} ${t.x},${t.y}`;
  };
  return {
    width: m.lr ? extentA : cursorC, height: m.lr ? cursorC : extentA,
    nodes: out.nodes.map((n) => ({ ...n, ...xy(n) })),
    triggers: out.triggers.map((n) => ({ ...n, ...xy(n) })),
    clusters: out.clusters.map((k) => ({ ...k, ...rect(k, k.sa, k.sc) })),
    edges: out.edges.map((e) => ({ d: curve(e.from, e.to), label: e.label, ...(e.at ? { l: xy(e.at) } : {}) })),
    dots: out.dots.map((d) => ({ ...xy(d), r: d.r })),
    terminals: out.terminals.map((t) => ({ ...xy(t), label: t.label })),
  };
}

// ---- states -----------------------------------------------------------------------------------

const PRIORITY = ["FAILED", "KILLING", "KILLED", "RUNNING", "RETRYING", "PAUSED", "WARNING", "CREATED", "QUEUED",
  "RESTARTED", "SUCCESS", "SKIPPED", "CANCELLED"];

/** taskId -> the most telling state among its task runs (a failed iteration shows as failed). */
export function taskStates(execution) {
  const states = {};
  for (const run of (execution && execution.taskRunList) || []) {
    const current = run.state.current;
    const known = states[run.taskId];
    if (!known || PRIORITY.indexOf(current) < PRIORITY.indexOf(known)) states[run.taskId] = current;
  }
  return states;
}

// ---- rendering ----------------------------------------------------------------------------------

function clip(text, max) {
  const s = String(text ?? "");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function NodeBox({ item, state, onSelect, isTrigger }) {
  const t = item.task;
  const color = state ? `var(--st-${state})` : null;
  return html`<g class=${`node ${item.flowable ? "flowable" : ""}`} data-task-id=${t.id} data-state=${state || ""}
      transform=${`translate(${item.x},${item.y})`} onClick=${() => onSelect && onSelect(t.id)}>
    <title>${t.id} (${t.type})${state ? ` — ${state}` : ""}</title>
    <rect class="box" width=${NODE_W} height=${NODE_H} rx=${isTrigger ? 22 : 6}
      style=${color ? `stroke:${color};stroke-width:2` : ""} />
    ${color ? html`<rect x="0" y="0" width="6" height=${NODE_H} rx="3" style=${`fill:${color}`} />` : ""}
    <text x="14" y="19" font-weight="600">${clip(t.id, 24)}</text>
    <text class="type" x="14" y="34">${isTrigger ? "trigger · " : ""}${clip(shortType(t.type), 26)}${state ? ` · ${state}` : ""}</text>
  </g>`;
}

export function Topology({ flow, states = {}, onSelect, outdated, testid = "topology", direction: initial = "LR" }) {
  const [zoom, setZoom] = useState(1);
  const [direction, setDirection] = useState(initial);
  const layout = useMemo(() => layoutFlow(flow || {}, direction), [flow, direction]);
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  return html`<div class="topology" data-testid=${testid}>
    <div class="zoom">
      <button class="small" onClick=${() => setZoom(Math.min(2, zoom + 0.15))} aria-label="Zoom in">+</button>
      <button class="small" onClick=${() => setZoom(Math.max(0.3, zoom - 0.15))} aria-label="Zoom out">−</button>
      <button class="small" onClick=${() => setZoom(1)}>1:1</button>
      <button class="small" onClick=${() => setDirection(direction === "LR" ? "TB" : "LR")} title="Switch the direction"
        data-testid="topology-direction">${direction === "LR" ? "↓ Vertical" : "→ Horizontal"}</button>
    </div>
    ${outdated ? html`<span class="badge outdated" title="The YAML does not parse: the last valid graph is shown">outdated</span>` : ""}
    <svg width=${w * zoom} height=${h * zoom} viewBox=${`0 0 ${w} ${h}`} role="img" aria-label="Flow topology">
      ${layout.clusters.map((c) => html`<g class="cluster" data-task-id=${c.task ? c.task.id : c.section}
          onClick=${() => c.task && onSelect && onSelect(c.task.id)}>
        <rect x=${c.x} y=${c.y} width=${c.w} height=${c.h} rx="8"
          style=${c.task && states[c.task.id] ? `stroke:var(--st-${states[c.task.id]});stroke-dasharray:none;stroke-width:2` : ""} />
        <text x=${c.x + 8} y=${c.y + 14}>${c.task ? `${clip(c.task.id, 30)} · ${shortType(c.task.type)}` : c.section}${c.task && states[c.task.id] ? ` · ${states[c.task.id]}` : ""}</text>
      </g>`)}
      ${layout.edges.map((e) => html`<path class="edge" d=${e.d} />`)}
      ${layout.edges.filter((e) => e.label).map((e) => html`<text class="edge-label" x=${e.l.x + 2} y=${e.l.y - 4} text-anchor="end">${clip(e.label, 14)}</text>`)}
      ${layout.dots.map((d) => html`<circle class="terminal" cx=${d.x} cy=${d.y} r=${d.r} />`)}
      ${layout.terminals.map((t) => html`<g><circle class="terminal" cx=${t.x} cy=${t.y} r=${DOT / 2} /><title>${t.label}</title></g>`)}
      ${layout.triggers.map((t) => html`<${NodeBox} item=${t} isTrigger=${true} onSelect=${onSelect} />`)}
      ${layout.nodes.map((n) => html`<${NodeBox} item=${n} state=${states[n.task.id]} onSelect=${onSelect} />`)}
    </svg>
  </div>`;
}
