// Free and Premium in the player: the upgrade page, the subscription on the account page, locked
// exclusives with an upgrade prompt, and buy links. The server decides every entitlement; these
// views only show what /api/me/subscription and the exclusives API answer.
import { api, ApiError } from "./api.js";
import { h, link } from "./dom.js";
import { exclusiveItem } from "./exclusives.js";
import { failed } from "./offline.js";

const missing = (err) => err instanceof ApiError && (err.status === 404 || err.status === 405);

function price(sub) {
  const amount = (sub.price_cents / 100).toLocaleString(undefined, { style: "currency", currency: sub.currency || "EUR" });
  return `${amount} a month`;
}

function day(iso) { return iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric" }) : ""; }

export function describe(sub) {
  if (sub.tier !== "premium") return sub.state === "past_due" ? "Free with ads (payment overdue)" : "Free with ads";
  if (sub.state === "trialing") return `Premium trial until ${day(sub.trial_end)}${sub.canceled_at ? " (canceled)" : ""}`;
  if (sub.canceled_at) return `Premium until ${day(sub.period_end)} (canceled)`;
  if (!sub.period_end) return "Premium";
  // only a card subscription renews; a code's or an admin's Premium simply ends (probe25a L4)
  return sub.provider === "stripe" ? `Premium, renews or ends ${day(sub.period_end)}` : `Premium until ${day(sub.period_end)}`;
}

// A card subscription is changed or cancelled in Stripe's billing portal: the server makes a one-time link for
// this listener's customer and the browser follows it (probe19 F1: nothing called the portal, so a card could not
// be cancelled, and account deletion asked for a "Manage subscription" that did not exist). Shown while Stripe
// holds the subscription, whatever its state: a past-due card is fixed there too. A refusal is said, never silent.
const PORTAL_WORDS = {
  502: "The billing portal can't be reached right now. Please try again in a few minutes.",
  checkout_unavailable: "Card payments are not set up on this server any more, so the subscription can't be managed here. Please ask the server's operator.",
  no_billing_account: "This server has no billing account for you, so there is nothing to manage here. Please ask the server's operator.",
};

function manageSubscription(sub) {
  if (sub.provider !== "stripe") return null;
  const msg = h("p", { class: "form-error", role: "alert", id: "manage-sub-msg" });
  const button = h("button", { type: "button", class: "ghost", id: "btn-manage-sub", text: "Manage subscription", onclick: async () => {
    msg.textContent = "";
    button.disabled = true;
    try {
      const { url } = await api("/api/me/subscription/portal", { method: "POST" });
      if (typeof url !== "string" || !/^https:\/\//.test(url)) throw new Error("The billing portal sent no address to go to. Please try again.");
      location.assign(url);
    } catch (err) {
      msg.textContent = PORTAL_WORDS[err.code] || PORTAL_WORDS[err.status] || failed(err);
    } finally { button.disabled = false; }
  } });
  return h("div", { class: "manage-sub" }, h("p", { class: "sub-note", text: "Change your card or cancel, in Stripe's billing portal." }), button, msg);
}

// The tier as this tab last read it from the server: the upgrade page, the account page (a redeemed code, a trial,
// a checkout's return all land there), or a look during an ad break (an admin's grant, a purchase in another tab).
// Premium ends an ad break under way and the music goes on (review31b M4: the page said "No ads" while the ad played
// on, its overlay still offering "Go Premium"). The server decides; this only listens.
export function announceTier(sub) {
  window.dispatchEvent(new CustomEvent("encore:tier", { detail: { tier: sub.tier } }));
}

// While an ad plays (and only then), the tier is asked every few seconds, whether the tab is in view or not (music
// plays in a background tab): a grant made meanwhile ended the break only once the tab came back into view (session
// 31's leftover). There is no push from the server; a 15-30 s ad costs a handful of small reads, none outside a break.
// An ad paused is not watched: the look went on every 4 s for as long as the paused ad stayed on screen, hours in a
// forgotten tab (review32d L2). Pressing Play looks at once and watches again, as the tab coming into view looks.
const TIER_LOOK_MS = 4000;

export function watchTier(player) {
  const look = () => api("/api/me/subscription").then(announceTier).catch(() => {});
  const adPlays = () => player.ads.active && !player.active.paused;
  window.addEventListener("encore:tier", (event) => {
    if (event.detail.tier === "premium") player.ads.end({ keepChoice: true });
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && player.ads.active) look();
  });
  let watching = false;
  const watch = async () => {
    if (watching) return; // one look at a time, whichever start or resume met the break
    watching = true;
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, TIER_LOOK_MS));
        if (!adPlays()) break;
        await look();
      }
    } finally { watching = false; }
  };
  player.addEventListener("adbreak", watch);
  // The ad resumed (Play, the lock screen's play) once its watch had stopped: a look now, and every few seconds again.
  // Media events do not bubble: caught on their way down.
  document.addEventListener("play", (event) => {
    if (event.target !== player.active || !player.ads.active || watching) return;
    look();
    watch();
  }, true);
}

// The plan's actions: trial, redeem a code, and (when the server offers it) a checkout.
function actions(sub, refresh) {
  const msg = h("p", { class: "form-error", role: "alert", id: "upgrade-msg" });
  const run = (fn) => async (e) => {
    e.preventDefault();
    msg.textContent = "";
    try { await fn(); await refresh(); } catch (err) { msg.textContent = failed(err); }
  };
  const code = h("input", { id: "redeem-code", name: "code", maxlength: 64, minlength: 4, required: true, autocomplete: "off", spellcheck: "false", placeholder: "XXXX-XXXX" });
  const free = sub.tier !== "premium";
  return h("div", { class: "upgrade-actions" },
    free && sub.checkout_available ? h("button", { type: "button", class: "big-play", id: "btn-subscribe", text: `Subscribe · ${price(sub)}`, onclick: run(async () => {
      try {
        const { url } = await api("/api/me/subscription/checkout", { method: "POST", body: {} });
        if (typeof url === "string" && /^(https:\/\/|\/)/.test(url)) location.assign(url);
      } catch (err) {
        if (missing(err)) throw new Error("Online payment is not available on this server.");
        throw err;
      }
    }) }) : null,
    free && !sub.state && sub.trial_days > 0 ? h("button", { type: "button", class: free && sub.checkout_available ? "ghost" : "big-play", id: "btn-trial",
      text: `Start your ${sub.trial_days}-day free trial`, onclick: run(() => api("/api/me/subscription/trial", { method: "POST" })) }) : null,
    free && !sub.checkout_available ? noCheckout(sub, code, msg) : null,
    h("form", { class: "inline-form", onsubmit: run(async () => { await api("/api/me/subscription/redeem", { method: "POST", body: { code: code.value.trim() } }); code.value = ""; }) },
      h("label", { for: "redeem-code", text: "Have a code?" }), code, h("button", { type: "submit", class: "ghost", text: "Redeem" })),
    msg);
}

// Without card payments the checkout is still shown, switched off, with the reason; a demo server also
// hands out a one-use demo code so the whole Premium story can be tried.
// `msg`: the redeem form's error, cleared when a fresh code fills the field (review26b F5: "no such code" stayed
// under the good code).
function noCheckout(sub, codeInput, msg) {
  const note = h("p", { class: "sub-state", id: "checkout-note", text: "Paying by card is not set up on this server, so there is no checkout here." });
  const out = h("p", { class: "demo-code", id: "demo-code", role: "status" });
  return h("div", { class: "checkout-off" },
    h("button", { type: "button", class: "big-play", id: "btn-subscribe", disabled: true, "aria-describedby": "checkout-note", text: `Subscribe · ${price(sub)}` }),
    note,
    sub.demo ? h("button", { type: "button", class: "ghost", id: "btn-demo-code", text: "Get a demo code", onclick: async () => {
      try {
        const made = await api("/api/me/subscription/demo-code", { method: "POST" });
        out.replaceChildren("This demo server's code for ", String(made.days), " days of Premium: ", h("code", { text: made.code }));
        codeInput.value = made.code;
        msg.textContent = "";
        codeInput.focus();
      } catch (err) { out.textContent = failed(err); }
    } }) : null,
    out);
}

export async function upgradeView(me) {
  document.title = "Premium · Encore";
  const box = h("div", { class: "view narrow-wide upgrade" });
  if (me && me.role === "label") { // a label's business account: nothing here is for it to buy
    box.append(h("p", { class: "eyebrow", text: "Encore Premium" }), h("h1", { text: "Premium is for listeners" }),
      h("p", { class: "sub-state", id: "sub-state", text: "This is a label account, for your releases, statements and exclusives: it does not need Premium. To listen without ads, subscribe from a listener account." }),
      link("/label", { class: "big-play" }, "Go to your label"));
    return box;
  }
  const draw = async () => {
    const sub = await api("/api/me/subscription");
    announceTier(sub);
    const premium = sub.tier === "premium";
    box.replaceChildren(
      h("p", { class: "eyebrow", text: "Encore Premium" }),
      h("h1", { text: premium ? "You have Premium" : "Music without interruptions" }),
      h("p", { class: "sub-state", id: "sub-state", text: describe(sub) }),
      h("ul", { class: "benefits" },
        h("li", { text: "No ads, on every device and app" }),
        h("li", { text: "Exclusives: interviews, demos and artwork from the artists" }),
        h("li", { text: "Pre-releases before their release date" }),
        h("li", { text: `${price(sub)}${sub.trial_days ? `, first ${sub.trial_days} days free` : ""}` })),
      manageSubscription(sub) ?? "", // replaceChildren, unlike h(), would print a null as the word "null" (probe21a F2)
      premium ? link("/settings", { class: "ghost" }, "Your account page") : actions(sub, draw));
  };
  await draw();
  return box;
}

// The account page's subscription section.
export async function subscriptionSection() {
  const sub = await api("/api/me/subscription").catch((err) => { if (missing(err)) return null; throw err; });
  if (!sub) return null;
  announceTier(sub);
  return h("section", { class: "section" }, h("h2", { text: "Subscription" }),
    h("p", { class: "sub-state", id: "account-sub", text: describe(sub) }),
    manageSubscription(sub),
    sub.tier === "premium" ? null : link("/upgrade", { class: "big-play upgrade-link" }, "Upgrade to Premium"));
}

// Exclusives attached to an album or an artist. Locked ones show a lock and the upgrade prompt.
export function exclusivesSection(kind, id, player) {
  const box = h("section", { class: "section exclusives", hidden: true }, h("h2", { text: "Premium extras" }));
  api(`/api/${kind}s/${encodeURIComponent(id)}/exclusives`).then((items) => {
    if (!items.length) return;
    box.append(h("ul", { class: "exclusive-list" }, items.map((x) => exclusiveItem(x, player))));
    box.hidden = false;
  }).catch(() => {});
  return box;
}

// "Buy" links lead to the retailer (the GET /api/buy/... redirect); following one POSTs the click,
// which the server counts once per listener and item a day. "Search <shop>" when it is only a search.
export function buyLinks(kind, id, label = "Buy") {
  const box = h("div", { class: "buy-links", hidden: true });
  api(`/api/${kind}s/${encodeURIComponent(id)}/buy-links`).then((links) => {
    if (!links.length) return;
    box.append(h("span", { class: "buy-label", text: label }),
      ...links.map((l) => h("a", { href: l.click_url, class: "chip buy", target: "_blank", rel: "noopener noreferrer", "data-retailer": l.retailer, text: l.label,
        onclick: () => { api(l.click_url, { method: "POST" }).catch(() => {}); } })));
    box.hidden = false;
  }).catch(() => {});
  return box;
}

// A track the listener may not play (a Premium pre-release): tell them why, and where to go.
export function premiumPrompt(root, reason) {
  const box = root.querySelector("#premium-prompt") || root.appendChild(h("div", { id: "premium-prompt", class: "premium-prompt", role: "alert" }));
  box.replaceChildren(
    h("span", { text: reason === "premium_required_prerelease" ? "This pre-release is for Premium listeners until its release date." : "This is Premium content." }),
    link("/upgrade", { class: "ad-upgrade" }, "Upgrade"),
    h("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", text: "✕", onclick: () => box.remove() }));
}
