// The Library's saved albums and artists, each with an Unlike button. Text goes in through textContent only.
import { api } from "./api.js";
import { artistList, cover, h, named } from "./dom.js";
import { toast } from "./toast.js";
import { albumCard, artistCard, section } from "./views.js";

const KINDS = {
  albums: { title: "Albums", empty: "Albums you like show up here.", card: (a) => (a.playable === false ? goneCard(a) : albumCard(a)), item: (i) => i.album, name: (a) => a.title },
  artists: { title: "Artists", empty: "Artists you like show up here.", card: (a) => artistCard(a), item: (i) => i.artist, name: (a) => a.name },
};

export async function savedSections() {
  const pages = await Promise.all(Object.keys(KINDS).map((kind) => api(`/api/me/likes/${kind}?limit=50`)));
  return Object.keys(KINDS).map((kind, n) => savedSection(kind, pages[n]));
}

// A liked album its label withdrew stays, said and not a link: its page is gone for everyone (404), and a card
// leading there was a dead end. Unlike still removes it.
function goneCard(album) {
  return h("div", { class: "card unavailable", "aria-label": `${album.title}: no longer available` },
    cover(album.images, 300, `Cover of ${album.title}`),
    h("div", { class: "card-title", text: album.title }),
    h("div", { class: "card-sub" }, artistList(album.artists), " · No longer available"));
}

function savedSection(kind, page) {
  const k = KINDS[kind];
  const grid = h("div", { class: "grid", id: `saved-${kind}` });
  const empty = h("p", { class: "empty", text: k.empty, hidden: page.items.length > 0 });
  for (const entry of page.items) {
    const thing = k.item(entry);
    const cell = h("div", { class: "saved-item", "data-id": thing.id });
    cell.append(k.card(thing), h("button", { type: "button", class: "ghost unlike", text: "Unlike",
      "aria-label": `Remove ${k.name(thing)} from your library`, onclick: async () => {
        await api(`/api/me/likes/${kind}/${encodeURIComponent(thing.id)}`, { method: "DELETE" });
        cell.remove();
        empty.hidden = grid.children.length > 0;
        toast("Removed ", named(k.name(thing)), " from your library");
      } }));
    grid.append(cell);
  }
  return section(k.title, grid, empty);
}
