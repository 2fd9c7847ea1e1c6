// Deploy to Archestra, in the seed's states: "Deploy to Archestra" →
// "Deploying..." (spinner, disabled) → "Deployed" (disabled); once the
// workflow has changed since, the same button says "Deploy v4" and puts the
// current version on the same agent. Secrets still missing keep it disabled
// (secrets.js shows which). The banner (the success notice) gives the agent
// ID, the endpoint (copied to the clipboard after a deploy; Copy Endpoint)
// and the dashboard; what it shows comes from the workflow document
// (archestra* fields), so it survives a reload. Below: the deployment
// history with redeploy, rollback and undeploy.

import { $, el, when, shortWhen } from "./dom.js";
import { state, api, showError, clearError, openWorkflowFresh, busy } from "./app.js";
import { enc } from "./api.js";
import { log } from "./logs.js";
import { missingSecrets, noteRefusal } from "./secrets.js";

let deploying = null;   // the serverId whose deploy is under way
let history = [];
let historyOf = null;   // the serverId history belongs to

// A dedicated agent (a Kubernetes deployment of its own at the runtime):
// its pod's status and, when it failed or waits, why.
function orchestratorText(h) {
  const o = h?.isolation === "dedicated" ? h.orchestrator : null;
  return o ? `dedicated: ${o.status}${o.reason ? ` (${o.reason})` : ""}` : "";
}

// The live version: the document says it; the history is the fallback.
function liveVersion(d) {
  if (d?.archestraVersion != null) return d.archestraVersion;
  const live = historyOf === d?.serverId ? history.find((h) => h.status === "active") : null;
  return live ? live.version : d?.version;
}

function buttonMode(d) {
  if (!d) return "idle";
  if (deploying === d.serverId) return "deploying";
  if (!d.archestraAgentId) return "idle";
  return liveVersion(d) === d.version ? "deployed" : "outdated";
}

function setButton(mode, d) {
  const b = $("deploy");
  b.dataset.state = mode;
  b.querySelector(".label").textContent = mode === "deploying" ? "Deploying..."
    : mode === "deployed" ? "Deployed" : mode === "outdated" ? `Deploy v${d.version}` : "Deploy to Archestra";
  const waiting = (mode === "idle" || mode === "outdated") && missingSecrets().length > 0;
  b.disabled = mode === "deploying" || mode === "deployed" || waiting;
  b.setAttribute("aria-busy", mode === "deploying" ? "true" : "false");
  if (waiting) b.setAttribute("aria-describedby", "deploy-needs-h");
  else b.removeAttribute("aria-describedby");
}

export function renderDeploy() {
  const d = state.current;
  const deployed = !!d?.archestraAgentId;
  setButton(buttonMode(d), d);
  $("deploy-banner").hidden = !deployed;
  $("dep-redeploy").disabled = !deployed;
  $("dep-undeploy").disabled = !deployed;
  if (!deployed) {
    $("dep-copied").textContent = "";
    return;
  }
  const live = liveVersion(d);
  $("dep-agent").textContent = d.archestraAgentId;
  // A long endpoint may break after a "/", never inside the agent's id.
  const parts = String(d.archestraEndpoint ?? "").split(/(?<=\/)/);
  $("dep-endpoint").replaceChildren(...parts.flatMap((p, i) => (i ? [el("wbr"), p] : [p])));
  const active = historyOf === d.serverId ? history.find((h) => h.status === "active") : null;
  $("dep-live").textContent = `v${live} live` + (orchestratorText(active) ? ` · ${orchestratorText(active)}` : "");
  $("dep-when").textContent = d.archestraDeployedAt ? `since ${when(d.archestraDeployedAt)}` : "";
  const out = $("dep-outdated");
  out.hidden = live === d.version;
  out.textContent = out.hidden ? "" : `The workflow is at v${d.version} now; Deploy v${d.version} puts it on this agent.`;
  // The dashboard is served by the runtime behind the same nginx; its URL
  // is absolute (the configured public URL) and used as given.
  $("dep-dashboard").setAttribute("href", d.archestraDashboardUrl ?? "#");
}

// A deploy answer (from the button or from the chat): the log line.
export function showDeployment(dep) {
  if (dep && dep.agentId) log("success", "Deployed to Archestra successfully!", dep);
}

// "Failed to redeploy to Archestra: X" and the like → "X".
function reason(e) {
  return String(e.message ?? e).replace(/^Failed to [a-z ]+? Archestra:\s*/i, "");
}

async function copyEndpoint(auto = false) {
  const text = state.current?.archestraEndpoint ?? "";
  const out = $("dep-copied");
  try {
    await navigator.clipboard.writeText(text);
    out.textContent = "Endpoint copied to the clipboard.";
  } catch {
    if (auto) {   // no permission without a click: the button is there
      out.textContent = "";
      return;
    }
    // No clipboard permission: select the text so Ctrl+C copies it.
    const r = document.createRange();
    r.selectNodeContents($("dep-endpoint"));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    out.textContent = "Selected: press Ctrl+C to copy.";
  }
}

async function deploy() {
  const d = state.current;
  const mode = buttonMode(d);
  if (!d || deploying || (mode !== "idle" && mode !== "outdated")) return;
  deploying = d.serverId;
  clearError();
  $("dep-copied").textContent = "";
  renderDeploy();
  log("info", "Deploying to Archestra...", { serverId: d.serverId, version: d.version });
  let failure = null;
  try {
    const { body } = mode === "idle"
      ? await api.post(`/mcp/servers/${enc(d.serverId)}/deploy`, {})
      : await api.post(`/mcp/servers/${enc(d.serverId)}/redeploy`, {});
    showDeployment(body);
  } catch (e) {
    // 400 with an agent: it was deployed already (another tab, the chat).
    if (e.status === 400 && e.body?.agentId) log("info", `Already deployed as ${e.body.agentId}`);
    else failure = e;
  } finally {
    deploying = null;
  }
  await openWorkflowFresh(d.serverId);
  if (state.current?.serverId !== d.serverId) return;
  renderDeploy();
  if (!failure) {
    await copyEndpoint(true);
    $("deploy-banner").focus();   // what deploying produced
  } else if (noteRefusal(failure.message)) {
    log("error", `Failed to deploy to Archestra: ${reason(failure)}`, failure.body ?? undefined);
    const first = $("deploy-needs-list").querySelector("input");
    (first ?? $("deploy-needs")).focus();
  } else {
    showError(new Error(`Failed to deploy to Archestra: ${reason(failure)}`), "", { focus: true });
  }
}

export async function loadHistory() {
  const d = state.current;
  if (!d) return;
  try {
    const { body } = await api.get(`/mcp/servers/${enc(d.serverId)}/deployments`);
    if (state.current?.serverId !== d.serverId) return;
    history = Array.isArray(body.items) ? body.items : [];
    historyOf = d.serverId;
  } catch (e) {
    history = [];
    showError(e, "Loading the deployment history");
  }
  renderHistory();
  renderDeploy();
}

function renderHistory() {
  const d = state.current;
  const agents = [...new Set(history.map((h) => h.agentId).filter(Boolean))];
  const line = $("dep-history-agent");
  line.hidden = !agents.length;
  line.replaceChildren(...(agents.length === 1
    ? ["Agent ", el("code", { class: "nowrap" }, agents[0])]
    : agents.length ? [`${agents.length} agents over time; each row names its own.`] : []));
  const live = history.find((h) => h.status === "active")?.version;
  const rows = history.map((h) => {
    const isLive = h.status === "active";
    const act = isLive || h.version === live || !d?.archestraAgentId ? null
      : el("button", { type: "button", class: "quiet" }, `Roll back to v${h.version}`);
    if (act) act.addEventListener("click", () => rollback(h.version, act));
    return el("tr", {},
      el("td", {}, el("span", { class: "nowrap" }, `v${h.version}`), " ",
        el("span", { class: `badge ${isLive ? "good" : ""}` }, isLive ? "live" : String(h.status ?? "")),
        orchestratorText(h) ? el("div", { class: h.orchestrator.status === "failed" ? "bad-text" : "muted" },
          orchestratorText(h)) : null),
      el("td", {},
        el("time", { class: "nowrap", datetime: h.deployedAt ?? "", title: when(h.deployedAt) }, shortWhen(h.deployedAt)),
        h.endedAt ? el("div", { class: "muted nowrap", title: when(h.endedAt) }, `until ${shortWhen(h.endedAt)}`) : null,
        agents.length > 1 ? el("div", {}, el("code", { class: "nowrap" }, String(h.agentId ?? ""))) : null),
      el("td", { class: "num" }, act));
  });
  $("dep-history").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 3, class: "muted" }, "Not deployed yet."))]));
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

export function initDeploy() {
  $("deploy").addEventListener("click", deploy);
  $("dep-copy").addEventListener("click", () => copyEndpoint(false));
  $("dep-redeploy").addEventListener("click", redeploy);
  $("dep-undeploy").addEventListener("click", undeploy);
}
