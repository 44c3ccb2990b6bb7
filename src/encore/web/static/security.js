// Security: a listener's own audit events on the account page, and the admin's audit log (all accounts,
// filtered, exportable). The server decides who sees what; this only shows its answers.
import { api } from "./api.js";
import { h } from "./dom.js";
import { failed } from "./offline.js";
import { clearFieldErrors, showFieldErrors } from "./formerrors.js";
import { section } from "./views.js";

const LABELS = {
  "login": "Signed in", "login.failed": "Failed sign-in",
  "login.refused": "Sign-in refused: account disabled or being deleted", "logout": "Signed out", "signup": "Signed up",
  "account.created": "Account created",
  "password.changed": "Password changed", "email.changed": "E-mail changed",
  "profile.display_name_changed": "Display name changed", "account.deleted": "Account deleted",
  "device.created": "App password created", "device.revoked": "App password revoked",
  "oauth.app_created": "Developer app created", "oauth.app_deleted": "Developer app deleted",
  "oauth.granted": "App authorised", "oauth.grant_revoked": "App access revoked",
  "oauth.replay_revoked": "App access ended: a used sign-in token came back",
  "export.requested": "Data export requested", "export.downloaded": "Data exported",
  "security.signed_out": "Signed out everywhere", "security.reset_forced": "Password reset required",
  "security.signed_out_everyone": "Everyone signed out", "security.reset_forced_everyone": "New password required from everyone",
  "security.password_set": "Password set by the operator", "security.account_disabled": "Account disabled",
  "security.account_enabled": "Account enabled", "security.keys_rotated": "Keys rotated",
  "billing.refund_not_made": "Refund not made: Stripe refused it",
  "billing.cancel_refused": "Subscription not cancelled: Stripe refused it",
  "oauth.token_revoked": "App signed itself out", "label.exclusive_created": "Exclusive added",
  "admin.premium_granted": "Premium given by an admin", "admin.premium_revoked": "Premium ended by an admin",
  "admin.codes_created": "Premium codes made", "admin.campaign_created": "Ad campaign started",
  "admin.statement_closed": "Month's statement closed",
  "label.availability": "Availability changed", "label.edit": "Release details edited", "label.upload": "Files uploaded",
  "label.published": "Release published", "label.withdrawn": "Release withdrawn", "label.draft_deleted": "Draft deleted",
  "catalog.withdrawn": "Album taken down by the operator", "catalog.restored": "Album restored by the operator",
};

const when = (iso) => new Date(iso).toLocaleString();
// Who made an account: the people behind a new admin are what a breach review looks for.
const CREATED_BY = { "signup": "signed up", "operator": "by the operator (encore user create)", "admin": "by an admin" };
const what = (e) => {
  const label = LABELS[e.kind] || e.kind;
  const by = e.kind === "account.created" && CREATED_BY[(e.details || {}).by];
  const role = e.kind === "account.created" && (e.details || {}).role;
  // Stripe's reason and the invoice: what an operator settles by hand (a disputed charge, say)
  const refused = e.kind === "billing.refund_not_made" && e.details;
  if (refused) return `${label} (${refused.reason}), invoice ${refused.invoice}`;
  return by ? `${label}: ${by}${role && role !== "listener" ? `, ${role}` : ""}` : label;
};

function eventRow(e, admin) {
  const cells = [h("td", { text: when(e.at) }), h("td", { class: "event-kind", "data-kind": e.kind, text: what(e) })];
  if (admin) cells.push(h("td", { text: e.actor || "" }), h("td", { text: e.subject || "" }));
  cells.push(h("td", { text: e.client_ip || "" }), h("td", { class: "card-sub", text: e.user_agent || "" }));
  return h("tr", { class: "audit-event" }, ...cells);
}

function eventTable(items, admin) {
  const heads = admin ? ["When", "What", "By", "Account", "From", "Client"] : ["When", "What", "From", "Client"];
  // The table scrolls inside its own box, so a phone's page never grows sideways.
  return h("div", { class: "table-scroll" }, h("table", { class: "statement audit-log" },
    h("thead", {}, h("tr", {}, ...heads.map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, ...items.map((e) => eventRow(e, admin)))));
}

// The account page's "Security" section: what happened to this account, newest first.
export async function securitySection(me) {
  const data = await api("/api/me/security/events?limit=20").catch(() => null);
  const body = !data ? h("p", { class: "empty", text: "The security log is not available." })
    : data.items.length ? eventTable(data.items, false) : h("p", { class: "empty", text: "No security events yet." });
  const status = h("p", { class: "form-status", role: "status" });
  const extra = [h("p", { class: "card-sub", text: "Lost a phone or see a sign-in you don't recognise? Sign out everywhere: every browser, app password, listen token and connected app stops working now. Then sign in again here." }),
    h("button", { type: "button", class: "ghost danger", id: "sign-out-everywhere", text: "Sign out everywhere", onclick: async () => {
      if (!confirm("Sign out of every browser, app and device, this one included?")) return;
      try { await api("/api/me/sign-out-everywhere", { method: "POST" });
        // this tab leaves the account as at a log-out and shows the log-in in place: a second, full load of /login on
        // top of it is the one that hung a closing browser in admin.js (speed30a, review30c L2); it and this browser's
        // other tabs say it was signed out everywhere from here (`by`), not "it expired, or another device"
        window.dispatchEvent(new CustomEvent("encore:signed-out", { detail: { by: "everywhere" } })); } catch (err) { status.textContent = failed(err); }
    } }), status,
    // The one place a listener sees (and revokes) the OAuth apps they allowed; the player links it only here.
    h("p", { class: "card-sub" }, "Apps you have allowed to use your account: ",
      h("a", { href: "/developer", id: "allowed-apps", text: "review or revoke them" }), ".")];
  if (me && me.role === "admin") extra.push(h("p", {}, h("a", { href: "/admin/security", "data-link": true, text: "Audit log of all accounts" })));
  extra.push(changePasswordForm(me), deleteAccountForm());
  return h("section", { class: "section security", "aria-labelledby": "security-h" },
    h("h2", { id: "security-h", text: "Security" }), ...extra, body);
}

// The listener's own new password (the README and `encore user set-password` send them here): the current one
// proves it is them; every other browser, app and device is signed out, and this tab keeps the fresh session.
function changePasswordForm(me) {
  // The account's name, unseen, so a password manager saves the new password under it (review28d L3).
  const login = h("input", { type: "text", id: "change-password-user", autocomplete: "username", value: me ? me.username : "",
    readonly: true, hidden: true, tabindex: "-1", "aria-hidden": "true" });
  const summary = h("p", { class: "form-error", role: "alert", id: "change-password-error" });
  const status = h("p", { class: "form-status", role: "status", id: "change-password-status" });
  const input = (id, autocomplete) => h("input", { type: "password", id, autocomplete, required: true, maxlength: 1024 });
  const inputs = { current_password: input("change-password-current", "current-password"),
    new_password: input("change-password-new", "new-password"), again: input("change-password-again", "new-password") };
  const field = (name, label) => h("label", {}, h("span", { text: label }), inputs[name]);
  const button = h("button", { type: "submit", class: "ghost", text: "Change password" });
  const form = h("form", { class: "inline-form change-password", id: "change-password", onsubmit: async (e) => {
    e.preventDefault();
    clearFieldErrors(inputs, summary);
    status.textContent = "";
    const [current, fresh, again] = [inputs.current_password.value, inputs.new_password.value, inputs.again.value];
    if (fresh !== again) { showFieldErrors(inputs, summary, { fields: { again: "The new passwords differ." } }); return; }
    button.disabled = true;
    try {
      await api("/api/me/password", { method: "PUT", body: { current_password: current, new_password: fresh } });
      form.reset();
      status.textContent = "Changed: every other browser, app and device is signed out; this one stays signed in.";
    } catch (err) { showFieldErrors(inputs, summary, err); } finally { button.disabled = false; }
  } }, login, field("current_password", "Current password"), field("new_password", "New password"),
  field("again", "New password again"), button);
  return h("div", { class: "change-password-box" }, h("h3", { text: "Change password" }), form, summary, status);
}

// Leaving: the password again, a confirmation, then the server stops the account and erases it in the background.
function deleteAccountForm() {
  const status = h("p", { class: "form-status", role: "status", id: "delete-account-status" });
  const password = h("input", { type: "password", name: "password", id: "delete-account-password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "inline-form delete-account", id: "delete-account", onsubmit: async (e) => {
    e.preventDefault();
    if (!confirm("Delete your account? Your plays, library, playlists, Wrapped and apps are erased, and this cannot be undone.")) return;
    try {
      await api("/api/me/delete-account", { method: "POST", body: { password: password.value } });
      location.assign("/login?deleted=1");
    } catch (err) { status.textContent = failed(err); }
  } }, h("label", {}, h("span", { text: "Password" }), password),
  h("button", { type: "submit", class: "ghost danger", text: "Delete account" }));
  return h("div", { class: "delete-account-box" }, h("h3", { text: "Delete account" }),
    h("p", { class: "card-sub", text: "Erases your plays, library, playlists, Wrapped, apps and exports. Kept without your account: money already paid to labels (their statements) and the security log (sign-in times and addresses). Cancel a card subscription first; the card processor keeps its own records." }),
    form, status);
}

// The admin's audit log: filters in the URL's query, so a filtered view can be bookmarked or shared.
export async function adminSecurityView(navigate) {
  document.title = "Audit log · Encore";
  const params = new URLSearchParams(location.search);
  const field = (name, label, type = "text") => h("label", {}, h("span", { text: label }),
    h("input", { name, type, value: params.get(name) || "", id: `audit-${name}` }));
  const form = h("form", { class: "inline-form audit-filter", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, k === "since" || k === "until" ? new Date(v).toISOString() : v);
    navigate(`/admin/security?${q}`);
  } }, field("account", "Account"), field("kind", "Kind"), field("since", "From", "datetime-local"),
  field("until", "Until", "datetime-local"), h("button", { type: "submit", class: "ghost", text: "Filter" }));
  for (const k of ["since", "until"]) if (params.get(k)) form.querySelector(`[name=${k}]`).value = params.get(k).slice(0, 16);
  const data = await api(`/api/admin/audit?${params}`); // a 404 for anyone but an admin: "Not found"
  const exports = ["csv", "json"].map((f) => {
    const q = new URLSearchParams(params);
    q.set("format", f);
    return h("a", { href: `/api/admin/audit/export?${q}`, class: "ghost", download: "", text: `Export ${f.toUpperCase()}` });
  });
  return h("div", { class: "view" }, h("h1", { text: "Audit log" }), form, h("p", { class: "audit-exports" }, ...exports),
    incidentActions(params.get("account")),
    data.items.length ? eventTable(data.items, true) : h("p", { class: "empty", text: "No events match." }));
}

// What an admin does on the day of a breach: the filtered account, or everyone, signed out everywhere.
function incidentActions(account) {
  const status = h("p", { class: "form-status", role: "status" });
  const act = (label, path, question, after) => h("button", { type: "button", class: "ghost danger", text: label, onclick: async () => {
    if (!confirm(question)) return;
    try {
      const answer = await api(path, { method: "POST" });
      const codes = answer && answer.codes;  // a forced reset: one code per account, to hand over out of band
      if (codes) {
        status.textContent = `Done. Give each owner their reset code, out of band: ${codes.map((c) => `${c.username} ${c.code}`).join(", ")}`;
        if (after && !confirm("Noted the reset codes? You will be signed out.")) return;
      } else status.textContent = "Done.";
      if (after) after();
    } catch (err) { status.textContent = failed(err); }
  } });
  const buttons = [];
  if (account) {
    const who = encodeURIComponent(account);
    buttons.push(act(`Sign out ${account} everywhere`, `/api/admin/accounts/${who}/sign-out`, `Sign ${account} out of every browser, app and device?`),
      act(`Require a new password from ${account}`, `/api/admin/accounts/${who}/password-reset`, `Sign ${account} out and require a new password?`));
  }
  const out = () => location.assign("/login");
  buttons.push(act("Sign out everyone", "/api/admin/sign-out-everyone", "Sign out every account, yours included?", out),
    act("Require a new password from everyone", "/api/admin/password-reset-everyone", "Sign out every account, yours included, and require a new password from each?", out));
  return h("section", { class: "section incident", "aria-label": "Incident actions" }, h("p", { class: "incident-actions" }, ...buttons), status);
}

// An operator required a new password: until it is chosen, this is the only view (the API refuses the rest).
export function passwordResetView(done) {
  document.title = "Choose a new password · Encore";
  const error = h("p", { class: "form-error", role: "alert" });
  const input = (id, label, autocomplete) => [h("label", { for: id, text: label }),
    h("input", { id, type: "password", autocomplete, required: true, maxlength: 1024 })];
  const form = h("form", { class: "login password-reset", onsubmit: async (event) => {
    event.preventDefault();
    const [code, current, fresh, again] = ["reset-code", "reset-current", "reset-new", "reset-again"].map((id) => form.querySelector(`#${id}`).value);
    if (fresh !== again) { error.textContent = "The new passwords differ."; return; }
    try {
      const body = { current_password: current, new_password: fresh, reset_code: code };
      const session = await api("/api/me/password", { method: "PUT", body });
      done(session.user);
    } catch (err) { error.textContent = failed(err); }
  } }, h("h1", { text: "Choose a new password" }),
  h("p", { text: "This server's operator asks every affected account to choose a new password before going on. Every other browser, app and device has been signed out. The operator gives you a one-time reset code for it." }),
  h("label", { for: "reset-code", text: "Reset code from the operator" }),
  h("input", { id: "reset-code", type: "text", autocomplete: "one-time-code", required: true, maxlength: 64, spellcheck: "false" }),
  ...input("reset-current", "Current password", "current-password"), ...input("reset-new", "New password", "new-password"),
  ...input("reset-again", "New password again", "new-password"), error, h("button", { type: "submit", text: "Save and continue" }));
  return h("div", { class: "view narrow" }, form);
}
