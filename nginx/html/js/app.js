// Orchestrix's web UI (SPEC §1, §5). Plain ES modules, no build step.
//
//   state ── the API key, the workflow list, the open workflow (its document
//            as the server returned it), the selected tool, the runtime.
//   api.js ── every call, Bearer key, errors as ApiError.
//   graph.js ── the SVG graph; logs.js ── the logs panel;
//   run.js ── the run panel; deploy.js ── deploy button, banner, history.
//
// The open workflow is in the address (#/w/<serverId>), so a reload reopens
// it, and everything shown after a reload comes from the server.

import { Api, ApiError, enc } from "./api.js";
import { $, el, pretty } from "./dom.js";
import { drawGraph } from "./graph.js";
import { addLogs, log, clearLogs } from "./logs.js";
import { initRun, resetRun, renderRunAvailability, showExecution, loadRuns } from "./run.js";
import { initDeploy, renderDeploy, loadHistory, showDeployment } from "./deploy.js";

const KEY_STORE = "orchestrix.apiKey";
const PAGE = 50;

export const state = {
  key: null,
  workflows: [],
  cursor: null,
  current: null,       // the open workflow's document
  selected: null,      // toolId in the inspector
  runtime: null,       // {status, startedAt, stoppedAt}
  catalog: null,       // {tools: [{type, summary, configSchema}]}
  steps: {},           // toolId → step of the last run (drawn on the graph)
  secrets: [],
};

export const api = new Api(() => state.key, () => {
  showError(new ApiError(401, "unauthorized",
    "The API key was refused. Paste a valid key (or forget this one)."));
});

// --- errors ------------------------------------------------------------------

// Shows an error (an ApiError or any Error) in the page's alert region; the
// details of a validation error are listed with their paths.
export function showError(err, context = "") {
  const box = $("error");
  const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err?.message ?? err));
  const parts = [el("strong", {}, context ? `${context}: ` : ""),
    e.status ? `${e.message} (HTTP ${e.status}, ${e.code})` : e.message];
  if (Array.isArray(e.details) && e.details.length) {
    parts.push(el("ul", {}, ...e.details.slice(0, 20).map((d) =>
      el("li", {}, d && typeof d === "object"
        ? `${d.path ?? ""} ${d.message ?? JSON.stringify(d)}`.trim() : String(d)))));
  }
  parts.push(" ", el("button", { type: "button", class: "quiet", id: "error-close" }, "Dismiss"));
  box.replaceChildren(...parts);
  box.hidden = false;
  $("error-close").addEventListener("click", clearError);
  log("error", `${context ? context + ": " : ""}${e.message}`, e.details ?? undefined);
}

export function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

// Runs an async action with a button disabled meanwhile; errors are shown.
export async function busy(button, context, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    showError(e, context);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// --- the API key ----------------------------------------------------------------

function showKeyPanel(message) {
  $("app").hidden = true;
  $("key-panel").hidden = false;
  $("key-forget").hidden = true;
  $("key-state").textContent = "No API key";
  const err = $("key-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("key-input").focus();
}

async function useKey(key) {
  state.key = key;
  try {
    await api.get("/mcp/servers?limit=1");
  } catch (e) {
    state.key = null;
    showKeyPanel(e.status === 401 ? "This key was refused (401). Check it and paste it again."
      : `Could not check the key: ${e.message}`);
    return false;
  }
  localStorage.setItem(KEY_STORE, key);
  $("key-panel").hidden = true;
  $("app").hidden = false;
  $("key-forget").hidden = false;
  $("key-state").textContent = `Key ${key.slice(0, 8)}…`;
  return true;
}

// --- the workflow list ------------------------------------------------------------

export async function loadWorkflows(reset = true) {
  const q = `/mcp/servers?limit=${PAGE}` + (!reset && state.cursor ? `&cursor=${enc(state.cursor)}` : "");
  const { body } = await api.get(q);
  const items = Array.isArray(body.items) ? body.items : [];
  state.workflows = reset ? items : state.workflows.concat(items);
  state.cursor = body.nextCursor ?? null;
  renderWorkflowList();
}

function renderWorkflowList() {
  const list = $("wf-list");
  list.replaceChildren(...state.workflows.map((w) => {
    const b = el("button", { type: "button", "data-server-id": w.serverId,
      "aria-current": state.current?.serverId === w.serverId ? "true" : "false" },
    w.name || w.serverId,
    el("span", { class: "meta" }, `v${w.version}${w.archestraAgentId ? " · deployed" : ""} · …${String(w.serverId).slice(-6)}`));
    b.addEventListener("click", () => navigate(w.serverId));
    return el("li", {}, b);
  }));
  $("wf-empty").hidden = state.workflows.length > 0;
  $("wf-more").hidden = !state.cursor;
}

// --- the open workflow ------------------------------------------------------------

function navigate(serverId) {
  const want = serverId ? `#/w/${serverId}` : "#/";
  if (location.hash !== want) location.hash = want;   // hashchange opens it
  else openFromHash();
}

function hashServerId() {
  const m = /^#\/w\/(mcp_[A-Za-z0-9]+)$/.exec(location.hash);
  return m ? m[1] : null;
}

async function openFromHash() {
  const id = hashServerId();
  if (!id) {
    closeWorkflow();
    return;
  }
  if (state.current?.serverId === id) return;
  await openWorkflow(id);
}

export async function openWorkflow(id) {
  clearError();
  try {
    const [{ body: doc }, { body: rt }] = await Promise.all([
      api.get(`/mcp/servers/${enc(id)}`), api.get(`/mcp/servers/${enc(id)}/runtime`)]);
    const changed = state.current?.serverId !== id;
    state.current = doc;
    state.runtime = rt;
    if (changed) {
      state.selected = null;
      state.steps = {};
      resetRun();
    }
    renderWorkflow();
    loadSecrets();
    loadHistory();
    loadRuns();
  } catch (e) {
    showError(e, `Opening ${id}`);
    if (e.status === 404) navigate(null);
  }
}

// Replaces the open document with one the server returned (after a save,
// an edit by chat or a deploy) and redraws.
export function setCurrent(doc) {
  const schemaChanged = JSON.stringify(doc.inputSchema) !== JSON.stringify(state.current?.inputSchema);
  state.current = doc;
  if (state.selected && !doc.tools?.some((t) => t.toolId === state.selected)) state.selected = null;
  const i = state.workflows.findIndex((w) => w.serverId === doc.serverId);
  if (i >= 0) state.workflows[i] = doc;
  renderWorkflowList();
  renderWorkflow();
  if (schemaChanged) resetRun();
}

function closeWorkflow() {
  state.current = null;
  state.selected = null;
  state.runtime = null;
  state.steps = {};
  renderWorkflowList();
  renderWorkflow();
}

export function renderWorkflow() {
  const d = state.current;
  $("wf-title").textContent = d ? d.name || d.serverId : "New workflow";
  $("wf-desc").textContent = d ? d.description || "" :
    "Describe the API you want in the chat below, e.g. “create a sign up api with name, email and password”.";
  $("wf-version").hidden = !d;
  $("wf-version").textContent = d ? `v${d.version}` : "";
  $("wf-actions").hidden = !d;
  document.title = d ? `${d.name || d.serverId} · Orchestrix` : "Orchestrix";
  renderRuntime();
  renderDeploy();
  renderGraph();
  renderInspector();
  renderSchemaBox();
  renderWorkflowList();
}

function renderRuntime() {
  const rt = state.runtime;
  const badge = $("rt-state");
  badge.hidden = !state.current;
  const running = rt?.status === "running";
  badge.textContent = running ? "runtime running" : "runtime stopped";
  badge.className = `badge ${running ? "good" : ""}`;
  $("rt-toggle").textContent = running ? "Stop Runtime" : "Start Runtime";
  renderRunAvailability(running);
}

export function renderGraph() {
  drawGraph($("graph"), state.current, {
    selected: state.selected, steps: state.steps, onSelect: selectTool,
  });
}

export function setSteps(steps) {
  state.steps = {};
  for (const s of Array.isArray(steps) ? steps : []) if (s && s.toolId) state.steps[s.toolId] = s;
  renderGraph();
}

function renderSchemaBox() {
  $("wf-schema-box").hidden = !state.current;
  $("wf-schema").textContent = state.current ? pretty(state.current.inputSchema ?? {}) : "";
  $("wf-json-box").hidden = !state.current;
  $("wf-json").value = state.current ? pretty(state.current) : "";
  $("wf-json-error").hidden = true;
}

// Saves the document as edited in the JSON view (name, description,
// inputSchema, tools, executionOrder; the server ignores its own fields).
async function saveWholeDocument(ev) {
  ev.preventDefault();
  const d = state.current;
  if (!d) return;
  const err = $("wf-json-error");
  let doc;
  try {
    doc = JSON.parse($("wf-json").value);
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("the document must be a JSON object");
  } catch (e) {
    err.textContent = `Not valid JSON: ${e.message}`;
    err.hidden = false;
    return;
  }
  doc.serverId = d.serverId;
  doc.version = d.version;
  await saveDocument(doc, $("wf-json-save"), "Saving the document", err);
}

// --- runtime --------------------------------------------------------------------

async function toggleRuntime() {
  const d = state.current;
  if (!d) return;
  const action = state.runtime?.status === "running" ? "stop" : "start";
  await busy($("rt-toggle"), action === "start" ? "Start Runtime" : "Stop Runtime", async () => {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/runtime/${action}`);
    state.runtime = body;
    log("info", `Runtime ${body.status} for ${d.serverId}`);
  });
  renderRuntime();
}

// --- tool inspector / editor ----------------------------------------------------------

function selectTool(toolId) {
  state.selected = toolId;
  renderGraph();
  renderInspector();
  selectTab("tab-tool");
  const name = $("tool-name");
  if (!$("tool-form").hidden) name.focus({ preventScroll: false });
}

function catalogEntry(type) {
  return state.catalog?.tools?.find((t) => t.type === type) ?? null;
}

function renderInspector() {
  const t = state.current?.tools?.find((x) => x.toolId === state.selected) ?? null;
  $("tool-empty").hidden = !!t;
  $("tool-form").hidden = !t;
  $("tool-error").hidden = true;
  if (!t) return;
  $("tool-title").textContent = t.name || t.toolId;
  $("tool-id").textContent = t.toolId;
  $("tool-name").value = t.name ?? "";
  const types = state.catalog?.tools?.map((c) => c.type) ?? [t.type];
  if (!types.includes(t.type)) types.push(t.type);
  $("tool-type").replaceChildren(...types.map((ty) => el("option", { value: ty, selected: ty === t.type }, ty)));
  $("tool-type").value = t.type;
  $("tool-config").value = pretty(t.config ?? {});
  showToolType(t.type);
}

function showToolType(type) {
  const c = catalogEntry(type);
  $("tool-summary").textContent = c?.summary ?? type;
  $("tool-schema").textContent = c ? pretty(c.configSchema) : "(the tool catalog is not loaded)";
}

async function saveTool(ev) {
  ev.preventDefault();
  const d = state.current;
  const id = state.selected;
  if (!d || !id) return;
  const err = $("tool-error");
  let config;
  try {
    config = JSON.parse($("tool-config").value);
    if (!config || typeof config !== "object" || Array.isArray(config)) throw new Error("the config must be a JSON object");
  } catch (e) {
    err.textContent = `Config is not valid: ${e.message}`;
    err.hidden = false;
    $("tool-config").focus();
    return;
  }
  err.hidden = true;
  const doc = structuredClone(d);
  const tool = doc.tools.find((t) => t.toolId === id);
  tool.name = $("tool-name").value;
  tool.type = $("tool-type").value;
  tool.config = config;
  await saveDocument(doc, $("tool-save"), `Saving tool ${id}`, err);
}

// PUTs a whole document at the version it was read; shows the server's
// refusal (validation details, 409 when someone else changed it).
export async function saveDocument(doc, button, context, inlineBox = null) {
  return busy(button, context, async () => {
    try {
      const { body } = await api.put(`/mcp/servers/${enc(doc.serverId)}`, doc);
      log("success", `Saved ${body.name || body.serverId} as version ${body.version}`);
      setCurrent(body);
      return body;
    } catch (e) {
      if (inlineBox) {
        const lines = Array.isArray(e.details) ? e.details.map((x) => `${x.path ?? ""} ${x.message ?? ""}`.trim()) : [];
        inlineBox.replaceChildren(e.status === 409
          ? "Someone changed this workflow meanwhile (409). Reload it, then edit again."
          : `${e.message}`, ...(lines.length ? [el("ul", {}, ...lines.map((l) => el("li", {}, l)))] : []));
        inlineBox.hidden = false;
      }
      throw e;
    }
  });
}

// --- secrets ----------------------------------------------------------------------

// Secret names the workflow needs: jwt tools' "secret" and {{secrets.x}} references.
function neededSecrets(doc) {
  const need = new Map();
  for (const t of doc?.tools ?? []) {
    if (/^jwt_/.test(t.type) && typeof t.config?.secret === "string") need.set(t.config.secret, t.toolId);
    for (const m of JSON.stringify(t.config ?? {}).matchAll(/\{\{\s*secrets\.([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}/g)) {
      if (!need.has(m[1])) need.set(m[1], t.toolId);
    }
  }
  return need;
}

async function loadSecrets() {
  const d = state.current;
  if (!d) return;
  try {
    const { body } = await api.get(`/mcp/servers/${enc(d.serverId)}/secrets`);
    state.secrets = (body.secrets ?? []).map((s) => s.name);
  } catch (e) {
    state.secrets = [];
    showError(e, "Loading secrets");
  }
  renderSecrets();
}

function renderSecrets() {
  const need = neededSecrets(state.current);
  const names = new Set([...state.secrets, ...need.keys()]);
  const items = [...names].sort().map((n) => {
    const set = state.secrets.includes(n);
    return el("li", { class: set ? "" : "missing", "data-secret": n },
      el("span", {}, el("code", {}, n), need.has(n) ? ` (used by ${need.get(n)})` : ""),
      el("span", {}, set ? "set ***" : "not set"));
  });
  $("secret-list").replaceChildren(...items);
  const missing = [...need.keys()].filter((n) => !state.secrets.includes(n));
  if (missing.length && !$("secret-name").value) $("secret-name").value = missing[0];
  $("tab-secrets").textContent = missing.length ? `Secrets (${missing.length} missing)` : "Secrets";
}

async function setSecret(ev) {
  ev.preventDefault();
  const d = state.current;
  if (!d) return;
  const name = $("secret-name").value.trim();
  const value = $("secret-value").value;
  await busy(ev.submitter, `Setting secret ${name}`, async () => {
    await api.put(`/mcp/servers/${enc(d.serverId)}/secrets/${enc(name)}`, { value });
    $("secret-value").value = "";
    $("secret-name").value = "";
    log("success", `Secret ${name} set`);
    await loadSecrets();
  });
}

// --- chat --------------------------------------------------------------------------

function chatLine(kind, text, extra = []) {
  const li = el("li", { class: kind }, text, ...extra);
  const log = $("chat-log");
  log.append(li);
  log.scrollTop = log.scrollHeight;   // only the transcript scrolls, not the page
  return li;
}

async function sendChat(ev) {
  ev.preventDefault();
  const input = $("chat-input");
  const message = input.value.trim();
  if (!message) return;
  const body = { message };
  if (state.current) body.serverId = state.current.serverId;
  chatLine("user", message);
  input.value = "";
  const pending = chatLine("assistant pending", "…");
  const send = $("chat-send");
  send.disabled = true;
  try {
    const { body: a } = await api.post("/api/v1/chat", body);
    pending.remove();
    const changes = Array.isArray(a.changes) && a.changes.length
      ? [el("ul", {}, ...a.changes.map((c) => el("li", {}, String(c))))] : [];
    chatLine("assistant", a.reply || `(${a.intent})`, changes).setAttribute("data-intent", a.intent ?? "");
    addLogs(a.logs, "chat");
    await applyChat(a);
  } catch (e) {
    pending.remove();
    // A deploy through the chat answers the deploy route's status (400, 500)
    // with the supervisor's whole answer: show it as an answer, marked failed.
    if (e.body && typeof e.body === "object" && typeof e.body.intent === "string") {
      const a = e.body;
      const why = a.deployment && typeof a.deployment.error === "string" ? a.deployment.error : `HTTP ${e.status}`;
      chatLine("error", a.reply || why, a.reply && why !== a.reply ? [el("div", {}, why)] : [])
        .setAttribute("data-intent", a.intent);
      addLogs(a.logs, "chat");
      await applyChat(a);
      send.disabled = false;
      return;
    }
    const details = Array.isArray(e.details) && e.details.length
      ? [el("ul", {}, ...e.details.map((x) => el("li", {}, typeof x === "object" ? `${x.path ?? ""} ${x.message ?? ""}`.trim() : String(x))))] : [];
    chatLine("error", `${e.message}${e.status ? ` (HTTP ${e.status}, ${e.code})` : ""}`, details)
      .setAttribute("role", "alert");
    log("error", `Chat: ${e.message}`, e.details ?? undefined);
    if (!input.value) input.value = message;   // let the person fix and resend
  } finally {
    send.disabled = false;
    input.focus();
  }
}

// What the supervisor did, reflected in the page.
async function applyChat(a) {
  const id = a.serverId;
  if (a.intent === "create" && id) {
    state.current = null;
    await loadWorkflows();
    navigate(id);
    return;
  }
  if (!id) return;
  if (a.workflow && typeof a.workflow === "object" && a.workflow.serverId === id &&
      state.current?.serverId === id) {
    setCurrent(a.workflow);
  } else if (state.current?.serverId !== id) {
    navigate(id);
    return;
  }
  if (a.intent === "run" && a.execution) {
    if (a.execution.status) showExecution(a.execution);
    loadRuns();
  }
  if (a.intent === "deploy" && a.deployment) {
    showDeployment(a.deployment);
  }
  // The supervisor may have changed more than it says (a run starts the
  // runtime, a deploy records the agent): read the workflow back.
  if (a.intent === "edit" || a.intent === "deploy" || a.intent === "run") {
    await openWorkflowFresh(id);
  }
}

// Re-reads the open workflow (and its runtime) from the server.
export async function openWorkflowFresh(id = state.current?.serverId) {
  if (!id) return;
  try {
    const [{ body: doc }, { body: rt }] = await Promise.all([
      api.get(`/mcp/servers/${enc(id)}`), api.get(`/mcp/servers/${enc(id)}/runtime`)]);
    state.runtime = rt;
    setCurrent(doc);
    loadSecrets();
    loadHistory();
  } catch (e) {
    showError(e, "Reloading the workflow");
  }
}

// --- delete ------------------------------------------------------------------------------

async function deleteWorkflow() {
  const d = state.current;
  if (!d) return;
  if (!confirm(`Delete the workflow “${d.name || d.serverId}”? This cannot be undone.`)) return;
  await busy($("wf-delete"), "Deleting the workflow", async () => {
    await api.del(`/mcp/servers/${enc(d.serverId)}`);
    log("info", `Deleted ${d.serverId}`);
    state.workflows = state.workflows.filter((w) => w.serverId !== d.serverId);
    navigate(null);
  });
}

// --- tabs -----------------------------------------------------------------------------------

const TABS = ["tab-tool", "tab-run", "tab-deploys", "tab-secrets"];

export function selectTab(id) {
  for (const t of TABS) {
    const on = t === id;
    $(t).setAttribute("aria-selected", on ? "true" : "false");
    $(t).tabIndex = on ? 0 : -1;
    $($(t).getAttribute("aria-controls")).hidden = !on;
  }
}

function initTabs() {
  for (const t of TABS) {
    $(t).addEventListener("click", () => selectTab(t));
    $(t).addEventListener("keydown", (ev) => {
      const i = TABS.indexOf(t);
      let j = null;
      if (ev.key === "ArrowRight") j = (i + 1) % TABS.length;
      else if (ev.key === "ArrowLeft") j = (i + TABS.length - 1) % TABS.length;
      else if (ev.key === "Home") j = 0;
      else if (ev.key === "End") j = TABS.length - 1;
      if (j === null) return;
      ev.preventDefault();
      selectTab(TABS[j]);
      $(TABS[j]).focus();
    });
  }
}

// --- start ----------------------------------------------------------------------------------

async function loadCatalog() {
  try {
    const { body } = await api.get("/api/v1/tools");
    state.catalog = body;
  } catch (e) {
    showError(e, "Loading the tool catalog");
  }
}

async function startApp() {
  await loadCatalog();
  try {
    await loadWorkflows();
  } catch (e) {
    showError(e, "Loading workflows");
  }
  await openFromHash();
  if (!state.current) renderWorkflow();
}

function wire() {
  $("key-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = $("key-input").value.trim();
    if (await useKey(key)) {
      $("key-input").value = "";
      await startApp();
    }
  });
  $("key-forget").addEventListener("click", () => {
    localStorage.removeItem(KEY_STORE);
    state.key = null;
    showKeyPanel("");
  });
  $("wf-new").addEventListener("click", () => {
    navigate(null);
    $("chat-input").focus();
  });
  $("wf-more").addEventListener("click", () => busy($("wf-more"), "Loading workflows", () => loadWorkflows(false)));
  $("rt-toggle").addEventListener("click", toggleRuntime);
  $("wf-delete").addEventListener("click", deleteWorkflow);
  $("tool-form").addEventListener("submit", saveTool);
  $("tool-reset").addEventListener("click", renderInspector);
  $("tool-type").addEventListener("change", () => showToolType($("tool-type").value));
  $("secret-form").addEventListener("submit", setSecret);
  $("wf-json-form").addEventListener("submit", saveWholeDocument);
  $("wf-json-reset").addEventListener("click", renderSchemaBox);
  $("chat-form").addEventListener("submit", sendChat);
  $("chat-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
  $("logs-clear").addEventListener("click", clearLogs);
  window.addEventListener("hashchange", openFromHash);
  let pending = null;
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(renderGraph);
  }).observe($("graph"));
  initTabs();
  initRun();
  initDeploy();
}

async function main() {
  wire();
  const key = localStorage.getItem(KEY_STORE);
  if (key && await useKey(key)) await startApp();
  else if (!key) showKeyPanel("");
}

main();
