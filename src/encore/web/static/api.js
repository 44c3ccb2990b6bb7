// The JSON API client. Every request carries the CSRF header the server requires for cookie writes.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body, { signal, keepalive } = {}) {
  const headers = { Accept: "application/json", "X-Encore-CSRF": "1" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
    keepalive,
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data?.error ?? {};
    if (res.status === 401 && !path.startsWith("/api/auth/")) {
      window.dispatchEvent(new CustomEvent("encore:unauthenticated"));
    }
    throw new ApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? res.statusText);
  }
  return data;
}

const id = (value) => encodeURIComponent(value);

export const api = {
  me: () => request("GET", "/api/me"),
  login: (username, password) => request("POST", "/api/auth/login", { username, password }),
  signup: (body) => request("POST", "/api/auth/signup", body),
  logout: () => request("POST", "/api/auth/logout"),
  newReleases: (opts) => request("GET", "/api/browse/new-releases?limit=24", undefined, opts),
  labels: (opts) => request("GET", "/api/browse/labels", undefined, opts),
  album: (albumId, opts) => request("GET", `/api/albums/${id(albumId)}`, undefined, opts),
  artist: (artistId, opts) => request("GET", `/api/artists/${id(artistId)}`, undefined, opts),
  label: (labelId, opts) => request("GET", `/api/labels/${id(labelId)}`, undefined, opts),
  search: (q, opts) => request("GET", `/api/search?limit=8&q=${encodeURIComponent(q)}`, undefined, opts),
  streamUrl: (trackId) => request("POST", `/api/tracks/${id(trackId)}/stream`, {}),
  reportPlay: (report, opts) => request("POST", "/api/plays", report, opts),
};
