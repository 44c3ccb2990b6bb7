import { api } from "../api.js";
import { h } from "../dom.js";
import { albumCard, artistCard, grid, section } from "./common.js";
import { trackList } from "./tracklist.js";

export async function searchView({ query, signal }) {
  const q = (query.get("q") ?? "").trim();
  const input = document.getElementById("search-input");
  if (document.activeElement !== input && input.value.trim() !== q) input.value = q;
  document.title = q ? `Search: ${q} – Encore` : "Search – Encore";
  if (!q) {
    return h("div", { class: "page search-page" },
      h("h1", { text: "Search" }),
      h("p", { class: "dim", text: "Start typing to find artists, albums and tracks." }));
  }
  const found = await api.search(q, { signal });
  const { artists, albums, tracks } = found;
  const empty = !artists.items.length && !albums.items.length && !tracks.items.length;
  return h("div", { class: "page search-page" },
    h("h1", { class: "search-heading", dir: "auto", text: `Results for “${q}”` }),
    empty ? h("p", { class: "dim", role: "status", text: "No matches. Try a shorter or different word." }) : null,
    tracks.items.length
      ? section("Tracks", trackList(tracks.items, { type: "search", id: q.slice(0, 64) }, { showArt: true }))
      : null,
    albums.items.length ? section("Albums", grid(albums.items.map((a) => albumCard(a)))) : null,
    artists.items.length ? section("Artists", grid(artists.items.map(artistCard))) : null);
}
