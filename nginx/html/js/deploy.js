// Deploy to Archestra: the button's three states (idle → "Deploying…" with a
// spinner → "Deployed", disabled), the banner with the agent, its endpoint
// (Copy Endpoint) and dashboard (Open Dashboard), and the deployment
// history with redeploy, rollback and undeploy. What the banner shows comes
// from the workflow document (archestra* fields), so it survives a reload.

import { $, el, when } from "./dom.js";
import { state, api, showError, clearError, openWorkflowFresh, busy } from "./app.js";
import { enc } from "./api.js";
import { log } from "./logs.js";

let deploying = null;   // the serverId whose deploy is under way
let history = [];

// A dedicated agent (a Kubernetes deployment of its own at the runtime):
// its pod's status and, when it failed or waits, why.
function orchestratorText(h) {
  const o = h?.isolation === "dedicated" ? h.orchestrator : null;
  return o ? `dedicated: ${o.status}${o.reason ? ` (${o.reason})` : ""}` : "";
}

function setButton(mode) {
  const b = $("deploy");
  b.dataset.state = mode;
  b.querySelector(".label").textContent =
    mode === "deploying" ? "Deploying…" : mode === "deployed" ? "Deployed" : "Deploy to Archestra";
  b.disabled = mode !== "idle";
  b.setAttribute("aria-busy", mode === "deploying" ? "true" : "false");
}

export function renderDeploy() {
  const d = state.current;
  const deployed = !!d?.archestraAgentId;
  setButton(d && deploying === d.serverId ? "deploying" : deployed ? "deployed" : "idle");
  $("deploy-banner").hidden = !deployed;
  $("dep-redeploy").disabled = !deployed;
  $("dep-undeploy").disabled = !deployed;
  if (!deployed) return;
  $("dep-agent").textContent = d.archestraAgentId;
  $("dep-endpoint").textContent = d.archestraEndpoint ?? "";
  $("dep-when").textContent = d.archestraDeployedAt ? `since ${when(d.archestraDeployedAt)}` : "";
  const live = history.find((h) => h.status === "active");
  $("dep-version").textContent = (live ? `v${live.version}` : `v${d.version}`) +
    (orchestratorText(live) ? ` · ${orchestratorText(live)}` : "");
  // The dashboard is served by the runtime behind the same nginx; its URL
  // is absolute (the configured public URL) and used as given.
  $("dep-dashboard").setAttribute("href", d.archestraDashboardUrl ?? "#");
}

// Shows a deploy answer (from the button or from the chat) and re-reads the workflow.
export function showDeployment(dep) {
  if (dep && dep.agentId) {
    log("success", `Deployed to Archestra as ${dep.agentId}`, dep);
  }
}

async function deploy() {
  const d = state.current;
  if (!d || deploying || d.archestraAgentId) return;
  deploying = d.serverId;
  clearError();
  renderDeploy();
  log("info", `Deploying ${d.serverId} (version ${d.version}) to Archestra…`);
  let failure = null;
  try {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/deploy`, {});
    showDeployment(body);
  } catch (e) {
    // 400: it was deployed already (by another tab, or the chat): show it.
    if (e.status === 400 && e.body?.agentId) log("info", `Already deployed as ${e.body.agentId}`);
    else failure = e;
  } finally {
    deploying = null;
  }
  await openWorkflowFresh(d.serverId);
  if (failure) showError(failure, "Deploy to Archestra");
  renderDeploy();
}

export async function loadHistory() {
  const d = state.current;
  if (!d) return;
  try {
    const { body } = await api.get(`/mcp/servers/${enc(d.serverId)}/deployments`);
    history = Array.isArray(body.items) ? body.items : [];
  } catch (e) {
    history = [];
    showError(e, "Loading the deployment history");
  }
  renderHistory();
  renderDeploy();
}

function renderHistory() {
  const d = state.current;
  const rows = history.map((h) => {
    const isLive = h.status === "active";
    const act = isLive || !d?.archestraAgentId ? null
      : el("button", { type: "button", class: "quiet", "data-rollback": h.version }, `Roll back to v${h.version}`);
    if (act) act.addEventListener("click", () => rollback(h.version, act));
    return el("tr", { "data-version": h.version, "data-status": h.status ?? "" },
      el("td", {}, `v${h.version}`),
      el("td", {}, el("code", {}, String(h.agentId ?? ""))),
      el("td", {}, String(h.status ?? ""), isLive ? el("span", { class: "badge good" }, " live") : null,
        orchestratorText(h) ? el("div", { class: h.orchestrator.status === "failed" ? "bad-text" : "muted",
          "data-orchestrator": h.orchestrator.status }, orchestratorText(h)) : null),
      el("td", {}, el("time", { datetime: h.deployedAt ?? "" }, when(h.deployedAt)),
        h.endedAt ? el("div", { class: "muted" }, `ended ${when(h.endedAt)}`) : null),
      el("td", {}, act));
  });
  $("dep-history").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "Not deployed yet."))]));
}

async function redeploy() {
  const d = state.current;
  if (!d) return;
  await busy($("dep-redeploy"), "Redeploy", async () => {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/redeploy`, {});
    log("success", `Redeployed version ${body.version} to ${body.agentId}`, body);
  });
  await openWorkflowFresh(d.serverId);
}

async function rollback(version, button) {
  const d = state.current;
  if (!d) return;
  await busy(button, `Roll back to v${version}`, async () => {
    const { body } = await api.post(`/mcp/servers/${enc(d.serverId)}/rollback`, { version });
    log("success", `Version ${body.version} is live on ${body.agentId}`, body);
  });
  await openWorkflowFresh(d.serverId);
}

async function undeploy() {
  const d = state.current;
  if (!d || !d.archestraAgentId) return;
  if (!confirm(`Undeploy agent ${d.archestraAgentId}? Its endpoint stops answering.`)) return;
  await busy($("dep-undeploy"), "Undeploy", async () => {
    await api.del(`/mcp/servers/${enc(d.serverId)}/deploy`);
    log("info", `Undeployed ${d.archestraAgentId}`);
  });
  await openWorkflowFresh(d.serverId);
}

async function copyEndpoint() {
  const text = state.current?.archestraEndpoint ?? "";
  const out = $("dep-copied");
  try {
    await navigator.clipboard.writeText(text);
    out.textContent = "Endpoint copied.";
  } catch {
    // No clipboard permission: select the text so Ctrl+C copies it.
    const r = document.createRange();
    r.selectNodeContents($("dep-endpoint"));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    out.textContent = "Selected: press Ctrl+C to copy.";
  }
}

export function initDeploy() {
  $("deploy").addEventListener("click", deploy);
  $("dep-copy").addEventListener("click", copyEndpoint);
  $("dep-redeploy").addEventListener("click", redeploy);
  $("dep-undeploy").addEventListener("click", undeploy);
}
