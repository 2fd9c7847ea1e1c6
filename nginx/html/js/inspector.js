// The tool inspector: name, type and config of the selected tool. The config
// is edited in a form generated from the type's config schema (toolform.js),
// or as raw JSON; errors, the page's own and the server's, are shown next to
// the field they are about. Save tool stores a new version of the workflow.

import { $, el, pretty } from "./dom.js";
import { state, saveDocument } from "./app.js";
import { buildConfigForm } from "./toolform.js";

let form = null;         // the generated form of the shown tool
let shown = "";          // "serverId toolId version" drawn: a redraw of the same keeps edits

function catalogEntry(type) {
  return state.catalog?.tools?.find((t) => t.type === type) ?? null;
}

function currentTool() {
  return state.current?.tools?.find((x) => x.toolId === state.selected) ?? null;
}

function rawMode() {
  return $("tool-raw").checked;
}

function setRawError(message) {
  const e = $("tool-config-err");
  e.textContent = message;
  e.hidden = !message;
  if (message) $("tool-config").setAttribute("aria-invalid", "true");
  else $("tool-config").removeAttribute("aria-invalid");
}

function showGeneral(lines) {
  const box = $("tool-error");
  box.hidden = !lines.length;
  box.replaceChildren(...(lines.length === 1 ? [lines[0]] : [el("ul", {}, ...lines.map((l) => el("li", {}, l)))]));
}

// Draws the config fields for type, holding config.
function drawFields(type, config) {
  const c = catalogEntry(type);
  $("tool-summary").textContent = c?.summary ?? type;
  $("tool-schema").textContent = c ? pretty(c.configSchema) : "(the tool catalog is not loaded)";
  form = buildConfigForm($("tool-fields"), c?.configSchema ?? { type: "object" }, config);
  $("tool-config").value = pretty(config ?? {});
}

export function renderInspector(force = false) {
  const t = currentTool();
  $("tool-empty").hidden = !!t;
  $("tool-form").hidden = !t;
  if (!t) {
    shown = "";
    return;
  }
  const key = `${state.current.serverId} ${t.toolId} ${state.current.version}`;
  if (key === shown && !force) return;
  shown = key;
  $("tool-title").textContent = t.name || t.toolId;
  $("tool-id").textContent = t.toolId;
  $("tool-name").value = t.name ?? "";
  const types = state.catalog?.tools?.map((c) => c.type) ?? [t.type];
  if (!types.includes(t.type)) types.push(t.type);
  $("tool-type").replaceChildren(...types.map((ty) => el("option", { value: ty, selected: ty === t.type }, ty)));
  $("tool-type").value = t.type;
  $("tool-saved").textContent = "";
  showGeneral([]);
  setRawError("");
  drawFields(t.type, t.config ?? {});
  showMode();
}

function showMode() {
  $("tool-fields").hidden = rawMode();
  $("tool-raw-box").hidden = !rawMode();
}

// Reads the config from whichever view is shown: {config} or null (errors shown).
function readConfig() {
  if (rawMode()) {
    try {
      const config = JSON.parse($("tool-config").value);
      if (!config || typeof config !== "object" || Array.isArray(config)) throw new Error("the config must be a JSON object");
      setRawError("");
      return config;
    } catch (e) {
      setRawError(`This is not valid JSON: ${e.message}`);
      $("tool-config").focus();
      return null;
    }
  }
  const { config, errors } = form.collect();
  if (errors.size) {
    form.control([...errors.keys()][0])?.focus();
    return null;
  }
  return config;
}

// Switching views carries the config over; a view with errors is not left.
function toggleRaw() {
  const toRaw = rawMode();
  $("tool-raw").checked = !toRaw;   // read from the view being left
  const config = readConfig();
  $("tool-raw").checked = config ? toRaw : !toRaw;
  if (!config) return;
  drawFields($("tool-type").value, config);
  showMode();
}

function changeType() {
  // What fits the new type's fields is kept; the rest is dropped from the form.
  let config = {};
  if (rawMode()) {
    try { config = JSON.parse($("tool-config").value) || {}; } catch { config = {}; }
  } else config = form.collect().config;
  const schema = catalogEntry($("tool-type").value)?.configSchema;
  if (schema?.additionalProperties === false && schema.properties) {
    config = Object.fromEntries(Object.entries(config).filter(([k]) => k in schema.properties));
  }
  drawFields($("tool-type").value, config);
  if (form) form.clearErrors();
}

// The server's refusal: each detail about this tool's config goes next to
// its field; the rest are listed above the Save button.
function placeServerErrors(details, index) {
  const rest = [];
  const byField = new Map();
  const prefix = `/tools/${index}/config/`;
  for (const d of Array.isArray(details) ? details : []) {
    const path = typeof d?.path === "string" ? d.path : "";
    if (path.startsWith(prefix)) {
      const [name, ...deeper] = path.slice(prefix.length).split("/");
      const msg = `${deeper.length ? `${deeper.join(" › ")}: ` : ""}${d.message ?? ""}`;
      if (!rawMode() && form.has(name)) {
        byField.set(name, byField.has(name) ? `${byField.get(name)}; ${msg}` : msg);
        continue;
      }
    }
    rest.push(d);
  }
  const first = byField.size ? form.showErrors(byField) : null;
  if (first) first.focus();
  return rest;
}

async function saveTool(ev) {
  ev.preventDefault();
  const d = state.current;
  const id = state.selected;
  if (!d || !id) return;
  showGeneral([]);
  $("tool-saved").textContent = "";
  const config = readConfig();
  if (!config) {
    showGeneral(["Nothing was saved: correct the marked fields first."]);
    return;
  }
  const doc = structuredClone(d);
  const index = doc.tools.findIndex((t) => t.toolId === id);
  const tool = doc.tools[index];
  tool.name = $("tool-name").value;
  tool.type = $("tool-type").value;
  tool.config = config;
  const saved = await saveDocument(doc, $("tool-save"), `Saving the tool ${tool.name || id}`, $("tool-error"),
    (e) => placeServerErrors(e.details, index));
  if (saved) $("tool-saved").textContent = `Saved as v${saved.version}.`;
}

export function initInspector() {
  $("tool-form").addEventListener("submit", saveTool);
  $("tool-reset").addEventListener("click", () => renderInspector(true));
  $("tool-type").addEventListener("change", changeType);
  $("tool-raw").addEventListener("change", toggleRaw);
}
