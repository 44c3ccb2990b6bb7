// The OAuth consent page: check the request, show what the app asks for, send the user's answer.
const $ = (id) => document.getElementById(id);
const query = location.search.slice(1);
const headers = { "Content-Type": "application/json", "X-Encore-CSRF": "1" };

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

async function load() {
  const r = await fetch(`/api/oauth/consent?${query}`, { credentials: "same-origin" });
  if (r.status === 401) {
    $("login").hidden = false;
    return;
  }
  const body = await r.json();
  if (!r.ok) {
    showError(`This authorization request cannot be completed: ${body.error.message}`);
    $("leave").hidden = false; // nothing to agree to: a way out instead of a page with no link
    return;
  }
  $("app-name").textContent = body.app_name;
  $("redirect").textContent = body.redirect_uri;
  const list = $("scopes");
  list.replaceChildren(...body.scopes.map((s) => {
    const li = document.createElement("li");
    li.textContent = s.description;
    li.title = s.scope;
    return li;
  }));
  if (!body.scopes.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "See your public profile" }));
  // Spotify scopes Encore has nothing behind give the app nothing (its token names them, as Spotify's apps
  // expect): say so, so the app's missing feature is not a surprise to the person who agreed.
  const missing = body.not_granted || [];
  $("not-granted").textContent = missing.length ? `Asked for, but Encore cannot do it, so it gives nothing: ${missing.join(", ")}.` : "";
  $("not-granted").hidden = !missing.length;
  $("consent").hidden = false;
}

async function answer(approve) {
  const r = await fetch("/api/oauth/authorize", {
    method: "POST", headers, credentials: "same-origin", body: JSON.stringify({ query, approve }),
  });
  const body = await r.json();
  if (!r.ok) {
    showError(body.error.message);
    return;
  }
  location.assign(body.redirect);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const r = await fetch("/api/auth/login", {
    method: "POST", headers, credentials: "same-origin",
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
  });
  if (!r.ok) {
    // 401 is the one generic answer; a disabled account (403, after its right password) or the throttle (429)
    // says what it is, as the player's log-in form does
    const said = r.status === 401 ? null : (await r.json().catch(() => ({}))).error?.message;
    showError(said || "Wrong username or password.");
    return;
  }
  $("login").hidden = true;
  $("error").hidden = true;
  load();
});
$("approve").addEventListener("click", () => answer(true));
$("deny").addEventListener("click", () => answer(false));
load();
