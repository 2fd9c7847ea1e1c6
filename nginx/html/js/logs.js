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

// --- the resizer between the panels and the logs -------------------------------

const HEIGHT_STORE = "orchestrix.logsHeight";
const MIN_H = 72;
const STEP = 24;

// At most 80 % of the column (no limit while the column is not shown).
function maxHeight() {
  const col = $("logs-panel").parentElement;
  return col.clientHeight ? Math.max(MIN_H, Math.floor(col.clientHeight * 0.8)) : Infinity;
}

function setHeight(h, store = true) {
  const n = Math.round(Math.min(maxHeight(), Math.max(MIN_H, h)));
  $("logs-panel").style.height = `${n}px`;
  const r = $("logs-resizer");
  r.setAttribute("aria-valuemin", String(MIN_H));
  if (Number.isFinite(maxHeight())) r.setAttribute("aria-valuemax", String(maxHeight()));
  r.setAttribute("aria-valuenow", String(n));
  r.setAttribute("aria-valuetext", `logs ${n} pixels high`);
  if (store) localStorage.setItem(HEIGHT_STORE, String(n));
}

// The logs panel is as high as the person made it (drag the bar above it,
// or focus it and press the arrow keys, Home or End); kept in this browser.
export function initLogs() {
  const r = $("logs-resizer");
  const saved = Number(localStorage.getItem(HEIGHT_STORE));
  setHeight(Number.isFinite(saved) && saved > 0 ? saved : 180, false);
  let drag = null;
  r.addEventListener("pointerdown", (ev) => {
    drag = { y: ev.clientY, h: $("logs-panel").getBoundingClientRect().height };
    r.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  r.addEventListener("pointermove", (ev) => {
    if (drag) setHeight(drag.h + (drag.y - ev.clientY));
  });
  const end = () => { drag = null; };
  r.addEventListener("pointerup", end);
  r.addEventListener("pointercancel", end);
  r.addEventListener("keydown", (ev) => {
    const h = $("logs-panel").getBoundingClientRect().height;
    const to = { ArrowUp: h + STEP, ArrowDown: h - STEP, Home: maxHeight(), End: MIN_H }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    setHeight(to);
  });
  window.addEventListener("resize", () => setHeight($("logs-panel").getBoundingClientRect().height, false));
}
