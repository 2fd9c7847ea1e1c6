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

// Microseconds, shown the way a person reads them.
export function duration(us) {
  const n = Number(us);
  if (!Number.isFinite(n)) return "—";
  if (n < 1000) return `${n} µs`;
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 2 : 1)} ms`;
  return `${(n / 1e6).toFixed(2)} s`;
}
