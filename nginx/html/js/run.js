// The run panel: a form built from the workflow's inputSchema (pre-filled
// with sample values), kept in step with a raw JSON view; Run posts
// {"input": {...}} and shows the execution above the form: status,
// per-step durations (also drawn on the graph), output, and its logs in the
// logs panel. After each run the fields the person did not touch get fresh
// samples, so a second run does not send the same email again.

import { $, el, pretty, duration, when, shortWhen, plural } from "./dom.js";
import { sampleObject } from "./sample.js";
import { state, api, showError, selectTab, setSteps } from "./app.js";
import { enc } from "./api.js";
import { addLogs } from "./logs.js";
import { askForSecret } from "./secrets.js";

let running = false;
let jsonEdited = false;   // the JSON view was typed in: it, not the samples, is the input

function props() {
  const s = state.current?.inputSchema;
  return s && typeof s.properties === "object" ? s.properties : {};
}

function inputType(name, s) {
  const lower = name.toLowerCase();
  const type = Array.isArray(s?.type) ? s.type.find((t) => t !== "null") : s?.type;
  if (type === "boolean") return "checkbox";
  if (type === "integer" || type === "number") return "number";
  if (type === "string") {
    if (lower.includes("password")) return "password";
    if (s.format === "email" || lower.includes("email")) return "email";
    if (lower.includes("phone")) return "tel";
    return "text";
  }
  return "json";
}

function setField(input, v) {
  if (input.dataset.kind === "checkbox") input.checked = !!v;
  else if (input.dataset.kind === "json") input.value = JSON.stringify(v ?? null);
  else input.value = v ?? "";
}

const fieldInputs = () => [...$("run-fields").querySelectorAll("input[data-field]")];

// Builds the fields and fills them (and the JSON view) from the schema.
export function resetRun() {
  const p = props();
  const required = new Set(state.current?.inputSchema?.required ?? []);
  const sample = sampleObject(state.current?.inputSchema ?? {});
  const fields = Object.entries(p).map(([name, s]) => {
    const kind = inputType(name, s);
    const id = `run-f-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const attrs = { id, name, "data-kind": kind, "data-field": name,
      required: required.has(name), autocomplete: "off", spellcheck: "false" };
    let input;
    if (kind === "checkbox") input = el("input", { ...attrs, type: "checkbox" });
    else if (kind === "json") input = el("input", { ...attrs, type: "text", class: "code" });
    else input = el("input", { ...attrs, type: kind === "password" ? "text" : kind, step: s?.type === "number" ? "any" : null });
    setField(input, sample[name]);
    input.addEventListener("input", () => {
      input.dataset.edited = "1";
      syncJsonFromFields();
    });
    const hint = [s?.format, s?.minLength != null ? `at least ${plural(s.minLength, "character")}` : null,
      s?.maxLength != null ? `at most ${plural(s.maxLength, "character")}` : null,
      s?.pattern ? `pattern ${s.pattern}` : null].filter(Boolean).join(", ");
    return el("div", { class: "field-row" },
      el("label", { for: id }, name, required.has(name) ? el("span", { "aria-hidden": "true" }, " *") : null,
        required.has(name) ? el("span", { class: "vh" }, " (required)") : null,
        hint ? el("span", { class: "muted hint-inline" }, ` ${hint}`) : null),
      input);
  });
  $("run-fields").replaceChildren(...fields);
  if (!fields.length) $("run-fields").append(el("p", { class: "muted" }, "The input schema declares no fields; edit the JSON below."));
  jsonEdited = false;
  $("run-json").value = pretty(sample);
  $("run-result").hidden = true;
}

// After a run: fresh samples in the fields nobody typed in.
function refreshSamples() {
  if (jsonEdited) return;
  const sample = sampleObject(state.current?.inputSchema ?? {});
  for (const input of fieldInputs()) {
    if (!input.dataset.edited) setField(input, sample[input.dataset.field]);
  }
  syncJsonFromFields();
}

function fieldValue(input) {
  const kind = input.dataset.kind;
  if (kind === "checkbox") return input.checked;
  if (kind === "number") return input.value === "" ? undefined : Number(input.value);
  if (kind === "json") {
    try { return JSON.parse(input.value); } catch { return input.value; }
  }
  return input.value;
}

function syncJsonFromFields() {
  let obj = {};
  try { obj = JSON.parse($("run-json").value) || {}; } catch { obj = {}; }
  for (const input of fieldInputs()) {
    const v = fieldValue(input);
    if (v === undefined || (v === "" && !input.required)) delete obj[input.dataset.field];
    else obj[input.dataset.field] = v;
  }
  $("run-json").value = pretty(obj);
}

function syncFieldsFromJson() {
  jsonEdited = true;
  let obj;
  try { obj = JSON.parse($("run-json").value); } catch { return; }
  if (!obj || typeof obj !== "object") return;
  for (const input of fieldInputs()) setField(input, obj[input.dataset.field]);
}

export function renderRunAvailability(isRunning) {
  running = isRunning;
  $("run").disabled = !state.current || !isRunning;
  $("run-hint").textContent = !state.current ? "Open a workflow to run it."
    : isRunning ? "The runtime is running: check the input and press Run."
      : "Start the runtime (Start Runtime, above) to run the workflow.";
}

// Start Runtime led here: the Run panel, in view, with the focus on Run.
export function focusRunForm() {
  selectTab("tab-run");
  const b = $("run");
  b.scrollIntoView({ block: "nearest" });
  if (!b.disabled) b.focus();
}

const STATUS_WORDS = { succeeded: "Succeeded", failed: "Failed", running: "Running", waiting: "Waiting",
  paused: "Paused", cancelled: "Cancelled" };

// The advice for a missing secret is a button that opens the form, not a
// route to call.
function errorLine(err) {
  const m = err?.code === "secret_missing" ? /secret (\S+) is not set/.exec(err.message ?? "") : null;
  if (m) {
    const b = el("button", { type: "button" }, `Set the secret ${m[1]}`);
    b.addEventListener("click", () => askForSecret(m[1]));
    return el("span", { class: "run-error" }, el("span", {}, `The secret ${m[1]} is not set.`), b);
  }
  return el("span", { class: "run-error" }, `${err?.message ?? err?.code ?? "The run failed."}`);
}

// Shows an execution (a run's answer, or the chat's "execution"); with
// focus, the keyboard goes to its status line.
export function showExecution(x, { focus = true } = {}) {
  const ok = x.status === "succeeded";
  const status = $("run-status");
  status.className = `run-status ${ok ? "good" : "bad"}`;
  status.replaceChildren(STATUS_WORDS[x.status] ?? String(x.status ?? "Unknown"),
    x.httpStatus != null ? ` · HTTP ${x.httpStatus}` : "",
    x.durationUs != null ? ` · ${duration(x.durationUs)}` : "");
  const detail = $("run-detail");
  detail.replaceChildren(...(x.error ? [errorLine(x.error)] : []),
    x.executionId ? el("span", { class: "muted nowrap" }, x.executionId) : "");
  const steps = Array.isArray(x.steps) ? x.steps : [];
  const names = new Map((state.current?.tools ?? []).map((t) => [t.toolId, t.name || t.toolId]));
  $("run-steps").replaceChildren(...steps.map((s) => el("tr", {},
    el("td", {}, names.get(s.toolId) ?? String(s.toolId ?? "?")),
    el("td", { class: s.status === "succeeded" ? "ok-text" : s.status === "skipped" ? "muted" : "bad-text" },
      String(s.status ?? "")),
    el("td", { class: "num nowrap" }, duration(s.durationUs)))));
  $("run-output").textContent = pretty(x.output ?? x.error ?? null);
  $("run-result").hidden = false;
  addLogs(x.logs, "run");
  setSteps(steps);
  selectTab("tab-run");
  revealResult();
  if (focus) status.focus({ preventScroll: true });
}

// The result is the first thing in the Run panel: at desktop width the
// panel's column scrolls to its top; on a narrow screen the page scrolls
// to it.
function revealResult() {
  const col = document.querySelector(".panel-scroll");
  if (col.scrollHeight > col.clientHeight && getComputedStyle(col).overflowY !== "visible") col.scrollTop = 0;
  else $("run-result").scrollIntoView({ block: "start" });
}

const RECENT = 8;

// The workflow's latest executions (the list is oldest first: page to its end).
export async function loadRuns() {
  const d = state.current;
  if (!d) return;
  let items = [];
  try {
    let cursor = null;
    for (let page = 0; page < 20; page++) {
      const q = `/mcp/servers/${enc(d.serverId)}/executions?limit=100${cursor ? `&cursor=${enc(cursor)}` : ""}`;
      const { body } = await api.get(q);
      items = items.concat(Array.isArray(body.items) ? body.items : []).slice(-RECENT);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
  } catch (e) {
    showError(e, "Loading recent runs");
    return;
  }
  if (state.current?.serverId !== d.serverId) return;
  const list = $("run-history");
  list.replaceChildren(...items.reverse().map((x) => {
    const b = el("button", { type: "button", class: "quiet" },
      el("span", { class: x.status === "succeeded" ? "ok-text" : "bad-text" }, STATUS_WORDS[x.status] ?? x.status),
      ` · HTTP ${x.httpStatus ?? "—"} · ${duration(x.durationUs)} · v${x.version} · `,
      el("time", { class: "nowrap", datetime: x.startedAt ?? "", title: when(x.startedAt) }, shortWhen(x.startedAt)));
    b.addEventListener("click", () => openRun(x.executionId, b));
    return el("li", {}, b);
  }));
  if (!items.length) list.append(el("li", { class: "muted" }, "No runs yet."));
}

async function openRun(id, button) {
  button.disabled = true;
  try {
    const { body } = await api.get(`/api/v1/executions/${enc(id)}`);
    showExecution(body);
  } catch (e) {
    showError(e, `Opening run ${id}`);
  } finally {
    button.disabled = false;
  }
}

async function run(ev) {
  ev.preventDefault();
  const d = state.current;
  if (!d || !running) return;
  if (!jsonEdited) syncJsonFromFields();
  let input;
  try {
    input = JSON.parse($("run-json").value);
    if (!input || typeof input !== "object" || Array.isArray(input)) throw new Error("the input must be a JSON object");
  } catch (e) {
    showError(new Error(`The input is not valid JSON: ${e.message}`), "Run", { focus: true });
    return;
  }
  const button = $("run");
  button.disabled = true;
  button.textContent = "Running...";
  let shown = false;
  try {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/run`, { input });
    showExecution(body);
    shown = true;
  } catch (e) {
    // A run that the workflow itself failed answers its own status with the
    // execution in the body: that is a result to show, not a transport error.
    if (e.body && typeof e.body === "object" && e.body.executionId) {
      showExecution(e.body);
      shown = true;
    } else showError(e, "Run", { focus: true });
  } finally {
    button.textContent = "Run";
    button.disabled = !running;
  }
  if (shown) refreshSamples();
  await loadRuns();
}

export function initRun() {
  $("run-form").addEventListener("submit", run);
  $("run-json").addEventListener("input", syncFieldsFromJson);
  $("run-refill").addEventListener("click", resetRun);
}
