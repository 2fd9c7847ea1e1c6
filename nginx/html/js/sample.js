// Sample input from a workflow's inputSchema: each property gets a value
// that passes its constraints where it can (default, examples, const, enum,
// format, minLength, minimum), so "Run" works on the first try.

function rand(n) {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => (b % 36).toString(36)).join("");
}

function stringFor(name, s) {
  const lower = name.toLowerCase();
  let v;
  if (s.format === "email" || lower.includes("email")) v = `user-${rand(6)}@example.com`;
  else if (lower.includes("password")) v = "secret-pass-123";
  else if (lower.includes("phone") || lower.includes("tel")) v = "+15551234567";
  else if (s.format === "uri" || lower.includes("url")) v = "https://example.com/";
  else if (s.format === "date-time") v = new Date().toISOString();
  else if (s.format === "date") v = new Date().toISOString().slice(0, 10);
  else if (lower === "name" || lower.endsWith("name")) v = "Ann Example";
  else v = `sample ${name}`;
  const min = Number.isInteger(s.minLength) ? s.minLength : 0;
  while (v.length < min) v += "x";
  if (Number.isInteger(s.maxLength) && v.length > s.maxLength) v = v.slice(0, s.maxLength);
  return v;
}

export function sampleValue(name, s) {
  if (!s || typeof s !== "object") return "";
  if ("default" in s) return s.default;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "string": return stringFor(name, s);
    case "integer":
    case "number": {
      let v = typeof s.minimum === "number" ? s.minimum : 1;
      if (typeof s.exclusiveMinimum === "number") v = s.exclusiveMinimum + 1;
      return type === "integer" ? Math.ceil(v) : v;
    }
    case "boolean": return true;
    case "array": return [];
    case "object": return sampleObject(s);
    default: return stringFor(name, s);
  }
}

export function sampleObject(schema) {
  const out = {};
  const props = schema && typeof schema.properties === "object" ? schema.properties : {};
  for (const [k, s] of Object.entries(props)) out[k] = sampleValue(k, s);
  return out;
}
