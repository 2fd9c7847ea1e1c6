// A form generated from a tool type's config schema (GET /api/v1/tools):
// one labelled control per property, chosen by its schema (a list for an
// enum, a number field with its bounds, text with its pattern, a checkbox,
// a comma-separated list, JSON for objects and anything else), each with
// its error shown under it. collect() reads the form back into a config
// object; the form knows nothing of the page around it.

import { el, plural } from "./dom.js";

const SCALARS = new Set(["string", "integer", "number", "boolean", "null"]);

function typesOf(s) {
  if (!s || typeof s !== "object") return [];
  return Array.isArray(s.type) ? s.type : typeof s.type === "string" ? [s.type] : [];
}

// The control for a property schema: enum, bool, number, string, scalar
// (text that may be a number), list, json.
function kindOf(s) {
  const t = typesOf(s);
  if (Array.isArray(s?.enum) && s.enum.every((v) => typeof v === "string" || typeof v === "number")) return "enum";
  if (t.length === 1 && t[0] === "boolean") return "bool";
  if (t.length && t.every((x) => x === "integer" || x === "number")) return "number";
  if (t.length === 1 && t[0] === "string") return "string";
  if (t.includes("string") && t.every((x) => SCALARS.has(x) && x !== "boolean")) return "scalar";
  if (t.length === 1 && t[0] === "array") {
    const it = typesOf(s.items);
    if (it.length === 1 && ["string", "integer", "number"].includes(it[0]) && !s.items.enum) return "list";
  }
  return "json";
}

// Whether value can be shown in a control of kind without losing anything.
function fits(kind, value, s) {
  if (value === undefined) return true;
  switch (kind) {
    case "enum": return s.enum.includes(value);
    case "bool": return typeof value === "boolean";
    case "number": return typeof value === "number";
    case "string": return typeof value === "string";
    case "scalar": return typeof value === "string" || typeof value === "number";
    case "list": return Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number") &&
      value.every((v) => String(v).indexOf(",") < 0);
    default: return true;
  }
}

function hintOf(s, kind) {
  const h = [];
  const t = typesOf(s);
  if (kind === "json") h.push(t.length ? `JSON: ${t.join(" or ")}` : "JSON, or a template");
  if (kind === "scalar") h.push(t.filter((x) => x !== "null").join(" or "));
  if (kind === "list") h.push(`comma-separated ${typesOf(s.items)[0]}s`);
  if (typeof s.minimum === "number" && typeof s.maximum === "number") h.push(`${s.minimum} to ${s.maximum}`);
  else if (typeof s.minimum === "number") h.push(`at least ${s.minimum}`);
  else if (typeof s.maximum === "number") h.push(`at most ${s.maximum}`);
  if (typeof s.maxLength === "number") h.push(`at most ${plural(s.maxLength, "character")}`);
  return h.join(", ");
}

/*
 * Builds the fields of schema (a config schema) holding config into box
 * (replacing what is there). Returns the form handle: {collect(), showErrors(map),
 * clearErrors(), extra} where extra lists config keys the schema does not name.
 */
export function buildConfigForm(box, schema, config, idPrefix = "cfg") {
  const props = schema && typeof schema.properties === "object" ? schema.properties : {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const fields = new Map();   // name → {kind, s, control, err}
  const rows = [];
  let i = 0;
  for (const [name, s0] of Object.entries(props)) {
    const s = s0 && typeof s0 === "object" ? s0 : {};
    let kind = kindOf(s);
    const value = config?.[name];
    if (!fits(kind, value, s)) kind = "json";
    const id = `${idPrefix}-${i++}`;
    const errId = `${id}-err`;
    const common = { id, name, "data-config": name, "aria-describedby": errId, spellcheck: "false", autocomplete: "off" };
    let control;
    if (kind === "enum") {
      control = el("select", common,
        required.has(name) ? null : el("option", { value: "" }, "(not set)"),
        ...s.enum.map((v) => el("option", { value: String(v), selected: value === v }, String(v))));
      if (value === undefined && !required.has(name)) control.value = "";
    } else if (kind === "bool") {
      control = el("input", { ...common, type: "checkbox", checked: value === true });
    } else if (kind === "number") {
      control = el("input", { ...common, type: "number", step: typesOf(s).includes("number") ? "any" : "1",
        min: s.minimum ?? null, max: s.maximum ?? null, value: value ?? "" });
    } else if (kind === "string" || kind === "scalar") {
      control = el("input", { ...common, type: "text", value: value ?? "", maxlength: s.maxLength ?? null });
    } else if (kind === "list") {
      control = el("input", { ...common, type: "text", value: Array.isArray(value) ? value.join(", ") : "" });
    } else {
      const text = value === undefined ? "" : JSON.stringify(value, null, 2);
      control = el("textarea", { ...common, class: "code", rows: Math.min(10, Math.max(2, text.split("\n").length)) }, text);
    }
    const err = el("p", { class: "field-error", id: errId, hidden: true });
    const hint = hintOf(s, kind);
    const label = el("label", { for: id }, el("code", {}, name),
      required.has(name) ? el("span", { class: "muted" }, " (required)") : null,
      hint ? el("span", { class: "muted hint-inline" }, ` ${hint}`) : null);
    rows.push(el("div", { class: `cfg-row cfg-${kind}` }, kind === "bool"
      ? el("label", { class: "check", for: id }, control, " ", el("code", {}, name)) : label,
    kind === "bool" ? null : control, err));
    fields.set(name, { kind, s, control, err });
  }
  const extra = Object.keys(config ?? {}).filter((k) => !(k in props));
  if (!rows.length) rows.push(el("p", { class: "muted" }, "This type has no settings."));
  if (extra.length) {
    rows.push(el("p", { class: "muted" }, `Also in the config: ${extra.join(", ")} (edit the raw JSON to change them).`));
  }
  box.replaceChildren(...rows);

  function setError(name, message) {
    const f = fields.get(name);
    if (!f) return false;
    f.err.textContent = message;
    f.err.hidden = !message;
    if (message) f.control.setAttribute("aria-invalid", "true");
    else f.control.removeAttribute("aria-invalid");
    return true;
  }

  function clearErrors() {
    for (const name of fields.keys()) setError(name, "");
  }

  // Reads one field: {value} (undefined: left out) or {error}.
  function read(name, f) {
    const { kind, s, control } = f;
    const t = typesOf(s);
    const raw = kind === "bool" ? null : control.value;
    if (kind !== "bool" && raw.trim() === "") {
      return required.has(name) ? { error: "Required." } : { value: undefined };
    }
    switch (kind) {
      case "bool": return { value: control.checked ? true : (config?.[name] === undefined ? undefined : false) };
      case "enum": return { value: s.enum.find((v) => String(v) === raw) };
      case "number": {
        const n = Number(raw);
        if (!Number.isFinite(n)) return { error: "Must be a number." };
        if (!t.includes("number") && !Number.isInteger(n)) return { error: "Must be a whole number." };
        if (typeof s.minimum === "number" && n < s.minimum) return { error: `Must be at least ${s.minimum}.` };
        if (typeof s.maximum === "number" && n > s.maximum) return { error: `Must be at most ${s.maximum}.` };
        return { value: n };
      }
      case "string": {
        if (typeof s.pattern === "string") {
          let re = null;
          try { re = new RegExp(s.pattern, "u"); } catch { re = null; }
          if (re && !re.test(raw)) return { error: `Does not match the pattern ${s.pattern}.` };
        }
        if (typeof s.minLength === "number" && raw.length < s.minLength) return { error: `Must be at least ${plural(s.minLength, "character")}.` };
        return { value: raw };
      }
      case "scalar":
        if ((t.includes("integer") || t.includes("number")) && /^-?\d+(\.\d+)?$/.test(raw.trim())) {
          const n = Number(raw.trim());
          if (t.includes("number") || Number.isInteger(n)) return { value: n };
        }
        return { value: raw };
      case "list": {
        const items = raw.split(",").map((x) => x.trim()).filter(Boolean);
        const it = typesOf(s.items)[0];
        if (it === "integer" || it === "number") {
          const nums = items.map(Number);
          if (nums.some((n) => !Number.isFinite(n) || (it === "integer" && !Number.isInteger(n)))) {
            return { error: `Each item must be ${it === "integer" ? "a whole number" : "a number"}.` };
          }
          return { value: nums };
        }
        return { value: items };
      }
      default: {
        try {
          const v = JSON.parse(raw);
          const actual = v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
          if (t.length && !t.includes(actual) && !(actual === "integer" && t.includes("number"))) {
            return { error: `Must be ${t.map((x) => (/^[aeiou]/.test(x) ? `an ${x}` : `a ${x}`)).join(" or ")}.` };
          }
          return { value: v };
        } catch (e) {
          // A template such as {{steps.find.first}} is a string, where one may be.
          if (!t.length || t.includes("string")) return { value: raw.trim() };
          return { error: `This is not valid JSON (${e.message}).` };
        }
      }
    }
  }

  // Returns {config, errors: Map name → message}; the errors are shown.
  function collect() {
    const out = {};
    for (const k of extra) out[k] = config[k];
    const errors = new Map();
    for (const [name, f] of fields) {
      const r = read(name, f);
      if (r.error) errors.set(name, r.error);
      else if (r.value !== undefined) out[name] = r.value;
    }
    clearErrors();
    for (const [name, msg] of errors) setError(name, msg);
    return { config: out, errors };
  }

  function showErrors(map) {
    let first = null;
    for (const [name, msg] of map) {
      if (setError(name, msg) && !first) first = fields.get(name).control;
    }
    return first;
  }

  return { collect, showErrors, clearErrors, setError, has: (n) => fields.has(n),
    control: (n) => fields.get(n)?.control ?? null };
}
