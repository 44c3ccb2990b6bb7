// Building blocks shared by the views: album cards and grids, sections, page headers, errors.

import { artistLinks, cover, h, hrefFor, text, year } from "../dom.js";
import { icon } from "../icons.js";

export function section(title, ...content) {
  const heading = text("h2", "section-title", title);
  return h("section", { class: "section" }, heading, ...content);
}

export function albumCard(album, { sub = "artists" } = {}) {
  const subline = h("div", { class: "card-sub" });
  if (sub === "year") subline.append(`${year(album.release_date) || "—"} · ${kind(album.album_type)}`);
  else subline.append(artistLinks(album.artists));
  return h("article", { class: "card" },
    h("a", { class: "card-link", href: hrefFor("album", album.id) },
      h("div", { class: "card-art" }, cover(album.images, 300)),
      text("span", "card-title", album.title)),
    subline);
}

export function artistCard(artist) {
  return h("article", { class: "card card-artist" },
    h("a", { class: "card-link", href: hrefFor("artist", artist.id) },
      h("div", { class: "card-art round" }, cover(artist.images, 300)),
      text("span", "card-title", artist.name)),
    h("div", { class: "card-sub", text: "Artist" }));
}

export const grid = (cards) => h("div", { class: "grid" }, cards);

export const kind = (albumType) => {
  const names = { album: "Album", single: "Single", ep: "EP", compilation: "Compilation" };
  return names[albumType] ?? "Album";
};

/** The big header of album, artist and label pages: art, a kicker line, the title, meta lines. */
export function pageHeader({ art, kicker, title, meta = [], actions = null, round = false }) {
  return h("header", { class: "page-header" },
    art ? h("div", { class: round ? "hero-art round" : "hero-art" }, art) : null,
    h("div", { class: "hero-text" },
      h("p", { class: "kicker", text: kicker }),
      text("h1", "hero-title", title),
      ...meta.map((line) => h("p", { class: "hero-meta" }, line)),
      actions));
}

export function playButton(label, onclick) {
  return h("button", { type: "button", class: "play-big", "aria-label": label, title: label, onclick }, icon("play"));
}

export function message(title, body, { link = true } = {}) {
  return h("div", { class: "message" },
    h("h1", { text: title }),
    h("p", { text: body }),
    link ? h("a", { class: "button", href: "/", text: "Go home" }) : null);
}

export function errorView({ error }) {
  if (error?.status === 404 || !error) {
    document.title = "Not found – Encore";
    return message("Page not found", "We couldn't find what you were looking for.");
  }
  document.title = "Error – Encore";
  return message("Something went wrong", error.message || "Please try again.");
}
