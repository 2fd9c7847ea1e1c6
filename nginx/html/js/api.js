// The Orchestrix API as the UI uses it: one fetch wrapper that adds the
// Bearer key, parses JSON and turns every failure into an ApiError that
// carries what the server said (the one envelope {"error":{code,message,
// details}}, or the deploy route's seed shapes).

const TIMEOUT_MS = 60000;

export class ApiError extends Error {
  constructor(status, code, message, details = null, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.body = body;
  }
}

// Reads an error body in any of the shapes the API answers with.
function toError(status, body, statusText) {
  if (body && typeof body === "object") {
    const e = body.error;
    if (e && typeof e === "object") {
      return new ApiError(status, String(e.code ?? "error"),
        String(e.message ?? statusText), e.details ?? null, body);
    }
    if (typeof e === "string") {   // deploy: 400 already deployed or refused, 500 failed
      const code = status === 400 ? (body.agentId ? "already_deployed" : "deploy_refused") : "deploy_failed";
      return new ApiError(status, code, e, null, body);
    }
  }
  return new ApiError(status, "http_" + status,
    `the server answered ${status}${statusText ? ` ${statusText}` : ""} without saying why`, null, body);
}

export class Api {
  constructor(getKey, onUnauthorized) {
    this.getKey = getKey;
    this.onUnauthorized = onUnauthorized;
  }

  // Returns {status, body}; throws ApiError on a non-2xx answer or a network failure.
  async request(method, path, body = undefined) {
    const headers = { Accept: "application/json" };
    const key = this.getKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    init.signal = ctl.signal;
    let res, text;
    try {
      res = await fetch(path, init);
      text = await res.text();
    } catch (e) {
      throw new ApiError(0, "network", ctl.signal.aborted
        ? `the server gave no answer within ${TIMEOUT_MS / 1000} s`
        : `the server could not be reached (${e.message})`);
    } finally {
      clearTimeout(timer);
    }
    let parsed = null;
    if (text !== "") {
      try { parsed = JSON.parse(text); } catch { parsed = null; }
    }
    if (!res.ok) {
      const err = toError(res.status, parsed, res.statusText);
      if (res.status === 401 && this.onUnauthorized) this.onUnauthorized(err);
      throw err;
    }
    if (text !== "" && parsed === null) {
      throw new ApiError(res.status, "bad_answer", `the server's answer to ${method} ${path} is not JSON`);
    }
    return { status: res.status, body: parsed };
  }

  get(path) { return this.request("GET", path); }
  post(path, body) { return this.request("POST", path, body); }
  put(path, body) { return this.request("PUT", path, body); }
  del(path, body) { return this.request("DELETE", path, body); }
}

export const enc = encodeURIComponent;
