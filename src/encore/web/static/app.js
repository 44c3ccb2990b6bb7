// Encore's app shell: a History API router over the views, with a player that survives navigation.
import { adminPage, syncAdminNav } from "./admin.js";
import { api } from "./api.js";
import { genresView, genreView, searchAllView } from "./browse.js";
import { h } from "./dom.js";
import { historyView } from "./history.js";
import { forgetLeftQueue, labelDashboard, syncLabelNav } from "./label.js";
import { likedView, libraryView, playlistView, queueView, settingsView } from "./library.js";
import { mixView } from "./mixes.js";
import { Player } from "./player.js";
import { markPlaying } from "./trackmenu.js";
import { failed, forgetOfflineLibrary, isOfflineFailure, offlineView, watchOffline } from "./offline.js";
import { upgradeView, watchTier } from "./premium.js";
import { toast } from "./toast.js";
import { profileView } from "./profile.js";
import { installLyrics } from "./lyrics.js";
import { installAutoplay } from "./radio.js";
import { adminSecurityView, passwordResetView } from "./security.js";
import { albumView, artistView, homeView, labelView, likeFailed, loginView, prefetchHome, searchView, trackRows } from "./views.js";
import { wrappedListView, wrappedView } from "./wrapped.js";

const main = document.getElementById("main");
const searchInput = document.getElementById("search-input");
const account = document.getElementById("account");
const playerEl = document.getElementById("player");
const player = new Player(document.body);
installAutoplay(player);
installLyrics(player);
watchTier(player);
let me = null;
let renderToken = 0;
// How the session ended when not by this tab's Log out, for the log-in to say: by this browser ("logout" in another
// tab, "everywhere" in any), or "ended", whatever the server alone knows (expiry, another device's sign-out).
let sessionEnded = null;

const ID = "([0-9A-Za-z]{1,64})";
const routes = [
  [/^\/$/, () => homeView(player), "home"],
  [new RegExp(`^/album/${ID}$`), (m) => albumView(m[1], player)],
  [new RegExp(`^/track/${ID}$`), async (m) => albumView((await api(`/api/tracks/${m[1]}`)).album.id, player, m[1])],
  [new RegExp(`^/artist/${ID}$`), (m) => artistView(m[1], player)],
  [new RegExp(`^/label/${ID}$`), (m) => labelView(m[1])],
  [new RegExp(`^/mix/${ID}$`), (m) => mixView(m[1], player, trackRows), "home"],
  [new RegExp(`^/playlist/${ID}$`), (m) => playlistView(m[1], player, navigate), "library"],
  [new RegExp(`^/user/${ID}$`), (m) => profileView(m[1])],
  [/^\/search$/, () => searchView(new URLSearchParams(location.search).get("q") || "", player), "search"],
  [/^\/search\/(tracks|albums|artists)$/, (m) => searchAllView(m[1], new URLSearchParams(location.search).get("q") || "", player, trackRows), "search"],
  [/^\/genre$/, () => genresView(), "search"],
  [/^\/genre\/([^/]{1,300})$/, (m) => genreView(decodeURIComponent(m[1])), "search"],
  [/^\/library$/, () => libraryView(navigate), "library"],
  [/^\/collection\/tracks$/, () => likedView(player), "library"],
  [/^\/queue$/, () => queueView(player), "queue"],
  [/^\/history$/, () => historyView(player), "history"],
  [/^\/settings$/, () => settingsView(player, me), "settings"],
  [/^\/label$/, () => labelDashboard(), "label"],
  [/^\/admin$/, () => adminPage(), "admin"],
  [/^\/wrapped$/, () => wrappedListView(), "wrapped"],
  [/^\/wrapped\/(\d{4}|\d{3}0s)$/, (m) => wrappedView(m[1], navigate), "wrapped"],
  [/^\/account$/, () => settingsView(player, me), "settings"],
  [/^\/upgrade$/, () => upgradeView(me), "settings"],
  [/^\/admin\/security$/, () => adminSecurityView(navigate), "settings"],
];

async function render() {
  const token = ++renderToken;
  // The log-in form is for a tab signed out. One signed in (a bookmark of /login, a tab that reloaded to follow
  // another tab's sign-in) goes where the log-in would have led (review30c L1): a second account signed in over a
  // live one kept the first one's player (M1; `Player.restore` empties it too, should another path lead there).
  if (me && location.pathname === "/login") { navigateAfterLogin(new URLSearchParams(location.search).get("next")); return; }
  if (!me && location.pathname !== "/login") {
    history.replaceState(null, "", `/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  syncSearchBox(); // at once, not after the page's data arrives
  let view;
  let section = null;
  try {
    if (location.pathname === "/login") {
      view = loginView(afterLogin, { ended: sessionEnded });
    } else if (me && me.must_reset_password) {
      view = passwordResetView((user) => { me = user; player.restore(me.id); navigate(location.pathname + location.search, { force: true }); });
    } else {
      const match = routes.map(([re, fn, sec]) => [location.pathname.match(re), fn, sec]).find(([m]) => m);
      section = match ? match[2] || null : null;
      view = match ? await match[1](match[0]) : notFound();
    }
  } catch (err) {
    view = err.status === 404 ? notFound()
      : isOfflineFailure(err) ? offlineView(() => navigate(location.pathname + location.search, { force: true }))
      : h("div", { class: "view" }, h("p", { class: "empty", text: `Something went wrong: ${err.message}` }));
  }
  // A newer navigation won: this view is dropped unshown, and told so as a view that was shown is (its key catchers,
  // timers), or what it set up at its start outlived it (fixweb30b: a Wrapped story left before its data came).
  if (token !== renderToken) { view?.dispatchEvent(new Event("encore:leave")); return; }
  for (const old of main.children) old.dispatchEvent(new Event("encore:leave"));
  main.replaceChildren(view);
  markPlaying(main, player);
  syncSearchBox();
  document.body.classList.toggle("logged-out", !me);
  syncLabelNav(me);
  syncAdminNav(me);
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.nav === section) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  renderAccount();
}

function notFound() {
  document.title = "Not found · Encore";
  return h("div", { class: "view" }, h("h1", { text: "Not found" }),
    h("p", { class: "empty", text: "There is nothing here: it may have been removed, or the address is mistyped." }),
    h("p", {}, h("a", { href: "/", "data-link": true, class: "ghost", text: "Go to Home" })));
}

// Resolves once the page is drawn, so that a view drawn again after an edit can put the focus back (review32b M2).
export function navigate(path, { replace = false, force = false } = {}) {
  if (path === location.pathname + location.search && !force) return Promise.resolve();
  if (!force) window.dispatchEvent(new Event("encore:navigate")); // another page: the lyrics panel closes
  history[replace || force ? "replaceState" : "pushState"](null, "", path);
  const drawn = render();
  if (!replace && !force) main.focus({ preventScroll: true });
  return drawn;
}

async function afterLogin() {
  me = await api("/api/me");
  sessionEnded = null;
  signedInAs(me);
  if (!me.must_reset_password) await player.restore(me.id);
  navigateAfterLogin(new URLSearchParams(location.search).get("next"));
}

// Back where the log-in was asked for: on this origin only ("//evil.example" and "/\\evil.example" are other
// sites to a browser). The path as parsed is checked too: dot segments fold "/.//evil.example" into the path
// "//evil.example", another site again once navigated to (review28c M1). A page the player has no route for (the
// developer pages) is loaded as a page: the player's router would show it as "Not found".
function navigateAfterLogin(next) {
  let url = null;
  try { url = next ? new URL(next, location.origin) : null; } catch { url = null; }
  const path = url ? url.pathname + url.search + url.hash : "";
  const offsite = !url || url.origin !== location.origin || !next.startsWith("/") || !/^\/(?![\/\\])/.test(path);
  // the form went with the focus it held: the page's main takes it, as at any other page change (review32b: <body>)
  const focusMain = () => { if (!main.contains(document.activeElement)) main.focus({ preventScroll: true }); };
  if (offsite || new URL(path, location.origin).origin !== location.origin) { navigate("/", { replace: true }).then(focusMain); return; }
  if (routes.some(([re]) => re.test(url.pathname))) navigate(path, { replace: true }).then(focusMain);
  else location.replace(path);
}

function renderAccount() {
  if (!me) { account.replaceChildren(); return; }
  account.replaceChildren(
    h("a", { href: "/settings", "data-link": true, class: "who", text: me.display_name }),
    h("a", { href: "/settings", "data-link": true, class: "icon-btn settings-link", "aria-label": "Settings", text: "⚙" }),
    h("button", { type: "button", class: "ghost", text: "Log out", onclick: async () => {
      // Signed out once the server says so, not before (review31b M1): offline or on a server error the session
      // lived on behind a log-in page, and the next visitor of a shared computer was signed in. It says so and
      // stays as it is; nothing retries unasked, since a log-out landing minutes later would cut off whoever is
      // there then. A 401 means the session had ended already: api.js's `encore:signed-out` shows the log-in.
      try { await api("/api/auth/logout", { method: "POST" }); } catch (err) {
        if (err.status !== 401) toast(`You're still signed in. ${failed(err, "Log out")}`);
        return;
      }
      me = null;
      leaveAccount("logout"); // at once: the other tabs' next call is refused now, and they should hear why first
      await forgetOfflineLibrary();
      navigate("/login");
    } }));
}

// Who this browser's tabs are signed in as (the account's public id): each tab writes it when it learns who it is,
// and the others hear of a change (the `storage` event), since they share one session cookie. A tab left open
// across a log-out and another account's sign-in kept the first account's name and queue while every call it
// made acted as the second (review30b M2: its Settings renamed the other account).
// The tab that clears it first leaves why beside it (ENDED_KEY, read by the others as they hear of it): "logout" or
// "everywhere", pressed there, or "ended", a refusal it met. The server answers an ended session the same whatever
// ended it, and says no more to whoever holds an old cookie; what this browser did itself, it tells its own tabs.
const ACCOUNT_KEY = "encore.account";
const ENDED_KEY = "encore.account.ended";
const ACCOUNTS_OWN = /^\/(mix|playlist)\//;
function signedInAs(account, why = "ended") {
  try {
    if (account) {
      localStorage.setItem(ACCOUNT_KEY, account.id);
      localStorage.removeItem(ENDED_KEY);
    } else if (localStorage.getItem(ACCOUNT_KEY) !== null) {
      localStorage.setItem(ENDED_KEY, why); // first: a tab hearing of the removal reads it at once
      localStorage.removeItem(ACCOUNT_KEY);
    }
  } catch { /* one tab */ }
}
function endedBy() {
  let why = null;
  try { why = localStorage.getItem(ENDED_KEY); } catch { /* not said */ }
  return why === "logout" || why === "everywhere" ? why : null;
}

// What an account leaves in the tab and the browser goes with it: the music, an ad under way, the queue and the
// saved position (review30b M1), a label's note of an upload cut short; then the other tabs hear of it.
function leaveAccount(why) {
  player.signedOut();
  forgetLeftQueue();
  signedInAs(null, why);
}

window.addEventListener("storage", (event) => {
  if (event.key !== ACCOUNT_KEY || event.newValue === (me && me.id)) return;
  if (event.newValue) { // another account signed in in another tab: this one is that account now, from a fresh start
    if (me) player.signedOut();
    // A page of one of the last account's own things (its mix, a private playlist) is not the new one's: reloaded
    // there it said "Not found" (review31b L6), so the tab goes Home. Any other page shows the new account's own (the
    // catalogue, Library, Settings), and a log-in page leads where it would have (review30c L1).
    const shown = location.pathname === "/login" ? new URLSearchParams(location.search).get("next") || "/" : location.pathname;
    if (ACCOUNTS_OWN.test(shown)) location.replace("/"); else location.reload();
  } else if (me) window.dispatchEvent(new CustomEvent("encore:signed-out", { detail: { by: endedBy() } }));
});

// The session ended elsewhere (another tab's log-out, "Sign out everywhere", expiry): the first refused call says so
// (api.js), or the other tab (`by`, above; security.js for its own Sign out everywhere), and the tab stops acting
// signed in and shows the log-in, which brings it back here (render's redirect). Once: with `me` gone, later refusals
// and the log-in page's own calls change nothing (review27b F7).
window.addEventListener("encore:signed-out", (event) => {
  if (!me) return;
  me = null;
  const by = event.detail && event.detail.by; // this browser's own doing
  sessionEnded = by || "ended"; // the log-in says why it is back (review31b L7)
  leaveAccount(by || "ended");
  forgetOfflineLibrary(); // as at log-out: this listener's cached library does not outlive the session
  setExpanded(false);
  navigate(location.pathname + location.search, { force: true });
});

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[data-link]");
  if (!a || event.metaKey || event.ctrlKey || event.shiftKey || a.target) return;
  event.preventDefault();
  setExpanded(false);
  navigate(a.getAttribute("href"));
});
// Back/Forward changes the page under the full-screen player: it closes, or it stayed open over the new page with
// that page inert (review29b M1). The focus it held goes back where the view was opened from, as on Escape: on a
// control only the view shows (Previous, Shuffle), it fell to <body> (review29d L3).
window.addEventListener("popstate", () => {
  const focusInView = playerEl.classList.contains("expanded") && playerEl.contains(document.activeElement);
  setExpanded(false);
  if (focusInView) expand.focus();
  window.dispatchEvent(new Event("encore:navigate"));
  render();
});

// The search box shows the route's query: a Back to a search shows its words, any other page an empty box.
function syncSearchBox() {
  if (document.activeElement === searchInput) return;
  searchInput.value = location.pathname.startsWith("/search") ? new URLSearchParams(location.search).get("q") || "" : "";
}

let debounce;
searchInput.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    const q = searchInput.value;
    navigate(q ? `/search?q=${encodeURIComponent(q)}` : "/search", { replace: location.pathname === "/search" });
  }, 120);
});
document.getElementById("search-form").addEventListener("submit", (e) => e.preventDefault());

// Keyboard: space play/pause, ←/→ seek 5 s, shift+←/→ previous/next, ↑/↓ volume, m mute, / search.
document.addEventListener("keydown", (event) => {
  const el = document.activeElement;
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (el.closest("dialog[open]")) return; // a question asked ("Add anyway?") keeps its keys (fixweb28b's note)
  const a = player.active;
  const keys = {
    "/": () => searchInput.focus(),
    " ": () => { if (el.tagName !== "BUTTON" && el.tagName !== "A") player.toggle(); else return false; },
    ArrowRight: () => (event.shiftKey ? player.next("skipped") : player.seekTo(a.currentTime + 5)),
    ArrowLeft: () => (event.shiftKey ? player.previous() : player.seekTo(a.currentTime - 5)),
    ArrowUp: () => player.setVolume(player.userVolume + 0.05),
    ArrowDown: () => player.setVolume(player.userVolume - 0.05),
    m: () => player.setMuted(!player.muted),
  };
  const fn = keys[event.key];
  if (fn && fn() !== false) event.preventDefault();
});

// The like button in the player bar follows the current track.
const likeBtn = document.getElementById("btn-like");
let likedFor = null;
player.addEventListener("change", () => markPlaying(main, player));
document.addEventListener("encore:liked", (e) => { if (player.current && e.detail.id === player.current.id) likeBtn.setAttribute("aria-pressed", String(e.detail.on)); });
player.addEventListener("change", async () => {
  const t = player.current;
  if (!t || likedFor === t.id || !me) return;
  likedFor = t.id;
  const r = await api(`/api/me/likes/tracks/contains?ids=${t.id}`).catch(() => [false]);
  likeBtn.setAttribute("aria-pressed", String(!!r[0]));
});
likeBtn.addEventListener("click", async () => {
  const t = player.current;
  if (!t) return;
  const on = likeBtn.getAttribute("aria-pressed") !== "true";
  try {
    await api(`/api/me/likes/tracks/${t.id}`, { method: on ? "PUT" : "DELETE" });
  } catch (err) { toast(likeFailed(t.title, on, err)); return; } // said, not thrown (review27b F7)
  likeBtn.setAttribute("aria-pressed", String(on));
});

// Phone: the mini player expands to a full now-playing view. While it is open the page under it is inert (no Tab
// stop, no click, not read out), Escape closes it, and focus goes back to the button that opened it (review27b F8).
// The toast, the premium prompt and the lyrics panel sit outside these four and stay reachable.
const expand = document.getElementById("np-expand");
const underPlayer = [".skip", "header.top", "#nav", "#main"].map((sel) => document.querySelector(sel));
function setExpanded(on) {
  playerEl.classList.toggle("expanded", on);
  document.body.classList.toggle("np-open", on);
  for (const el of underPlayer) el.inert = on;
  expand.setAttribute("aria-expanded", String(on));
  expand.setAttribute("aria-label", on ? "Close now playing" : "Show now playing");
}
expand.addEventListener("click", () => setExpanded(!playerEl.classList.contains("expanded")));
document.addEventListener("keydown", (event) => {
  // a dialog, a menu or the lyrics panel (which marks its own Escape handled) closes first
  if (event.key !== "Escape" || event.defaultPrevented || !playerEl.classList.contains("expanded")) return;
  if (event.target instanceof Element && event.target.closest("dialog, .menu")) return;
  event.preventDefault();
  setExpanded(false);
  expand.focus();
});
// The full view is a phone layout: a window widened past it shows the bar again, so the page must not stay inert.
matchMedia("(max-width: 640px)").addEventListener("change", (e) => { if (!e.matches) setExpanded(false); });

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
watchOffline();

(async () => {
  if (location.pathname === "/") prefetchHome();
  me = await api("/api/me").catch(() => null);
  if (!me) prefetchHome(false);
  if (me) signedInAs(me);
  if (me && !me.must_reset_password) player.restore(me.id); // not awaited: the view renders while the saved track's URL is fetched
  if (location.pathname === "/search") searchInput.value = new URLSearchParams(location.search).get("q") || "";
  render();
})();
