import { api } from "../api.js";
import { artistLinks, cover, formatTotal, h, hrefFor, year } from "../dom.js";
import { app } from "../state.js";
import { kind, pageHeader, playButton } from "./common.js";
import { trackList } from "./tracklist.js";

export async function albumView({ params: [id], signal }) {
  const { album, tracks } = await api.album(id, { signal });
  document.title = `${album.title} – Encore`;
  const context = { type: "album", id: album.id };
  const albumArtists = new Set(album.artists.map((a) => a.id));
  const sameArtists = (t) => t.artists.every((a) => albumArtists.has(a.id));
  const totalMs = tracks.reduce((sum, t) => sum + t.duration_ms, 0);

  const byline = h("span", { class: "byline" }, artistLinks(album.artists));
  const facts = [year(album.release_date), `${tracks.length} ${tracks.length === 1 ? "track" : "tracks"}`, formatTotal(totalMs)]
    .filter(Boolean).join(" · ");
  const meta = [h("span", {}, byline, h("span", { class: "dim", text: ` · ${facts}` }))];
  if (album.label) {
    meta.push(h("span", { class: "dim" }, "Label ", h("a", { href: hrefFor("label", album.label.id), dir: "auto", text: album.label.name })));
  }
  const play = tracks.length ? playButton(`Play ${album.title}`, () => app.player.playList(tracks, 0, context)) : null;

  return h("div", { class: "page album-page" },
    h("div", { class: "backdrop", "aria-hidden": "true" }, cover(album.images, 64, "backdrop-img")),
    pageHeader({ art: cover(album.images, 640, "cover"), kicker: kind(album.album_type), title: album.title, meta }),
    h("div", { class: "actions" }, play),
    trackList(tracks, context, { showArtists: !tracks.every(sameArtists) }),
    album.release_date || album.upc
      ? h("p", { class: "fineprint", text: [album.release_date && `Released ${album.release_date}`, album.upc && `UPC ${album.upc}`].filter(Boolean).join(" · ") })
      : null);
}
