import { api } from "../api.js";
import { h, text } from "../dom.js";
import { app } from "../state.js";
import { albumCard, grid, section } from "./common.js";

function greeting() {
  const hour = new Date().getHours();
  return hour < 5 ? "Good night" : hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
}

function labelChip(label) {
  const n = label.album_count;
  return h("li", {},
    h("a", { class: "chip", href: `/label/${encodeURIComponent(label.id)}` },
      text("span", "chip-name", label.name),
      h("span", { class: "chip-sub", text: `${n} ${n === 1 ? "release" : "releases"}${label.kind ? ` · ${label.kind}` : ""}` })));
}

export async function homeView({ signal }) {
  const [releases, labels] = await Promise.all([api.newReleases({ signal }), api.labels({ signal })]);
  document.title = "Encore";
  const name = app.user?.display_name || app.user?.username || "";
  return h("div", { class: "page home-page" },
    h("h1", { class: "greeting", dir: "auto", text: name ? `${greeting()}, ${name}` : greeting() }),
    section("New releases",
      releases.items.length ? grid(releases.items.map((a) => albumCard(a))) : h("p", { class: "dim", text: "Nothing here yet." })),
    labels.length ? section("Labels", h("ul", { class: "chips" }, labels.map(labelChip))) : null);
}
