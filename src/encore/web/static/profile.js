// A listener's page (/user/<id>): the name and public playlists. /v1's users' external_urls lead here.
import { api } from "./api.js";
import { h, isolate } from "./dom.js";
import { playlistCard } from "./library.js";

export async function profileView(id) {
  const data = await api(`/api/users/${encodeURIComponent(id)}`);
  document.title = `${isolate(data.name)} · Encore`;
  const lists = data.playlists.items;
  return h("div", { class: "view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow", text: "Profile" }), h("h1", { text: data.name }),
      h("p", { class: "hero-artists", text: `${data.playlists.total} public playlists` }))),
    lists.length ? h("div", { class: "grid" }, lists.map(playlistCard))
      : h("p", { class: "empty", text: "No public playlists yet." }));
}
