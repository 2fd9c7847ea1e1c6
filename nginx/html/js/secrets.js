// Secrets: the Secrets panel (what the workflow needs, what is set, a form
// to set one, write-only), the count on its tab, and the block under the
// Deploy button that lists the secrets a deploy still needs with a field to
// set each one right there. Deploy waits until none is missing; a server
// that refuses a deploy for missing secrets ("missing secrets: jwtKey")
// adds what it names to the list.

import { $, el, plural, listWords } from "./dom.js";
import { state, api, showError, busy, selectTab } from "./app.js";
import { enc } from "./api.js";
import { log } from "./logs.js";
import { renderDeploy } from "./deploy.js";

let refused = { serverId: null, names: [], message: "" };   // the server's last refusal

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

// The names Deploy is waiting for, in order.
export function missingSecrets() {
  const d = state.current;
  if (!d) return [];
  const names = new Set(neededSecrets(d).keys());
  if (refused.serverId === d.serverId) for (const n of refused.names) names.add(n);
  return [...names].filter((n) => !state.secrets.includes(n)).sort();
}

// A deploy answered 400 "…missing secrets: a, b": those names are missing,
// whatever the page thought. Returns true if the message was such a refusal.
export function noteRefusal(message) {
  const m = /missing secrets?:\s*(.+)$/i.exec(String(message ?? ""));
  if (!m || !state.current) return false;
  const names = m[1].split(/[\s,]+/).filter((n) => /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(n));
  refused = { serverId: state.current.serverId, names, message: String(message) };
  state.secrets = state.secrets.filter((n) => !names.includes(n));
  renderSecrets();
  return names.length > 0;
}

export async function loadSecrets() {
  const d = state.current;
  if (!d) return;
  try {
    const { body } = await api.get(`/mcp/servers/${enc(d.serverId)}/secrets`);
    if (state.current?.serverId !== d.serverId) return;
    state.secrets = (body.secrets ?? []).map((s) => s.name);
  } catch (e) {
    state.secrets = [];
    showError(e, "Loading secrets");
  }
  renderSecrets();
}

function renderSecrets() {
  const need = neededSecrets(state.current);
  const missing = missingSecrets();
  const names = new Set([...state.secrets, ...need.keys(), ...missing]);
  const items = [...names].sort().map((n) => {
    const set = state.secrets.includes(n);
    return el("li", { class: set ? "" : "missing" },
      el("span", {}, el("code", {}, n), need.has(n) ? ` used by ${need.get(n)}` : ""),
      el("span", { class: "nowrap" }, set ? "set" : "not set"));
  });
  $("secret-list").replaceChildren(...(items.length ? items
    : [el("li", { class: "muted" }, "This workflow uses no secrets.")]));
  if (missing.length && !$("secret-name").value) $("secret-name").value = missing[0];
  const count = $("tab-secrets-count");
  count.hidden = !missing.length;
  count.textContent = missing.length ? ` · ${missing.length} missing` : "";
  renderNeeds(missing, need);
  renderDeploy();
}

// The block under Deploy: "Deploy needs 1 secret that is not set: jwtKey",
// with a field and a button for each.
function renderNeeds(missing, need) {
  const box = $("deploy-needs");
  box.hidden = !state.current || missing.length === 0;
  if (box.hidden) {
    $("deploy-needs-list").replaceChildren();
    return;
  }
  $("deploy-needs-h").textContent =
    `Deploy needs ${plural(missing.length, "secret")} that ${missing.length === 1 ? "is" : "are"} not set: ${listWords(missing)}.`;
  const why = $("deploy-needs-why");
  const server = refused.serverId === state.current.serverId ? refused.message : "";
  why.hidden = !server;
  why.textContent = server ? `The server refused the deploy: ${server}` : "";
  // Keep what the person is typing when the list is drawn again.
  const typed = new Map([...box.querySelectorAll("input[data-secret]")].map((i) => [i.dataset.secret, i.value]));
  $("deploy-needs-list").replaceChildren(...missing.map((n, i) => {
    const id = `need-${i}`;
    const input = el("input", { id, type: "password", autocomplete: "off", spellcheck: "false",
      "data-secret": n, required: true, value: typed.get(n) ?? "" });
    const form = el("form", { class: "need-row" },
      el("label", { for: id }, `Value of ${n}`, need.has(n) ? el("span", { class: "muted" }, ` (used by ${need.get(n)})`) : null),
      el("div", { class: "row" }, input, el("button", { type: "submit" }, `Set ${n}`)));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      putSecret(n, input.value, ev.submitter, () => { input.value = ""; }, true);
    });
    return form;
  }));
}

// PUTs one secret; from the block under Deploy, the focus then goes to the
// next missing secret's field, or to Deploy once none is missing.
async function putSecret(name, value, button, done, moveFocus = false) {
  const d = state.current;
  if (!d || !value) return;
  await busy(button, `Setting the secret ${name}`, async () => {
    await api.put(`/mcp/servers/${enc(d.serverId)}/secrets/${enc(name)}`, { value });
    done();
    if (refused.serverId === d.serverId) refused.names = refused.names.filter((n) => n !== name);
    log("success", `Secret ${name} set`);
    await loadSecrets();
    if (!moveFocus) return;
    const next = $("deploy-needs-list").querySelector("input[data-secret]");
    if (next) next.focus();
    else if (!$("deploy").disabled) $("deploy").focus();
  });
}

async function setSecret(ev) {
  ev.preventDefault();
  const name = $("secret-name").value.trim();
  const value = $("secret-value").value;
  await putSecret(name, value, ev.submitter, () => {
    $("secret-value").value = "";
    $("secret-name").value = "";
  });
}

// Opens the Secrets panel at the form, with name filled in (a run that
// failed for a missing secret offers this).
export function askForSecret(name) {
  selectTab("tab-secrets");
  $("secret-name").value = name;
  $("secret-value").focus();
}

export function initSecrets() {
  $("secret-form").addEventListener("submit", setSecret);
}
