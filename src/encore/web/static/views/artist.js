import { api } from "../api.js";
import { cover, h } from "../dom.js";
import { app } from "../state.js";
import { albumCard, grid, pageHeader, playButton, section } from "./common.js";
import { trackList } from "./tracklist.js";

export async function artistView({ params: [id], signal }) {
  const { artist, albums, appears_on: appearsOn, top_tracks: top } = await api.artist(id, { signal });
  document.title = `${artist.name} – Encore`;
  const context = { type: "artist", id: artist.id };
  const art = artist.images?.["300"] ? cover(artist.images, 300, "cover") : cover(albums[0]?.images, 300, "cover");
  const count = `${albums.length} ${albums.length === 1 ? "release" : "releases"}`;
  return h("div", { class: "page artist-page" },
    pageHeader({ art, round: true, kicker: "Artist", title: artist.name, meta: [h("span", { class: "dim", text: count })] }),
    h("div", { class: "actions" },
      top.length ? playButton(`Play ${artist.name}`, () => app.player.playList(top, 0, context)) : null),
    top.length ? section("Popular", trackList(top.slice(0, 10), context, { showArt: true, showArtists: false })) : null,
    albums.length ? section("Discography", grid(albums.map((a) => albumCard(a, { sub: "year" })))) : null,
    appearsOn.length ? section("Appears on", grid(appearsOn.map((a) => albumCard(a)))) : null);
}
