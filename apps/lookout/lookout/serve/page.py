"""The web UI: one static HTML page whose script calls the api under /api (no build step)."""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="en" data-theme="__THEME__">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__NAME__</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  html[data-theme="light"] { color-scheme: light; }
  html[data-theme="dark"] { color-scheme: dark; }
  body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
  section { border: 1px solid #8884; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
  input, button { font: inherit; margin: .2rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #8884; padding: .25rem; text-align: left; }
  code { word-break: break-all; }
  .error { color: #c33; }
</style>
</head>
<body>
<h1>__NAME__</h1>
<p id="status" role="status"></p>
<section id="login">
  <h2>Sign in</h2>
  <form id="login-form">
    <input name="email" type="email" placeholder="email" required autocomplete="username">
    <input name="password" type="password" placeholder="password" required
      autocomplete="current-password">
    <button>Sign in</button>
  </form>
</section>
<section id="projects" hidden>
  <h2>Projects</h2>
  <table><thead><tr><th>id</th><th>slug</th><th>name</th><th></th></tr></thead>
    <tbody id="project-rows"></tbody></table>
  <form id="project-form">
    <input name="slug" placeholder="slug" required pattern="[a-z0-9][a-z0-9-]{0,62}">
    <input name="name" placeholder="name" required>
    <button>Create project</button>
  </form>
  <p id="new-key"></p>
</section>
<section id="spans" hidden>
  <h2>Spans of project <span id="span-project"></span></h2>
  <table><thead><tr><th>start</th><th>service</th><th>name</th><th>ms</th><th>trace</th></tr>
    </thead><tbody id="span-rows"></tbody></table>
</section>
<script>
const CONFIG = __CONFIG__;
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("lookout-token");

function say(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function api(method, path, body) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch("/api" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) { token = null; sessionStorage.removeItem("lookout-token"); show(); }
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function button(parent, label, action) {
  const b = document.createElement("button");
  b.textContent = label;
  b.onclick = action;
  parent.appendChild(b);
}

async function loadProjects() {
  const {projects} = await api("GET", "/projects");
  const body = $("project-rows");
  body.replaceChildren();
  for (const p of projects) {
    const row = document.createElement("tr");
    cell(row, p.id); cell(row, p.slug); cell(row, p.name);
    const actions = cell(row, "");
    button(actions, "Issue ingest key", () => issueKey(p));
    button(actions, "Spans", () => loadSpans(p));
    body.appendChild(row);
  }
}

async function issueKey(project) {
  const key = await api("POST", `/projects/${project.id}/keys`, {name: "ui"});
  $("new-key").textContent = `Ingest key for ${project.slug} (shown once): ${key.key}`;
}

async function loadSpans(project) {
  const {spans, truncated} = await api("GET", `/projects/${project.id}/spans?limit=100`);
  $("spans").hidden = false;
  $("span-project").textContent = project.slug + (truncated ? " (truncated)" : "");
  const body = $("span-rows");
  body.replaceChildren();
  for (const s of spans) {
    const row = document.createElement("tr");
    cell(row, s.start_time); cell(row, s.service_name || ""); cell(row, s.name);
    cell(row, s.duration_ms); cell(row, s.trace_id);
    body.appendChild(row);
  }
}

function show() {
  $("login").hidden = !!token;
  $("projects").hidden = !token;
  if (!token) $("spans").hidden = true;
  if (token) loadProjects().catch((e) => say(e.message, true));
}

$("login-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const result = await api("POST", "/login",
      {email: form.get("email"), password: form.get("password")});
    token = result.token;
    sessionStorage.setItem("lookout-token", token);
    say("");
    show();
  } catch (e) { say(e.message, true); }
};

$("project-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await api("POST", "/projects", {slug: form.get("slug"), name: form.get("name")});
    event.target.reset();
    await loadProjects();
  } catch (e) { say(e.message, true); }
};

show();
</script>
</body>
</html>
"""
