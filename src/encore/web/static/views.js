// The views. Each returns a DOM node built from API data with textContent only.
import { api, ApiError } from "./api.js";
import { artistList, artistNames, artistText, counted, cover, formatTime, h, isolate, link, named } from "./dom.js";
import { seeAll } from "./browse.js";
import { demoBuildNotice } from "./demobuild.js";
import { clearFieldErrors, showFieldErrors } from "./formerrors.js";
import { playlistCard, shareButton } from "./library.js";
import { buyLinks, exclusivesSection } from "./premium.js";
import { radioButton } from "./radio.js";
import { markLocked } from "./locks.js";
import { toast } from "./toast.js";
import { madeForYou } from "./mixes.js";
import { trackMenu } from "./trackmenu.js";
import { isUnavailable, markUnavailableRow } from "./unavailable.js";

export function albumCard(album) {
  return link(`/album/${album.id}`, { class: "card", "aria-label": `${album.title} by ${artistNames(album.artists)}` },
    cover(album.images, 300, `Cover of ${album.title}`),
    h("div", { class: "card-title", text: album.title }),
    h("div", { class: "card-sub" }, artistList(album.artists), album.release_date ? " · " + album.release_date.slice(0, 4) : ""),
  );
}

export function artistCard(artist) {
  return link(`/artist/${artist.id}`, { class: "card artist-card", "aria-label": artist.name },
    cover(artist.images, 300, artist.name), h("div", { class: "card-title", text: artist.name }), h("div", { class: "card-sub", text: "Artist" }));
}

// Hooks other issues may fill in:
//  - lockedReason(track): a string when the track is Premium-only; the row gets class "locked"
export const hooks = {
  lockedReason: (_track) => null,
};

function buySlot(kind, id, label) {
  return h("div", { class: "slot-buy", "data-slot": "buy" }, buyLinks(kind, id, label));
}

export function trackRows(tracks, player, context, { showAlbum = false, editable = null } = {}) {
  const list = h("ol", { class: "tracks" });
  tracks.forEach((track, i) => {
    const locked = hooks.lockedReason(track);
    const play = () => player.playList(tracks, i, context);
    const more = h("button", { type: "button", class: "icon-btn track-more", "aria-label": `More actions for ${track.title}`, "aria-haspopup": "menu",
      onclick: (e) => trackMenu(e.currentTarget, track, player), text: "⋯" });
    const tools = editable ? [
      h("button", { type: "button", class: "icon-btn", "data-tool": "up", "aria-label": `Move ${track.title} up`, disabled: i === 0, onclick: () => editable.move(i, i - 1), text: "↑" }),
      h("button", { type: "button", class: "icon-btn", "data-tool": "down", "aria-label": `Move ${track.title} down`, disabled: i === tracks.length - 1, onclick: () => editable.move(i, i + 1), text: "↓" }),
      h("button", { type: "button", class: "icon-btn", "data-tool": "remove", "aria-label": `Remove ${track.title} from playlist`, onclick: () => editable.remove(i), text: "✕" }),
    ] : [];
    const row = h("li", { class: `track${locked ? " locked" : ""}`, "data-track-id": track.id, draggable: editable ? "true" : null },
      h("button", { type: "button", class: showAlbum ? "track-play with-album" : "track-play", "aria-label": `Play ${track.title}`, onclick: play,
        onpointerdown: (e) => { if (e.button === 0) player.warm(track); }, disabled: !!locked, title: locked || null },
        h("span", { class: "track-num", text: String(showAlbum ? i + 1 : track.track_number) }),
        h("span", { class: "track-main" },
          h("span", { class: "track-title", text: track.title }),
          track.explicit ? h("span", { class: "explicit", title: "Explicit", text: "E" }) : null,
          h("span", { class: "track-artists" }, artistList(track.artists))),
        showAlbum ? h("span", { class: "track-album", text: track.album ? track.album.title : "" }) : null,
        h("span", { class: "track-time", text: formatTime(track.duration_ms / 1000) })),
      h("div", { class: "row-tools" }, ...tools, more));
    if (editable) {
      row.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", String(i)); row.classList.add("dragging"); });
      row.addEventListener("dragend", () => row.classList.remove("dragging"));
      row.addEventListener("dragover", (e) => e.preventDefault());
      row.addEventListener("drop", (e) => {
        e.preventDefault();
        const from = Number(e.dataTransfer.getData("text/plain"));
        if (Number.isInteger(from) && from !== i) editable.move(from, i);
      });
    }
    if (isUnavailable(track)) markUnavailableRow(row);
    list.append(row);
  });
  return markLocked(list);
}

// After a list is drawn again for a move or a removal made from the keyboard, the focus goes back where the hands
// were, not to <body> (review32b M2: Tab started again at the top of the page): the same button on the moved row;
// after a removal the next row's (the previous one's at the end); the page's heading when the list is now empty.
// A button the new row has disabled (Up on the first row) gives way to the row's next usable one.
export function focusRowTool(view, row, tool) {
  const rows = [...view.querySelectorAll("ol.tracks > li.track")];
  const li = rows[Math.min(row, rows.length - 1)];
  if (!li) { focusHeading(view); return; }
  for (const t of [tool, "up", "down", "remove"]) {
    const button = li.querySelector(`[data-tool="${t}"]`);
    if (button && !button.disabled) { button.focus(); return; }
  }
  (li.querySelector(".track-more") || li.querySelector(".track-play")).focus();
}

export function focusHeading(view) {
  const heading = view.querySelector("h1");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

export function section(title, ...children) {
  return h("section", { class: "section" }, h("h2", { text: title }), ...children);
}

let homeData = null;
const fetchCatalogue = () => Promise.all([api("/api/browse/new-releases?limit=24"), api("/api/browse/labels")]);
const fetchMine = () => Promise.all([api("/api/me/recent").catch(() => []), api("/api/me/mixes").catch(() => [])]);
// The first load asks for the home's catalogue together with /api/me instead of after it; the listener's own rows
// only once /api/me said someone is signed in (review31b L9: a logged-out visit logged their two 401s). A visitor
// who turns out to be logged out drops it: after log-in the home asks again.
export function prefetchHome(on = true) { homeData = on ? fetchCatalogue() : null; if (homeData) homeData.catch(() => {}); }

export async function homeView(player) {
  const early = homeData;
  homeData = null;
  const [[releases, labels], [recent, mixes]] = await Promise.all([early ? early.catch(fetchCatalogue) : fetchCatalogue(), fetchMine()]);
  document.title = "Encore";
  const played = recent.filter((p) => p.track);
  const seen = new Set();
  const tracks = played.map((p) => p.track).filter((t) => !seen.has(t.id) && seen.add(t.id)).slice(0, 10);
  return h("div", { class: "view" },
    h("h1", { class: "visually-hidden", text: "Home" }), // every page has one heading to start from (review32b)
    demoBuildNotice(),
    continueListening(player, played),
    madeForYou(mixes),
    section("New releases", h("div", { class: "grid" }, releases.items.map(albumCard))),
    tracks.length ? section("Recently played", trackRows(tracks, player, null, { showAlbum: true })) : null,
    section("Labels", h("ul", { class: "chips" }, labels.map((lb) =>
      h("li", {}, link(`/label/${lb.id}`, { class: "chip" }, named(lb.name), h("span", { class: "chip-kind", text: lb.kind })))))));
}

// "Continue listening": what this tab holds, or else the newest unfinished play from the history API
// (another device, or a browser whose storage was cleared), resumed at the position it reached.
function continueListening(player, played) {
  let track = player.current;
  let resume = () => player.toggle();
  if (!track) {
    const last = played[0];
    if (!last || last.state === "ended" || last.ms_played >= last.track.duration_ms - 5000) return null;
    track = last.track;
    resume = () => player.playList([track], 0, null, last.ms_played / 1000);
  }
  return section("Continue listening", h("div", { class: "continue" }, cover(track.images, 64, ""),
    h("div", { class: "np-text" }, h("div", { class: "np-title", text: track.title }), h("div", { class: "np-artists" }, artistList(track.artists))),
    h("button", { type: "button", class: "big-play", text: player.current && !player.audio.paused ? "Playing" : "Resume",
      "aria-label": `Resume ${track.title}`, onclick: resume })));
}

export async function albumView(id, player, highlight = null) {
  const { album, tracks } = await api(`/api/albums/${encodeURIComponent(id)}`);
  document.title = `${isolate(album.title)} · ${artistText(album.artists)} · Encore`;
  const meta = [album.album_type.toUpperCase(), album.release_date ? album.release_date.slice(0, 4) : null,
    counted(tracks.length, "track")].filter(Boolean).join(" · ");
  return h("div", { class: "view" },
    h("header", { class: "hero" }, cover(album.images, 300, `Cover of ${album.title}`),
      h("div", { class: "hero-text" },
        h("p", { class: "eyebrow", text: meta }),
        h("h1", { text: album.title }),
        h("p", { class: "hero-artists" }, ...album.artists.flatMap((a, i) => [i ? ", " : "", link(`/artist/${a.id}`, {}, a.name)])),
        album.label ? h("p", { class: "hero-label" }, link(`/label/${album.label.id}`, {}, album.label.name)) : null,
        h("div", { class: "hero-actions" },
          h("button", { type: "button", class: "big-play", onclick: () => player.playList(tracks, 0, { type: "album", id: album.id }), text: "Play" }),
          likeButton("album", album.id, album.title), shareButton("album", album.id), radioButton(player, "album", album.id, album.title)),
        buySlot("album", album.id, "Buy the album"),
        highlight ? buySlot("track", highlight, "Buy this track") : null)),
    markHighlight(trackRows(tracks, player, { type: "album", id: album.id }), highlight),
    exclusivesSection("album", album.id, player));
}

export async function artistView(id, player) {
  const data = await api(`/api/artists/${encodeURIComponent(id)}`);
  document.title = `${isolate(data.artist.name)} · Encore`;
  return h("div", { class: "view" },
    h("header", { class: "hero" }, cover(data.artist.images, 300, data.artist.name),
      h("div", { class: "hero-text" }, h("p", { class: "eyebrow", text: "Artist" }), h("h1", { text: data.artist.name }),
        h("div", { class: "hero-actions" }, likeButton("artist", id, data.artist.name), shareButton("artist", id), radioButton(player, "artist", id, data.artist.name)))),
    data.top_tracks.length ? section("Popular", trackRows(data.top_tracks, player, { type: "artist", id }, { showAlbum: true })) : null,
    data.albums.length ? section("Releases", h("div", { class: "grid" }, data.albums.map(albumCard))) : null,
    data.appears_on.length ? section("Appears on", h("div", { class: "grid" }, data.appears_on.map(albumCard))) : null,
    exclusivesSection("artist", id, player));
}

export async function labelView(id) {
  const data = await api(`/api/labels/${encodeURIComponent(id)}`);
  document.title = `${isolate(data.label.name)} · Encore`;
  return h("div", { class: "view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow", text: `${data.label.kind} label` }), h("h1", { text: data.label.name }))),
    section("Releases", h("div", { class: "grid" }, data.albums.map(albumCard))));
}

export async function searchView(query, player) {
  document.title = query ? `${isolate(query)} · Search · Encore` : "Search · Encore";
  if (!query.trim()) return h("div", { class: "view" }, h("h1", { text: "Search" }), h("p", { class: "empty", text: "Type to search artists, albums, tracks and playlists." }),
    h("p", {}, link("/genre", { class: "chip" }, "Browse genres")));
  const [r, lists, found] = await Promise.all([api(`/api/search?q=${encodeURIComponent(query)}&limit=12`),
    api("/api/me/playlists?limit=50").catch(() => ({ items: [] })),
    api(`/api/search/playlists?q=${encodeURIComponent(query)}&limit=12`).catch(() => ({ items: [] }))]);
  // Playlists: the listener's own (private ones too) whose name holds the query, then everyone's public ones.
  const folded = fold(query);
  const own = lists.items.filter((p) => fold(p.name).includes(folded));
  const playlists = [...own, ...found.items.filter((p) => !own.some((o) => o.id === p.id))];
  const nothing = !r.artists.items.length && !r.albums.items.length && !r.tracks.items.length && !playlists.length;
  return h("div", { class: "view" },
    h("h1", { class: "visually-hidden" }, "Search results for ", h("q", { text: query })),
    nothing ? h("p", { class: "empty" }, "No results for ", h("q", { text: query })) : null,
    topResult(r, folded, player),
    r.tracks.items.length ? section("Tracks", seeAll("tracks", query, r.tracks.items.length, r.tracks.total),
      trackRows(r.tracks.items, player, { type: "search", id: query }, { showAlbum: true })) : null,
    r.artists.items.length ? section("Artists", seeAll("artists", query, r.artists.items.length, r.artists.total),
      h("div", { class: "grid" }, r.artists.items.map(artistCard))) : null,
    r.albums.items.length ? section("Albums", seeAll("albums", query, r.albums.items.length, r.albums.total),
      h("div", { class: "grid" }, r.albums.items.map(albumCard))) : null,
    playlists.length ? section("Playlists", h("div", { class: "grid", id: "search-playlists" }, playlists.map(playlistCard))) : null);
}

const fold = (text) => String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

function markHighlight(list, trackId) {
  const row = trackId && list.querySelector(`[data-track-id="${CSS.escape(trackId)}"]`);
  if (row) row.classList.add("current");
  return list;
}

// The top result: the first artist, album or track whose name starts with the query, else the first hit.
function topResult(r, folded, player) {
  const candidates = [
    ...r.artists.items.map((a) => [a.name, () => artistCard(a)]),
    ...r.albums.items.map((a) => [a.title, () => albumCard(a)]),
    ...r.tracks.items.map((t) => [t.title, () => trackCard(t, player)])];
  if (!candidates.length) return null;
  const best = candidates.find(([name]) => fold(name).startsWith(folded)) || candidates[0];
  const card = best[1]();
  card.classList.add("top-result");
  return section("Top result", card);
}

function trackCard(track, player) {
  return h("div", { class: "card track-card" },
    cover(track.images, 300, track.album ? `Cover of ${track.album.title}` : ""),
    h("div", { class: "card-title", text: track.title }),
    h("div", { class: "card-sub" }, "Song · ", artistList(track.artists)),
    h("button", { type: "button", class: "big-play", text: "Play", "aria-label": `Play ${track.title}`, onclick: () => player.playList([track], 0, null) }));
}

// What a failed like or unlike says: the server's sentence, or that it could not be reached.
export function likeFailed(name, on, err) {
  const why = err instanceof ApiError ? err.message : "Encore could not be reached";
  return `${isolate(name)} wasn't ${on ? "liked" : "unliked"}: ${why}`;
}

export function likeButton(kind, id, name) {
  const b = h("button", { type: "button", class: "ghost like-btn", "aria-pressed": "false", text: "Like", "aria-label": `Like ${name}` });
  const set = (on) => { b.setAttribute("aria-pressed", String(on)); b.textContent = on ? "Liked" : "Like"; };
  // Disabled until the server says whether it is liked: a click before that would toggle a guess.
  b.disabled = true;
  api(`/api/me/likes/${kind}s/contains?ids=${encodeURIComponent(id)}`)
    .then((r) => set(!!r[0])).catch(() => {}).finally(() => { b.disabled = false; });
  b.addEventListener("click", async () => {
    const on = b.getAttribute("aria-pressed") !== "true";
    b.disabled = true;
    try {
      await api(`/api/me/likes/${kind}s/${encodeURIComponent(id)}`, { method: on ? "PUT" : "DELETE" });
      set(on);
    } catch (err) {
      toast(likeFailed(name, on, err)); // a refusal (signed out elsewhere, offline) is said, not thrown (review27b F7)
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// Encore sends no mail, so a forgotten password goes through whoever runs the server: say who, and how.
function forgotPassword() {
  return h("details", { class: "forgot-password" },
    h("summary", { text: "Forgot your password?" }),
    h("p", {}, "This server sends no e-mail, so only its administrator can reset a password. Ask them: they set a new one with ",
      h("code", { text: "encore user set-password USERNAME" }),
      " and hand it to you; change it under Settings once you are in."));
}

// `ended`: the session ended, not by a Log out in this tab: the form says so, or the listener met the log-in with no
// reason (review31b L7). What this browser did itself is said as such (app.js hears it from the tab that did it): on a
// shared computer, a listener learns the log-out was pressed here, not elsewhere. Anything else is "ended": the
// server's refusal does not tell an expiry from another device's sign-out, on purpose (an old cookie's holder would
// learn whether the owner noticed); once signed in again, Settings' security log lists the sign-outs, with their times.
const ENDED_WORDS = {
  logout: "You were logged out in another tab of this browser, so please log in again.",
  everywhere: "You signed out everywhere from this browser, so please log in again.",
  ended: "Your session ended (it expired, or it was signed out from elsewhere: Sign out everywhere on another device, a new password, an administrator), so please log in again.",
};

export function loginView(onDone, { ended = null } = {}) {
  const error = h("p", { class: "form-error", role: "alert" });
  const username = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const signup = h("input", { type: "checkbox", id: "login-signup" });
  // The name others see (public playlists, a profile): asked at sign-up, never the username (review26a M1).
  const name = h("input", { id: "login-name", name: "display_name", autocomplete: "nickname", maxlength: "100" });
  const nameLabel = h("label", { for: "login-name", text: "What should we call you? Others see this name, never your username (optional)" });
  const heading = h("h1", { text: "Log in to Encore" });
  const submit = h("button", { type: "submit", class: "big-play", text: "Continue" });
  const showName = () => { name.hidden = nameLabel.hidden = !signup.checked; };
  showName();
  // ticking "Create a new account" says so in the heading and the button, and asks the browser for a new password
  signup.addEventListener("change", () => {
    heading.textContent = signup.checked ? "Create your account" : "Log in to Encore";
    submit.textContent = signup.checked ? "Sign up" : "Continue";
    password.autocomplete = signup.checked ? "new-password" : "current-password";
    showName();
    // The other form's sentences go with it: they named fields, and rules, this one does not have (review27b F1).
    clearFieldErrors(inputs, error);
  });
  const inputs = { username, password, display_name: name };
  const form = h("form", { class: "login", onsubmit: async (event) => {
    event.preventDefault();
    clearFieldErrors(inputs, error);
    const path = signup.checked ? "/api/auth/signup" : "/api/auth/login";
    const body = { username: username.value, password: password.value };
    if (signup.checked && name.value.trim()) body.display_name = name.value;
    try {
      await api(path, { method: "POST", body });
      onDone();
    } catch (err) {
      showFieldErrors(inputs, error, err);
    }
  } },
  heading,
  ...(ended ? [h("p", { class: "form-status", role: "status", id: "session-ended", text: ENDED_WORDS[ended] || ENDED_WORDS.ended })] : []),
  ...(new URLSearchParams(location.search).get("deleted") ? [h("p", { class: "form-status", role: "status", id: "account-deleted", text: "Your account is deleted: its data is being erased." })] : []),
  h("label", { for: "login-user", text: "Username" }), username,
  h("label", { for: "login-pass", text: "Password" }), password,
  h("label", { class: "check" }, signup, " Create a new account"),
  nameLabel, name,
  error,
  submit,
  forgotPassword());
  document.title = "Log in · Encore";
  return h("div", { class: "view narrow" }, form);
}
