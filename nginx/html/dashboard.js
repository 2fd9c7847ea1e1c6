// The agent dashboard (SPEC §6): /dashboard/<agentId> shows what
// /dashboard/<agentId>/data?minutes=N answers: totals, p50/p95/p99, a
// per-minute chart and the recent calls. Refreshes every 5 s unless paused.
//
// Everything the server sends is data: it reaches the page only through
// textContent and setAttribute (agent names and error texts are user input).
//
// The data needs the agent's read-only share token: the dashboardUrl that a
// deploy answers carries it after "#token=" (a fragment never reaches a
// server or a log); it is sent as a Bearer token.

const REFRESH_MS = 5000;
const TIMEOUT_MS = 10000;
const MIN_SPAN = 5;   // minutes: the shortest time the plot spans
const WINDOWS = { 15: "last 15 minutes", 60: "last hour", 1440: "last 24 hours" };
const SVG_NS = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);

const state = {
  agentId: null,
  token: new URLSearchParams(location.hash.slice(1)).get("token"),
  minutes: 60,
  paused: false,
  gone: false,          // the agent does not exist: stop polling
  timer: null,
  inflight: null,       // the AbortController of the fetch under way
  dueWhileHidden: false,
  data: null,           // the last good answer
  updatedAt: null,
};

// --- formatting -------------------------------------------------------------

const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function fmtInt(v) {
  const n = num(v);
  return n === null ? "—" : intFmt.format(n);
}

// Microseconds as milliseconds, with as many decimals as are meaningful.
function fmtMs(us, unit = true) {
  const n = num(us);
  if (n === null) return "—";
  const ms = n / 1000;
  const digits = ms < 10 ? 2 : ms < 100 ? 1 : 0;
  const s = ms.toLocaleString(undefined, {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
  return unit ? `${s} ms` : s;
}

function fmtRate(errors, calls) {
  const e = num(errors), c = num(calls);
  if (!c || e === null) return "—";
  return `${((100 * e) / c).toFixed(1)}%`;
}

const pad2 = (n) => String(n).padStart(2, "0");
const hhmm = (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
const hhmmss = (d) => `${hhmm(d)}:${pad2(d.getSeconds())}`;

function fmtWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "—");
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay ? hhmmss(d)
    : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hhmmss(d)}`;
}

// --- DOM helpers (no innerHTML anywhere) -------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.append(e);
  return e;
}

function svgText(parent, x, y, text, attrs = {}) {
  const t = svg("text", { x, y, ...attrs }, parent);
  t.textContent = text;
  return t;
}

function setText(id, text) {
  $(id).textContent = text;
}

// --- status and errors --------------------------------------------------------

function showError(message) {
  if (!state.data) setText("agent-name", state.agentId);
  const box = $("error");
  box.replaceChildren(el("strong", {}, "Could not load the dashboard data: "), message,
    state.gone || state.paused ? "" : ` (retrying every ${REFRESH_MS / 1000} s)`);
  box.hidden = false;
}

function clearError() {
  const box = $("error");
  box.hidden = true;
  box.replaceChildren();
}

function updateStatus(loading = false) {
  let s;
  if (state.gone) s = "No data: the agent does not exist.";
  else if (loading && !state.updatedAt) s = "Loading…";
  else {
    s = state.updatedAt ? `Updated ${hhmmss(state.updatedAt)}` : "Not loaded yet";
    s += state.paused ? " · auto-refresh paused" : ` · refreshing every ${REFRESH_MS / 1000} s`;
  }
  setText("status", s);
}

function noSuchAgent() {
  state.gone = true;
  clearTimeout(state.timer);
  setText("agent-name", "No such agent");
  setText("agent-id", state.agentId ?? "—");
  setText("agent-version", "—");
  document.title = "No such agent · Orchestrix";
  $("content").hidden = true;
  for (const c of document.querySelectorAll("#controls input, #controls button")) c.disabled = true;
  const box = $("error");
  box.replaceChildren(el("strong", {}, "No such agent. "),
    state.agentId ? `There is no deployed agent with the ID ${state.agentId}; it may have been undeployed.`
      : "The address does not name an agent: it should be /dashboard/agent_<id>.");
  box.hidden = false;
  updateStatus();
}

// --- loading -------------------------------------------------------------------

function dataUrl() {
  return `/dashboard/${encodeURIComponent(state.agentId)}/data?minutes=${state.minutes}`;
}

function schedule() {
  clearTimeout(state.timer);
  if (state.paused || state.gone) return;
  state.timer = setTimeout(() => {
    if (document.hidden) state.dueWhileHidden = true;   // catch up when visible again
    else load();
  }, REFRESH_MS);
}

async function load() {
  if (state.gone) return;
  clearTimeout(state.timer);
  if (state.inflight) state.inflight.abort();
  const ctl = new AbortController();
  let timedOut = false;
  const timeout = setTimeout(() => { timedOut = true; ctl.abort(); }, TIMEOUT_MS);
  state.inflight = ctl;
  updateStatus(true);
  try {
    const res = await fetch(dataUrl(), {
      signal: ctl.signal, cache: "no-store", credentials: "same-origin",
      headers: state.token ? { Accept: "application/json", Authorization: `Bearer ${state.token}` }
        : { Accept: "application/json" },
    });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { /* reported below */ }
    if (res.status === 404) {
      noSuchAgent();
      return;
    }
    if (res.status === 401) {
      throw new Error("this dashboard opens from its share link: the dashboardUrl of the deploy, " +
        "with its #token=…");
    }
    if (!res.ok) {
      const why = body && body.error && typeof body.error.message === "string"
        ? body.error.message : res.statusText;
      throw new Error(`HTTP ${res.status}${why ? ` — ${why}` : ""}`);
    }
    if (!body || typeof body !== "object" || !body.stats || typeof body.stats !== "object") {
      throw new Error("the server's answer is not dashboard data");
    }
    if (state.inflight !== ctl) return;                 // a newer load took over
    state.data = body;
    state.updatedAt = new Date();
    render();
    clearError();
  } catch (e) {
    if (state.inflight !== ctl) return;                 // aborted for a newer load
    const msg = timedOut ? `no answer within ${TIMEOUT_MS / 1000} s`
      : e instanceof TypeError ? `network error (${e.message})`
      : e && e.message ? e.message : String(e);
    showError(msg);
  } finally {
    clearTimeout(timeout);
    if (state.inflight === ctl) {
      state.inflight = null;
      updateStatus();
      schedule();
    }
  }
}

// --- rendering -------------------------------------------------------------------

function render() {
  const d = state.data;
  const agent = d.agent && typeof d.agent === "object" ? d.agent : {};
  const st = d.stats;
  const lat = st.latencyUs && typeof st.latencyUs === "object" ? st.latencyUs : {};
  const name = typeof agent.name === "string" && agent.name !== "" ? agent.name : state.agentId;

  setText("agent-name", name);
  setText("agent-id", agent.agentId ?? state.agentId);
  // The workflow version the agent serves (its own version counts redeploys).
  const served = agent.workflowVersion ?? agent.version;
  setText("agent-version", served != null ? `v${served}` : "—");
  document.title = `${name} · Agent dashboard · Orchestrix`;

  setText("window-label", WINDOWS[state.minutes] ?? `last ${state.minutes} minutes`);
  setText("s-calls", fmtInt(st.calls));
  setText("s-errors", fmtInt(st.errors));
  $("s-errors").classList.toggle("bad", num(st.errors) > 0);
  setText("s-rate", fmtRate(st.errors, st.calls));
  $("s-rate").classList.toggle("bad", num(st.errors) > 0);
  const none = !num(st.calls);
  setText("s-p50", none ? "—" : fmtMs(lat.p50));
  setText("s-p95", none ? "—" : fmtMs(lat.p95));
  setText("s-p99", none ? "—" : fmtMs(lat.p99));

  renderRecent(Array.isArray(st.recent) ? st.recent : []);
  renderChart();
}

function renderRecent(rows) {
  const body = $("recent");
  if (rows.length === 0) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No calls yet.")));
    return;
  }
  body.replaceChildren(...rows.map((r) => {
    const status = num(r.status);
    const bad = status === null || status >= 400;
    const time = el("time", { datetime: String(r.at ?? ""), title: String(r.at ?? "") }, fmtWhen(r.at));
    return el("tr", { class: bad ? "err" : "" },
      el("td", {}, time),
      el("td", {}, String(r.channel ?? "—")),
      el("td", {}, el("span", { class: `status ${bad ? "bad" : "good"}` },
        status === null ? "—" : String(status), bad ? el("span", { class: "vh" }, " (error)") : "")),
      el("td", { class: "num" }, fmtMs(r.latencyUs)),
      el("td", { class: "errtext" }, r.error == null || r.error === "" ? "—" : String(r.error)));
  }));
}

// "Nice" tick steps (1, 2, 5 × 10^k) from 0 to at least max.
function niceTicks(max, count, integer = false) {
  if (!(max > 0)) max = integer ? 1 : 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, top };
}

function fmtTick(ms, step) {
  const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
  return ms.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function renderChart() {
  const box = $("chart");
  const st = state.data.stats;
  const minutes = num(state.data.minutes) || state.minutes;
  const W = Math.max(280, Math.floor(box.clientWidth || 640));
  const narrow = W < 560;
  const H = narrow ? 280 : 330;
  const m = { l: narrow ? 46 : 58, r: 12, t: 22, b: 26 };
  const gap = 30;
  const plotW = W - m.l - m.r;
  const inner = H - m.t - m.b - gap;
  const latH = Math.round(inner * 0.66);
  const callH = inner - latH;
  const latTop = m.t;
  const callTop = m.t + latH + gap;

  // Minute buckets: the server groups by date_trunc('minute') in UTC; whole
  // minutes are the same instants in every time zone we care about here.
  const series = (Array.isArray(st.series) ? st.series : [])
    .map((p) => ({ ...p, t: Date.parse(p.t) }))
    .filter((p) => Number.isFinite(p.t));
  const byT = new Map(series.map((p) => [p.t, p]));
  const MIN = 60000;
  let endMin = Math.floor(Date.now() / MIN) * MIN;
  for (const p of series) endMin = Math.max(endMin, p.t);
  // An agent younger than the window: the plot starts when it was made (at
  // least MIN_SPAN minutes back), so its calls spread across the plot
  // instead of being pressed against its right edge.
  const born = Date.parse(state.data.agent?.createdAt);
  const bornMin = Number.isFinite(born) ? Math.floor(born / MIN) * MIN : -Infinity;
  const startMin = Math.max(endMin - minutes * MIN, Math.min(endMin - MIN_SPAN * MIN, bornMin));
  const young = startMin > endMin - minutes * MIN;
  const buckets = (endMin - startMin) / MIN + 1;
  const end = endMin + MIN;
  const x = (t) => m.l + ((t - startMin) / (end - startMin)) * plotW;
  const bw = plotW / buckets;

  const maxLatUs = Math.max(0, ...series.map((p) => num(p.p99) ?? num(p.p95) ?? num(p.p50) ?? 0));
  const lat = niceTicks(maxLatUs / 1000, narrow ? 3 : 4);
  const yLat = (ms) => latTop + latH - (ms / lat.top) * latH;
  const maxCalls = Math.max(0, ...series.map((p) => num(p.calls) ?? 0));
  const calls = niceTicks(maxCalls, 2, true);
  const yCalls = (c) => callTop + callH - (c / calls.top) * callH;

  const windowText = (WINDOWS[minutes] ?? `last ${minutes} minutes`) +
    (young ? `, since the agent was deployed at ${hhmm(new Date(bornMin))}` : "");
  const root = svg("svg", {
    width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `Latency percentiles (p50, p95, p99) and calls per minute, ${windowText}`,
    "aria-describedby": "chart-desc", class: "plot",
  });
  const title = svg("title", {}, root);
  title.textContent = `Latency and calls per minute, ${windowText}`;
  const desc = svg("desc", { id: "chart-desc" }, root);
  desc.textContent = describe(series, windowText);

  // Panel titles.
  svgText(root, m.l, latTop - 8, "Latency (ms)", { class: "ptitle" });
  svgText(root, m.l, callTop - 8, "Calls per minute", { class: "ptitle" });

  // Y axes and grid lines.
  const grid = svg("g", { class: "grid" }, root);
  const labels = svg("g", { class: "ylabels" }, root);
  for (const v of lat.ticks) {
    const y = yLat(v);
    svg("line", { x1: m.l, x2: m.l + plotW, y1: y, y2: y }, grid);
    svgText(labels, m.l - 6, y + 4, fmtTick(v, lat.ticks[1] - lat.ticks[0]), { "text-anchor": "end" });
  }
  for (const v of calls.ticks) {
    const y = yCalls(v);
    svg("line", { x1: m.l, x2: m.l + plotW, y1: y, y2: y }, grid);
    svgText(labels, m.l - 6, y + 4, intFmt.format(v), { "text-anchor": "end" });
  }

  if (young) {
    svgText(root, m.l + plotW, latTop - 8, `since the agent was deployed at ${hhmm(new Date(bornMin))}`,
      { class: "ptitle note", "text-anchor": "end" });
  }

  // X axis: ticks on whole local minutes, spaced for the width.
  const maxTicks = Math.max(2, Math.floor(plotW / (narrow ? 64 : 80)));
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720]
    .find((s) => (buckets - 1) / s <= maxTicks) ?? 720;
  const xg = svg("g", { class: "xaxis" }, root);
  const xgrid = svg("g", { class: "grid vgrid" }, root);
  for (let t = startMin; t <= end; t += MIN) {
    const local = t / MIN - new Date(t).getTimezoneOffset();
    if (((local % step) + step) % step !== 0) continue;
    const xx = x(t);
    if (xx < m.l + 14 || xx > m.l + plotW - 14) continue;   // keep labels inside
    svg("line", { x1: xx, x2: xx, y1: latTop, y2: latTop + latH }, xgrid);
    svg("line", { x1: xx, x2: xx, y1: callTop, y2: callTop + callH }, xgrid);
    svgText(xg, xx, H - 8, hhmm(new Date(t)), { "text-anchor": "middle" });
  }
  svg("line", { x1: m.l, x2: m.l + plotW, y1: latTop + latH, y2: latTop + latH, class: "axis" }, root);
  svg("line", { x1: m.l, x2: m.l + plotW, y1: callTop + callH, y2: callTop + callH, class: "axis" }, root);

  // Calls (and errors) as bars.
  const bars = svg("g", { class: "bars" }, root);
  const barW = Math.max(1, bw > 4 ? bw - 1 : bw);
  for (const p of series) {
    const c = num(p.calls) ?? 0;
    if (c <= 0 || p.t < startMin) continue;
    const g = svg("g", {}, bars);
    const tip = svg("title", {}, g);
    tip.textContent = `${hhmm(new Date(p.t))}: ${fmtInt(c)} calls, ${fmtInt(p.errors)} errors, ` +
      `p50 ${fmtMs(p.p50)}, p95 ${fmtMs(p.p95)}, p99 ${fmtMs(p.p99)}`;
    const xx = x(p.t) + (bw - barW) / 2;
    svg("rect", { x: xx, y: yCalls(c), width: barW, height: callTop + callH - yCalls(c), class: "calls" }, g);
    const e = num(p.errors) ?? 0;
    if (e > 0) {
      svg("rect", { x: xx, y: yCalls(e), width: barW, height: callTop + callH - yCalls(e), class: "errors" }, g);
    }
  }

  // Percentile lines; a minute without calls breaks the line.
  const dots = bw >= 8;
  for (const key of ["p50", "p95", "p99"]) {
    const g = svg("g", { class: `series ${key}` }, root);
    let d = "";
    let prev = false;
    for (let t = startMin; t <= endMin; t += MIN) {
      const p = byT.get(t);
      const v = p ? num(p[key]) : null;
      if (v === null) { prev = false; continue; }
      const px = x(t) + bw / 2, py = yLat(v / 1000);
      d += `${prev ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`;
      const next = byT.get(t + MIN);
      const isolated = !prev && !(next && num(next[key]) !== null);
      if (dots || isolated) svg("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 2.5 }, g);
      prev = true;
    }
    if (d) svg("path", { d }, g);
  }

  if (series.length === 0) {
    svgText(root, m.l + plotW / 2, latTop + latH / 2, `No calls in the ${windowText}`,
      { "text-anchor": "middle", class: "empty" });
  }
  box.replaceChildren(root);
}

function describe(series, windowText) {
  if (series.length === 0) return `No calls in the ${windowText}.`;
  let busiest = series[0], slowest = series[0];
  for (const p of series) {
    if ((num(p.calls) ?? 0) > (num(busiest.calls) ?? 0)) busiest = p;
    if ((num(p.p99) ?? 0) > (num(slowest.p99) ?? 0)) slowest = p;
  }
  return `${series.length} minutes with calls in the ${windowText}. ` +
    `Busiest minute ${hhmm(new Date(busiest.t))}: ${fmtInt(busiest.calls)} calls, ` +
    `${fmtInt(busiest.errors)} errors. Slowest minute ${hhmm(new Date(slowest.t))}: ` +
    `p99 ${fmtMs(slowest.p99)}.`;
}

// --- controls and start-up ---------------------------------------------------------

function setWindow(minutes, push) {
  state.minutes = minutes;
  for (const r of document.querySelectorAll('input[name="window"]')) r.checked = Number(r.value) === minutes;
  setText("window-label", WINDOWS[minutes]);
  if (push) {
    const u = new URL(location.href);
    u.searchParams.set("minutes", String(minutes));
    history.replaceState(null, "", u);
  }
}

function setPaused(paused) {
  state.paused = paused;
  const b = $("pause");
  b.setAttribute("aria-pressed", String(paused));
  b.textContent = paused ? "Resume auto-refresh" : "Pause auto-refresh";
  if (paused) clearTimeout(state.timer);
  else load();
  updateStatus();
}

function start() {
  const m = /^\/dashboard\/(agent_[a-z0-9]+)\/?$/.exec(location.pathname);
  if (!m) {
    noSuchAgent();
    return;
  }
  state.agentId = m[1];
  setText("agent-id", state.agentId);
  const asked = Number(new URLSearchParams(location.search).get("minutes"));
  setWindow(WINDOWS[asked] ? asked : 60, false);

  for (const r of document.querySelectorAll('input[name="window"]')) {
    r.addEventListener("change", () => {
      if (r.checked) {
        setWindow(Number(r.value), true);
        load();
      }
    });
  }
  $("pause").addEventListener("click", () => setPaused(!state.paused));
  $("refresh").addEventListener("click", () => load());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.dueWhileHidden) {
      state.dueWhileHidden = false;
      load();
    }
  });
  let lastW = 0;
  new ResizeObserver(() => {
    const w = $("chart").clientWidth;
    if (state.data && w !== lastW) renderChart();
    lastW = w;
  }).observe($("chart"));
  load();
}

start();
