// Track lists: a row per track; choosing a row plays the list from there. The row that is
// playing is marked everywhere through one player listener.

import { artistNames, cover, formatMs, h, text } from "../dom.js";
import { app } from "../state.js";

function row(track, index, { showArt, showArtists }) {
  const by = artistNames(track.artists);
  const lead = showArt
    ? h("span", { class: "track-art" }, cover(track.images, 64, "cover"))
    : h("span", { class: "track-num" }, h("span", { class: "num", text: String(track.track_number || index + 1) }),
        h("span", { class: "eq", "aria-hidden": "true" }, h("i"), h("i"), h("i")));
  return h("li", { class: "track", dataset: { trackId: track.id } },
    h("button", { type: "button", class: "track-main", "aria-label": `Play ${track.title} by ${by}`, dataset: { index } },
      lead,
      h("span", { class: "track-text" },
        text("span", "track-title", track.title),
        track.explicit ? h("span", { class: "badge", title: "Explicit", text: "E" }) : null,
        showArtists ? text("span", "track-artists", by) : null),
      h("span", { class: "track-duration", text: formatMs(track.duration_ms) })));
}

/** context: {type, id} for play reports. */
export function trackList(tracks, context, { showArt = false, showArtists = true } = {}) {
  const list = h("ol", { class: showArt ? "tracks with-art" : "tracks" },
    tracks.map((t, i) => row(t, i, { showArt, showArtists })));
  list.addEventListener("click", (e) => {
    const btn = e.target.closest("button.track-main");
    if (btn) app.player.playList(tracks, Number(btn.dataset.index), context);
  });
  markCurrent(list);
  return list;
}

function markCurrent(scope = document) {
  const id = app.player?.track?.id;
  for (const li of scope.querySelectorAll("li.track")) {
    const current = li.dataset.trackId === id;
    li.classList.toggle("is-current", current);
    const btn = li.querySelector(".track-main");
    if (current) btn.setAttribute("aria-current", "true");
    else btn.removeAttribute("aria-current");
  }
}

export function watchCurrentTrack(player) {
  player.addEventListener("trackchange", () => markCurrent());
  const playing = () => document.body.classList.toggle("is-playing", !player.audio.paused);
  for (const ev of ["play", "pause", "playing", "ended"]) player.audio.addEventListener(ev, playing);
}
