// Developer apps (register, usage, delete) and the apps a listener has allowed (revoke).
const $ = (id) => document.getElementById(id);
const headers = { "Content-Type": "application/json", "X-Encore-CSRF": "1" };

async function api(path, options = {}) {
  const r = await fetch(path, { credentials: "same-origin", headers, ...options });
  if (r.status === 204) return null;
  const body = await r.json();
  if (!r.ok) throw new Error(body.error?.message ?? "request failed");
  return body;
}

function row(text, detail, buttonLabel, onClick) {
  const li = document.createElement("li");
  const main = document.createElement("div");
  main.append(Object.assign(document.createElement("strong"), { textContent: text }));
  main.append(Object.assign(document.createElement("div"), { className: "muted", textContent: detail }));
  const button = Object.assign(document.createElement("button"), { type: "button", className: "secondary", textContent: buttonLabel });
  button.addEventListener("click", onClick);
  li.append(main, button);
  return li;
}

// Offline (or the server unreachable) the browser's "Failed to fetch" says nothing to act on: the player's words
// (offline.js `failed`, review32b M1), the server's sentence otherwise.
function fail(error) {
  const offline = !navigator.onLine || error instanceof TypeError;
  $("error").textContent = offline ? "You're offline: this needs the network. Try again when you're back online." : error.message;
  $("error").hidden = false;
}

async function refresh() {
  const [apps, grants] = await Promise.all([api("/api/developer/apps"), api("/api/me/grants")]);
  $("apps").replaceChildren(...apps.map((a) => row(
    a.name,
    `client id ${a.client_id} · ${a.request_count} requests · redirect ${a.redirect_uris.join(", ")}`,
    "Delete",
    () => api(`/api/developer/apps/${a.client_id}`, { method: "DELETE" }).then(refresh, fail),
  )));
  $("grants").replaceChildren(...grants.map((g) => row(
    g.app_name,
    `allowed ${g.granted_at.slice(0, 10)} · ${g.scopes.join(", ") || "public profile"}`,
    "Revoke",
    () => api(`/api/me/grants/${g.client_id}`, { method: "DELETE" }).then(refresh, fail),
  )));
  if (!grants.length) $("grants").replaceChildren(Object.assign(document.createElement("li"), { className: "muted", textContent: "No apps yet." }));
}

$("new-app").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").hidden = true; // a refusal from the last try is not this one's
  const form = new FormData(event.target);
  try {
    const made = await api("/api/developer/apps", {
      method: "POST",
      body: JSON.stringify({ name: form.get("name"), redirect_uris: String(form.get("redirect_uris")).split("\n").map((s) => s.trim()).filter(Boolean) }),
    });
    $("secret-value").textContent = made.client_secret;
    $("secret").hidden = false;
    event.target.reset();
    await refresh();
  } catch (error) {
    fail(error);
  }
});

(async () => {
  const me = await fetch("/api/me", { credentials: "same-origin" });
  if (!me.ok) {
    $("need-login").hidden = false;
    return;
  }
  $("signed-in").hidden = false;
  refresh().catch(fail);
})();
