// A tiny history router: the app lives under /ui/, Kestra's /ui/main/... URLs land on the same pages.
import { html, useEffect, useState } from "../vendor/lanner-vendor.js";

export const BASE = "/ui";
const EVENT = "lanner:navigate";

/** {path: "executions/ns/flow/id", segments: [...], query: URLSearchParams} */
export function currentRoute() {
  let path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  path = path.replace(/^\/+|\/+$/g, "");
  if (path === "main" || path.startsWith("main/")) path = path.slice(5);
  const segments = path ? path.split("/").map(decodeURIComponent) : [];
  return { path, segments, query: new URLSearchParams(location.search) };
}

export function href(to) {
  return BASE + (to.startsWith("/") ? to : `/${to}`);
}

export function navigate(to, { replace = false } = {}) {
  const target = href(to);
  if (target === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", target);
  window.dispatchEvent(new Event(EVENT));
}

/** Replaces the query string of the current page (filters, paging), without a new history entry. */
export function setQuery(values, { push = false } = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  const target = location.pathname + (text ? `?${text}` : "");
  if (target === location.pathname + location.search) return;
  history[push ? "pushState" : "replaceState"](null, "", target);
  window.dispatchEvent(new Event(EVENT));
}

export function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return route;
}

export function path(...parts) {
  return "/" + parts.filter((p) => p !== undefined && p !== null && p !== "").map(encodeURIComponent).join("/");
}

export function Link({ to, children, class: className, title }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return html`<a href=${href(to)} class=${className} title=${title} onClick=${onClick}>${children}</a>`;
}
