// Playlists, liked songs, the queue and settings. Text only ever goes in through textContent.
import { api } from "./api.js";
import { artistList, counted, cover, formatTime, h, isolate, link, named } from "./dom.js";
import { devicesSection } from "./devices.js";
import { listenTokenSection } from "./listentoken.js";
import { MAX_CROSSFADE_S } from "./crossfade.js";
import { subscriptionSection } from "./premium.js";
import { savedSections } from "./saved.js";
import { toast } from "./toast.js";
import { failed, isOfflineFailure } from "./offline.js";
import { securitySection } from "./security.js";
import { showFieldErrors, clearFieldErrors } from "./formerrors.js";
import { focusHeading, focusRowTool, section, trackRows } from "./views.js";
import { discoverySection, radioButton } from "./radio.js";
import { isUnavailable, markUnavailableRow } from "./unavailable.js";

export async function libraryView(navigate) {
  const [lists, liked, saved] = await Promise.all([api("/api/me/playlists?limit=50"), api("/api/me/likes/tracks?limit=1"), savedSections()]);
  document.title = "Your library · Encore";
  const name = h("input", { id: "new-playlist-name", maxlength: 400, required: true, placeholder: "New playlist name" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "inline-form", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const p = await api("/api/playlists", { method: "POST", body: { name: name.value } });
      navigate(`/playlist/${p.id}`);
    } catch (err) { error.textContent = failed(err); } // the typed name stays for another try
  } }, h("label", { for: "new-playlist-name", class: "visually-hidden", text: "New playlist name" }), name,
  h("button", { type: "submit", class: "big-play", text: "Create playlist" }), error);
  return h("div", { class: "view" }, h("h1", { text: "Your library" }), form,
    h("div", { class: "grid" },
      link("/collection/tracks", { class: "card liked-card", "aria-label": "Liked Songs" },
        h("div", { class: "cover liked-cover", "aria-hidden": "true", text: "♥" }),
        h("div", { class: "card-title", text: "Liked Songs" }), h("div", { class: "card-sub", text: `${liked.total} songs` })),
      link("/history", { class: "card history-card", "aria-label": "History" },
        h("div", { class: "cover liked-cover", "aria-hidden": "true", text: "↺" }),
        h("div", { class: "card-title", text: "History" }), h("div", { class: "card-sub", text: "Import, export, delete" })),
      lists.items.map(playlistCard)), saved);
}

export function playlistCard(p) {
  return link(`/playlist/${p.id}`, { class: "card", "aria-label": p.name },
    cover(p.images, 300, `Cover of ${p.name}`), h("div", { class: "card-title", text: p.name }),
    p.is_owner === false // another listener's public playlist (a search hit, a profile): say whose
      ? h("div", { class: "card-sub" }, "by ", named(p.owner.name), ` · ${counted(p.total_tracks, "track")}`)
      : h("div", { class: "card-sub", text: `${p.public ? "Public" : "Private"} · ${counted(p.total_tracks, "track")}` }));
}

export async function likedView(player) {
  const page = await api("/api/me/likes/tracks?limit=50");
  document.title = "Liked Songs · Encore";
  const tracks = page.items.map((i) => i.track);
  return h("div", { class: "view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow", text: "Playlist" }), h("h1", { text: "Liked Songs" }),
      h("p", { class: "hero-artists", text: `${page.total} songs` }),
      tracks.length ? h("button", { type: "button", class: "big-play", text: "Play", onclick: () => player.playList(tracks, 0, { type: "collection", id: "tracks" }) }) : null)),
    tracks.length ? trackRows(tracks, player, { type: "collection", id: "tracks" }, { showAlbum: true }) : h("p", { class: "empty", text: "Tracks you like show up here." }));
}

export async function playlistView(id, player, navigate) {
  const [p, items] = await Promise.all([api(`/api/playlists/${encodeURIComponent(id)}`), api(`/api/playlists/${encodeURIComponent(id)}/items?limit=100`)]);
  document.title = `${isolate(p.name)} · Encore`;
  const tracks = items.items.map((i) => i.track);
  let snapshot = p.snapshot_id;
  const rerender = () => navigate(location.pathname, { force: true });
  // An edit the server refused leaves the page as it was, which may not be the playlist any more (a 409: it changed
  // since this page's snapshot, in another tab or app): it says so and draws the playlist as the server has it
  // (review31b M5, an uncaught error before). Offline it only says so: the page is the last list known.
  // A move or removal made from the keyboard keeps the focus in the list drawn again (review32b M2): `focusAt`
  // names the row and button it goes to.
  const edit = (what, send, focusAt) => async (...args) => {
    const fromKeys = list.contains(document.activeElement);
    try {
      snapshot = (await send(...args)).snapshot_id;
    } catch (err) {
      toast(err.status === 409 ? "This playlist changed since the page showed it: here it is as it is now." : failed(err, what));
      if (isOfflineFailure(err)) return;
    }
    await rerender();
    const main = document.getElementById("main");
    if (fromKeys && main && !main.contains(document.activeElement)) focusRowTool(main, ...focusAt(...args));
  };
  const move = edit("Moving a track", (from, to) => api(`/api/playlists/${p.id}/items/move`, { method: "POST",
    body: { range_start: from, insert_before: to > from ? to + 1 : to, snapshot_id: snapshot } }),
  (from, to) => [to, to < from ? "up" : "down"]);
  const remove = edit("Removing a track", (pos) => api(`/api/playlists/${p.id}/items`, { method: "DELETE",
    body: { positions: [pos], snapshot_id: snapshot } }), (pos) => [pos, "remove"]);
  const context = { type: "playlist", id: p.id };
  const list = trackRows(tracks, player, context, { showAlbum: true, editable: p.is_owner ? { move, remove } : null });
  const owner = p.is_owner ? ownerTools(p, navigate) : null;
  return h("div", { class: "view" },
    h("header", { class: "hero" }, cover(p.images, 300, `Cover of ${p.name}`),
      h("div", { class: "hero-text" },
        h("p", { class: "eyebrow", text: `${p.public ? "Public" : "Private"} playlist · ${counted(p.total_tracks, "track")} · ${formatTime(p.duration_ms / 1000)}` }),
        h("h1", { text: p.name }), p.description ? h("p", { class: "hero-desc", text: p.description }) : null,
        h("p", { class: "hero-artists" }, "by ", link(`/user/${encodeURIComponent(p.owner.id)}`, { class: "owner" }, named(p.owner.name))),
        h("div", { class: "hero-actions" },
          tracks.length ? h("button", { type: "button", class: "big-play", text: "Play", onclick: () => player.playList(tracks, 0, context) }) : null,
          p.public ? shareButton("playlist", p.id) : null, tracks.length ? radioButton(player, "playlist", p.id, p.name) : null))),
    owner, tracks.length ? list : h("p", { class: "empty", text: p.is_owner
      ? "No tracks yet. Use “Add to playlist” on any track." : "No tracks in this playlist yet." }));
}

function ownerTools(p, navigate) {
  const name = h("input", { id: "pl-name", value: p.name, maxlength: 400 });
  const pub = h("input", { type: "checkbox", id: "pl-public", checked: p.public });
  const msg = h("p", { class: "form-error", role: "alert" });
  return h("details", { class: "owner-tools" }, h("summary", { text: "Edit playlist" }),
    h("form", { class: "inline-form", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api(`/api/playlists/${p.id}`, { method: "PATCH", body: { name: name.value, public: pub.checked } });
        navigate(location.pathname, { force: true });
      } catch (err) { msg.textContent = failed(err); }
    } }, h("label", { for: "pl-name", text: "Name" }), name, h("label", { class: "check" }, pub, " Public"),
    h("button", { type: "submit", class: "ghost", text: "Save" }),
    h("button", { type: "button", class: "ghost danger", text: "Delete playlist", onclick: async () => {
      if (!confirm(`Delete “${isolate(p.name)}”?`)) return;
      try { await api(`/api/playlists/${p.id}`, { method: "DELETE" }); } catch (err) {
        msg.textContent = failed(err, "Delete"); // it is still there: the page stays (review31b M5)
        return;
      }
      navigate("/library");
    } }), msg));
}

// The copy is said in the polite toast, as the track menu's Share says it (review30b L3): a new text on the button
// was not read out (its aria-label names it) and stayed "Link copied" until the page was drawn again. Without the
// clipboard (a webview, plain http) the link is offered in a prompt, where it can be selected and copied.
export function shareButton(kind, id) {
  const url = `${location.origin}/share/${kind}/${id}`;
  return h("button", { type: "button", class: "ghost", text: "Share", "aria-label": "Copy share link", onclick: async () => {
    try { await navigator.clipboard.writeText(url); } catch { prompt("Share link", url); return; }
    toast("Link copied");
  } });
}

export function queueView(player) {
  document.title = "Queue · Encore";
  const box = h("div", { class: "view" });
  // Every change draws the list again; the focus a button of it had goes back to its place in the new one
  // (review32b M2: it fell to <body>): `after` says where a move or removal sends it, else the same row's same button.
  let after = null;
  const press = (where, act) => () => { after = where; act(); after = null; }; // the player redraws at once
  const draw = () => {
    const had = box.contains(document.activeElement) ? document.activeElement : null;
    const rowOf = (el) => [...box.querySelectorAll("ol.tracks > li.track")].indexOf(el.closest("li.track"));
    const where = after || (had && had.closest("li.track") ? [rowOf(had), had.dataset.tool] : null);
    const autoplayAt = player.queue.findIndex((t) => t.autoplay);
    const rows = player.queue.map((t, i) => h("li", { class: `track${i === player.index ? " current" : ""}`, "data-track-id": t.id, "aria-current": i === player.index ? "true" : null },
      h("button", { type: "button", class: "track-play with-album", "data-tool": "play", "aria-label": `Play ${t.title}`, onclick: () => player.start(i) },
        h("span", { class: "track-num", text: i === player.index ? "▶" : String(i + 1) }),
        h("span", { class: "track-main" }, h("span", { class: "track-title", text: t.title }), h("span", { class: "track-artists" }, artistList(t.artists))),
        h("span", { class: "track-album", text: t.album ? t.album.title : "" }),
        h("span", { class: "track-time", text: formatTime(t.duration_ms / 1000) })),
      h("div", { class: "row-tools" },
        h("button", { type: "button", class: "icon-btn", "data-tool": "up", "aria-label": `Move ${t.title} up`, disabled: i === 0, onclick: press([i - 1, "up"], () => player.move(i, i - 1)), text: "↑" }),
        h("button", { type: "button", class: "icon-btn", "data-tool": "down", "aria-label": `Move ${t.title} down`, disabled: i === player.queue.length - 1, onclick: press([i + 1, "down"], () => player.move(i, i + 1)), text: "↓" }),
        h("button", { type: "button", class: "icon-btn", "data-tool": "remove", "aria-label": `Remove ${t.title} from queue`, disabled: i === player.index, onclick: press([i, "remove"], () => player.removeAt(i)), text: "✕" }))));
    rows.forEach((row, i) => { if (isUnavailable(player.queue[i])) markUnavailableRow(row); });
    if (autoplayAt >= 0) rows.splice(autoplayAt, 0, h("li", { class: "queue-note", id: "autoplay-note", text: "Autoplay: similar music from here on" }));
    box.replaceChildren(h("div", { class: "hero-actions" }, h("h1", { text: "Queue" }),
      h("button", { type: "button", class: "ghost", id: "queue-clear", text: "Clear queue", onclick: () => player.clearQueue() })),
    rows.length ? h("ol", { class: "tracks queue", id: "queue-list" }, rows) : h("p", { class: "empty", text: "The queue is empty." }));
    if (where) focusRowTool(box, ...where);
    else if (had && had.id === "queue-clear") box.querySelector("#queue-clear").focus(); // drawn again too
    else if (had) focusHeading(box);
  };
  draw();
  player.addEventListener("change", draw);
  box.addEventListener("encore:leave", () => player.removeEventListener("change", draw));
  return box;
}

// Crossfade, 0-12 s, remembered by this device (localStorage), not by the account.
function crossfadeSetting(player) {
  const out = h("output", { for: "set-crossfade", id: "crossfade-value", text: player.crossfadeS ? `${player.crossfadeS} s` : "Off" });
  const range = h("input", { type: "range", id: "set-crossfade", min: 0, max: MAX_CROSSFADE_S, step: 1, value: player.crossfadeS,
    "aria-label": "Crossfade seconds", oninput: (e) => {
      player.setCrossfade(e.target.value);
      out.textContent = player.crossfadeS ? `${player.crossfadeS} s` : "Off";
    } });
  return h("label", { class: "field-row" }, "Crossfade between tracks (this device) ", range, " ", out);
}

// The name other listeners see (a public playlist's owner, a profile, a share page): never the login name.
// Left empty, others see the neutral name the server gives (`Listener 4F2A`).
function displayNameForm(me) {
  const input = h("input", { id: "set-display-name", name: "display_name", maxlength: 100, autocomplete: "nickname",
    value: me.chosen_display_name || "", placeholder: me.chosen_display_name ? "" : me.display_name });
  const status = h("p", { class: "form-status", role: "status", id: "display-name-status" });
  const summary = h("p", { class: "form-error", role: "alert", id: "display-name-error" });
  const seen = h("p", { class: "card-sub", id: "display-name-seen" });
  const told = () => { seen.replaceChildren("Others see you as ", named(me.display_name), ". Your username stays private: it is only for signing in."); };
  told();
  const form = h("form", { class: "inline-form", id: "display-name-form", onsubmit: async (e) => {
    e.preventDefault();
    clearFieldErrors({ display_name: input }, summary);
    status.textContent = "";
    try {
      const chosen = input.value.trim() ? input.value : null;  // empty: none chosen, the neutral name
      const out = await api("/api/me", { method: "PATCH", body: { display_name: chosen } });
      Object.assign(me, out);
      input.value = me.chosen_display_name || "";
      input.placeholder = me.chosen_display_name ? "" : me.display_name;
      told();
      for (const who of document.querySelectorAll("a.who")) who.textContent = me.display_name;
      status.textContent = "Saved.";
    } catch (err) { showFieldErrors({ display_name: input }, summary, err); }
  } }, h("label", { for: "set-display-name", text: "Display name " }), input,
  h("button", { type: "submit", class: "ghost", text: "Save name" }));
  return h("div", { class: "display-name-box" }, form, summary, status, seen);
}

export async function settingsView(player, me) {
  document.title = "Settings · Encore";
  const norm = h("input", { type: "checkbox", id: "set-normalise", checked: player.normalise, onchange: (e) => player.setNormalise(e.target.checked) });
  return h("div", { class: "view narrow-wide" }, h("h1", { text: "Account and settings" }),
    section("Account", h("p", {}, "Signed in as ", named(me.username)), displayNameForm(me)),
    me.role === "label" ? null : await subscriptionSection(), // a label account does not need Premium (/upgrade says so)
    section("Playback", h("label", { class: "check" }, norm, " Normalise loudness (same perceived volume for every track)"),
      crossfadeSetting(player), h("label", { class: "field-row" }, "Sleep timer ", player.sleep.control("set-sleep"))),
    await discoverySection(), await devicesSection(), await listenTokenSection(),
    await securitySection(me));
}

