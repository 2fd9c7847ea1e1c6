// The chat: a message goes to POST /api/v1/chat with the open workflow (if
// any); the supervisor's answer is shown and what it did is reflected on the
// page. Each workflow has its own transcript, kept while the page lives, and
// a new workflow starts with an empty one; the transcript of the message
// that created a workflow goes with it.

import { $, el, detailLine } from "./dom.js";
import { state, api, navigate, setCurrent, openWorkflowFresh } from "./app.js";
import { addLogs, log } from "./logs.js";
import { showExecution, loadRuns } from "./run.js";
import { showDeployment } from "./deploy.js";
import { loadWorkflows, revealCurrent } from "./sidebar.js";

const NEW = "";                 // the transcript of "New workflow"
const transcripts = new Map();  // serverId (or NEW) → [li, ...]
let shown = NEW;

function lines(key) {
  if (!transcripts.has(key)) transcripts.set(key, []);
  return transcripts.get(key);
}

// Shows serverId's transcript (null: the new workflow's).
export function showTranscript(serverId) {
  shown = serverId ?? NEW;
  $("chat-log").replaceChildren(...lines(shown));
}

// "New workflow" starts with an empty chat.
export function newTranscript() {
  transcripts.set(NEW, []);
  if (shown === NEW) showTranscript(null);
}

function chatLine(key, kind, text, extra = []) {
  const li = el("li", { class: kind }, text, ...extra);
  lines(key).push(li);
  if (key === shown) {
    const box = $("chat-log");
    box.append(li);
    box.scrollTop = box.scrollHeight;   // only the transcript scrolls, not the page
  }
  return li;
}

function dropLine(key, li) {
  const a = lines(key);
  const i = a.indexOf(li);
  if (i >= 0) a.splice(i, 1);
  li.remove();
}

async function sendChat(ev) {
  ev.preventDefault();
  const input = $("chat-input");
  const message = input.value.trim();
  if (!message) return;
  const body = { message };
  if (state.current) body.serverId = state.current.serverId;
  const key = state.current?.serverId ?? NEW;
  chatLine(key, "user", message);
  input.value = "";
  const pending = chatLine(key, "assistant pending", "…");
  const send = $("chat-send");
  send.disabled = true;
  try {
    const { body: a } = await api.post("/api/v1/chat", body);
    dropLine(key, pending);
    const changes = Array.isArray(a.changes) && a.changes.length
      ? [el("ul", {}, ...a.changes.map((c) => el("li", {}, String(c))))] : [];
    chatLine(key, "assistant", a.reply || `(${a.intent})`, changes).setAttribute("data-intent", a.intent ?? "");
    addLogs(a.logs, "chat");
    await applyChat(a, key);
  } catch (e) {
    dropLine(key, pending);
    // A deploy through the chat answers the deploy route's status (400, 500)
    // with the supervisor's whole answer: show it as an answer, marked failed.
    if (e.body && typeof e.body === "object" && typeof e.body.intent === "string") {
      const a = e.body;
      const why = a.deployment && typeof a.deployment.error === "string" ? a.deployment.error : e.message;
      chatLine(key, "error", a.reply || why, a.reply && why !== a.reply ? [el("div", {}, why)] : [])
        .setAttribute("data-intent", a.intent);
      addLogs(a.logs, "chat");
      await applyChat(a, key);
      return;
    }
    const details = Array.isArray(e.details) && e.details.length
      ? [el("ul", {}, ...e.details.map((x) => el("li", {}, detailLine(x, state.current))))] : [];
    chatLine(key, "error", e.message, details);
    log("error", `Chat: ${e.message}`, e.details ?? undefined);
    if (!input.value) input.value = message;   // let the person fix and resend
  } finally {
    send.disabled = false;
    if (document.activeElement === document.body || document.activeElement === send) input.focus();
  }
}

// What the supervisor did, reflected in the page.
async function applyChat(a, key) {
  const id = a.serverId;
  if (a.intent === "create" && id) {
    // The conversation that made the workflow is the workflow's now.
    transcripts.set(id, lines(key));
    transcripts.set(NEW, []);
    await loadWorkflows();
    await navigate(id);
    revealCurrent();
    $("graph").focus();   // what creating produced
    return;
  }
  if (!id) return;
  if (a.workflow && typeof a.workflow === "object" && a.workflow.serverId === id &&
      state.current?.serverId === id) {
    setCurrent(a.workflow);
  } else if (state.current?.serverId !== id) {
    await navigate(id);
    return;
  }
  if (a.intent === "run" && a.execution) {
    if (a.execution.status) showExecution(a.execution, { focus: false });
    loadRuns();
  }
  if (a.intent === "deploy" && a.deployment) showDeployment(a.deployment);
  // The supervisor may have changed more than it says (a run starts the
  // runtime, a deploy records the agent): read the workflow back.
  if (a.intent === "edit" || a.intent === "deploy" || a.intent === "run") await openWorkflowFresh(id);
}

export function initChat() {
  $("chat-form").addEventListener("submit", sendChat);
  $("chat-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
}
