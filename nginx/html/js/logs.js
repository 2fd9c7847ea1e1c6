// The execution logs panel: one line per entry in the seed's shape
// {timestamp, type: info|success|error, message, details?}, newest last,
// with details expandable. Runs, chat answers and deploys all write here.

import { $, el, clock, pretty } from "./dom.js";

const MAX_LINES = 500;
const TYPES = new Set(["info", "success", "error"]);

export function addLogs(entries, source = "") {
  const list = $("logs");
  for (const e of Array.isArray(entries) ? entries : []) {
    if (!e || typeof e !== "object") continue;
    const type = TYPES.has(e.type) ? e.type : "info";
    const ts = e.timestamp ?? new Date().toISOString();
    const hasDetails = e.details !== undefined && e.details !== null &&
      !(typeof e.details === "object" && Object.keys(e.details).length === 0);
    list.append(el("li", { class: `log log-${type}`, "data-type": type },
      el("time", { datetime: String(ts), title: String(ts) }, clock(ts)),
      el("span", { class: `log-type t-${type}` }, type),
      source ? el("span", { class: "muted" }, `${source} · `) : null,
      el("span", { class: "log-msg" }, String(e.message ?? "")),
      hasDetails ? el("details", {}, el("summary", {}, "details"),
        el("pre", { class: "code" }, pretty(e.details))) : null));
  }
  while (list.children.length > MAX_LINES) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

// One line written by the UI itself (deploys, runtime changes).
export function log(type, message, details) {
  addLogs([{ timestamp: new Date().toISOString(), type, message, details }], "ui");
}

export function clearLogs() {
  $("logs").replaceChildren();
}
