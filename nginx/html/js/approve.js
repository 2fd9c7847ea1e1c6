// The approval link's page: /approve/<token>. It reads what is asked from
// the API (GET /api/v1/links/<token>) and sends the answer (POST, once).
// The token is the only credential; nothing else is stored or sent.
const token = decodeURIComponent(location.pathname.split("/").pop() || "");
const api = `/api/v1/links/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);

function say(text) { $("approve-status").textContent = text; }

async function send(response) {
  for (const b of $("approve-buttons").querySelectorAll("button")) b.disabled = true;
  const notes = $("approve-notes").value.trim();
  const r = await fetch(api, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(notes ? { response, notes } : { response }) });
  const d = await r.json().catch(() => ({}));
  if (r.ok) {
    $("approve-form").hidden = true;
    say(`Thank you: your answer "${typeof response === "string" ? response : "sent"}" is recorded.`);
  } else {
    say((d.error && d.error.message) || `The answer was refused (${r.status}).`);
    for (const b of $("approve-buttons").querySelectorAll("button")) b.disabled = false;
  }
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

async function load() {
  const r = await fetch(api);
  const d = await r.json().catch(() => ({}));
  if (!r.ok) { say((d.error && d.error.message) || "This link cannot be used."); return; }
  const iv = d.intervention;
  $("approve-prompt").textContent = iv.prompt;
  if (iv.options) {
    for (const o of iv.options)
      $("approve-buttons").append(button(o[0].toUpperCase() + o.slice(1), () => send(o)));
  } else {
    // A form: one text field per property of the schema, sent as JSON values.
    const props = (iv.form && iv.form.properties) || {};
    for (const [name, sch] of Object.entries(props)) {
      const l = document.createElement("label");
      l.textContent = name;
      const i = document.createElement("input");
      i.name = name;
      i.type = sch.type === "integer" || sch.type === "number" ? "number" : "text";
      l.append(i);
      $("approve-fields").append(l);
    }
    $("approve-buttons").append(button("Send", () => {
      const v = {};
      for (const i of $("approve-fields").querySelectorAll("input"))
        if (i.value !== "") v[i.name] = i.type === "number" ? Number(i.value) : i.value;
      send(v);
    }));
  }
  say(iv.expiresAt ? `Please answer before ${iv.expiresAt}.` : "Please answer.");
  $("approve-form").hidden = false;
}

load().catch(() => say("The request could not be read."));
