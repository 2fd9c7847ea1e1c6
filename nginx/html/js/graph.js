// The graph view: a workflow's tools as an SVG graph in execution order,
// laid out left to right and snaking down rows to fit the width, with the
// branches of condition tools as dashed edges. Each tool is a focusable
// button (Enter or Space selects it, arrow keys move along the order); the
// last run's status and duration are drawn on each tool.

import { svg, svgText, duration } from "./dom.js";

const NODE_W = 204, NODE_H = 80, GAP_X = 44, GAP_Y = 46, PAD = 16;

function clip(s, n) {
  s = String(s ?? "");
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// One line about what a tool does, from its config (the input tool lists
// the workflow's fields, so adding a field shows on the graph).
function detail(t, doc) {
  const c = t.config && typeof t.config === "object" ? t.config : {};
  const keys = (o) => (o && typeof o === "object" ? Object.keys(o) : []);
  switch (t.type) {
    case "input": return keys(doc?.inputSchema?.properties).join(", ");
    case "validate": return `checks ${keys(c.rules).concat(keys(c.schema?.properties)).filter((k, i, a) => a.indexOf(k) === i).join(", ")}`;
    case "db_insert": return `into ${c.collection ?? "?"}${Array.isArray(c.unique) && c.unique.length ? ` (unique ${c.unique.join(", ")})` : ""}`;
    case "db_find": return `in ${c.collection ?? "?"}`;
    case "jwt_sign": case "jwt_verify": return `secret ${c.secret ?? "?"}`;
    case "http_request": return `${c.method ?? "GET"} ${c.url ?? ""}`;
    case "condition": return `${c.left ?? ""} ${c.op ?? ""} ${c.right ?? ""}`;
    case "response": return `status ${c.status ?? 200}`;
    case "password_hash": case "password_verify":
      return typeof c.password === "string" ? `of ${c.password}` : "";
    case "transform": return `builds ${keys(c.output).join(", ")}`;
    case "approval": return typeof c.prompt === "string" ? c.prompt : "";
    default: return "";
  }
}

// The tools in the order they run; any tool the order misses comes last.
export function orderedTools(doc) {
  const tools = Array.isArray(doc?.tools) ? doc.tools : [];
  const byId = new Map(tools.map((t) => [t.toolId, t]));
  const out = [];
  const seen = new Set();
  for (const id of Array.isArray(doc?.executionOrder) ? doc.executionOrder : []) {
    const t = byId.get(id);
    if (t && !seen.has(id)) { out.push(t); seen.add(id); }
  }
  for (const t of tools) if (!seen.has(t.toolId)) out.push(t);
  return out;
}

/*
 * Draws doc into box (replacing what is there). opts: selected (toolId),
 * steps (toolId → {status, durationUs}), onSelect(toolId).
 */
export function drawGraph(box, doc, opts = {}) {
  const tools = orderedTools(doc);
  if (tools.length === 0) {
    const p = document.createElement("p");
    p.className = "muted graph-empty";
    p.textContent = doc ? "This workflow has no tools." : "No workflow selected.";
    box.replaceChildren(p);
    return;
  }
  const width = Math.max(NODE_W + 2 * PAD, Math.floor(box.clientWidth - 18 || 700));
  const cols = Math.max(1, Math.min(tools.length,
    Math.floor((width - 2 * PAD + GAP_X) / (NODE_W + GAP_X))));
  const rows = Math.ceil(tools.length / cols);
  const usedW = cols * NODE_W + (cols - 1) * GAP_X;
  const left = Math.max(PAD, Math.floor((width - usedW) / 2));
  const height = rows * NODE_H + (rows - 1) * GAP_Y + 2 * PAD + 14;

  const pos = new Map();
  tools.forEach((t, i) => {
    const r = Math.floor(i / cols);
    const c = r % 2 === 0 ? i % cols : cols - 1 - (i % cols);   // snake
    pos.set(t.toolId, { x: left + c * (NODE_W + GAP_X), y: PAD + 14 + r * (NODE_H + GAP_Y), i });
  });

  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height,
  });
  const defs = svg("defs", {}, root);
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  svg("path", { d: "M0 0 L10 5 L0 10 z", class: "arrow" }, marker);

  const edges = svg("g", { "aria-hidden": "true" }, root);
  // Execution order.
  for (let i = 0; i + 1 < tools.length; i++) {
    const a = pos.get(tools[i].toolId), b = pos.get(tools[i + 1].toolId);
    let d;
    if (a.y === b.y) {
      const fwd = b.x > a.x;
      const x1 = fwd ? a.x + NODE_W : a.x, x2 = fwd ? b.x - 2 : b.x + NODE_W + 2;
      d = `M${x1} ${a.y + NODE_H / 2} L${x2} ${b.y + NODE_H / 2}`;
    } else {
      d = `M${a.x + NODE_W / 2} ${a.y + NODE_H} L${b.x + NODE_W / 2} ${b.y - 2}`;
    }
    svg("path", { d, class: "edge", "marker-end": "url(#arrow)" }, edges);
  }
  // Branches of condition tools.
  for (const t of tools) {
    if (t.type !== "condition" || !t.config) continue;
    for (const [field, label] of [["whenTrue", "true"], ["whenFalse", "false"]]) {
      const list = Array.isArray(t.config[field]) ? t.config[field] : [];
      for (const target of list) {
        const a = pos.get(t.toolId), b = pos.get(target);
        if (!a || !b) continue;
        const x1 = a.x + NODE_W / 2, y1 = a.y;
        const x2 = b.x + NODE_W / 2, y2 = b.y;
        const lift = label === "true" ? 30 : 12;
        const cy = Math.min(y1, y2) - lift;
        svg("path", { d: `M${x1} ${y1} Q${(x1 + x2) / 2} ${cy} ${x2} ${y2 - 2}`,
          class: "edge branch", "marker-end": "url(#arrow)" }, edges);
        svgText(edges, (x1 + x2) / 2, cy + (lift > 12 ? 10 : 4), label,
          { class: "edge-label", "text-anchor": "middle" });
      }
    }
  }

  const steps = opts.steps || {};
  const nodes = [];
  for (const t of tools) {
    const p = pos.get(t.toolId);
    const st = steps[t.toolId];
    const failed = st && st.status && st.status !== "succeeded" && st.status !== "skipped";
    const g = svg("g", {
      class: `node${failed ? " failed" : ""}`, transform: `translate(${p.x} ${p.y})`,
      tabindex: 0, role: "button", "data-tool-id": t.toolId,
      "aria-pressed": opts.selected === t.toolId ? "true" : "false",
      "aria-label": `Step ${p.i + 1}: ${t.name || t.toolId} (${t.type})` +
        (st ? `, ${st.status}${st.durationUs != null ? ` in ${duration(st.durationUs)}` : ""}` : ""),
    }, root);
    svg("rect", { width: NODE_W, height: NODE_H, rx: 8, ry: 8, class: "box" }, g);
    // The type's colour stripe (app.css paints .stripe.type-<type>).
    svg("rect", { width: 6, height: NODE_H - 2, x: 1, y: 1, rx: 3,
      class: `stripe type-${/^[a-z_]+$/.test(t.type) ? t.type : "other"}` }, g);
    svgText(g, 16, 20, clip(t.name || t.toolId, 25), { class: "title" });
    svgText(g, 16, 36, clip(`${t.type} · ${t.toolId}`, 30), { class: "type" });
    const what = detail(t, doc);
    if (what) svgText(g, 16, 52, clip(what, 31), { class: "type detail" });
    if (st) {
      const mark = st.status === "succeeded" ? "✓" : st.status === "skipped" ? "–" : "✗";
      svgText(g, 16, 69, `${mark} ${st.status}` +
        (st.durationUs != null ? ` · ${duration(st.durationUs)}` : ""), { class: "dur" });
    }
    const title = svg("title", {}, g);
    title.textContent = `${t.name || t.toolId} — ${t.type} (${t.toolId})${what ? `\n${what}` : ""}`;
    g.addEventListener("click", () => opts.onSelect && opts.onSelect(t.toolId));
    g.addEventListener("keydown", (ev) => {
      const i = nodes.indexOf(g);
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        if (opts.onSelect) opts.onSelect(t.toolId);
      } else if (ev.key === "ArrowRight" || ev.key === "ArrowDown") {
        ev.preventDefault();
        nodes[Math.min(nodes.length - 1, i + 1)].focus();
      } else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") {
        ev.preventDefault();
        nodes[Math.max(0, i - 1)].focus();
      }
    });
    nodes.push(g);
  }
  box.replaceChildren(root);
}
