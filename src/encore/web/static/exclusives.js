// Premium exclusives in the player and in the label portal (issue #18): the four kinds (interview, demo
// version, pre-release, artwork gallery), played or viewed when the server opened them, locked with the
// reason and the upgrade link when it did not. The gallery's pictures come from /api/exclusives/{id}/images,
// which answers only the entitled; the portal adds, fills and withdraws a label's own exclusives.
import { api } from "./api.js";
import { h, isolate, link, named } from "./dom.js";
import { failed } from "./offline.js";

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
  const opener = document.activeElement; // the picture pressed: the focus goes back there on close
  // Back/Forward leaves the page the pictures belong to, so the viewer goes with it (review29b L1); the focus goes
  // to the page, as the opener is on its way out. A closed viewer whose opener is gone also gives the page the focus.
  const close = (event) => {
    box.remove();
    window.removeEventListener("keydown", keys, true);
    window.removeEventListener("popstate", close);
    const back = event && event.type === "popstate";
    if (!back && opener && opener.isConnected) opener.focus();
    else document.getElementById("main").focus({ preventScroll: true });
  };
  // Caught before app.js's page shortcuts (window, capture phase): while the viewer is open the arrows move the
  // pictures only, never the music (←/→ seeked it, ↑/↓ changed the volume: review28b F5), and Tab stays inside.
  const keys = (e) => {
    if (e.key === "Tab") {
      const stops = [...box.querySelectorAll("button")];
      const at = stops.indexOf(document.activeElement);
      const to = at < 0 ? 0 : (at + (e.shiftKey ? -1 : 1) + stops.length) % stops.length;
      e.preventDefault();
      stops[to].focus();
    } else if (e.key === "Escape") close();
    else if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
    else if ((e.key === " " || e.key === "Enter") && box.contains(document.activeElement) && document.activeElement.tagName === "BUTTON") return; // its own press
    else if (e.key !== " " && e.key !== "Enter" && !e.key.startsWith("Arrow") && e.key !== "/" && e.key !== "m") return;
    if (e.key !== "Tab") e.preventDefault();
    e.stopPropagation();
  };
  const box = h("div", { class: "x-viewer", role: "dialog", "aria-modal": "true", "aria-label": `${x.title}: pictures`,
    onclick: (e) => { if (e.target === box) close(); } },
  h("button", { type: "button", class: "icon-btn x-close", "aria-label": "Close", text: "✕", onclick: close }),
  h("button", { type: "button", class: "icon-btn x-prev", "aria-label": "Previous picture", text: "‹", onclick: () => step(-1) }),
  // a press on the picture or its caption focuses the figure, in the viewer: the focus fell to <body>, where Space
  // paused the music under it (review29b L1)
  h("figure", { tabindex: "-1" }, img, caption),
  h("button", { type: "button", class: "icon-btn x-next", "aria-label": "Next picture", text: "›", onclick: () => step(1) }));
  window.addEventListener("keydown", keys, true);
  window.addEventListener("popstate", close);
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
  const why = x.reason === "premium_required_prerelease" ? `Premium only until ${day(x.release_at)} · ` : "Premium only · ";
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

// What a track is in the label's catalogue without any exclusive: public, premium or prerelease (the strictest
// of the album's and the track's own setting; a pre-release past its date is public).
function catalogueOf(album, t) {
  const own = [[album.availability, album.available_from], [t.availability, t.available_from]].filter(([v]) => v);
  if (own.some(([v]) => v === "premium")) return "premium";
  const held = own.filter(([v]) => v === "prerelease").map(([, at]) => at);
  return held.some((at) => !at || new Date(at) > new Date()) ? "prerelease" : "public";
}

// What free listeners get once this exclusive is withdrawn: its track as the label's catalogue says (the server's
// rule: an exclusive locks its track only while it stands).
function afterWithdraw(audio) {
  if (audio.catalogue_availability === "public") return "free listeners can play it again";
  if (audio.catalogue_availability === "prerelease") return `it stays a pre-release until ${day(audio.catalogue_available_from)}, as your catalogue says`;
  return "it stays Premium only, as your catalogue says";
}

function audioLine(x) {
  const a = x.audio;
  const now = a.catalogue_availability === "public"
    ? `Free listeners cannot play it while this stands${x.availability === "prerelease" ? ` (until ${day(x.release_at)})` : ""}; once withdrawn, ${afterWithdraw(a)}.`
    : `Once withdrawn, ${afterWithdraw(a)}.`;
  return h("span", { class: "x-audio" }, `Plays ${a.track_number}. `, named(a.title), `. ${now}`);
}

// An exclusive made on a release the operator took down, or with one of its tracks as its audio, changes no more
// than the release does until the operator restores it (the server answers 409 taken_down): no Add picture nor
// Withdraw (withdrawing would lift its track's Premium lock behind the takedown's back).
function takenDownOf(albums) {
  const down = albums.filter((a) => a.taken_down);
  const ids = new Set(down.map((a) => a.id));
  const tracks = new Set(down.flatMap((a) => a.tracks.map((t) => t.id)));
  return (x) => ids.has(x.album_id) || Boolean(x.audio && tracks.has(x.audio.track_id));
}

function heldRow(x) {
  const parts = [h("span", { class: "x-kind", text: KINDS[x.kind] || x.kind }), h("span", { class: "x-title", text: x.title })];
  if (x.kind === "gallery") parts.push(h("span", { class: "x-count", text: `${x.image_count} pictures` }), gallery(x));
  else if (x.audio) parts.push(h("span", { class: "x-audio" }, `Plays ${x.audio.track_number}. `, named(x.audio.title), "."));
  parts.push(h("p", { class: "x-taken-down", role: "note", text: "Its release was taken down by the operator of this server: "
    + "this exclusive stays as it is, and cannot be changed or withdrawn from here, until they restore the release." }));
  return h("li", { class: "exclusive own-exclusive x-held", "data-exclusive": x.id, "data-kind": x.kind }, ...parts);
}

function ownRow(base, x, redraw, held) {
  if (held(x)) return heldRow(x);
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
        try { await sendImage(base, x.id, f, caption.value.trim()); await redraw("Picture added."); } catch (err) { status.textContent = failed(err); }
      } })));
  } else if (x.audio) {
    parts.push(audioLine(x));
  }
  const track = x.audio ? ` Its track "${isolate(x.audio.title)}": ${afterWithdraw(x.audio)}.` : "";
  parts.push(h("button", { type: "button", class: "ghost danger x-withdraw", text: "Withdraw", onclick: async () => {
    if (!window.confirm(`Withdraw "${isolate(x.title)}"? Listeners will no longer see it, and its links stop working.${track}`)) return;
    try { await api(`${base}/exclusives/${encodeURIComponent(x.id)}`, { method: "DELETE" }); await redraw("Withdrawn.", true); } catch (err) { status.textContent = failed(err); }
  } }), status);
  return h("li", { class: "exclusive own-exclusive", "data-exclusive": x.id, "data-kind": x.kind }, ...parts);
}

// The latest a pre-release may open to everyone: the server refuses a date past two years (release_at_too_far).
const PRERELEASE_DAYS = 730;
const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

function createForm(current, redraw) {
  const kind = h("select", { id: "x-new-kind" }, ...Object.entries(KINDS).map(([v, t]) => h("option", { value: v, text: t })));
  const title = h("input", { id: "x-new-title", type: "text", maxlength: 200, required: true, autocomplete: "off" });
  const description = h("input", { id: "x-new-desc", type: "text", maxlength: 2000, autocomplete: "off" });
  const album = h("select", { id: "x-new-album" }, ...current().map((a) => h("option", { value: a.id, text: a.title })));
  const track = h("select", { id: "x-new-track", "aria-describedby": "x-new-track-note" });
  const trackNote = h("p", { id: "x-new-track-note", class: "x-track-note", role: "status" });
  const when = h("input", { id: "x-new-when", type: "datetime-local" });
  const status = h("p", { class: "form-status", role: "alert" });
  // A track another exclusive stands on cannot be chosen (the server's track_has_exclusive); a public one can,
  // and the note says what that does to free listeners, before and after a withdrawal.
  const note = () => {
    const a = current().find((x) => x.id === album.value);
    const t = a && a.tracks.find((x) => x.id === track.value);
    if (!t || !AUDIO.has(kind.value)) { trackNote.textContent = ""; return; }
    const until = kind.value === "prerelease" ? " until its public date" : "";
    trackNote.textContent = catalogueOf(a, t) === "public"
      ? `Free listeners can play "${isolate(t.title)}" now. While this exclusive stands, only Premium listeners can${until}; withdrawing it gives the track back to everyone.`
      : `"${isolate(t.title)}" is not public in your catalogue, and stays so when this exclusive is withdrawn.`;
  };
  const fillTracks = () => {
    const a = current().find((x) => x.id === album.value);
    track.replaceChildren(...(a ? a.tracks : []).map((t) => h("option", { value: t.id, disabled: !!t.exclusive,
      text: `${t.track_number}. ${t.title}${t.exclusive ? ` (the audio of "${t.exclusive.title}")` : ""}` })));
    const free = [...track.options].find((o) => !o.disabled);
    if (free) track.value = free.value;
    note();
  };
  const sync = () => {
    track.closest(".release-field").hidden = !AUDIO.has(kind.value);
    when.closest(".release-field").hidden = kind.value !== "prerelease";
    const now = new Date();
    when.min = local(now);
    when.max = local(new Date(now.getTime() + PRERELEASE_DAYS * 86400000));
    note();
  };
  const field = (input, text) => h("div", { class: "release-field" }, h("label", { for: input.id, text }), input);
  const form = h("form", { class: "x-new", "aria-label": "New exclusive", novalidate: true },
    field(kind, "Kind"), field(title, "Title"), field(description, "Description (optional)"), field(album, "Album"),
    field(track, "Audio (a track of that album)"), trackNote, field(when, "Public on (pre-release, within two years)"),
    h("button", { type: "submit", class: "primary", text: "Add exclusive" }), status);
  album.addEventListener("change", fillTracks);
  track.addEventListener("change", note);
  kind.addEventListener("change", sync);
  fillTracks();
  sync();
  form.refill = fillTracks;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    status.textContent = "";
    const prerelease = kind.value === "prerelease";
    const body = { kind: kind.value, title: title.value.trim(), description: description.value, album_id: album.value,
      availability: prerelease ? "prerelease" : "premium" };
    if (AUDIO.has(kind.value) && track.value) body.track_id = track.value;
    if (prerelease && when.value) body.release_at = new Date(when.value).toISOString();
    if (!body.title) { status.textContent = "Give the exclusive a title."; return; }
    try { await api("/api/label/exclusives", { method: "POST", body }); title.value = ""; description.value = ""; await redraw("Exclusive added.", true); } catch (err) { status.textContent = failed(err); }
  });
  return form;
}

// `reload` redraws the dashboard's catalogue and returns it: adding or withdrawing an exclusive with audio changes
// its track's lock, which the catalogue shows beside the track.
export async function labelExclusivesSection(base, albums, reload = null) {
  ensureExclusiveStyles();
  const list = h("ul", { class: "exclusive-list own-exclusives" });
  const note = h("p", { class: "form-status x-status", role: "status" });
  const isOut = (a) => a.status !== "draft" && a.status !== "withdrawn";
  let published = albums.filter(isOut);
  let held = takenDownOf(albums);
  let form = null;
  const redraw = async (message = "", tracksChanged = false) => {
    if (tracksChanged && reload) {
      const all = await reload();
      published = all.filter(isOut);
      held = takenDownOf(all);
      if (form) form.refill();
    }
    const own = await api(`${base}/exclusives`);
    list.replaceChildren(...own.map((x) => ownRow(base, x, redraw, held)));
    if (!own.length) list.append(h("li", { class: "empty", text: "No exclusives yet." }));
    note.textContent = message;
  };
  await redraw();
  return h("section", { class: "section", "aria-labelledby": "label-exclusives" },
    h("h2", { id: "label-exclusives", text: "Premium exclusives" }),
    h("p", { class: "empty", text: "Interviews, demo versions, pre-releases and artwork galleries: Premium listeners open them on the album's page; everyone else sees them locked." }),
    note, list, published.length ? (form = createForm(() => published, redraw)) : h("p", { class: "empty", text: "Publish a release to attach exclusives to it." }));
}
