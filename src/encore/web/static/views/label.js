import { api } from "../api.js";
import { h } from "../dom.js";
import { albumCard, grid, pageHeader, section } from "./common.js";

export async function labelView({ params: [id], signal }) {
  const { label, albums } = await api.label(id, { signal });
  document.title = `${label.name} – Encore`;
  const kicker = label.kind === "major" ? "Label · major" : label.kind === "indie" ? "Label · independent" : "Label";
  const count = `${albums.length} ${albums.length === 1 ? "release" : "releases"}`;
  return h("div", { class: "page label-page" },
    pageHeader({ kicker, title: label.name, meta: [h("span", { class: "dim", text: count })] }),
    section("Releases", grid(albums.map((a) => albumCard(a)))));
}
