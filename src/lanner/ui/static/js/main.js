// Entry point: login, layout, routes, theme and a page-level error boundary.
import { html, render, useEffect, useErrorBoundary, useState } from "../vendor/lanner-vendor.js";
import { api, clearCredentials, loadCredentials, onUnauthorized, request, setCredentials } from "./api.js";
import { Link, navigate, useRoute } from "./router.js";
import { ErrorBox, Field, Toasts, errorMessage, toast } from "./ui.js";
import { FlowsPage } from "./pages/flows.js";
import { FlowPage } from "./pages/flow.js";
import { ExecutionsPage } from "./pages/executions.js";
import { ExecutionPage } from "./pages/execution.js";
import { TriggersPage } from "./pages/triggers.js";
import { NamespacesPage } from "./pages/namespaces.js";

const LOGO = html`<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#5b3fd0"/>
  <path d="M7 23 L16 8 L25 23" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
  <circle cx="16" cy="19" r="2.6" fill="#fff"/></svg>`;

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  try { localStorage.setItem("lanner.theme", theme); } catch { /* private mode */ }
  window.dispatchEvent(new CustomEvent("lanner:theme", { detail: theme }));
}

function useTheme() {
  const [theme, setTheme] = useState(document.documentElement.dataset.theme || "light");
  const toggle = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next); // at once, not in an effect: the choice is stored before any reload
    setTheme(next);
  };
  return [theme, toggle];
}

function Login({ onLoggedIn, reason }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const found = {};
    if (!user.trim()) found.user = "Enter your user name (an email address).";
    if (!password) found.password = "Enter your password.";
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setCredentials(user.trim(), password, remember);
    try {
      await request("GET", "/api/v1/configs", {});
      onLoggedIn();
    } catch (error) {
      clearCredentials();
      setErrors({ form: error.status === 401 ? "Wrong user name or password." : errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="login">
    <form class="card" onSubmit=${submit} novalidate data-testid="login-form">
      <div class="brand">${LOGO} Lanner</div>
      ${reason ? html`<div class="info-box" style="margin-bottom:10px">${reason}</div>` : ""}
      <${Field} label="User" id="login-user" error=${errors.user}>
        <input id="login-user" name="username" autocomplete="username" value=${user} class=${errors.user ? "invalid" : ""}
          onInput=${(e) => setUser(e.currentTarget.value)} autofocus />
      <//>
      <${Field} label="Password" id="login-password" error=${errors.password}>
        <input id="login-password" name="password" type="password" autocomplete="current-password" value=${password}
          class=${errors.password ? "invalid" : ""} onInput=${(e) => setPassword(e.currentTarget.value)} />
      <//>
      <label class="row small" style="margin-bottom:10px"><input type="checkbox" checked=${remember}
        onChange=${(e) => setRemember(e.currentTarget.checked)} /> Remember me on this computer</label>
      ${errors.form ? html`<div class="field-error" role="alert" style="margin-bottom:8px" data-testid="login-error">${errors.form}</div>` : ""}
      <button class="primary" type="submit" disabled=${busy} style="width:100%;justify-content:center">
        ${busy ? "Logging in…" : "Log in"}</button>
      <p class="muted small">The credentials of <code>server.basic-auth</code> in Lanner's configuration.</p>
    </form>
  </div>`;
}

function PageBoundary({ children, routeKey }) {
  const [error, reset] = useErrorBoundary((e) => console.error(e));
  useEffect(() => { if (error) reset(); }, [routeKey]);
  if (error) {
    return html`<div class="page"><${ErrorBox} title="This page failed" error=${error} />
      <div><button onClick=${reset}>Try again</button></div></div>`;
  }
  return children;
}

function NotFound() {
  return html`<div class="page"><h1>Page not found</h1>
    <p>Nothing lives at <code>${location.pathname}</code>. <${Link} to="/flows">Go to the flows</${Link}>.</p></div>`;
}

function routeFor(segments) {
  const [first, ...rest] = segments;
  switch (first) {
    case undefined:
    case "flows":
      if (rest[0] === "new") return html`<${FlowPage} isNew=${true} />`;
      if (rest[0] === "edit" && rest.length >= 3) return html`<${FlowPage} namespace=${rest[1]} flowId=${rest[2]} tab=${rest[3]} />`;
      if (rest.length >= 2) return html`<${FlowPage} namespace=${rest[0]} flowId=${rest[1]} tab=${rest[2]} />`;
      return html`<${FlowsPage} />`;
    case "executions":
      if (rest.length >= 3) return html`<${ExecutionPage} executionId=${rest[2]} tab=${rest[3]} />`;
      if (rest.length === 1) return html`<${ExecutionPage} executionId=${rest[0]} />`;
      return html`<${ExecutionsPage} />`;
    case "triggers":
      return html`<${TriggersPage} />`;
    case "namespaces":
      return html`<${NamespacesPage} namespace=${rest[0]} tab=${rest[1]} />`;
    default:
      return html`<${NotFound} />`;
  }
}

const NAV = [["flows", "Flows"], ["executions", "Executions"], ["triggers", "Triggers"], ["namespaces", "Namespaces"]];

function Shell({ onLogout, authRequired }) {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const section = route.segments[0] || "flows";
  return html`<div class="shell">
    <aside class="sidebar">
      <div class="brand">${LOGO} Lanner</div>
      <nav class="nav">
        ${NAV.map(([id, label]) => html`<${Link} key=${id} to=${`/${id}`} class=${section === id ? "active" : ""}>${label}</${Link}>`)}
      </nav>
      <div class="bottom">
        <button class="small" onClick=${toggleTheme} data-testid="theme-toggle" title="Switch the theme">
          ${theme === "dark" ? "☀ Light theme" : "☾ Dark theme"}</button>
        ${authRequired ? html`<button class="small" onClick=${onLogout} data-testid="logout">Log out</button>` : ""}
        <a class="small" href="/api/v1/docs" target="_blank" rel="noopener">API docs</a>
      </div>
    </aside>
    <main class="main"><${PageBoundary} routeKey=${route.path}>${routeFor(route.segments)}<//></main>
  </div>`;
}

function App() {
  const [status, setStatus] = useState({ phase: "probing" });
  const check = async () => {
    // Stored credentials first (no 401 in the console on every reload), then an anonymous probe
    // (a server without basic auth needs no login).
    if (loadCredentials()) {
      try {
        await api.get("/api/v1/configs");
        setStatus({ phase: "in", authRequired: true });
        return;
      } catch (error) {
        if (error.status !== 401) {
          setStatus({ phase: "down", error });
          return;
        }
      }
    }
    try {
      await request("GET", "/api/v1/configs", { anonymous: true });
      setStatus({ phase: "in", authRequired: false });
    } catch (error) {
      setStatus(error.status === 401 ? { phase: "login", authRequired: true } : { phase: "down", error });
    }
  };
  useEffect(() => {
    onUnauthorized(() => {
      clearCredentials();
      setStatus({ phase: "login", authRequired: true, reason: "Your session has ended: log in again." });
    });
    check();
  }, []);
  const logout = () => {
    clearCredentials();
    setStatus({ phase: "login", authRequired: true });
    toast("Logged out.");
  };
  let body;
  if (status.phase === "probing") body = html`<p class="boot">Connecting to Lanner…</p>`;
  else if (status.phase === "down") {
    body = html`<div class="login"><div class="card col"><${ErrorBox} title="The server did not answer" error=${status.error} />
      <div><button onClick=${check}>Retry</button></div></div></div>`;
  } else if (status.phase === "login") {
    body = html`<${Login} reason=${status.reason} onLoggedIn=${() => {
      setStatus({ phase: "in", authRequired: true });
      if (location.pathname.replace(/\/+$/, "") === "/ui/login") navigate("/flows", { replace: true });
    }} />`;
  } else body = html`<${Shell} onLogout=${logout} authRequired=${status.authRequired} />`;
  return html`${body}<${Toasts} />`;
}

window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  if (reason && reason.name === "AbortError") return;
  toast(reason || "An operation failed", "error");
});

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
