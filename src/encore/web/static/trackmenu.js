// A track's ⋯ menu: play next, queue, start radio, like or unlike, share, add to one of your playlists or a new one. Every action
// says what it did (toast.js); a track already in the chosen playlist asks before it is added again.
import { api } from "./api.js";
import { h, named } from "./dom.js";
import { failed } from "./offline.js";
import { startRadio } from "./radio.js";
import { toast } from "./toast.js";
import { likeFailed } from "./views.js";

let openMenu = null;
let openAnchor = null;
function closeMenu() { if (openMenu) { openMenu.remove(); openMenu = null; } }
document.addEventListener("click", (e) => { if (openMenu && !openMenu.contains(e.target) && !e.target.closest(".track-more")) closeMenu(); });
// Keyboard, as a menu is used: ↑/↓ move between the items (not the player's volume), Esc closes and puts
// the focus back on the ⋯ button, so a keyboard user goes on from where they were, not from the page's top.
document.addEventListener("keydown", (e) => {
  if (!openMenu) return;
  if (e.key === "Escape") {
    const anchor = openAnchor;
    closeMenu();
    if (anchor && anchor.isConnected) anchor.focus();
    return;
  }
  const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
  const items = [...openMenu.querySelectorAll("[role=menuitem]")];
  const at = items.indexOf(document.activeElement);
  if (!step || at < 0) return;
  e.preventDefault();
  e.stopImmediatePropagation(); // app.js's ↑/↓ (volume) listens on the same document, after this module
  items[(at + step + items.length) % items.length].focus();
});

export async function trackMenu(anchor, track, player) {
  closeMenu();
  const item = (text, fn) => h("button", { type: "button", role: "menuitem", text, onclick: async () => { closeMenu(); await fn(); anchor.focus(); } });
  const [lists, liked] = await Promise.all([
    api("/api/me/playlists?limit=50").catch(() => ({ items: [] })),
    api(`/api/me/likes/tracks/contains?ids=${encodeURIComponent(track.id)}`).then((r) => !!r[0]).catch(() => false)]);
  const menu = h("div", { class: "menu", role: "menu", "aria-label": `Actions for ${track.title}` },
    item("Play next", () => { player.playNext(track); toast(named(track.title), " plays next"); }),
    item("Add to queue", () => { player.addToQueue(track); toast("Added to queue"); }),
    item("Start radio", () => startRadio(player, "track", track.id)),
    item(liked ? "Unlike" : "Like", () => setLiked(track, !liked)),
    item("Share", () => share(track)));
  const mine = lists.items.filter((p) => p.is_owner);
  menu.append(h("p", { class: "menu-head", text: "Add to playlist" }));
  // a listener with no playlist yet starts one from here, not from Library and back (probe25a L4)
  menu.append(h("button", { type: "button", role: "menuitem", class: "menu-new-playlist", text: "New playlist…",
    onclick: () => { closeMenu(); newPlaylistWith(track, anchor); } }));
  for (const p of mine) menu.append(item(p.name, () => addToPlaylist(track, p)));
  closeMenu(); // a second click while the lists loaded
  anchor.after(menu);
  openMenu = menu;
  openAnchor = anchor;
  menu.querySelector("button").focus();
}

async function setLiked(track, on) {
  try {
    await api(`/api/me/likes/tracks/${encodeURIComponent(track.id)}`, { method: on ? "PUT" : "DELETE" });
  } catch (err) { toast(likeFailed(track.title, on, err)); return; } // said, as the album's Like (review28b F1)
  document.dispatchEvent(new CustomEvent("encore:liked", { detail: { id: track.id, on } }));
  toast(on ? "Added to Liked Songs" : "Removed from Liked Songs");
}

async function share(track) {
  const url = `${location.origin}/share/track/${track.id}`;
  try {
    await navigator.clipboard.writeText(url);
    toast("Link copied");
  } catch {
    toast(`Copy this link: ${url}`);
  }
}

async function addToPlaylist(track, playlist, allowDuplicates = false) {
  try {
    await api(`/api/playlists/${encodeURIComponent(playlist.id)}/items`, { method: "POST", body: { track_ids: [track.id], allow_duplicates: allowDuplicates } });
    toast("Added to ", named(playlist.name));
  } catch (err) {
    if (err.code !== "already_in_playlist") { toast(failed(err, "Adding to a playlist")); return; }
    if (await ask("Already in playlist: “", named(playlist.name), "”. Add anyway?")) await addToPlaylist(track, playlist, true);
    else toast("Not added: ", named(track.title), " is already in ", named(playlist.name));
  }
}

// "New playlist…": its name asked in a small dialog, then the playlist made with this track in it. A refused name
// is said in the dialog, the typed name kept; Cancel or Esc makes nothing.
function newPlaylistWith(track, anchor) {
  const name = h("input", { id: "menu-new-playlist-name", maxlength: 400, required: true, autocomplete: "off" });
  const error = h("p", { class: "form-error", role: "alert" });
  const dialog = h("dialog", { class: "ask new-playlist", "aria-label": "New playlist" });
  const done = () => { dialog.close(); dialog.remove(); if (anchor.isConnected) anchor.focus(); };
  const form = h("form", { method: "dialog", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (!name.value.trim()) { error.textContent = "Give the playlist a name."; name.focus(); return; }
    let made;
    try { made = await api("/api/playlists", { method: "POST", body: { name: name.value } }); } catch (err) { error.textContent = failed(err); name.focus(); return; }
    done();
    await addToPlaylist(track, made);
  } },
  h("label", { for: "menu-new-playlist-name", text: "Name of the new playlist" }), name, error,
  h("div", { class: "ask-buttons" },
    h("button", { type: "button", class: "ghost", text: "Cancel", onclick: done }),
    h("button", { type: "submit", class: "big-play", text: "Create and add" })));
  dialog.append(form);
  dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(); });
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}

// A small modal question; resolves true for "Add anyway", false for "Don't add" or Esc.
function ask(...question) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "ask", "aria-label": "Already in playlist" });
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(h("p", {}, ...question), h("div", { class: "ask-buttons" },
      h("button", { type: "button", class: "ghost", text: "Don't add", onclick: () => done(false) }),
      h("button", { type: "button", class: "big-play", text: "Add anyway", onclick: () => done(true) })));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// The playing track's rows in every list (not the queue, which marks its own position).
export function markPlaying(root, player) {
  const id = player.current ? player.current.id : null;
  for (const row of root.querySelectorAll("ol.tracks:not(.queue) > li[data-track-id]")) {
    const on = row.dataset.trackId === id;
    row.classList.toggle("playing", on);
    if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
  }
}
