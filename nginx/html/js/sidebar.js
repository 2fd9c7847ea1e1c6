// The workflow list: newest first (the server pages it that way), a filter
// box, the open workflow highlighted and scrolled into view, and on each
// entry its version, whether it is deployed (and which version is live when
// that is not the current one) and when it was made, since many share a name.

import { $, el, when, plural } from "./dom.js";
import { state, api, busy, navigate } from "./app.js";
import { enc } from "./api.js";
import { newTranscript } from "./chat.js";

const PAGE = 50;

export async function loadWorkflows(reset = true) {
  const q = `/mcp/servers?order=newest&limit=${PAGE}` +
    (!reset && state.cursor ? `&cursor=${enc(state.cursor)}` : "");
  const { body } = await api.get(q);
  const items = Array.isArray(body.items) ? body.items : [];
  state.workflows = reset ? items : state.workflows.concat(items);
  state.cursor = body.nextCursor ?? null;
  renderWorkflowList();
}

export function forgetWorkflow(serverId) {
  state.workflows = state.workflows.filter((w) => w.serverId !== serverId);
  renderWorkflowList();
}

// "v4 · live", "v4 · v2 live", "v4 · not deployed".
function deployedWords(w) {
  if (!w.archestraAgentId) return `v${w.version} · not deployed`;
  const live = w.archestraVersion;
  return live == null || live === w.version ? `v${w.version} · live` : `v${w.version} · v${live} live`;
}

function matches(w, words) {
  const hay = `${w.name ?? ""} ${w.serverId} ${w.description ?? ""}`.toLowerCase();
  return words.every((x) => hay.includes(x));
}

export function renderWorkflowList() {
  const words = $("wf-filter").value.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = state.workflows.filter((w) => matches(w, words));
  const list = $("wf-list");
  list.replaceChildren(...shown.map((w) => {
    const current = state.current?.serverId === w.serverId;
    const b = el("button", { type: "button", "data-server-id": w.serverId, title: w.serverId,
      "aria-current": current ? "page" : null },
    el("span", { class: "wf-name" }, w.name || w.serverId),
    el("span", { class: "meta" }, deployedWords(w)),
    el("span", { class: "meta nowrap" }, `made ${when(w.createdAt)}`));
    b.addEventListener("click", () => navigate(w.serverId));
    return el("li", {}, b);
  }));
  const n = state.workflows.length;
  $("wf-count").textContent = !n ? "" : words.length
    ? `${shown.length} of ${plural(n, "workflow")} match` + (state.cursor ? " (older ones not loaded)" : "")
    : plural(n, "workflow") + (state.cursor ? " shown, older ones below" : "");
  $("wf-empty").hidden = n > 0;
  $("wf-more").hidden = !state.cursor;
}

// Scrolls the open workflow's entry into view (the list scrolls, not the page).
export function revealCurrent() {
  const id = state.current?.serverId;
  if (!id) return;
  const b = $("wf-list").querySelector(`button[data-server-id="${CSS.escape(id)}"]`);
  if (b) b.scrollIntoView({ block: "nearest", inline: "nearest" });
}

export function initSidebar() {
  $("wf-new").addEventListener("click", async () => {
    newTranscript();
    await navigate(null);
    $("chat-input").focus();
  });
  $("wf-filter").addEventListener("input", renderWorkflowList);
  $("wf-more").addEventListener("click", () => busy($("wf-more"), "Loading older workflows", () => loadWorkflows(false)));
}
