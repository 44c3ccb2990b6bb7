// Premium exclusives in the player and in the label portal (issue #18): the four kinds (interview, demo
// version, pre-release, artwork gallery), played or viewed when the server opened them, locked with the
// reason and the upgrade link when it did not. The gallery's pictures come from /api/exclusives/{id}/images,
// which answers only the entitled; the portal adds, fills and withdraws a label's own exclusives.
import { api } from "./api.js";
import { h, isolate, link, named } from "./dom.js";

export const KINDS = { interview: "Interview", demo: "Demo version", prerelease: "Pre-release", gallery: "Artwork gallery" };
const AUDIO = new Set(["interview", "demo", "prerelease"]);
const IMAGE_MAX = 16 * 1024 * 1024;

export function ensureExclusiveStyles() {
  if (document.getElementById("exclusives-css")) return;
  document.head.append(h("link", { id: "exclusives-css", rel: "stylesheet", href: "/static/exclusives.css" }));
}

function day(iso) { return iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric" }) : ""; }

// A full-size picture over the page: Escape, the close button or a click outside close it; arrows step.
function viewer(x, start) {
  let at = start;
  const img = h("img", { class: "x-viewer-img", alt: "" });
  const caption = h("p", { class: "x-viewer-caption" });
  const show = () => {
    const pic = x.images[at];
    img.src = pic.url;
    img.alt = pic.caption || `${x.title}, picture ${at + 1}`;
    caption.replaceChildren(named(pic.caption || x.title), ` · ${at + 1} of ${x.images.length}`);
  };
  const step = (d) => { at = (at + d + x.images.length) % x.images.length; show(); };
  const close = () => { box.remove(); document.removeEventListener("keydown", keys); };
  const keys = (e) => {
    if (e.key === "Escape") close();
    else if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
  };
  const box = h("div", { class: "x-viewer", role: "dialog", "aria-modal": "true", "aria-label": `${x.title}: pictures`,
    onclick: (e) => { if (e.target === box) close(); } },
  h("button", { type: "button", class: "icon-btn x-close", "aria-label": "Close", text: "✕", onclick: close }),
  h("button", { type: "button", class: "icon-btn x-prev", "aria-label": "Previous picture", text: "‹", onclick: () => step(-1) }),
  h("figure", {}, img, caption),
  h("button", { type: "button", class: "icon-btn x-next", "aria-label": "Next picture", text: "›", onclick: () => step(1) }));
  document.addEventListener("keydown", keys);
  show();
  document.body.append(box);
  box.querySelector(".x-close").focus();
}

function gallery(x) {
  return h("ul", { class: "x-gallery", "aria-label": `${x.title}: ${x.images.length} pictures` },
    x.images.map((pic, i) => h("li", {}, h("button", { type: "button", class: "x-thumb", "aria-label": `View picture ${i + 1}: ${pic.caption || x.title}`,
      onclick: () => viewer(x, i) }, h("img", { src: pic.thumb_url, alt: "", loading: "lazy", width: 120, height: 120 })))));
}

function lockLine(x) {
  const what = x.kind === "gallery" ? `${x.image_count} pictures · ` : "";
  const why = x.reason === "premium_required_prerelease" ? `Premium until ${day(x.release_at)} · ` : "Premium only · ";
  return h("span", { class: "x-lock" }, h("span", { "aria-hidden": "true", text: "🔒 " }), what, why,
    link("/upgrade", { class: "x-upgrade", "aria-label": `Upgrade to unlock ${x.title}` }, "Upgrade to unlock"));
}

// One exclusive in an album's or artist's "Premium extras".
export function exclusiveItem(x, player) {
  ensureExclusiveStyles();
  const when = x.release_at ? ` · out ${day(x.release_at)}` : "";
  let action = null;
  if (x.locked) action = lockLine(x);
  else if (x.kind === "gallery") action = x.images.length ? gallery(x) : h("span", { class: "x-desc", text: "No pictures yet." });
  else if (x.track_id) {
    action = h("button", { type: "button", class: "ghost x-play", text: "Play", "aria-label": `Play ${x.title}`, onclick: async () => {
      player.playList([await api(`/api/tracks/${encodeURIComponent(x.track_id)}`)], 0, null);
    } });
  }
  return h("li", { class: `exclusive x-${x.kind}${x.locked ? " locked-x" : ""}`, "data-exclusive": x.id, "data-kind": x.kind },
    h("span", { class: "x-kind", text: `${KINDS[x.kind] || x.kind}${when}` }),
    h("span", { class: "x-title", text: x.title }),
    x.description ? h("span", { class: "x-desc", text: x.description }) : null,
    action);
}

// ---- The label portal: add, fill (gallery pictures) and withdraw the label's own exclusives ----

function sendImage(base, id, file, caption) {
  const form = new FormData();
  form.append("file", file);
  if (caption) form.append("label", caption);
  return fetch(`${base}/exclusives/${encodeURIComponent(id)}/images`, { method: "POST", body: form, credentials: "same-origin", headers: { "X-Encore-CSRF": "1" } })
    .then(async (r) => {
      const data = await r.json().catch(() => ({}));
      if (r.ok) return data;
      throw new Error((data.error && data.error.message) || `The picture was refused (${r.status}).`);
    });
}

function ownRow(base, x, redraw) {
  const status = h("span", { class: "form-status", role: "status" });
  const parts = [h("span", { class: "x-kind", text: KINDS[x.kind] || x.kind }), h("span", { class: "x-title", text: x.title })];
  if (x.kind === "gallery") {
    const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", "aria-label": `Picture for ${x.title}` });
    const caption = h("input", { type: "text", maxlength: 200, placeholder: "Caption (optional)", "aria-label": `Caption for ${x.title}` });
    parts.push(h("span", { class: "x-count", text: `${x.image_count} pictures` }), gallery(x), h("span", { class: "x-add-image" }, file, caption,
      h("button", { type: "button", class: "ghost x-upload", text: "Add picture", onclick: async () => {
        const f = file.files[0];
        if (!f) { status.textContent = "Choose a picture first."; return; }
        if (f.size > IMAGE_MAX) { status.textContent = "A picture can be at most 16 MB."; return; }
        try { await sendImage(base, x.id, f, caption.value.trim()); await redraw("Picture added."); } catch (err) { status.textContent = err.message; }
      } })));
  } else if (x.track_id) {
    parts.push(h("span", { class: "empty", text: "Plays the attached track." }));
  }
  parts.push(h("button", { type: "button", class: "ghost danger x-withdraw", text: "Withdraw", onclick: async () => {
    if (!window.confirm(`Withdraw "${isolate(x.title)}"? Listeners will no longer see it, and its links stop working.`)) return;
    try { await api(`${base}/exclusives/${encodeURIComponent(x.id)}`, { method: "DELETE" }); await redraw("Withdrawn."); } catch (err) { status.textContent = err.message; }
  } }), status);
  return h("li", { class: "exclusive own-exclusive", "data-exclusive": x.id, "data-kind": x.kind }, ...parts);
}

function createForm(albums, redraw) {
  const kind = h("select", { id: "x-new-kind" }, ...Object.entries(KINDS).map(([v, t]) => h("option", { value: v, text: t })));
  const title = h("input", { id: "x-new-title", type: "text", maxlength: 200, required: true, autocomplete: "off" });
  const description = h("input", { id: "x-new-desc", type: "text", maxlength: 2000, autocomplete: "off" });
  const album = h("select", { id: "x-new-album" }, ...albums.map((a) => h("option", { value: a.id, text: a.title })));
  const track = h("select", { id: "x-new-track" });
  const when = h("input", { id: "x-new-when", type: "datetime-local" });
  const status = h("p", { class: "form-status", role: "alert" });
  const fillTracks = () => {
    const a = albums.find((x) => x.id === album.value);
    track.replaceChildren(...(a ? a.tracks : []).map((t) => h("option", { value: t.id, text: `${t.track_number}. ${t.title}` })));
  };
  const sync = () => {
    track.closest(".release-field").hidden = !AUDIO.has(kind.value);
    when.closest(".release-field").hidden = kind.value !== "prerelease";
  };
  const field = (input, text) => h("div", { class: "release-field" }, h("label", { for: input.id, text }), input);
  const form = h("form", { class: "x-new", "aria-label": "New exclusive", novalidate: true },
    field(kind, "Kind"), field(title, "Title"), field(description, "Description (optional)"), field(album, "Album"),
    field(track, "Audio (a track of that album)"), field(when, "Public on (pre-release)"),
    h("button", { type: "submit", class: "primary", text: "Add exclusive" }), status);
  album.addEventListener("change", fillTracks);
  kind.addEventListener("change", sync);
  fillTracks();
  sync();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    status.textContent = "";
    const prerelease = kind.value === "prerelease";
    const body = { kind: kind.value, title: title.value.trim(), description: description.value, album_id: album.value,
      availability: prerelease ? "prerelease" : "premium" };
    if (AUDIO.has(kind.value) && track.value) body.track_id = track.value;
    if (prerelease && when.value) body.release_at = new Date(when.value).toISOString();
    if (!body.title) { status.textContent = "Give the exclusive a title."; return; }
    try { await api("/api/label/exclusives", { method: "POST", body }); title.value = ""; description.value = ""; await redraw("Exclusive added."); } catch (err) { status.textContent = err.message; }
  });
  return form;
}

export async function labelExclusivesSection(base, albums) {
  ensureExclusiveStyles();
  const list = h("ul", { class: "exclusive-list own-exclusives" });
  const note = h("p", { class: "form-status x-status", role: "status" });
  const redraw = async (message = "") => {
    const own = await api(`${base}/exclusives`);
    list.replaceChildren(...own.map((x) => ownRow(base, x, redraw)));
    if (!own.length) list.append(h("li", { class: "empty", text: "No exclusives yet." }));
    note.textContent = message;
  };
  await redraw();
  const published = albums.filter((a) => a.status !== "draft" && a.status !== "withdrawn");
  return h("section", { class: "section", "aria-labelledby": "label-exclusives" },
    h("h2", { id: "label-exclusives", text: "Premium exclusives" }),
    h("p", { class: "empty", text: "Interviews, demo versions, pre-releases and artwork galleries: Premium listeners open them on the album's page; everyone else sees them locked." }),
    note, list, published.length ? createForm(published, redraw) : h("p", { class: "empty", text: "Publish a release to attach exclusives to it." }));
}
