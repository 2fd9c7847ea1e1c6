// The run panel: a form built from the workflow's inputSchema (pre-filled
// with sample values), kept in step with a raw JSON view; Run posts
// {"input": {...}} and shows the execution: status, per-step durations
// (also drawn on the graph), output, and its logs in the logs panel.

import { $, el, pretty, duration, when } from "./dom.js";
import { sampleObject } from "./sample.js";
import { state, api, showError, selectTab, setSteps } from "./app.js";
import { enc } from "./api.js";
import { addLogs } from "./logs.js";

let running = false;

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

// Builds the fields and fills them (and the JSON view) from the schema.
export function resetRun() {
  const p = props();
  const required = new Set(state.current?.inputSchema?.required ?? []);
  const sample = sampleObject(state.current?.inputSchema ?? {});
  const fields = Object.entries(p).map(([name, s]) => {
    const kind = inputType(name, s);
    const id = `run-f-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const attrs = { id, name, "data-kind": kind, "data-field": name,
      required: required.has(name), autocomplete: "off" };
    let input;
    if (kind === "checkbox") input = el("input", { ...attrs, type: "checkbox", checked: !!sample[name] });
    else if (kind === "json") input = el("input", { ...attrs, type: "text", value: JSON.stringify(sample[name] ?? null), class: "code" });
    else input = el("input", { ...attrs, type: kind === "password" ? "text" : kind,
      value: sample[name] ?? "", step: s?.type === "number" ? "any" : null });
    input.addEventListener("input", syncJsonFromFields);
    const hint = [s?.format, s?.minLength != null ? `min ${s.minLength} chars` : null,
      s?.pattern ? `pattern ${s.pattern}` : null].filter(Boolean).join(", ");
    return el("div", { class: "field-row" },
      el("label", { for: id }, name, required.has(name) ? " *" : "", hint ? el("span", { class: "muted" }, ` (${hint})`) : null),
      input);
  });
  $("run-fields").replaceChildren(...fields);
  if (!fields.length) $("run-fields").append(el("p", { class: "muted" }, "The input schema declares no fields; edit the JSON below."));
  $("run-json").value = pretty(sample);
  $("run-result").hidden = true;
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
  for (const input of $("run-fields").querySelectorAll("input[data-field]")) {
    const v = fieldValue(input);
    if (v === undefined || (v === "" && !input.required)) delete obj[input.dataset.field];
    else obj[input.dataset.field] = v;
  }
  $("run-json").value = pretty(obj);
}

function syncFieldsFromJson() {
  let obj;
  try { obj = JSON.parse($("run-json").value); } catch { return; }
  if (!obj || typeof obj !== "object") return;
  for (const input of $("run-fields").querySelectorAll("input[data-field]")) {
    const v = obj[input.dataset.field];
    if (input.dataset.kind === "checkbox") input.checked = !!v;
    else if (input.dataset.kind === "json") input.value = JSON.stringify(v ?? null);
    else input.value = v ?? "";
  }
}

export function renderRunAvailability(isRunning) {
  running = isRunning;
  $("run").disabled = !state.current || !isRunning;
  $("run-hint").textContent = !state.current ? "Open a workflow to run it."
    : isRunning ? "The runtime is running: fill the input and press Run."
      : "Start the runtime (button above) to run the workflow.";
}

// Shows an execution (a run's answer, or the chat's "execution").
export function showExecution(x) {
  const ok = x.status === "succeeded";
  const status = $("run-status");
  status.className = `run-status ${ok ? "good" : "bad"}`;
  status.replaceChildren(`${x.status ?? "?"}`, x.httpStatus != null ? ` · HTTP ${x.httpStatus}` : "",
    x.durationUs != null ? ` · ${duration(x.durationUs)}` : "",
    x.executionId ? el("span", { class: "muted" }, ` · ${x.executionId}`) : "");
  if (x.error) status.append(el("div", {}, `${x.error.code ?? "error"}: ${x.error.message ?? ""}`));
  const steps = Array.isArray(x.steps) ? x.steps : [];
  $("run-steps").replaceChildren(...steps.map((s) => el("tr", { "data-tool-id": s.toolId ?? "" },
    el("td", {}, el("code", {}, String(s.toolId ?? "?"))),
    el("td", { class: s.status === "succeeded" ? "" : "bad" }, String(s.status ?? "")),
    el("td", { class: "num" }, duration(s.durationUs)))));
  $("run-output").textContent = pretty(x.output ?? x.error ?? null);
  $("run-result").hidden = false;
  addLogs(x.logs, "run");
  setSteps(steps);
  selectTab("tab-run");
  $("run-status").scrollIntoView({ block: "nearest", behavior: "instant" });
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
    const b = el("button", { type: "button", class: "quiet", "data-execution-id": x.executionId },
      el("span", { class: x.status === "succeeded" ? "ok-text" : "bad-text" }, x.status),
      ` · HTTP ${x.httpStatus ?? "—"} · ${duration(x.durationUs)} · v${x.version} · ${when(x.startedAt)}`);
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
  syncJsonFromFields();
  let input;
  try {
    input = JSON.parse($("run-json").value);
    if (!input || typeof input !== "object" || Array.isArray(input)) throw new Error("the input must be a JSON object");
  } catch (e) {
    showError(new Error(`The input is not valid JSON: ${e.message}`), "Run");
    return;
  }
  const button = $("run");
  button.disabled = true;
  button.textContent = "Running…";
  try {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/run`, { input });
    showExecution(body);
  } catch (e) {
    // A run that the workflow itself failed answers its own status with the
    // execution in the body: that is a result to show, not a transport error.
    if (e.body && typeof e.body === "object" && e.body.executionId) showExecution(e.body);
    else showError(e, "Run");
  } finally {
    button.textContent = "Run";
    button.disabled = !running;
  }
  await loadRuns();
}

export function initRun() {
  $("run-form").addEventListener("submit", run);
  $("run-json").addEventListener("input", syncFieldsFromJson);
  $("run-refill").addEventListener("click", resetRun);
}
