// The web UI's whole story in a real browser (issues 6 and 23): Debian's
// chromium driven by playwright-core against a running stack, as a person
// would meet it, once at desktop size (1280×800) and once at phone size
// (390×844). Every step finds what it clicks, types into and reads by its
// role and visible text (getByRole / getByText / getByLabel), never by a CSS
// id; only looks that have no role (a colour, a spinner) are measured on
// the element found that way.
//
//   node tests/browser/story.mjs   (the Node of tests/node; see test_80_browser.py)
//
// Environment: ORX_URL (nginx base URL), ORX_KEY (an API key), ORX_ARTIFACTS
// (folder for the screenshots), ORX_DATABASE_URL (the stack's database: the
// dashboard step backdates its agent there, see below), ORX_FIXTURE (a
// workflow document: the older workflows the sidebar lists), ORX_SIZES
// (optional: "desktop" or "phone" runs that size alone).
//
// Output: one JSON line per step, {"step": "<size>:<name>", "ok", "detail"},
// then {"done": true}. A step that needs an earlier one that failed is
// reported as failed with "not reached". The exit status is 0 when the
// script ran to its end. Screenshots: <size>-NN-<state>.png in ORX_ARTIFACTS.

import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(new URL("../node/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const URL_BASE = process.env.ORX_URL;
const KEY = process.env.ORX_KEY;
const OUT = process.env.ORX_ARTIFACTS || "tests/artifacts/browser";
const FIXTURE = process.env.ORX_FIXTURE || "";
const DATABASE_URL = process.env.ORX_DATABASE_URL || "";
const T = 45000;   // the longest any one expectation may wait (a busy 2-core machine)
const OLDER = 24;  // older workflows made first, so the sidebar overflows
// ORX_KEEP_GOING=1 runs every step even when one it needs failed, to see
// every failure at once (against an older page, say); the test does not set it.
const KEEP_GOING = process.env.ORX_KEEP_GOING === "1";

if (!URL_BASE || !KEY) {
  console.error("ORX_URL and ORX_KEY are required");
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const origin = new URL(URL_BASE).origin;

function emit(o) {
  process.stdout.write(JSON.stringify(o) + "\n");
}

class StepError extends Error {}
function check(cond, msg) {
  if (!cond) throw new StepError(msg);
}

async function api(method, path, body) {
  const res = await fetch(URL_BASE + path, {
    method, headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// --- what the page shows, found by role and text ------------------------------

function ui(page) {
  const main = () => page.getByRole("main");
  const button = (name, exact = true) => page.getByRole("button", { name, exact });
  const tab = (name) => page.getByRole("tab", { name });
  const nodes = () => page.getByRole("button", { name: /^Step \d+: / });
  const node = (re) => page.getByRole("button", { name: re }).first();
  const nav = () => page.getByRole("navigation");
  const logLines = () => page.getByRole("list", { name: "Log lines" });
  const chatLines = () => page.getByRole("list", { name: "Chat messages" }).getByRole("listitem");
  const message = () => page.getByRole("textbox", { name: "Message" });
  const banner = () => page.getByRole("region", { name: "Deployed to Archestra" });
  const needs = () => page.getByRole("region", { name: /^Deploy needs/ });
  const deployButton = () => main().getByRole("button", { name: /^(Deploy to Archestra|Deploying\.\.\.|Deployed|Deploy v\d+)$/ });

  async function version() {
    return Number((await main().getByText(/^v\d+$/).innerText()).slice(1));
  }
  async function waitVersion(v) {
    await main().getByText(`v${v}`, { exact: true }).waitFor({ timeout: T });
  }
  // The chat: send a message, wait for its answer (the line after it, once
  // it is no longer "…"), return it.
  async function chat(text) {
    const before = await chatLines().count();
    await message().fill(text);
    await message().press("Enter");
    await chatLines().nth(before + 1).filter({ hasNotText: /^…$/ }).waitFor({ timeout: T });
    const last = chatLines().nth(before + 1);
    return { cls: await last.getAttribute("class"), text: await last.innerText(), intent: await last.getAttribute("data-intent") };
  }
  return { main, button, tab, nodes, node, nav, logLines, chatLines, message, banner, needs,
    deployButton, version, waitVersion, chat };
}

// Whether the focus is (or, within a few seconds, comes to be) on locator:
// an action moves it once its work is done, which a check may not wait for.
async function isFocused(locator, wait = 5000) {
  try {
    const h = await locator.elementHandle({ timeout: wait });
    await h.evaluate((el, ms) => new Promise((done, fail) => {
      const t0 = performance.now();
      const look = () => {
        if (el === document.activeElement || el.contains(document.activeElement)) done(true);
        else if (performance.now() - t0 > ms) fail(new Error("not focused"));
        else setTimeout(look, 50);
      };
      look();
    }), wait);
    return true;
  } catch {
    return false;
  }
}

async function focusedName(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a ? `${a.tagName.toLowerCase()} “${(a.getAttribute("aria-label") || a.textContent || a.value || "").trim().slice(0, 60)}”` : "nothing";
  });
}

// Whether the element (or its first `part` pixels) is on screen, inside the
// window and every scrolling box around it: seen without scrolling. With
// inWindow false, only inside the boxes (scrolled into view in its list).
async function inView(locator, part = 0, inWindow = true) {
  return locator.evaluate((el, [partPx, win]) => {
    const r = el.getBoundingClientRect();
    let top = win ? 0 : -Infinity, left = win ? 0 : -Infinity;
    let bottom = win ? innerHeight : Infinity, right = win ? innerWidth : Infinity;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.display !== "contents" && /(auto|scroll|hidden)/.test(`${cs.overflowX} ${cs.overflowY}`)) {
        const q = p.getBoundingClientRect();
        top = Math.max(top, q.top); bottom = Math.min(bottom, q.bottom);
        left = Math.max(left, q.left); right = Math.min(right, q.right);
      }
    }
    const end = partPx ? Math.min(r.bottom, r.top + partPx) : r.bottom;
    return r.height > 0 && r.top >= top - 1 && end <= bottom + 1 && r.left >= left - 1 && r.right <= right + 1;
  }, [part, inWindow]);
}

// How many lines the element's text takes (1: it does not wrap).
async function lines(locator) {
  return locator.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = [...range.getClientRects()].filter((x) => x.width > 0).map((x) => x.top).sort((a, b) => a - b);
    let n = 0, last = -1e9;
    for (const t of tops) { if (t - last > 4) n++; last = t; }
    return n;
  });
}

// The texts among locator's visible HTML elements that wrap (the graph's
// SVG nodes are drawn, not laid out: they are left out).
async function wrappedAmong(locator) {
  const out = [];
  for (const l of await locator.all()) {
    if (!(await l.isVisible()) || !(await l.evaluate((e) => e instanceof HTMLElement))) continue;
    if ((await lines(l)) > 1) out.push((await l.textContent()).replace(/\s+/g, " ").trim());
  }
  return out;
}

const textOf = async (l) => (await l.textContent()).replace(/\s+/g, " ").trim();

// --- one story at one window size ------------------------------------------------

async function story(browser, size, shared) {
  const results = new Map();
  const tag = size.name;
  let n = 0;
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  context.on("request", (r) => shared.requests.push(r.url()));
  page.on("pageerror", (e) => shared.pageErrors.push(`${tag}: ${e}`));
  // Console errors, but not the browser's note on each 4xx/5xx the story
  // provokes on purpose (the page shows those itself).
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) shared.pageErrors.push(`${tag} console: ${m.text()}`);
  });
  page.on("dialog", (d) => d.accept());
  const u = ui(page);
  const desktop = size.width >= 1100;

  async function shot(name) {
    n += 1;
    await page.screenshot({ path: join(OUT, `${tag}-${String(n).padStart(2, "0")}-${name}.png`), fullPage: false });
  }
  async function step(name, needs, fn) {
    const missing = KEEP_GOING ? [] : needs.filter((x) => !results.get(x));
    const full = `${tag}:${name}`;
    if (missing.length) {
      results.set(name, false);
      emit({ step: full, ok: false, detail: `not reached: needs ${missing.join(", ")}` });
      return;
    }
    try {
      const detail = await fn();
      results.set(name, true);
      emit({ step: full, ok: true, detail: detail ?? "" });
    } catch (e) {
      results.set(name, false);
      emit({ step: full, ok: false, detail: String(e && e.stack && !(e instanceof StepError) ? e.stack : e.message ?? e) });
      await page.screenshot({ path: join(OUT, `${tag}-fail-${name}.png`) }).catch(() => {});
    }
  }

  let serverId = null;
  let firstEmail = null;
  let endpoint = null;
  let agentId = null;

  await step("open", [], async () => {
    const r = await page.goto(URL_BASE + "/", { waitUntil: "load" });
    check(r && r.status() === 200, `GET / answered ${r && r.status()}`);
    await page.getByRole("heading", { name: "Paste your API key" }).waitFor();
    check(!(await page.getByRole("navigation").isVisible()), "the app shows before a key is given");
    await shot("key");
    return "the key panel asks for an API key";
  });

  await step("bad_key_refused", ["open"], async () => {
    await page.getByRole("textbox", { name: "API key" }).fill("orx_thisisnotakey0000000000000000");
    await u.button("Use this key").click();
    const alert = page.getByRole("alert").filter({ hasText: "refused" });
    await alert.waitFor();
    await shot("key-refused");
    return await alert.innerText();
  });

  await step("api_key", ["open"], async () => {
    await page.getByRole("textbox", { name: "API key" }).fill(KEY);
    await u.button("Use this key").click();
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    check(await page.getByText(`Key ${KEY.slice(0, 8)}…`).isVisible(), "the header does not show the key");
    // A correct key after a wrong one: nothing says the key was refused.
    const stale = await page.getByText(/API key was refused|key was refused/).filter({ visible: true }).count();
    check(stale === 0, "a banner still says the key was refused");
    // The next thing to do is the chat: the focus is there.
    check(await isFocused(u.message()), `after the key the focus is on ${await focusedName(page)}`);
    return "app shown, no stale refusal, focus on the chat";
  });

  await step("skip_link", ["api_key"], async () => {
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    await page.keyboard.press("Tab");
    const link = page.getByRole("link", { name: "Skip to the chat" });
    check(await isFocused(link), `the first Tab reaches ${await focusedName(page)}`);
    await page.keyboard.press("Enter");
    check(await isFocused(u.message()), `the skip link leads to ${await focusedName(page)}`);
    return "Tab, Enter: in the chat";
  });

  await step("chat_create", ["api_key"], async () => {
    const a = await u.chat("create a sign up api with name, email and password");
    check(!a.cls.includes("error"), `the chat answered with an error: ${a.text}`);
    check(a.intent === "create", `intent ${a.intent}: ${a.text}`);
    await page.waitForFunction(() => /^#\/w\/mcp_/.test(location.hash), null, { timeout: T });
    await u.nodes().nth(2).waitFor();
    serverId = (await page.evaluate(() => location.hash)).slice("#/w/".length);
    const labels = await u.nodes().evaluateAll((gs) => gs.map((g) => g.getAttribute("aria-label")));
    check(labels.some((t) => /\(input\)/.test(t)) && labels.some((t) => /\(response\)/.test(t)), `the graph's tools: ${labels.join("; ")}`);
    check((await u.version()) === 1, `version ${await u.version()}`);
    // The focus is on what creating produced: the graph.
    check(await isFocused(page.getByRole("group", { name: "Tools of the workflow, in execution order" })),
      `after creating the focus is on ${await focusedName(page)}`);
    await shot("created");
    return `${serverId}: ${labels.length} tools; reply: ${a.text.slice(0, 120)}`;
  });

  await step("sidebar", ["chat_create"], async () => {
    // Newest first, the open one marked and in view, version and deployed state on each.
    const entries = u.nav().getByRole("list").getByRole("button");
    const first = entries.first();
    check((await first.getAttribute("aria-current")) === "page", "the new workflow is not the first, current entry");
    const text = await first.innerText();
    check(/v1 · not deployed/.test(text) && /made \d{4}-\d\d-\d\d/.test(text), `the entry says ${text}`);
    // In view in its list (on a phone the page has scrolled to the graph).
    check(await inView(first, 0, desktop), "the new workflow's entry is not in view");
    const count = await entries.count();
    check(count >= 2, `only ${count} entries`);
    const second = await entries.nth(1).innerText();
    check(/Sign up|Older workflow/.test(second), `the second entry: ${second}`);
    // Open the oldest by its address: its entry, far down the list, is shown.
    await page.goto(`${URL_BASE}/#/w/${shared.oldest}`);
    await page.reload();
    const old = u.nav().getByRole("button", { name: /^Older workflow 1(?!\d)/ });
    await page.waitForFunction(() => !!document.querySelector('nav [aria-current="page"]'), null, { timeout: T });
    check((await old.getAttribute("aria-current")) === "page", "the oldest workflow is not marked current");
    check(await inView(old), "the open workflow's entry was not scrolled into view");
    await shot("sidebar-oldest");
    // The filter box.
    await page.getByRole("searchbox", { name: "Filter workflows" }).fill("older workflow 1");
    const shown = await entries.count();
    check(shown >= 1 && shown < count, `the filter shows ${shown} of ${count}`);
    check(await page.getByText(/^\d+ of \d+ workflows match/).isVisible(), "no count of the matches");
    await page.getByRole("searchbox", { name: "Filter workflows" }).fill("");
    await page.goto(`${URL_BASE}/#/w/${serverId}`);
    await page.reload();
    await u.nodes().nth(2).waitFor();
    return `${count} entries, newest first; filter showed ${shown}`;
  });

  await step("chat_per_workflow", ["chat_create"], async () => {
    // The transcript is the workflow's (a reload keeps none: it starts empty).
    await u.chat("explain this workflow");
    const mine = await u.chatLines().count();
    check(mine >= 2, `${mine} chat lines`);
    await u.button("New workflow").click();
    check((await u.chatLines().count()) === 0, "a new workflow does not start with an empty chat");
    check(await isFocused(u.message()), "New workflow does not put the focus in the chat");
    await u.nav().getByRole("button", { name: /Sign up/ }).first().click();
    await u.nodes().nth(2).waitFor();
    check((await u.chatLines().count()) === mine, "the workflow's own transcript did not come back");
    return `${mine} lines kept with the workflow; New starts empty`;
  });

  await step("graph_view", ["chat_create"], async () => {
    const count = await u.nodes().count();
    // Each tool's type colour stripe shows (it was painted over in the node's colour).
    const fills = await u.nodes().evaluateAll((gs) => gs.map((g) => {
      const [box, stripe] = g.querySelectorAll("rect");
      return [getComputedStyle(box).fill, getComputedStyle(stripe).fill];
    }));
    check(fills.every(([box, stripe]) => box !== stripe), `stripes painted as the node: ${JSON.stringify(fills)}`);
    check(new Set(fills.map((f) => f[1])).size >= 4, `the stripes do not tell the types apart: ${JSON.stringify(fills)}`);
    await shot("graph");
    return `${count} tools, stripes ${[...new Set(fills.map((f) => f[1]))].join(" ")}`;
  });

  await step("tool_form", ["chat_create"], async () => {
    const v0 = await u.version();
    await u.node(/\(response\)/).click();
    await page.getByRole("heading", { name: "Respond" }).waitFor();
    const status = page.getByRole("spinbutton", { name: /^status/ });
    check((await status.inputValue()) === "201", `status shows ${await status.inputValue()}`);
    // A value the schema forbids: the error is next to the field, nothing saved.
    await status.fill("99");
    await u.button("Save tool").click();
    await page.getByRole("tabpanel", { name: "Tool" }).getByText("Must be at least 100.").waitFor();
    check((await status.getAttribute("aria-invalid")) === "true", "the status field is not marked invalid");
    const desc = await status.evaluate((e) => document.getElementById(e.getAttribute("aria-describedby"))?.textContent);
    check(desc === "Must be at least 100.", `the field's description: ${desc}`);
    check((await u.version()) === v0, "a bad config changed the version");
    await shot("tool-field-error");
    // One only the server can tell: its error goes next to its field too.
    await status.fill("201");
    const body = page.getByRole("textbox", { name: /^body/ });
    const bodyBefore = await body.inputValue();
    await body.fill('{"id": "{{steps.nope.id}}"}');
    await u.button("Save tool").click();
    const serverMsg = page.getByRole("tabpanel", { name: "Tool" }).getByText(/steps\.nope names no tool/);
    await serverMsg.waitFor();
    const bdesc = await body.evaluate((e) => document.getElementById(e.getAttribute("aria-describedby"))?.textContent);
    check(/steps\.nope names no tool/.test(bdesc ?? ""), `the body field's description: ${bdesc}`);
    check((await u.version()) === v0, "the refused config was saved");
    await body.fill(bodyBefore);
    // Raw JSON as an option: a change there saves as a new version.
    await page.getByRole("checkbox", { name: "Edit the config as raw JSON" }).check();
    const raw = page.getByRole("textbox", { name: "Config (JSON)" });
    const cfg = JSON.parse(await raw.inputValue());
    check(cfg.status === 201 && cfg.body && typeof cfg.body === "object", `the raw config: ${JSON.stringify(cfg)}`);
    await raw.fill("{ not json");
    await u.button("Save tool").click();
    await page.getByRole("tabpanel", { name: "Tool" }).getByText(/This is not valid JSON/).waitFor();
    cfg.status = 201;
    await raw.fill(JSON.stringify(cfg, null, 2));
    await page.getByRole("checkbox", { name: "Edit the config as raw JSON" }).uncheck();
    // Back in the form: rename the tool, save: version + 1.
    await page.getByRole("textbox", { name: "Name", exact: true }).fill("Answer");
    await u.button("Save tool").click();
    await u.waitVersion(v0 + 1);
    await page.getByText(/^Saved as v\d+\.$/).waitFor();
    await u.node(/Answer \(response\)/).waitFor();
    await shot("tool-saved");
    return `field errors shown by each field; saved v${v0} → v${v0 + 1}`;
  });

  await step("edit_document", ["chat_create"], async () => {
    const v0 = await u.version();
    await u.tab(/^Tool/).click();
    await page.getByText("Edit the whole document (JSON)").click();
    const box = page.getByRole("textbox", { name: "The workflow document" });
    const doc = JSON.parse(await box.inputValue());
    check(doc.serverId === serverId && Array.isArray(doc.tools), "the document view does not hold the workflow");
    doc.description = "Sign up with name, email and password; answers a signed token";
    await box.fill(JSON.stringify(doc, null, 2));
    await u.button("Save document").click();
    await u.waitVersion(v0 + 1);
    check(await u.main().getByText(doc.description).isVisible(), "the new description is not shown");
    await page.getByText("Edit the whole document (JSON)").click();
    return `description saved; v${v0} → v${v0 + 1}`;
  });

  await step("keyboard", ["chat_create"], async () => {
    await u.nodes().first().focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    const second = await u.nodes().nth(1).getAttribute("aria-label");
    const name = /^Step 2: (.*) \(/.exec(second)[1];
    await page.getByRole("heading", { name, exact: true }).waitFor();
    return `arrow + Enter selected ${name}`;
  });

  await step("secrets_block_deploy", ["chat_create"], async () => {
    await u.needs().waitFor();
    const words = await u.needs().innerText();
    check(/Deploy needs 1 secret that is not set: jwtKey\./.test(words), `the block says: ${words}`);
    check(await u.deployButton().isDisabled(), "Deploy is enabled with a secret missing");
    check(await page.getByRole("textbox", { name: /^Value of jwtKey/ }).isVisible(), "no field to set the secret there");
    const secretsTab = u.tab(/^Secrets/);
    check((await textOf(secretsTab)) === "Secrets · 1 missing", `the tab says ${await textOf(secretsTab)}`);
    // Tab labels on one line each, and in one row.
    const wrapped = await wrappedAmong(page.getByRole("tab"));
    check(!wrapped.length, `tab labels wrap: ${wrapped.join(" | ")}`);
    const ys = new Set(await page.getByRole("tab").evaluateAll((ts) => ts.map((t) => Math.round(t.getBoundingClientRect().top))));
    check(ys.size === 1, "the tabs are on more than one row");
    await shot("secret-missing");
    return words.replace(/\s+/g, " ").slice(0, 120);
  });

  await step("start_runtime", ["chat_create"], async () => {
    await u.button("Start Runtime").click();
    await u.button("Stop Runtime").waitFor();
    check(await u.main().getByText("runtime running").isVisible(), "no running badge");
    // Start Runtime leads to the run form: the Run panel, Run focused and in view.
    check((await u.tab(/^Run$/).getAttribute("aria-selected")) === "true", "the Run panel is not open");
    const run = u.button("Run");
    check(await isFocused(run), `after Start Runtime the focus is on ${await focusedName(page)}`);
    check(await inView(run), "the Run button is not in view");
    await shot("runtime-started");
    return "Run panel open, Run focused";
  });

  await step("run_needs_secret", ["start_runtime"], async () => {
    await u.button("Run").click();
    await page.getByRole("heading", { name: /^Failed · HTTP 500/ }).waitFor();
    const advice = u.button("Set the secret jwtKey");
    check(await advice.isVisible(), "no way to set the missing secret from the result");
    const words = await page.getByText("The secret jwtKey is not set.").innerText();
    // Nowhere (result, output, logs) is the advice a command or a route.
    for (const where of [page.getByRole("tabpanel", { name: "Run" }), page.getByRole("region", { name: "Execution logs" })]) {
      const all = await where.innerText();
      check(!/curl|PUT |\/secrets\//.test(all), `the advice is a command: ${all.replace(/\s+/g, " ").slice(0, 300)}`);
    }
    await shot("run-secret-missing");
    await advice.click();
    check((await u.tab(/^Secrets/).getAttribute("aria-selected")) === "true", "the advice does not open Secrets");
    check(await isFocused(page.getByRole("textbox", { name: "Value", exact: true })), "the secret's value field is not focused");
    // Set it right under Deploy, where the block asks for it.
    await page.getByRole("textbox", { name: /^Value of jwtKey/ }).fill("browser-test-signing-key-0123456789");
    await u.button("Set jwtKey").click();
    await u.needs().waitFor({ state: "hidden" });
    check(!(await u.deployButton().isDisabled()), "Deploy stays disabled once the secret is set");
    check(await isFocused(u.deployButton()), `after setting the secret the focus is on ${await focusedName(page)}`);
    check((await textOf(u.tab(/^Secrets/))) === "Secrets", "the tab still counts a missing secret");
    return words;
  });

  await step("run", ["run_needs_secret"], async () => {
    await u.tab(/^Run$/).click();
    const email = page.getByRole("textbox", { name: /^email/ });
    check(/@/.test(await email.inputValue()), `the email field holds ${await email.inputValue()}`);
    await u.button("Run").click();
    const status = page.getByRole("heading", { name: /^Succeeded · HTTP 201/ });
    await status.waitFor();
    const table = page.getByRole("table", { name: "Steps of the run" });
    const rows = table.getByRole("row");
    const count = await u.nodes().count();
    check((await rows.count()) === count + 1, `${(await rows.count()) - 1} steps for ${count} tools`);
    const durs = await rows.evaluateAll((rs) => rs.slice(1).map((r) => r.lastElementChild.textContent));
    check(durs.every((d) => /\d (µs|ms|s)$/.test(d)), `durations: ${durs.join(", ")}`);
    const output = page.getByRole("region", { name: "Output" });
    const out = JSON.parse(await output.innerText());
    check(out && out.success === true, "no output shown");
    firstEmail = out.user.email;
    // The focus is on the result, and the result is in view without scrolling.
    check(await isFocused(status), `after Run the focus is on ${await focusedName(page)}`);
    if (desktop) {
      check(await inView(status), "the status is not in view");
      check(await inView(rows.last()), "the last step is not in view");
      check(await inView(output, 60), "the output is not in view");
    } else {
      // On a phone: the run form and the result come before the chat.
      const y = async (l) => (await l.boundingBox()).y + await page.evaluate(() => scrollY);
      const chatY = await y(page.getByRole("heading", { name: "Chat" }));
      check(await y(status) < chatY && await y(u.button("Run")) < chatY, "the run result is below the chat");
      check(await inView(status), "the status is not in view");
    }
    await shot("run");
    // The logs: time, type, message, expandable details.
    const logs = u.logLines().getByRole("listitem");
    check(await logs.filter({ hasText: "Execution started" }).count() > 0, "no run log lines");
    const det = u.logLines().getByText("details", { exact: true }).first();
    await det.click();
    check(await det.evaluate((s) => s.parentElement.open), "details do not expand");
    check(await u.nodes().filter({ hasText: "✓ succeeded" }).count() === count, "the graph does not show the step results");
    return `${await status.innerText()}; ${count} steps: ${durs.join(", ")}`;
  });

  await step("run_twice", ["run"], async () => {
    // A second run sends a fresh email, not the one just stored (409).
    const email = page.getByRole("textbox", { name: /^email/ });
    check((await email.inputValue()) !== firstEmail, "the form still holds the email just used");
    const runs = page.getByRole("list", { name: "Recent runs" }).getByRole("button");
    const before = await runs.count();
    await u.button("Run").click();
    await runs.nth(before).waitFor();
    check(/^Succeeded/.test(await runs.first().innerText()), `the second run: ${await runs.first().innerText()}`);
    // The same email typed again: the workflow's own 409, shown as a result.
    await email.fill(firstEmail);
    await u.button("Run").click();
    const failed = page.getByRole("heading", { name: /^Failed · HTTP 409/ });
    await failed.waitFor();
    check(await u.logLines().getByRole("listitem").filter({ hasText: "error" }).count() > 0, "no error line in the logs");
    check((await email.inputValue()) === firstEmail, "the email typed by the person was replaced");
    await shot("run-failed");
    return await failed.innerText();
  });

  await step("recent_runs", ["run"], async () => {
    const list = page.getByRole("list", { name: "Recent runs" }).getByRole("button");
    await list.nth(2).waitFor();
    const items = await list.allInnerTexts();
    check(/^Failed/.test(items[0]) && /^Succeeded/.test(items[1]), `recent runs, newest first: ${items.join(" | ")}`);
    await list.nth(1).click();
    await page.getByRole("heading", { name: /^Succeeded/ }).waitFor();
    return items.slice(0, 3).join(" | ");
  });

  await step("logs_resize", ["chat_create"], async () => {
    const bar = page.getByRole("separator", { name: "Resize the execution logs" });
    const panel = page.getByRole("region", { name: "Execution logs" });
    if (!desktop) {
      check(!(await bar.isVisible()), "a resize bar where the logs are part of the page");
      return "the logs are part of the page at this width";
    }
    const h0 = (await panel.boundingBox()).height;
    await bar.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowUp");
    const h1 = (await panel.boundingBox()).height;
    check(h1 > h0 + 50, `ArrowUp: ${h0} → ${h1}`);
    const b = await bar.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + 4);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + 124, { steps: 4 });
    await page.mouse.up();
    const h2 = (await panel.boundingBox()).height;
    check(h2 < h1 - 80, `dragging down: ${h1} → ${h2}`);
    return `${Math.round(h0)} → ${Math.round(h1)} (keys) → ${Math.round(h2)} px (drag)`;
  });

  await step("chat_not_understood_shown", ["chat_create"], async () => {
    const a = await u.chat("zzqx blorf");
    check(a.cls.includes("error"), `expected an error line, got ${a.cls}: ${a.text}`);
    check(/did not (recognise|understand)/.test(a.text), `the error line says: ${a.text}`);
    check(!/HTTP \d|not_understood|\(\d+ \w+s\)/.test(a.text), `not in plain words: ${a.text}`);
    return a.text.replace(/\s+/g, " ").slice(0, 160);
  });

  await step("chat_edit_phone", ["chat_create"], async () => {
    const v0 = await u.version();
    const a = await u.chat("add a phone field");
    check(!a.cls.includes("error"), `the chat answered with an error: ${a.text}`);
    await u.waitVersion(v0 + 1);
    await page.getByRole("textbox", { name: /^phone/, includeHidden: true }).waitFor({ state: "attached" });
    const input = await u.node(/\(input\)/).textContent();
    check(/phone/.test(input), `the graph's input tool says ${input}`);
    await shot("edit-phone");
    return `v${v0} → v${v0 + 1}: ${a.text.slice(0, 100)}`;
  });

  await step("deploy_failure_shown", ["run_needs_secret"], async () => {
    // The browser is handed the seed's 500 for one deploy (the server's own
    // failures are tested in test_40_deploy): the page says why, in the
    // log too, the focus goes to that, and the button is usable again.
    const match = (x) => x.pathname.endsWith("/deploy") && x.pathname.startsWith("/mcp/servers/");
    await page.route(match, (route) => route.fulfill({ status: 500, contentType: "application/json",
      body: JSON.stringify({ success: false, error: "Failed to deploy to Archestra: Network request failed" }) }));
    await u.button("Deploy to Archestra").click();
    const alert = page.getByRole("alert").filter({ hasText: "Network request failed" });
    await alert.waitFor();
    await page.unroute(match);
    check(await isFocused(alert), `after a failed deploy the focus is on ${await focusedName(page)}`);
    check(await u.logLines().getByText("Failed to deploy to Archestra: Network request failed").count() > 0, "no log line");
    await u.button("Deploy to Archestra").waitFor();
    check(!(await u.button("Deploy to Archestra").isDisabled()), "Deploy is disabled after a failed deploy");
    check(!(await u.banner().isVisible()), "a success notice after a failed deploy");
    await shot("deploy-failed");
    await u.button("Dismiss").click();
    return (await u.logLines().getByText(/^Failed to deploy/).last().innerText());
  });

  await step("deploy_refused_missing_secret", ["run_needs_secret"], async () => {
    // The server's refusal for a missing secret (the secrets change makes
    // the real server answer so): the page lists it and asks for it.
    const match = (x) => x.pathname.endsWith("/deploy") && x.pathname.startsWith("/mcp/servers/");
    await page.route(match, (route) => route.fulfill({ status: 400, contentType: "application/json",
      body: JSON.stringify({ error: "Failed to deploy to Archestra: missing secrets: jwtKey" }) }));
    await u.button("Deploy to Archestra").click();
    await u.needs().waitFor();
    await page.unroute(match);
    const words = await u.needs().innerText();
    check(/Deploy needs 1 secret that is not set: jwtKey/.test(words) && /missing secrets: jwtKey/.test(words), `the block says ${words}`);
    const field = page.getByRole("textbox", { name: /^Value of jwtKey/ });
    check(await isFocused(field), `after the refusal the focus is on ${await focusedName(page)}`);
    check(await u.deployButton().isDisabled(), "Deploy is enabled after the refusal");
    check(await u.logLines().getByText("Failed to deploy to Archestra: missing secrets: jwtKey").count() > 0, "no log line");
    check(!(await page.getByRole("alert").filter({ hasText: "already deployed" }).count()), "shown as already deployed");
    await shot("deploy-refused-secret");
    await field.fill("browser-test-signing-key-0123456789");
    await u.button("Set jwtKey").click();
    await u.needs().waitFor({ state: "hidden" });
    check(await isFocused(u.button("Deploy to Archestra")), `then the focus is on ${await focusedName(page)}`);
    return words.replace(/\s+/g, " ").slice(0, 160);
  });

  await step("deploy", ["run_needs_secret"], async () => {
    // Hold the deploy until "Deploying..." has been seen: checked, not raced.
    let release;
    const gate = new Promise((r) => { release = r; });
    const match = (x) => x.pathname === `/mcp/servers/${serverId}/deploy`;
    await page.route(match, async (route) => { await gate; await route.continue(); });
    const btn = u.deployButton();
    check((await btn.innerText()).trim() === "Deploy to Archestra", `button: ${await btn.innerText()}`);
    await btn.click();
    const busyBtn = u.button("Deploying...");
    await busyBtn.waitFor();
    check(await busyBtn.isDisabled(), "the button is enabled while deploying");
    check((await busyBtn.getAttribute("aria-busy")) === "true", "the button is not marked busy");
    check(await busyBtn.locator(".spinner").isVisible(), "no spinner while deploying");
    check(await u.logLines().getByText("Deploying to Archestra...", { exact: true }).count() > 0, "no “Deploying to Archestra...” line");
    await shot("deploying");
    release();
    await u.button("Deployed").waitFor();
    await page.unroute(match);
    check(await u.button("Deployed").isDisabled(), "Deployed is not disabled");
    await u.banner().waitFor();
    check(await isFocused(u.banner()), `after Deploy the focus is on ${await focusedName(page)}`);
    const facts = await u.banner().innerText();
    agentId = /Agent ID\s+(agent_[a-z0-9]+)/.exec(facts)?.[1];
    endpoint = /Endpoint\s+(\S+)/.exec(facts)?.[1];
    check(agentId && endpoint && endpoint.endsWith(`/agents/${agentId}`), `the notice says ${facts}`);
    const w = await api("GET", `/mcp/servers/${serverId}`);
    check(w.body.archestraAgentId === agentId, "the notice's agent is not the server's");
    // The endpoint is on the clipboard, and the page says so.
    await page.getByText("Endpoint copied to the clipboard.").waitFor();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    check(clip === endpoint, `the clipboard holds ${JSON.stringify(clip)}`);
    check(await u.logLines().getByText("Deployed to Archestra successfully!", { exact: true }).count() > 0, "no success line");
    // The seed's purple, the date in one piece, the ids unbroken.
    const colour = await u.banner().evaluate((b) => getComputedStyle(b).borderTopColor);
    const [r, g, bl] = colour.match(/\d+/g).map(Number);
    check(r > g + 40 && bl > g + 40, `the notice is not purple: ${colour}`);
    const when = u.banner().getByText(/^since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    check((await lines(when)) === 1, "the notice's date breaks");
    check((await lines(u.banner().getByText(agentId, { exact: true }))) === 1, "the agent id breaks");
    const entry = u.nav().getByRole("button", { name: /Sign up/ }).first();
    check(/ · live/.test(await entry.innerText()), `the sidebar says ${await entry.innerText()}`);
    await shot("deployed");
    return `${agentId} at ${endpoint}`;
  });

  await step("copy_endpoint", ["deploy"], async () => {
    await page.evaluate(() => navigator.clipboard.writeText("something else"));
    await u.button("Copy Endpoint").click();
    await page.waitForFunction((want) => navigator.clipboard.readText().then((t) => t === want), endpoint, { timeout: T });
    return "Copy Endpoint copies it again";
  });

  await step("reload_keeps_banner", ["deploy"], async () => {
    await page.reload({ waitUntil: "load" });
    await u.banner().waitFor();
    check((await u.banner().innerText()).includes(agentId), "another agent after a reload");
    await u.button("Deployed").waitFor();
    check(await u.button("Deployed").isDisabled(), "Deploy is enabled after a reload");
    return "notice and Deployed after a reload";
  });

  await step("changed_since", ["deploy"], async () => {
    // Edits after a deploy: the button offers the new version in its place.
    const v0 = await u.version();
    // Where the button is on the page (a phone's page scrolls to the chat).
    const where = (l) => l.evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x + scrollX, y: r.y + scrollY };
    });
    const place = await where(u.deployButton());
    const a = await u.chat("add an optional age field");
    check(!a.cls.includes("error"), `the chat answered with an error: ${a.text}`);
    await u.waitVersion(v0 + 1);
    const next = u.button(`Deploy v${v0 + 1}`);
    await next.waitFor();
    check(!(await next.isDisabled()), `Deploy v${v0 + 1} is disabled`);
    const now = await where(next);
    check(Math.abs(now.x - place.x) < 2 && Math.abs(now.y - place.y) < 2, "the button moved");
    const notice = await u.banner().innerText();
    check(new RegExp(`v${v0} live`).test(notice) && new RegExp(`at v${v0 + 1} now`).test(notice), `the notice says ${notice}`);
    const entry = u.nav().getByRole("button", { name: /Sign up/ }).first();
    check(new RegExp(`v${v0 + 1} · v${v0} live`).test(await entry.innerText()), `the sidebar says ${await entry.innerText()}`);
    await shot("changed-since");
    await next.click();
    await u.button("Deployed").waitFor();
    check(new RegExp(`v${v0 + 1} live`).test(await u.banner().innerText()), "the new version is not live");
    check((await u.banner().innerText()).includes(agentId), "redeploying changed the agent");
    return `v${v0} live → Deploy v${v0 + 1} → v${v0 + 1} live`;
  });

  await step("call_endpoint", ["deploy"], async () => {
    const props = (await api("GET", `/mcp/servers/${serverId}`)).body.inputSchema.properties || {};
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const body = {};
      for (const k of Object.keys(props)) body[k] = k === "email" ? `caller${i}-${tag}-${Date.now()}@example.com`
        : k === "password" ? "secret-pass-123" : k === "phone" ? "+15551234567" : k === "age" ? 30 : "Caller Person";
      if (i === 3) body.email = "not-an-email";
      const r = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      statuses.push(r.status);
      await r.text();
    }
    check(statuses.slice(0, 3).every((s) => s >= 200 && s < 300) && statuses[3] === 400, `statuses ${statuses.join(",")}`);
    return `statuses ${statuses.join(",")}`;
  });

  await step("dashboard", ["call_endpoint", "changed_since"], async () => {
    // The agent as if deployed 25 minutes ago and called all along (rows
    // written to the stack's database): the 1-hour plot spreads them from
    // the deploy to now, not against its right edge.
    check(DATABASE_URL, "ORX_DATABASE_URL is not set");
    check(/^agent_[a-z0-9]+$/.test(agentId), `agent id ${agentId}`);
    execFileSync("psql", [DATABASE_URL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", `aid=${agentId}`], {
      input: "update archestra.agents set created_at = now() - interval '25 minutes' where id = :'aid';\n" +
        "insert into archestra.invocations (agent_id, version, channel, status, latency_us, at)\n" +
        "select :'aid', 1, 'http', case when g % 5 = 0 then 400 else 201 end, 60000 + (g * 7919) % 50000,\n" +
        "       now() - make_interval(mins => g) from generate_series(1, 20) g;\n",
      stdio: ["pipe", "ignore", "pipe"],
    });
    const served = await u.version();
    const popup = context.waitForEvent("page");
    await page.getByRole("link", { name: "Open Dashboard" }).click();
    const dash = await popup;
    dash.setDefaultTimeout(T);
    dash.on("pageerror", (e) => shared.pageErrors.push(`${tag} dashboard: ${e}`));
    await dash.waitForLoadState("load");
    check(new URL(dash.url()).pathname === `/dashboard/${agentId}`, `the dashboard is at ${dash.url()}`);
    const calls = () => dash.getByRole("term").filter({ hasText: /^Calls$/ }).locator("xpath=following-sibling::dd");
    await dash.waitForFunction(() => Number([...document.querySelectorAll("dt")].find((t) => t.textContent === "Calls")
      ?.nextElementSibling.textContent.replace(/\D/g, "")) >= 24, null, { timeout: 60000 });
    // The version it serves, not the agent's own count of replacements.
    const version = await dash.getByRole("term").filter({ hasText: /^Version$/ }).locator("xpath=following-sibling::dd").innerText();
    check(version === `v${served}`, `the dashboard says version ${version}, the agent serves v${served}`);
    check(await dash.getByRole("radio", { name: "1 h" }).isChecked(), "the default window is not 1 hour");
    const plot = dash.getByRole("img", { name: /Latency percentiles/ });
    check(/since the agent was deployed at/.test(await plot.getAttribute("aria-label")), "the plot does not start at the deploy");
    const spread = await plot.evaluate((svg) => {
      const w = svg.getBoundingClientRect();
      const xs = [...svg.querySelectorAll("rect.calls")].map((r) => r.getBoundingClientRect().x - w.x);
      return { min: Math.min(...xs), max: Math.max(...xs), width: w.width, n: xs.length };
    });
    check(spread.n >= 10 && spread.min < spread.width / 3, `the calls sit at ${JSON.stringify(spread)}`);
    const rows = await dash.getByRole("table").getByRole("row").count();
    check(rows >= 5, `${rows - 1} recent calls`);
    check(!(await dash.getByText(/\(1 problems\)/).count()), "“(1 problems)” on the dashboard");
    check(await dash.getByText(/\(1 problem\)/).first().isVisible(), "the bad call's error is not shown");
    await dash.screenshot({ path: join(OUT, `${tag}-${String(++n).padStart(2, "0")}-dashboard.png`), fullPage: true });
    const total = await calls().innerText();
    await dash.close();
    return `${total} calls, version ${version}, bars from x=${Math.round(spread.min)} of ${Math.round(spread.width)}`;
  });

  await step("history_redeploy", ["deploy"], async () => {
    await page.bringToFront();
    await u.tab(/^Deployments/).click();
    const table = page.getByRole("table", { name: "Deployments, newest first" });
    const rows = table.getByRole("row");
    const before = await rows.count();
    await u.button("Redeploy current version").click();
    await rows.nth(before).waitFor();
    const cells = await rows.allInnerTexts();
    check(/live/.test(cells[1]) && cells.slice(2).every((c) => !/live/.test(c)), `rows: ${cells.join(" | ")}`);
    check(await table.getByRole("button", { name: /^Roll back to v\d+$/ }).count() >= 1, "no rollback on an older version");
    // Nothing in the table wraps, and it fits its column.
    const wrapped = await wrappedAmong(table.locator("time, button, .badge, td > span"));
    check(!wrapped.length, `wrapped in the history: ${wrapped.join(" | ")}`);
    const fits = await table.evaluate((t) => t.scrollWidth <= t.parentElement.clientWidth + 1);
    check(fits, "the history is wider than its panel");
    const actions = await wrappedAmong(u.main().getByRole("button"));
    check(!actions.length, `buttons wrap: ${actions.join(" | ")}`);
    await shot("history");
    return `history: ${cells.slice(1).join(" | ").replace(/\s+/g, " ")}`;
  });

  await step("undeploy", ["deploy"], async () => {
    await u.button("Undeploy").click();   // the confirm dialog is accepted
    await u.banner().waitFor({ state: "hidden" });
    await u.button("Deploy to Archestra").waitFor();
    check(!(await u.button("Deploy to Archestra").isDisabled()), "Deploy stays disabled after undeploy");
    const r = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    await r.text();
    check(r.status === 404, `the endpoint still answers ${r.status}`);
    return "notice gone, Deploy enabled, endpoint 404";
  });

  await step("fits_the_window", ["chat_create"], async () => {
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(over <= 1, `the page is ${over}px wider than the window`);
    check(await u.message().isVisible(), "no chat box");
    return `no horizontal overflow at ${size.width}px`;
  });

  await context.close();
  return results;
}

// --- the two stories ---------------------------------------------------------------

const shared = { requests: [], pageErrors: [], oldest: null };
let browser;
try {
  // Older workflows of the same owner: the sidebar lists them after the new one.
  const doc = FIXTURE ? JSON.parse(readFileSync(FIXTURE, "utf8")) : null;
  for (let i = 1; doc && i <= OLDER; i++) {
    const r = await api("POST", "/mcp/servers", { ...doc, name: `Older workflow ${i}` });
    if (r.status !== 201) throw new Error(`making an older workflow: ${r.status} ${JSON.stringify(r.body)}`);
    if (i === 1) shared.oldest = r.body.serverId;
  }
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    timeout: 120000,
  });
  const sizes = [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }];
  // ORX_SIZES=phone runs one size (while working on it); the test runs both.
  const only = (process.env.ORX_SIZES || "").split(",").filter(Boolean);
  for (const size of sizes.filter((x) => !only.length || only.includes(x.name))) {
    await story(browser, size, shared);
  }
  const foreign = shared.requests.filter((x) => !x.startsWith(origin + "/") && !x.startsWith("data:"));
  emit({ step: "all:same_origin_only", ok: foreign.length === 0,
    detail: foreign.length ? `requests elsewhere: ${foreign.slice(0, 5).join(", ")}` : `${shared.requests.length} requests, all to ${origin}` });
  emit({ step: "all:no_page_errors", ok: shared.pageErrors.length === 0,
    detail: shared.pageErrors.length ? shared.pageErrors.slice(0, 5).join(" | ") : "no page or console error" });
} catch (e) {
  emit({ step: "browser", ok: false, detail: String(e && e.stack || e) });
} finally {
  if (browser) await browser.close().catch(() => {});
  emit({ done: true });
}
