// Talks to Encore's JSON API. Every write carries the CSRF header the server requires for cookie auth.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-Encore-CSRF"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw refusal(response, data);
  return data;
}

// The error for a refused answer, from its JSON body. A 401 "unauthenticated" means the session this page holds is
// gone (signed out in another tab, "Sign out everywhere", expired): it is announced as `encore:signed-out` on
// window, and app.js takes the tab to the log-in page (review27b F7). The log-in's own refusal is another code.
export function refusal(response, data) {
  const err = (data && data.error) || {};
  const failure = new ApiError(response.status, err.code || "error", err.message || response.statusText);
  failure.fields = err.fields || null; // per-field sentences for forms (422)
  if (response.status === 401 && failure.code === "unauthenticated") {
    window.dispatchEvent(new CustomEvent("encore:signed-out", { detail: { url: response.url } }));
  }
  return failure;
}
