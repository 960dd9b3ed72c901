// A virtual list: only the rows in view (plus a margin) are in the DOM, so thousands of task
// runs or log lines paint as fast as a few dozen. Rows have a fixed height.
import { html, useEffect, useLayoutEffect, useRef, useState } from "../vendor/lanner-vendor.js";

const OVERSCAN = 12;

export function VirtualList({ count, rowHeight, renderRow, follow = false, testid, style }) {
  const ref = useRef(null);
  const atBottom = useRef(true);
  const [range, setRange] = useState({ start: 0, end: 60 });
  const measure = () => {
    const el = ref.current;
    if (!el) return;
    const start = Math.max(0, Math.floor(el.scrollTop / rowHeight) - OVERSCAN);
    const end = Math.min(count, Math.ceil((el.scrollTop + el.clientHeight) / rowHeight) + OVERSCAN);
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 2;
    setRange((old) => (old.start === start && old.end === end ? old : { start, end }));
  };
  useLayoutEffect(() => {
    const el = ref.current;
    if (follow && atBottom.current && el) el.scrollTop = el.scrollHeight;
    measure();
  }, [count, follow]);
  useEffect(() => {
    const observer = new ResizeObserver(measure);
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [count]);
  const rows = [];
  for (let i = range.start; i < Math.min(range.end, count); i++) rows.push(renderRow(i, i * rowHeight));
  return html`<div class="vlist" ref=${ref} onScroll=${measure} data-testid=${testid} data-count=${count} style=${style}>
    <div class="spacer-rows" style=${`height:${count * rowHeight}px`}>${rows}</div>
  </div>`;
}
