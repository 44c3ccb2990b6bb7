// The admin screens (/admin): accounts and Premium, redeem codes, ad campaigns (upload the spot, targeting,
// caps, impressions), and the labels' statements. Every decision stays on the server; this page only asks.
import { api } from "./api.js";
import { failed } from "./offline.js";
import { h, named, scrollable } from "./dom.js";
import { adminView as labelsAndStatements, ensureStyles, syncRoleNav } from "./label.js";
import { section } from "./views.js";

// The nav link exists only for admins.
export function syncAdminNav(me) {
  syncRoleNav(me, { role: "admin", href: "/admin", text: "Admin", d: "M12 1l9 4v6c0 5.5-3.8 10.7-9 12-5.2-1.3-9-6.5-9-12V5z" });
}

const day = (iso) => (iso ? iso.slice(0, 10) : "");

// The name as the faces show it, with the account's tag (its public id's first four characters) beside a chosen
// name: two "Mara"s differ by it, and a report of "a playlist by Mara (rwhC)" (a Subsonic app's owner) names one
// of them (review30b L2). The neutral name "Listener rwhC" holds its tag already.
function shownName(u) {
  const tag = u.id.slice(0, 4);
  if (u.display_name === `Listener ${tag}`) return [u.display_name];
  return [named(u.display_name), " ", h("span", { class: "card-sub user-tag", text: `(${tag})` })];
}

function usersSection() {
  const query = h("input", { type: "search", id: "admin-user-q", placeholder: "Username, name or tag", maxlength: 64, "aria-label": "Find accounts" });
  const days = h("input", { type: "number", id: "admin-grant-days", min: 1, max: 3660, value: 30, "aria-label": "Days of Premium to grant" });
  const rows = h("tbody");
  const status = h("p", { class: "form-status", role: "status" });
  // A search that failed (offline, a server error) says so in the table: the last answer, or its "No account
  // matches.", is not this search's (review31b L2). A 401 is api.js's to handle: the tab goes to the log-in.
  const load = async () => {
    let data;
    try { data = await api(`/api/admin/users?q=${encodeURIComponent(query.value)}`); } catch (err) {
      if (err.status !== 401) rows.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "empty", text: failed(err, "Search") })));
      return;
    }
    rows.replaceChildren(...data.items.map((u) => h("tr", { "data-user": u.username },
      h("td", {}, ...shownName(u)), h("td", { text: u.username }), h("td", { text: u.role }),
      h("td", { class: "tier", text: u.tier === "premium" ? `Premium until ${day(u.premium_until)}` : "Free" }),
      h("td", {}, u.tier === "premium"
        ? h("button", { type: "button", class: "ghost", text: "Revoke Premium", onclick: () => act(u, "DELETE") })
        : h("button", { type: "button", class: "ghost", text: "Grant Premium", onclick: () => act(u, "PUT") }),
        ...(u.deleting ? [h("span", { class: "card-sub deleting", text: "Being deleted" })] : [
          h("button", { type: "button", class: u.active ? "ghost danger" : "ghost", text: u.active ? "Disable" : "Enable", onclick: () => setActive(u, !u.active) }),
          h("button", { type: "button", class: "ghost danger", text: "Delete", onclick: () => remove(u) })])))));
    if (!data.items.length) rows.append(h("tr", {}, h("td", { colspan: 5, class: "empty", text: "No account matches." })));
  };
  // A card subscriber's Premium is Stripe's to end: the server refuses the revoke and says what to do instead.
  const act = async (u, method) => {
    if (method === "DELETE" && !confirm(`Revoke ${u.username}'s Premium? It ends now, and nothing is refunded.`)) return;
    try {
      const body = method === "PUT" ? { days: Number(days.value) } : undefined;
      await api(`/api/admin/users/${encodeURIComponent(u.id)}/premium`, { method, body });
      status.textContent = method === "PUT" ? `${u.username} has Premium for ${days.value} days.` : `${u.username} is back on the free tier.`;
      await load();
    } catch (err) { status.textContent = failed(err); }
  };
  // Disabling cuts the account off at once (every session, device, app and link). Enabling says what becomes of
  // the password: signing in tells a disabled account's right password from a wrong one, so after a breach a
  // guesser may have confirmed it; a forced reset (the first question) is the safe choice.
  const enabling = (u) => {
    if (confirm(`Enable ${u.username} with a new password? They choose it with a one-time code shown here, for you to hand over out of band: the safe choice if their password may have leaked.`)) return "reset";
    return confirm(`Enable ${u.username} with their current password, as it was?`) ? "keep" : null;
  };
  const setActive = async (u, active) => {
    if (!active && !confirm(`Disable ${u.username}? They are signed out everywhere and cannot sign in until enabled.`)) return;
    const password = active ? enabling(u) : undefined;
    if (active && !password) return;
    try {
      const done = await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: "PATCH", body: active ? { active, password } : { active } });
      const code = done && done.reset_code;
      status.textContent = active
        ? `${u.username} is enabled.` + (code ? ` They must choose a new password first; hand them this one-time code out of band: ${code.code} (expires ${day(code.expires_at)}).` : "")
        : `${u.username} is disabled and signed out everywhere.`
        + (done && done.warning ? ` Note: ${done.warning}.` : "");
      await load();
    } catch (err) { status.textContent = failed(err); }
  };
  // Deleting is the owner's own Delete account, asked by the operator: the account stops now, a job erases it.
  const remove = async (u) => {
    if (!confirm(`Delete ${u.username} and everything Encore keeps of them (plays, library, playlists, Wrapped, apps, exports)? This cannot be undone.`)) return;
    try {
      await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: "DELETE" });
      status.textContent = `${u.username} is signed out everywhere and being deleted; the username is free once its data is erased.`;
      await load();
    } catch (err) {
      // The admin deleted their own account: the list's reload was refused as signed out, and api.js's
      // `encore:signed-out` has already taken the tab to the log-in page. A second, full load of /login here raced
      // that view (a test's context close during it hung in session 29).
      if (err.status !== 401) status.textContent = failed(err);
    }
  };
  const form = h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); load(); } }, query,
    h("button", { type: "submit", class: "ghost", text: "Find" }), h("label", { for: "admin-grant-days", text: "Grant (days)" }), days);
  load();
  return section("Accounts and Premium", form,
    scrollable(h("table", { class: "statement admin-users" }, h("thead", {}, h("tr", {}, ...["Name", "Username", "Role", "Tier", ""].map((t) => h("th", { text: t })))), rows)),
    status);
}

function codesSection() {
  const days = h("input", { type: "number", id: "code-days", min: 1, max: 3660, value: 30, required: true });
  const count = h("input", { type: "number", id: "code-count", min: 1, max: 1000, value: 5, required: true });
  const out = h("ol", { class: "admin-codes" });
  const status = h("p", { class: "form-status", role: "status" });
  const form = h("form", { class: "inline-form", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api("/api/admin/redeem-codes", { method: "POST", body: { days: Number(days.value), count: Number(count.value) } });
      out.replaceChildren(...r.codes.map((c) => h("li", {}, h("code", { text: c }))));
      status.textContent = `${r.codes.length} codes for ${days.value} days of Premium; each works once. Copy them now.`;
    } catch (err) { status.textContent = failed(err); }
  } }, h("label", { for: "code-days", text: "Days" }), days, h("label", { for: "code-count", text: "How many" }), count,
  h("button", { type: "submit", class: "ghost", text: "Make codes" }));
  return section("Redeem codes", form, status, out);
}

function campaignRow(c) {
  const hours = c.hour_from === null ? "all day" : `${c.hour_from}:00–${c.hour_to}:00`;
  return h("tr", { "data-campaign": c.advertiser },
    h("td", { text: c.advertiser }), h("td", { text: `${day(c.starts_at)} → ${day(c.ends_at)}` }),
    h("td", { text: `${c.genres.length ? c.genres.join(", ") : "every genre"}, ${hours}, ≤ ${c.freq_cap_per_day}/day per listener` }),
    h("td", { class: "num impressions", text: `${c.impressions} / ${c.budget_impressions}` }),
    h("td", { class: "num", text: `${(c.cpm_cents / 100).toFixed(2)}` }));
}

// The spot goes through the same ingest as music, saved as ad audio: never listed, even if the campaign then fails.
async function uploadSpot(file) {
  const body = new FormData();
  body.append("file", file);
  const r = await fetch("/api/admin/ad-spots", { method: "POST", body, credentials: "same-origin", headers: { "X-Encore-CSRF": "1" } });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((data.error && data.error.message) || `the upload failed (${r.status})`);
  return data;
}

function campaignsSection() {
  const rows = h("tbody");
  const load = async () => {
    const data = await api("/api/admin/ad-campaigns");
    rows.replaceChildren(...data.items.map(campaignRow));
    if (!data.items.length) rows.append(h("tr", {}, h("td", { colspan: 5, class: "empty", text: "No campaigns yet." })));
  };
  const field = (id, label, attrs) => [h("label", { for: id, text: label }), h("input", { id, name: id, ...attrs })];
  const today = new Date().toISOString().slice(0, 10);
  const later = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
  const status = h("p", { class: "form-status", role: "status" });
  const start = h("button", { type: "submit", class: "big-play", text: "Start campaign" });
  const form = h("form", { class: "admin-campaign-form", onsubmit: async (e) => {
    e.preventDefault();
    // One campaign per press: a second press during the spot's upload booked the advertiser twice (review28b F6).
    if (start.disabled) return;
    const f = new FormData(e.target);
    start.disabled = true;
    start.textContent = "Starting…";
    form.setAttribute("aria-busy", "true");
    try {
      status.textContent = "Uploading the spot…";
      const sent = await uploadSpot(f.get("spot"));
      // The server refuses a file whose audio is already listed as music (review25m F1); the same spot again is
      // that spot. Either way nothing is listed: a spot is ad audio from its upload on (review26a L2).
      if (!sent.track_ids.length) throw new Error(sent.failed.map((x) => x.reason).join("; ") || "the spot could not be read");
      const hours = f.get("hours").trim();
      const [from, to] = hours ? hours.split("-").map(Number) : [null, null];
      const made = await api("/api/admin/ad-campaigns", { method: "POST", body: {
        advertiser: f.get("advertiser"), track_id: sent.track_ids[0],
        starts_at: `${f.get("starts")}T00:00:00Z`, ends_at: `${f.get("ends")}T23:59:59Z`,
        budget_impressions: Number(f.get("budget")), cpm_cents: Math.round(Number(f.get("cpm")) * 100),
        genres: f.get("genres").split(",").map((g) => g.trim()).filter(Boolean),
        hour_from: from, hour_to: to, freq_cap_per_day: Number(f.get("cap")) } });
      // A genre no track has yet is accepted (a label may bring one) but the campaign cannot play until then: say so.
      status.replaceChildren("Campaign for ", named(f.get("advertiser")), " is on.", ...(made.warnings || []).map((w) => ` Note: ${w}.`));
      e.target.reset();
      await load();
    } catch (err) { status.textContent = failed(err); } finally {
      start.disabled = false;
      start.textContent = "Start campaign";
      form.removeAttribute("aria-busy");
    }
  } },
  ...field("advertiser", "Advertiser", { required: true, maxlength: 200 }),
  ...field("spot", "The spot (audio file)", { type: "file", accept: "audio/*", required: true }),
  ...field("starts", "Starts", { type: "date", required: true, value: today }),
  ...field("ends", "Ends", { type: "date", required: true, value: later }),
  ...field("budget", "Impressions bought", { type: "number", min: 1, required: true, value: 10000 }),
  ...field("cpm", "Price per 1,000 impressions", { type: "number", min: 0, step: "0.01", required: true, value: "5.00" }),
  ...field("genres", "Genres (comma-separated, empty: all)", { maxlength: 600 }),
  ...field("hours", "Hours (e.g. 6-22, UTC; empty: all day)", { pattern: "^\\s*$|^\\d{1,2}-\\d{1,2}$" }),
  ...field("cap", "At most per listener per day", { type: "number", min: 1, max: 1000, required: true, value: 6 }),
  start);
  load();
  return section("Ad campaigns",
    scrollable(h("table", { class: "statement admin-campaigns" },
      h("thead", {}, h("tr", {}, ...["Advertiser", "Dates", "Targeting and cap", "Impressions", "CPM"].map((t) => h("th", { text: t })))), rows)),
    h("h3", { text: "New campaign" }), form, status);
}

export async function adminPage() {
  ensureStyles();
  document.title = "Admin · Encore";
  const statements = await labelsAndStatements(await api("/api/admin/labels"));
  statements.classList.remove("view");
  return h("div", { class: "view label-dashboard admin-page" }, h("h1", { text: "Admin" }),
    usersSection(), codesSection(), campaignsSection(), statements);
}
