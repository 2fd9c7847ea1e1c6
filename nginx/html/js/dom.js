// DOM helpers. Nothing the server sends reaches the page as markup: text goes
// through textContent and attributes through setAttribute (workflow names,
// configs and error texts are user input).

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

// el("li", {class: "x"}, "text", childNode, ...): null/false children are skipped.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function svg(tag, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.append(e);
  return e;
}

export function svgText(parent, x, y, text, attrs = {}) {
  const t = svg("text", { x, y, ...attrs }, parent);
  t.textContent = text;
  return t;
}

export function pretty(v) {
  return JSON.stringify(v, null, 2);
}

const pad2 = (n) => String(n).padStart(2, "0");

// "14:03:07.123" for a log line; the full ISO text goes in the title.
export function clock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "");
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.` +
    String(d.getMilliseconds()).padStart(3, "0");
}

export function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "—");
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

// A time in a narrow column: "14:03:07" today, else "2026-12-08 14:03".
export function shortWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "—");
  if (d.toDateString() === new Date().toDateString()) {
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

// Microseconds, shown the way a person reads them.
export function duration(us) {
  const n = Number(us);
  if (!Number.isFinite(n)) return "—";
  if (n < 1000) return `${n} µs`;
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 2 : 1)} ms`;
  return `${(n / 1e6).toFixed(2)} s`;
}

// "1 secret", "2 secrets": every count on the page in plain words.
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// "a, b and c".
export function listWords(items) {
  const a = items.map(String);
  return a.length <= 1 ? (a[0] ?? "") : `${a.slice(0, -1).join(", ")} and ${a[a.length - 1]}`;
}

// A JSON path of a validation error as a person reads it: the tool it is
// about by name ("/tools/5/config/status" → "Respond › config › status").
export function describePath(path, doc) {
  if (typeof path !== "string" || path === "" || path === "/") return "";
  const parts = path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts[0] === "tools" && /^\d+$/.test(parts[1] ?? "")) {
    const t = doc?.tools?.[Number(parts[1])];
    const head = t ? (t.name || t.toolId) : `tool ${Number(parts[1]) + 1}`;
    return [head, ...parts.slice(2)].join(" › ");
  }
  const names = { inputSchema: "input schema", executionOrder: "execution order" };
  return parts.map((p) => names[p] ?? p).join(" › ");
}

// One validation detail {path, message} as a line of text.
export function detailLine(d, doc) {
  if (!d || typeof d !== "object") return String(d);
  const where = describePath(d.path, doc);
  const what = d.message ?? JSON.stringify(d);
  return where ? `${where}: ${what}` : String(what);
}
