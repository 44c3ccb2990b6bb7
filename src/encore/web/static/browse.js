// Browsing by genre, and "see all" for each kind of search result, both paged (issue #16).
import { api } from "./api.js";
import { artistList, artistNames, cover, h, isolate, link } from "./dom.js";

export const PAGE = 24;
const KINDS = { tracks: "track", albums: "album", artists: "artist" };
const TITLES = { tracks: "Tracks", albums: "Albums", artists: "Artists" };

function albumCard(album) {
  return link(`/album/${album.id}`, { class: "card", "aria-label": `${album.title} by ${artistNames(album.artists)}` },
    cover(album.images, 300, `Cover of ${album.title}`),
    h("div", { class: "card-title", text: album.title }),
    h("div", { class: "card-sub" }, artistList(album.artists), album.release_date ? " · " + album.release_date.slice(0, 4) : ""));
}

function artistCard(artist) {
  return link(`/artist/${artist.id}`, { class: "card artist-card", "aria-label": artist.name },
    cover(artist.images, 300, artist.name), h("div", { class: "card-title", text: artist.name }), h("div", { class: "card-sub", text: "Artist" }));
}

function pageFrom(search) {
  const n = Number.parseInt(new URLSearchParams(search).get("page") || "1", 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 10_000) : 1;
}

// "21–40 of 341" with Previous / Next links: every page has its own address, so Back works.
function pager(base, params, page, total, shown) {
  const first = (page - 1) * PAGE + 1;
  const at = (p) => `${base}?${new URLSearchParams({ ...params, page: String(p) })}`;
  return h("nav", { class: "pager", "aria-label": "Pages" },
    page > 1 ? link(at(page - 1), { class: "chip", rel: "prev" }, "Previous") : null,
    h("span", { class: "pager-status", "aria-live": "polite", text: shown ? `${first}–${first + shown - 1} of ${total}` : `${total} in all` }),
    first + shown - 1 < total ? link(at(page + 1), { class: "chip", rel: "next" }, "Next") : null);
}

export async function genresView() {
  const genres = await api("/api/browse/genres");
  document.title = "Genres · Encore";
  return h("div", { class: "view" },
    h("h1", { text: "Genres" }),
    genres.length
      ? h("ul", { class: "chips", id: "genres" }, genres.map((g) => h("li", {},
        link(`/genre/${encodeURIComponent(g.key)}`, { class: "chip" }, g.name, h("span", { class: "chip-kind", text: `${g.album_count}` })))))
      : h("p", { class: "empty", text: "No genres yet." }));
}

export async function genreView(key) {
  const page = pageFrom(location.search);
  const [genres, albums] = await Promise.all([api("/api/browse/genres"),
    api(`/api/browse/genres/${encodeURIComponent(key)}?limit=${PAGE}&offset=${(page - 1) * PAGE}`)]);
  const name = (genres.find((g) => g.key === key) || { name: key }).name;
  document.title = `${isolate(name)} · Genres · Encore`;
  return h("div", { class: "view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow" }, link("/genre", {}, "Genres")), h("h1", { text: name }))),
    albums.items.length ? h("div", { class: "grid", id: "genre-albums" }, albums.items.map(albumCard)) : h("p", { class: "empty", text: "Nothing here." }),
    pager(`/genre/${encodeURIComponent(key)}`, {}, page, albums.total, albums.items.length));
}

// /search/tracks?q=... (albums, artists): every result of one kind, a page at a time.
export async function searchAllView(kind, query, player, trackRows) {
  const type = KINDS[kind];
  const page = pageFrom(location.search);
  document.title = `${TITLES[kind]} for ${isolate(query)} · Encore`;
  const r = await api(`/api/search?${new URLSearchParams({ q: query, type, limit: String(PAGE), offset: String((page - 1) * PAGE) })}`);
  const found = r[kind];
  const items = kind === "tracks"
    ? trackRows(found.items, player, { type: "search", id: query }, { showAlbum: true })
    : h("div", { class: "grid" }, found.items.map(kind === "albums" ? albumCard : artistCard));
  return h("div", { class: "view", id: `search-all-${kind}` },
    h("p", { class: "eyebrow" }, link(`/search?${new URLSearchParams({ q: query })}`, {}, `Search: ${query}`)),
    h("h1", { text: TITLES[kind] }),
    found.items.length ? items : h("p", { class: "empty" }, "No ", kind, " for ", h("q", { text: query })),
    pager(`/search/${kind}`, { q: query }, page, found.total, found.items.length));
}

// The header of a search section with its "See all" link (when there is more than it shows).
export function seeAll(kind, query, shown, total) {
  return total > shown
    ? link(`/search/${kind}?${new URLSearchParams({ q: query })}`, { class: "see-all", "aria-label": `See all ${total} ${kind}` }, `See all ${total}`)
    : null;
}
