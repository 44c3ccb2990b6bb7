// The views. Each returns a DOM node built from API data with textContent only.
import { api } from "./api.js";
import { artistNames, cover, formatTime, h, link } from "./dom.js";

function albumCard(album) {
  return link(`/album/${album.id}`, { class: "card", "aria-label": `${album.title} by ${artistNames(album.artists)}` },
    cover(album.images, 300, `Cover of ${album.title}`),
    h("div", { class: "card-title", text: album.title }),
    h("div", { class: "card-sub", text: `${artistNames(album.artists)}${album.release_date ? " · " + album.release_date.slice(0, 4) : ""}` }),
  );
}

function artistCard(artist) {
  return link(`/artist/${artist.id}`, { class: "card artist-card", "aria-label": artist.name },
    cover(artist.images, 300, artist.name), h("div", { class: "card-title", text: artist.name }), h("div", { class: "card-sub", text: "Artist" }));
}

function trackRows(tracks, player, context, { showAlbum = false } = {}) {
  const list = h("ol", { class: "tracks" });
  tracks.forEach((track, i) => {
    const play = () => player.playList(tracks, i, context);
    const row = h("li", { class: "track", "data-track-id": track.id },
      h("button", { type: "button", class: showAlbum ? "track-play with-album" : "track-play", "aria-label": `Play ${track.title}`, onclick: play },
        h("span", { class: "track-num", text: String(showAlbum ? i + 1 : track.track_number) }),
        h("span", { class: "track-main" },
          h("span", { class: "track-title", text: track.title }),
          track.explicit ? h("span", { class: "explicit", title: "Explicit", text: "E" }) : null,
          h("span", { class: "track-artists", text: artistNames(track.artists) })),
        showAlbum ? h("span", { class: "track-album", text: track.album.title }) : null,
        h("span", { class: "track-time", text: formatTime(track.duration_ms / 1000) })));
    list.append(row);
  });
  return list;
}

function section(title, ...children) {
  return h("section", { class: "section" }, h("h2", { text: title }), ...children);
}

export async function homeView() {
  const [releases, labels] = await Promise.all([api("/api/browse/new-releases?limit=24"), api("/api/browse/labels")]);
  document.title = "Encore";
  return h("div", { class: "view" },
    section("New releases", h("div", { class: "grid" }, releases.items.map(albumCard))),
    section("Labels", h("ul", { class: "chips" }, labels.map((lb) =>
      h("li", {}, link(`/label/${lb.id}`, { class: "chip" }, lb.name, h("span", { class: "chip-kind", text: lb.kind })))))));
}

export async function albumView(id, player) {
  const { album, tracks } = await api(`/api/albums/${encodeURIComponent(id)}`);
  document.title = `${album.title} · ${artistNames(album.artists)} · Encore`;
  const meta = [album.album_type.toUpperCase(), album.release_date ? album.release_date.slice(0, 4) : null,
    `${tracks.length} tracks`].filter(Boolean).join(" · ");
  return h("div", { class: "view" },
    h("header", { class: "hero" }, cover(album.images, 300, `Cover of ${album.title}`),
      h("div", { class: "hero-text" },
        h("p", { class: "eyebrow", text: meta }),
        h("h1", { text: album.title }),
        h("p", { class: "hero-artists" }, ...album.artists.flatMap((a, i) => [i ? ", " : "", link(`/artist/${a.id}`, {}, a.name)])),
        album.label ? h("p", { class: "hero-label" }, link(`/label/${album.label.id}`, {}, album.label.name)) : null,
        h("button", { type: "button", class: "big-play", onclick: () => player.playList(tracks, 0, { type: "album", id: album.id }), text: "Play" }))),
    trackRows(tracks, player, { type: "album", id: album.id }));
}

export async function artistView(id, player) {
  const data = await api(`/api/artists/${encodeURIComponent(id)}`);
  document.title = `${data.artist.name} · Encore`;
  return h("div", { class: "view" },
    h("header", { class: "hero" }, cover(data.artist.images, 300, data.artist.name),
      h("div", { class: "hero-text" }, h("p", { class: "eyebrow", text: "Artist" }), h("h1", { text: data.artist.name }))),
    data.top_tracks.length ? section("Popular", trackRows(data.top_tracks, player, { type: "artist", id }, { showAlbum: true })) : null,
    data.albums.length ? section("Releases", h("div", { class: "grid" }, data.albums.map(albumCard))) : null,
    data.appears_on.length ? section("Appears on", h("div", { class: "grid" }, data.appears_on.map(albumCard))) : null);
}

export async function labelView(id) {
  const data = await api(`/api/labels/${encodeURIComponent(id)}`);
  document.title = `${data.label.name} · Encore`;
  return h("div", { class: "view" },
    h("header", { class: "hero hero-plain" }, h("div", { class: "hero-text" },
      h("p", { class: "eyebrow", text: `${data.label.kind} label` }), h("h1", { text: data.label.name }))),
    section("Releases", h("div", { class: "grid" }, data.albums.map(albumCard))));
}

export async function searchView(query, player) {
  document.title = query ? `${query} · Search · Encore` : "Search · Encore";
  if (!query.trim()) return h("div", { class: "view" }, h("p", { class: "empty", text: "Type to search artists, albums and tracks." }));
  const r = await api(`/api/search?q=${encodeURIComponent(query)}&limit=12`);
  const nothing = !r.artists.items.length && !r.albums.items.length && !r.tracks.items.length;
  return h("div", { class: "view" },
    nothing ? h("p", { class: "empty" }, "No results for ", h("q", { text: query })) : null,
    r.tracks.items.length ? section("Tracks", trackRows(r.tracks.items, player, { type: "search", id: query }, { showAlbum: true })) : null,
    r.artists.items.length ? section("Artists", h("div", { class: "grid" }, r.artists.items.map(artistCard))) : null,
    r.albums.items.length ? section("Albums", h("div", { class: "grid" }, r.albums.items.map(albumCard))) : null);
}

export function loginView(onDone) {
  const error = h("p", { class: "form-error", role: "alert" });
  const username = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const signup = h("input", { type: "checkbox", id: "login-signup" });
  const form = h("form", { class: "login", onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    const path = signup.checked ? "/api/auth/signup" : "/api/auth/login";
    try {
      await api(path, { method: "POST", body: { username: username.value, password: password.value } });
      onDone();
    } catch (err) {
      error.textContent = err.message;
    }
  } },
  h("h1", { text: "Log in to Encore" }),
  h("label", { for: "login-user", text: "Username" }), username,
  h("label", { for: "login-pass", text: "Password" }), password,
  h("label", { class: "check" }, signup, " Create a new account"),
  error,
  h("button", { type: "submit", class: "big-play", text: "Continue" }));
  document.title = "Log in · Encore";
  return h("div", { class: "view narrow" }, form);
}
