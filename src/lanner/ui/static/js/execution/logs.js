// The Logs tab: live follow (SSE) while the execution runs, level filter, search, per task or
// task run, download. Lines are kept in one array and drawn through a virtual list.
import { html, useEffect, useMemo, useRef, useState } from "../../vendor/lanner-vendor.js";
import { api, download, follow } from "../api.js";
import { path } from "../router.js";
import { ErrorBox, fmtDate, fmtTime } from "../ui.js";
import { VirtualList } from "../vlist.js";

export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];
const rank = (level) => Math.max(0, LEVELS.indexOf(level === "WARNING" ? "WARN" : level));

/** Every log line of an execution: fetched once, or followed live. {lines, version, error, live} */
export function useExecutionLogs(executionId, live) {
  // Follow while the execution runs; when it settles the stream has ended with every line, so
  // nothing is fetched again. A restart (live again) starts a new stream.
  const [round, setRound] = useState(0);
  const wasLive = useRef(live);
  const liveNow = useRef(live);
  liveNow.current = live;
  useEffect(() => {
    if (live && !wasLive.current) setRound((r) => r + 1);
    wasLive.current = live;
  }, [live]);
  const lines = useRef([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState(null);
  const [following, setFollowing] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    let frame = 0;
    const flush = () => {
      frame = 0;
      setVersion((v) => v + 1);
    };
    const schedule = () => { if (!frame) frame = requestAnimationFrame(flush); };
    lines.current = [];
    setError(null);
    if (liveNow.current) {
      setFollowing(true);
      follow(path("logs", executionId, "follow"), {}, (id, data) => {
        if (id === "progress" && data && data.timestamp) {
          lines.current.push(data);
          schedule();
        }
      }, controller.signal).catch((e) => { if (e.name !== "AbortError") setError(e); })
        .finally(() => { if (!controller.signal.aborted) { setFollowing(false); schedule(); } });
    } else {
      api.get(path("logs", executionId), {}, { signal: controller.signal }).then((found) => {
        lines.current = found;
        schedule();
      }).catch((e) => { if (e.name !== "AbortError") setError(e); });
    }
    return () => {
      controller.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [executionId, round]);
  return { lines: lines.current, version, error, following };
}

export function LogsView({ execution, live, taskRun, onClearTaskRun }) {
  const { lines, version, error, following } = useExecutionLogs(execution.id, live);
  const [minLevel, setMinLevel] = useState("TRACE");
  const [search, setSearch] = useState("");
  const [taskId, setTaskId] = useState("");
  const [selected, setSelected] = useState(null);
  const taskIds = useMemo(() => [...new Set((execution.taskRunList || []).map((r) => r.taskId))], [execution.taskRunList]);
  const shown = useMemo(() => {
    const min = rank(minLevel);
    const needle = search.trim().toLowerCase();
    return lines.filter((l) => rank(l.level) >= min
      && (!taskId || l.taskId === taskId)
      && (!taskRun || l.taskRunId === taskRun.id)
      && (!needle || String(l.message).toLowerCase().includes(needle)));
  }, [version, lines, minLevel, search, taskId, taskRun]);

  const renderRow = (index, top) => {
    const line = shown[index];
    const first = String(line.message ?? "").split("\n");
    return html`<div class=${`log-row ${selected === line ? "selected" : ""}`} key=${index} style=${`top:${top}px`}
        data-level=${line.level} onClick=${() => setSelected(line === selected ? null : line)}>
      <span class="ts" title=${fmtDate(line.timestamp)}>${fmtTime(line.timestamp)}</span>
      <span class=${`lvl ${line.level}`}>${line.level}</span>
      <span class="task">${line.taskId || line.triggerId || ""}</span>
      <span class="msg">${first[0]}${first.length > 1 ? html` <span class="muted">(+${first.length - 1} lines)</span>` : ""}</span>
    </div>`;
  };
  return html`<div class="col grow" style="min-height:0" data-testid="logs">
    <div class="row">
      <select aria-label="Minimum level" value=${minLevel} onChange=${(e) => setMinLevel(e.currentTarget.value)} data-testid="log-level">
        ${LEVELS.map((l) => html`<option value=${l} selected=${l === minLevel}>${l === "TRACE" ? "All levels" : `${l} and above`}</option>`)}
      </select>
      <select aria-label="Task" value=${taskId} onChange=${(e) => setTaskId(e.currentTarget.value)}>
        <option value="">All tasks</option>
        ${taskIds.map((t) => html`<option value=${t} selected=${t === taskId}>${t}</option>`)}
      </select>
      ${taskRun ? html`<span class="badge">task run ${taskRun.taskId}${taskRun.value ? ` [${taskRun.value}]` : ""}
        <button class="small link" onClick=${onClearTaskRun} aria-label="Show all task runs">✕</button></span>` : ""}
      <input type="search" placeholder="Search the logs" aria-label="Search the logs" value=${search}
        onInput=${(e) => setSearch(e.currentTarget.value)} style="flex:1;max-width:360px" />
      <span class="muted small" data-testid="log-count">${shown.length} of ${lines.length} lines${following ? " · following live" : ""}</span>
      <span class="spacer"></span>
      <button class="small" onClick=${() => download(path("logs", execution.id, "download"),
        { minLevel: minLevel === "TRACE" ? undefined : minLevel, taskId: taskId || (taskRun && taskRun.taskId) || undefined })}>⬇ Download</button>
    </div>
    <${ErrorBox} error=${error} />
    <${VirtualList} count=${shown.length} rowHeight=${22} renderRow=${renderRow} follow=${following} testid="log-lines" />
    ${selected ? html`<pre class="log-detail" data-testid="log-detail">${fmtDate(selected.timestamp)} ${selected.level} ${selected.taskId || ""}\n${selected.message}</pre>` : ""}
  </div>`;
}
