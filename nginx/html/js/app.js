// Orchestrix's web UI (SPEC §1, §5). Plain ES modules, no build step.
//
//   state ── the API key, the workflow list, the open workflow (its document
//            as the server returned it), the selected tool, the runtime.
//   api.js ── every call, Bearer key, errors as ApiError.
//   sidebar.js ── the workflow list; chat.js ── the chat, one transcript
//   per workflow; graph.js ── the SVG graph; inspector.js + toolform.js ──
//   the tool editor; run.js ── the run panel; deploy.js ── deploy button,
//   banner, history; secrets.js ── secrets and what Deploy still needs;
//   logs.js ── the logs panel.
//
// The open workflow is in the address (#/w/<serverId>), so a reload reopens
// it, and everything shown after a reload comes from the server. Each action
// moves the keyboard focus to what it produced (the graph after creating,
// the run form after Start Runtime, the result after Run, the banner after
// Deploy), and a button busy meanwhile gets the focus back otherwise.

import { Api, ApiError, enc } from "./api.js";
import { $, el, pretty, detailLine } from "./dom.js";
import { drawGraph } from "./graph.js";
import { log, clearLogs, initLogs } from "./logs.js";
import { initRun, resetRun, renderRunAvailability, loadRuns, focusRunForm } from "./run.js";
import { initDeploy, renderDeploy, loadHistory } from "./deploy.js";
import { initSecrets, loadSecrets } from "./secrets.js";
import { initSidebar, loadWorkflows, renderWorkflowList, revealCurrent, forgetWorkflow } from "./sidebar.js";
import { initChat, showTranscript } from "./chat.js";
import { initInspector, renderInspector } from "./inspector.js";

const KEY_STORE = "orchestrix.apiKey";

export const state = {
  key: null,
  workflows: [],
  cursor: null,
  current: null,       // the open workflow's document
  opening: null,       // the serverId being opened
  selected: null,      // toolId in the inspector
  runtime: null,       // {status, startedAt, stoppedAt}
  catalog: null,       // {tools: [{type, summary, configSchema}]}
  steps: {},           // toolId → step of the last run (drawn on the graph)
  secrets: [],         // names of the secrets that are set
};

export const api = new Api(() => state.key, () => {
  // On the key panel the panel itself says so; in the app, the banner.
  if (!$("app").hidden) {
    showError(new ApiError(401, "unauthorized",
      "The API key was refused. Paste a valid key (Forget key, then paste it)."));
  }
});

// --- errors ------------------------------------------------------------------

// Shows an error (an ApiError or any Error) in the page's alert region, in
// plain words: what was being done, what the server said, and each detail
// of a validation error with the tool it is about.
export function showError(err, context = "", { focus = false } = {}) {
  const box = $("error");
  const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err?.message ?? err));
  const parts = [context ? el("strong", {}, `${context}: `) : null, e.message];
  if (Array.isArray(e.details) && e.details.length) {
    parts.push(el("ul", {}, ...e.details.slice(0, 20).map((d) => el("li", {}, detailLine(d, state.current)))));
  }
  parts.push(" ", el("button", { type: "button", class: "quiet", id: "error-close" }, "Dismiss"));
  box.replaceChildren(...parts);
  box.hidden = false;
  $("error-close").addEventListener("click", clearError);
  log("error", `${context ? context + ": " : ""}${e.message}`, e.details ?? undefined);
  if (focus) box.focus();
}

export function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

// Runs an async action with a button disabled meanwhile; errors are shown.
// A disabled button loses the keyboard focus: it gets it back afterwards
// unless the action moved the focus somewhere on purpose.
export async function busy(button, context, fn) {
  const hadFocus = button && document.activeElement === button;
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    showError(e, context);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      if (hadFocus && button.isConnected && !button.disabled &&
          (document.activeElement === document.body || document.activeElement === null)) button.focus();
    }
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
    showKeyPanel(e.status === 401 ? "This key was refused. Check it and paste it again."
      : `Could not check the key: ${e.message}`);
    return false;
  }
  localStorage.setItem(KEY_STORE, key);
  clearError();   // whatever a refused key said is no longer true
  $("key-panel").hidden = true;
  $("app").hidden = false;
  $("key-forget").hidden = false;
  $("key-state").textContent = `Key ${key.slice(0, 8)}…`;
  return true;
}

// --- the open workflow ------------------------------------------------------------

function hashServerId() {
  const m = /^#\/w\/(mcp_[A-Za-z0-9]+)$/.exec(location.hash);
  return m ? m[1] : null;
}

// Opens serverId (null: a new workflow) and puts it in the address.
export async function navigate(serverId) {
  const want = serverId ? `#/w/${serverId}` : "#/";
  if (location.hash !== want) history.pushState(null, "", want);
  await openFromHash();
}

async function openFromHash() {
  const id = hashServerId();
  if (!id) {
    closeWorkflow();
    return;
  }
  if (state.current?.serverId === id || state.opening === id) return;
  await openWorkflow(id);
}

export async function openWorkflow(id) {
  clearError();
  state.opening = id;
  try {
    const [{ body: doc }, { body: rt }] = await Promise.all([
      api.get(`/mcp/servers/${enc(id)}`), api.get(`/mcp/servers/${enc(id)}/runtime`)]);
    if (state.opening !== id) return;   // another one was asked for meanwhile
    const changed = state.current?.serverId !== id;
    state.current = doc;
    state.runtime = rt;
    if (changed) {
      state.selected = null;
      state.steps = {};
      state.secrets = [];
      resetRun();
      showTranscript(id);
    }
    renderWorkflow();
    revealCurrent();
    await Promise.all([loadSecrets(), loadHistory(), loadRuns()]);
  } catch (e) {
    showError(e, `Opening ${id}`);
    if (e.status === 404) await navigate(null);
  } finally {
    if (state.opening === id) state.opening = null;
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
  renderWorkflow();
  if (schemaChanged) resetRun();
}

function closeWorkflow() {
  state.current = null;
  state.opening = null;
  state.selected = null;
  state.runtime = null;
  state.steps = {};
  state.secrets = [];
  showTranscript(null);
  renderWorkflow();
}

export function renderWorkflow() {
  const d = state.current;
  $("app").classList.toggle("no-workflow", !d);
  $("wf-title").textContent = d ? d.name || d.serverId : "New workflow";
  $("wf-desc").textContent = d ? d.description || "" :
    "Describe the API you want in the chat below, e.g. “create a sign up api with name, email and password”.";
  $("wf-version").hidden = !d;
  $("wf-version").textContent = d ? `v${d.version}` : "";
  $("wf-actions").hidden = !d;
  $("chat-hint").textContent = d
    ? "Enter sends, Shift+Enter adds a line. A message edits, runs, deploys or explains this workflow."
    : "Enter sends, Shift+Enter adds a line. A message creates a workflow.";
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

function selectTool(toolId) {
  state.selected = toolId;
  renderGraph();
  renderInspector();
  selectTab("tab-tool");
  if (!$("tool-form").hidden) $("tool-name").focus();
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
    err.textContent = `This is not valid JSON: ${e.message}`;
    err.hidden = false;
    return;
  }
  doc.serverId = d.serverId;
  doc.version = d.version;
  await saveDocument(doc, $("wf-json-save"), "Saving the document", err);
}

// PUTs a whole document at the version it was read and returns the saved
// one. A refusal is shown in inlineBox (with the details onError(e) leaves
// over, if given), else in the page's banner; then it returns null.
export async function saveDocument(doc, button, context, inlineBox = null, onError = null) {
  return busy(button, context, async () => {
    try {
      const { body } = await api.put(`/mcp/servers/${enc(doc.serverId)}`, doc);
      log("success", `Saved ${body.name || body.serverId} as version ${body.version}`);
      setCurrent(body);
      return body;
    } catch (e) {
      if (!inlineBox) throw e;
      const rest = onError ? onError(e) : e.details;
      const lines = Array.isArray(rest) ? rest.map((x) => detailLine(x, doc)) : [];
      inlineBox.replaceChildren(e.status === 409
        ? "Someone changed this workflow meanwhile. Reload the page, then edit again."
        : !lines.length && Array.isArray(e.details) && e.details.length
          ? "Nothing was saved: see the marked fields."
          : `Nothing was saved: ${e.message}`, ...(lines.length ? [el("ul", {}, ...lines.map((l) => el("li", {}, l)))] : []));
      inlineBox.hidden = false;
      log("error", `${context}: ${e.message}`, e.details ?? undefined);
      return null;
    }
  });
}

// Re-reads the open workflow (and its runtime) from the server.
export async function openWorkflowFresh(id = state.current?.serverId) {
  if (!id) return;
  try {
    const [{ body: doc }, { body: rt }] = await Promise.all([
      api.get(`/mcp/servers/${enc(id)}`), api.get(`/mcp/servers/${enc(id)}/runtime`)]);
    if (state.current?.serverId !== id) return;
    state.runtime = rt;
    setCurrent(doc);
    await Promise.all([loadSecrets(), loadHistory()]);
  } catch (e) {
    showError(e, "Reloading the workflow");
  }
}

// --- runtime --------------------------------------------------------------------

async function toggleRuntime() {
  const d = state.current;
  if (!d) return;
  const action = state.runtime?.status === "running" ? "stop" : "start";
  const ok = await busy($("rt-toggle"), action === "start" ? "Start Runtime" : "Stop Runtime", async () => {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/runtime/${action}`);
    state.runtime = body;
    log("info", `Runtime ${body.status} for ${d.name || d.serverId}`);
    return true;
  });
  renderRuntime();
  // What Start Runtime makes possible is a run: the form comes into view.
  if (ok && action === "start") focusRunForm();
}

// --- delete ------------------------------------------------------------------------------

async function deleteWorkflow() {
  const d = state.current;
  if (!d) return;
  if (!confirm(`Delete the workflow “${d.name || d.serverId}”? This cannot be undone.`)) return;
  await busy($("wf-delete"), "Deleting the workflow", async () => {
    await api.del(`/mcp/servers/${enc(d.serverId)}`);
    log("info", `Deleted ${d.name || d.serverId}`);
    forgetWorkflow(d.serverId);
    await navigate(null);
    $("chat-input").focus();
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
      // The next thing to do: the chat for a new workflow, else the workflow.
      (state.current ? $("wf-title") : $("chat-input")).focus();
    }
  });
  $("key-forget").addEventListener("click", () => {
    localStorage.removeItem(KEY_STORE);
    state.key = null;
    showKeyPanel("");
  });
  $("rt-toggle").addEventListener("click", toggleRuntime);
  $("wf-delete").addEventListener("click", deleteWorkflow);
  $("wf-json-form").addEventListener("submit", saveWholeDocument);
  $("wf-json-reset").addEventListener("click", renderSchemaBox);
  $("logs-clear").addEventListener("click", clearLogs);
  window.addEventListener("popstate", openFromHash);
  window.addEventListener("hashchange", openFromHash);
  let pending = null;
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(renderGraph);
  }).observe($("graph"));
  initTabs();
  initSidebar();
  initChat();
  initInspector();
  initRun();
  initDeploy();
  initSecrets();
  initLogs();
}

async function main() {
  wire();
  const key = localStorage.getItem(KEY_STORE);
  if (key && await useKey(key)) await startApp();
  else if (!key) showKeyPanel("");
}

main();
