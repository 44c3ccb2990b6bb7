// Made for you (issue #19): the listener's Daily Mixes, Discover Weekly and Release Radar on home, and a mix's
// own view with Play and "Save as playlist". Mixes are built by a daily job; a new listener's on first ask.
import { api } from "./api.js";
import { counted, formatTime, h, isolate, link } from "./dom.js";
import { failed } from "./offline.js";

const KIND_LABEL = { daily: "Daily Mix", discover: "Weekly", radar: "Weekly" };

function mixCard(m) {
  return link(`/mix/${m.id}`, { class: `card mix-card mix-${m.kind}`, "aria-label": `${m.title}: ${m.description}` },
    h("div", { class: "cover mix-cover", "aria-hidden": "true" }, h("span", { text: m.title })),
    h("div", { class: "card-title", text: m.title }),
    h("div", { class: "card-sub", text: m.description || KIND_LABEL[m.kind] || "" }));
}

// The home row; nothing when there is no mix (or the mixes could not be read: home still shows).
export function madeForYou(mixes) {
  if (!Array.isArray(mixes) || !mixes.length) return null;
  return h("section", { class: "section", id: "made-for-you" }, h("h2", { text: "Made for you" }),
    h("div", { class: "grid" }, mixes.map(mixCard)));
}

export async function mixView(id, player, trackRows) {
  const m = await api(`/api/me/mixes/${encodeURIComponent(id)}`);
  document.title = `${isolate(m.title)} · Encore`;
  const context = { type: "mix", id: m.id }; // plays from a mix say so in history and the export
  const seconds = m.tracks.reduce((n, t) => n + t.duration_ms / 1000, 0);
  const status = h("span", { class: "mix-saved", role: "status" });
  const saved = (playlistId, again) => {
    status.replaceChildren(again ? "Already saved as " : "Saved as ", link(`/playlist/${playlistId}`, {}, "a playlist"));
  };
  if (m.saved_playlist) saved(m.saved_playlist, true);
  const save = h("button", { type: "button", class: "ghost", id: "mix-save", text: "Save as playlist", onclick: async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    let r = null;
    // the server's sentence says why (the playlist limits say when the next can be made; review32e L1)
    try { r = await api(`/api/me/mixes/${encodeURIComponent(m.id)}/save`, { method: "POST", body: {} }); } catch (err) {
      status.textContent = failed(err, "Saving this mix");
    }
    button.disabled = false;
    if (r) saved(r.playlist_id, !r.created);
  } });
  return h("div", { class: "view", id: "mix-view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow", text: `Made for you · ${counted(m.tracks.length, "track")} · ${formatTime(seconds)}` }),
      h("h1", { text: m.title }), m.description ? h("p", { class: "hero-desc", text: m.description }) : null,
      h("div", { class: "hero-actions" },
        m.tracks.length ? h("button", { type: "button", class: "big-play", text: "Play", "aria-label": `Play ${m.title}`,
          onclick: () => player.playList(m.tracks, 0, context) }) : null,
        m.tracks.length ? save : null, status))),
    m.tracks.length ? trackRows(m.tracks, player, context, { showAlbum: true }) : h("p", { class: "empty", text: "Nothing playable in this mix right now." }));
}
