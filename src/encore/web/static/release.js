// A label's release from upload to listeners (issue #18): the draft's form (title, artists, release date,
// cover, each track's number, title and ISRC), Publish, Delete a draft, Withdraw a published release and publish it
// again. The server checks everything and answers with a sentence per field, shown next to that field.
import { api } from "./api.js";
import { h, isolate } from "./dom.js";
import { clearFieldErrors, showFieldErrors } from "./formerrors.js";
import { failed } from "./offline.js";

const COVER_MAX = 16 * 1024 * 1024;
const STATUS_TEXT = { draft: "Draft: only you can see it", published: "Published", withdrawn: "Withdrawn: listed nowhere" };

function labelled(id, text, input) {
  input.id = id;
  return h("div", { class: "release-field" }, h("label", { for: id, text }), input);
}

function sendCover(url, file) {
  const form = new FormData();
  form.append("file", file);
  return fetch(url, { method: "PUT", body: form, credentials: "same-origin", headers: { "X-Encore-CSRF": "1" } })
    .then(async (r) => {
      const data = await r.json().catch(() => ({}));
      if (r.ok) return data;
      const err = new Error((data.error && data.error.message) || `The cover was refused (${r.status}).`);
      err.fields = (data.error && data.error.fields) || { cover: err.message };
      throw err;
    });
}

// The form of one draft: every field saved at once; Publish saves first, then asks the server to publish.
export function draftForm(base, album, redraw) {
  const url = `${base}/releases/${album.id}`;
  const p = `draft-${album.id}`;
  const inputs = {
    title: h("input", { type: "text", value: album.title, maxlength: 300, autocomplete: "off" }),
    artists: h("input", { type: "text", value: album.artists.join(", "), autocomplete: "off" }),
    release_date: h("input", { type: "date", value: album.release_date || "" }),
    cover: h("input", { type: "file", accept: "image/jpeg,image/png,image/webp" }),
  };
  // Numbers are sent as typed: the server says what is wrong with "0" or "1.5" next to the field (a number input
  // would send "" for both). The disc shows once a release has a second disc, or two tracks share a number: a
  // two-disc release whose files all landed on disc 1 is mended here, not by tagging and uploading again
  // (review23n F5). The API takes a disc either way.
  const numbered = album.tracks.map((t) => `${t.disc_number}:${t.track_number}`);
  const shared = new Set(numbered).size < numbered.length;
  const discs = shared || album.tracks.some((t) => t.disc_number !== 1);
  const number = (value, attr, id) => h("input", { type: "text", inputmode: "numeric", value: String(value), maxlength: 6, autocomplete: "off", [attr]: id });
  const trackRows = album.tracks.map((t, i) => {
    inputs[`tracks.${t.id}.track_number`] = number(t.track_number, "data-track-number", t.id);
    if (discs) inputs[`tracks.${t.id}.disc_number`] = number(t.disc_number, "data-track-disc", t.id);
    inputs[`tracks.${t.id}.title`] = h("input", { type: "text", value: t.title, maxlength: 300, "data-track-title": t.id });
    inputs[`tracks.${t.id}.isrc`] = h("input", { type: "text", value: t.isrc || "", maxlength: 15, placeholder: "e.g. USRC17607839", "data-track-isrc": t.id });
    return h("li", { class: discs ? "release-track with-disc" : "release-track" },
      discs ? labelled(`${p}-t${i}-disc`, "Disc", inputs[`tracks.${t.id}.disc_number`]) : null,
      labelled(`${p}-t${i}-number`, "No.", inputs[`tracks.${t.id}.track_number`]),
      labelled(`${p}-t${i}-title`, `Track ${i + 1} title`, inputs[`tracks.${t.id}.title`]),
      labelled(`${p}-t${i}-isrc`, "ISRC", inputs[`tracks.${t.id}.isrc`]));
  });
  const summary = h("p", { class: "form-status release-status", role: "alert" });
  const cover = coverShown(album);
  const body = () => ({
    title: inputs.title.value,
    artists: inputs.artists.value.split(",").map((s) => s.trim()).filter(Boolean),
    release_date: inputs.release_date.value,
    tracks: album.tracks.map((t) => ({ id: t.id, title: inputs[`tracks.${t.id}.title`].value, isrc: inputs[`tracks.${t.id}.isrc`].value,
      track_number: inputs[`tracks.${t.id}.track_number`].value,
      ...(discs ? { disc_number: inputs[`tracks.${t.id}.disc_number`].value } : {}) })),
  });
  const save = async () => {
    clearFieldErrors(inputs, summary);
    const file = inputs.cover.files[0];
    if (file && file.size > COVER_MAX) {
      showFieldErrors(inputs, summary, { fields: { cover: "A cover can be at most 16 MB." } });
      return null;
    }
    try {
      let saved = await api(url, { method: "PATCH", body: body() });
      if (file) saved = await sendCover(`${url}/cover`, file);
      return saved;
    } catch (err) {
      showFieldErrors(inputs, summary, err);
      return null;
    }
  };
  const act = async (fn) => { for (const b of buttons) b.disabled = true; try { await fn(); } finally { for (const b of buttons) b.disabled = false; } };
  const buttons = [
    h("button", { type: "submit", class: "ghost release-save", text: "Save draft" }),
    h("button", { type: "button", class: "primary release-publish", text: "Publish", onclick: () => act(async () => {
      const saved = await save();
      if (!saved) return;
      try {
        redraw(await api(`${url}/publish`, { method: "POST" }), "Published: listeners can find it now.");
      } catch (err) { showFieldErrors(inputs, summary, err); }
    }) }),
    h("button", { type: "button", class: "ghost danger release-delete", text: "Delete draft", onclick: () => act(async () => {
      if (!window.confirm(`Delete the draft "${isolate(album.title)}" and its uploaded files? This cannot be undone.`)) return;
      try { await api(url, { method: "DELETE" }); redraw(null, ""); } catch (err) { summary.textContent = failed(err); }
    }) }),
  ];
  const form = h("form", { class: "release-form", novalidate: true, "aria-label": `Release form of ${album.title}` },
    cover,
    labelled(`${p}-title`, "Release title", inputs.title),
    labelled(`${p}-artists`, "Artists (comma between names)", inputs.artists),
    labelled(`${p}-date`, "Release date", inputs.release_date),
    labelled(`${p}-cover`, "Cover image (JPEG, PNG or WebP, at most 16 MB)", inputs.cover),
    h("ol", { class: "release-tracks" }, ...trackRows),
    h("div", { class: "release-actions" }, ...buttons),
    summary);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => { const saved = await save(); if (saved) redraw(saved, "Draft saved."); });
  });
  return form;
}

// Published: Withdraw (asks first); withdrawn: publish again.
export function releaseActions(base, album, redraw) {
  const url = `${base}/releases/${album.id}`;
  const status = h("span", { class: "form-status", role: "status" });
  const run = async (path, message) => {
    try { redraw(await api(`${url}/${path}`, { method: "POST" }), message); } catch (err) { status.textContent = failed(err); }
  };
  const button = album.status === "published"
    ? h("button", { type: "button", class: "ghost danger release-withdraw", text: "Withdraw", onclick: () => {
      if (window.confirm(`Withdraw "${isolate(album.title)}"? Listeners will no longer find or play it; its plays and statements stay.`)) {
        run("withdraw", "Withdrawn: listed nowhere now.");
      }
    } })
    : h("button", { type: "button", class: "ghost release-republish", text: "Publish again", onclick: () => run("publish", "Published again.") });
  return h("span", { class: "release-actions" }, button, status);
}

// A published or withdrawn release whose tracks share a number (published before publish refused that): its
// discs and numbers, saved together so that two numbers can swap (the one-track edit refuses a taken number).
// Nothing when every track has a place of its own.
export function numbersForm(base, album, redraw) {
  const places = album.tracks.map((t) => `${t.disc_number}:${t.track_number}`);
  if (new Set(places).size === places.length) return null;
  const p = `numbers-${album.id}`;
  const inputs = {};
  const number = (value, attr, id) => h("input", { type: "text", inputmode: "numeric", value: String(value), maxlength: 6, autocomplete: "off", [attr]: id });
  const rows = album.tracks.map((t, i) => {
    inputs[`tracks.${t.id}.disc_number`] = number(t.disc_number, "data-track-disc", t.id);
    inputs[`tracks.${t.id}.track_number`] = number(t.track_number, "data-track-number", t.id);
    return h("li", { class: "release-track release-number-row" },
      labelled(`${p}-t${i}-disc`, "Disc", inputs[`tracks.${t.id}.disc_number`]),
      labelled(`${p}-t${i}-number`, "No.", inputs[`tracks.${t.id}.track_number`]),
      h("span", { class: "release-number-title", text: t.title }));
  });
  const summary = h("p", { class: "form-status release-status", role: "alert" });
  const save = h("button", { type: "submit", class: "ghost release-numbers-save", text: "Save numbers" });
  const form = h("form", { class: "release-numbers", novalidate: true, "aria-label": `Track numbers of ${album.title}` },
    h("p", { class: "release-numbers-note", text: "Two tracks share a number: give each its own place (Disc and No.), then save them together." }),
    h("ol", { class: "release-tracks" }, ...rows), h("div", { class: "release-actions" }, save), summary);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(inputs, summary);
    save.disabled = true;
    const tracks = album.tracks.map((t) => ({ id: t.id, disc_number: inputs[`tracks.${t.id}.disc_number`].value,
      track_number: inputs[`tracks.${t.id}.track_number`].value }));
    try { redraw(await api(`${base}/releases/${album.id}/numbers`, { method: "PUT", body: { tracks } }), "Numbers saved."); }
    catch (err) { showFieldErrors(inputs, summary, err); }
    finally { save.disabled = false; }
  });
  return form;
}

// A published or withdrawn release's cover: shown, and replaced at once (listeners see the new one).
export function coverForm(base, album, redraw) {
  const id = `cover-${album.id}`;
  const input = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", id });
  const status = h("span", { class: "form-status", role: "status" });
  const shown = coverShown(album, h("span", { class: "empty", text: "No cover yet." }));
  const send = h("button", { type: "button", class: "ghost release-cover-send", text: album.artwork["300"] ? "Replace cover" : "Add cover", onclick: async () => {
    const file = input.files[0];
    if (!file) { status.textContent = "Choose an image first."; return; }
    if (file.size > COVER_MAX) { status.textContent = "A cover can be at most 16 MB."; return; }
    send.disabled = true;
    try { redraw(await sendCover(`${base}/releases/${album.id}/cover`, file), "Cover saved: listeners see it now."); }
    catch (err) { status.textContent = (err.fields && err.fields.cover) || failed(err); }
    finally { send.disabled = false; }
  } });
  return h("div", { class: "release-cover-edit" }, shown,
    h("label", { for: id, text: "Cover image (JPEG, PNG or WebP, at most 16 MB)" }), input, send, status);
}

// A cover an operator's takedown holds back (/art/ answers 404 for it to everyone, this label included): a square
// saying so in place of a broken image. The taken-down release's own went with it (review23n F6); a draft or another
// release showing the same image is told why, and that another cover mends it.
export function coverShown(album, none = "") {
  if (!album.cover_held_back) {
    return album.artwork["300"] ? h("img", { class: "release-cover", src: album.artwork["300"], alt: `Cover of ${album.title}` }) : none;
  }
  const square = h("p", { class: "release-cover release-cover-held", role: "img", "aria-label": `Cover of ${album.title}, held back`,
    text: album.taken_down ? "Cover held back with the release" : "Cover held back" });
  if (album.taken_down) return square;
  return h("div", { class: "release-cover-held-box" }, square, h("p", { class: "release-cover-held-why", role: "note",
    text: "This image is the cover of a release the operator of this server took down, so it is held back: no one is "
      + "shown it, you included. Choose another cover." }));
}

export function statusBadge(album) {
  if (album.taken_down) return h("span", { class: "release-badge release-taken-down", text: "Taken down by the operator" });
  return h("span", { class: `release-badge release-${album.status}`, text: STATUS_TEXT[album.status] || album.status });
}

// ---- Lyrics of one published track: paste plain text or LRC, preview it, save it, remove it ----
const STAMP = /^\[(\d{1,3}):(\d{2})(?:[.:](\d{1,3}))?\](.*)$/;
const TAG = /^\[[a-z]+:.*\]$/i;

// What the listener will see, read the way the player shows it. The server parses again on save and is the
// one that refuses (with the line and the reason); this only previews.
export function previewLines(text) {
  const lines = [];
  let timed = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || TAG.test(line)) continue;
    const m = STAMP.exec(line);
    if (m) {
      timed += 1;
      lines.push({ time: `${m[1].padStart(2, "0")}:${m[2]}`, text: m[4].trim() });
    } else lines.push({ time: null, text: line });
  }
  return { lines, synced: timed > 0 && timed === lines.length };
}

export function lyricsEditor(base, track) {
  const url = `${base}/tracks/${encodeURIComponent(track.id)}/lyrics`;
  const p = `lyr-${track.id}`;
  const text = h("textarea", { id: `${p}-text`, rows: 10, spellcheck: "false", class: "lyrics-text",
    placeholder: "[00:12.00]First line\n[00:17.50]Second line\n\nor plain lines without times" });
  const language = h("input", { id: `${p}-lang`, type: "text", maxlength: 3, size: 4, placeholder: "eng", autocomplete: "off" });
  const preview = h("ol", { class: "lyrics-preview", "aria-label": `Preview of the lyrics of ${track.title}` });
  const status = h("p", { class: "form-status lyrics-status", role: "status" });
  const showPreview = () => {
    const { lines, synced } = previewLines(text.value);
    preview.replaceChildren(...lines.slice(0, 500).map((l) => h("li", {}, l.time ? h("span", { class: "lyr-time", text: l.time }) : null, h("span", { text: ` ${l.text}` }))));
    status.textContent = lines.length ? `${synced ? "Synced" : "Plain"} lyrics, ${lines.length} lines.` : "Nothing to preview.";
  };
  const load = async () => {
    const got = await api(url).catch((err) => { status.textContent = failed(err); return null; });
    text.value = got ? got.lrc : "";
    language.value = got && got.language !== "und" ? got.language : "";
    remove.disabled = !got;
    status.textContent = got ? `${got.synced ? "Synced" : "Plain"} lyrics saved (${got.lines.length} lines).` : "No lyrics yet.";
  };
  const remove = h("button", { type: "button", class: "ghost danger lyrics-remove", text: "Remove lyrics", onclick: async () => {
    if (!window.confirm(`Remove the lyrics of "${isolate(track.title)}"?`)) return;
    try {
      await api(url, { method: "DELETE" });
      text.value = ""; preview.replaceChildren(); remove.disabled = true;
      status.textContent = "Lyrics removed.";
    } catch (err) { status.textContent = failed(err); }
  } });
  const form = h("form", { class: "lyrics-editor", novalidate: true, "aria-label": `Lyrics of ${track.title}` },
    h("label", { for: text.id, text: "Lyrics (plain text, or LRC with [mm:ss.xx] times)" }), text,
    h("label", { for: language.id, text: "Language (ISO 639, optional)" }), language,
    h("div", { class: "release-actions" },
      h("button", { type: "button", class: "ghost lyrics-preview-btn", text: "Preview", onclick: showPreview }),
      h("button", { type: "submit", class: "primary lyrics-save", text: "Save lyrics" }), remove),
    status, preview);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { text: text.value };
    if (language.value.trim()) body.language = language.value.trim();
    try {
      const saved = await api(url, { method: "PUT", body });
      text.value = saved.lrc;
      remove.disabled = false;
      showPreview();
      status.textContent = `Saved: ${saved.synced ? "synced" : "plain"} lyrics, ${saved.lines.length} lines.`;
    } catch (err) { status.textContent = err.status === 413 ? "Those lyrics are too long to save." : failed(err); }
  });
  const box = h("details", { class: "lyrics-box", "data-lyrics": track.id }, h("summary", { text: "Lyrics" }), form);
  let loaded = false;
  box.addEventListener("toggle", () => { if (box.open && !loaded) { loaded = true; load(); } });
  return box;
}
