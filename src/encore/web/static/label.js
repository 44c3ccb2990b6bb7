// The label dashboard at /label: catalogue and availability, uploads (as drafts, release.js) with progress, streams per day drawn
// as inline SVG by this file (no chart library, no CDN), and monthly statements with a CSV link.
import { api } from "./api.js";
import { fill, h, isolate, named } from "./dom.js";
import { labelExclusivesSection } from "./exclusives.js";
import { coverForm, coverShown, draftForm, lyricsEditor, numbersForm, releaseActions, statusBadge } from "./release.js";
import { failed } from "./offline.js";

const SVG = "http://www.w3.org/2000/svg";
const AVAILABILITY = [["public", "Public"], ["premium", "Premium only"], ["prerelease", "Pre-release (Premium only until its date)"]];

// The stylesheet is ours and same-origin (CSP style-src 'self'); loaded once, when the dashboard is first used.
export function ensureStyles() {
  if (document.getElementById("label-css")) return;
  document.head.append(h("link", { id: "label-css", rel: "stylesheet", href: "/static/label.css" }));
}

// A nav link that exists only for accounts of one role (label: /label, admin: /admin in admin.js).
export function syncRoleNav(me, { role, href, text, d }) {
  const nav = document.getElementById("nav");
  const existing = nav && nav.querySelector(`a[data-nav="${role}"]`);
  const hasRole = !!me && me.role === role;
  if (!nav || hasRole === !!existing) return;
  if (!hasRole) { existing.remove(); return; }
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  icon.append(path);
  const a = h("a", { href, "data-link": true, "data-nav": role, id: `nav-${role}` }, icon, h("span", { text }));
  nav.insertBefore(a, nav.querySelector(".nav-settings"));
}

export function syncLabelNav(me) {
  syncRoleNav(me, { role: "label", href: "/label", text: "Label", d: "M3 20h18v2H3zM5 10h3v8H5zm5.5-6h3v14h-3zM16 7h3v11h-3z" });
}

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

function dayRange(days) {
  const out = [];
  const end = new Date();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() - i));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

// Bars of counted streams per UTC day, summed over the label's tracks.
export function streamsChart(rows, days = dayRange(30)) {
  const perDay = Object.fromEntries(days.map((d) => [d, 0]));
  for (const track of rows) for (const d of track.days) if (d.date in perDay) perDay[d.date] += d.streams;
  const values = days.map((d) => perDay[d]);
  const max = Math.max(1, ...values);
  const W = 600, H = 180, pad = 24, bw = (W - pad) / days.length;
  const total = values.reduce((a, b) => a + b, 0);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H + 20}`, class: "streams-chart", role: "img",
    "aria-label": `Streams per day: ${total} in ${days.length} days, at most ${max === 1 && total === 0 ? 0 : max} a day` });
  chart.append(svg("text", { x: 0, y: 12, class: "axis" }, String(max)));
  chart.append(svg("line", { x1: pad, y1: H, x2: W, y2: H, class: "baseline" }));
  values.forEach((v, i) => {
    const bh = Math.round((v / max) * (H - 20));
    const bar = svg("rect", { x: (pad + i * bw + 1).toFixed(1), y: H - bh, width: Math.max(1, bw - 2).toFixed(1), height: bh,
      class: "bar", "data-date": days[i], "data-streams": v });
    bar.append(svg("title", {}, `${days[i]}: ${v} streams`));
    chart.append(bar);
  });
  chart.append(svg("text", { x: pad, y: H + 16, class: "axis" }, days[0]));
  chart.append(svg("text", { x: W, y: H + 16, class: "axis", "text-anchor": "end" }, days[days.length - 1]));
  return chart;
}

function money(cents, currency) {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

function availabilityForm(base, kind, item, onSaved) {
  const select = h("select", { "aria-label": `Availability of ${item.title}` });
  const options = kind === "track" ? [["inherit", "As the album"], ...AVAILABILITY] : AVAILABILITY;
  for (const [value, text] of options) select.append(h("option", { value, text }));
  select.value = item.availability || "inherit";
  const when = h("input", { type: "datetime-local", "aria-label": `Opens to everyone (${item.title})` });
  if (item.available_from) when.value = item.available_from.slice(0, 16);
  const sync = () => { when.hidden = select.value !== "prerelease"; };
  select.addEventListener("change", sync);
  sync();
  const status = h("span", { class: "form-status", role: "status" });
  const save = h("button", { type: "button", class: "ghost", text: "Save", onclick: async () => {
    const body = { availability: select.value };
    if (select.value === "prerelease" && when.value) body.available_from = new Date(when.value).toISOString();
    try {
      onSaved(await api(`${base}/${kind}s/${item.id}/availability`, { method: "PUT", body }), `Saved: ${item.title}`);
    } catch (err) { status.textContent = failed(err); }
  } });
  return h("span", { class: "availability" }, select, when, save, status);
}

function titleForm(base, kind, item, onSaved) {
  const input = h("input", { type: "text", value: item.title, maxlength: 500, "aria-label": `Title of ${item.title}` });
  const status = h("span", { class: "form-status", role: "status" });
  const save = h("button", { type: "button", class: "ghost", text: "Rename", onclick: async () => {
    try {
      onSaved(await api(`${base}/${kind}s/${item.id}`, { method: "PATCH", body: { title: input.value } }), "Renamed");
    } catch (err) { status.textContent = failed(err); }
  } });
  return h("span", { class: "title-edit" }, input, save, status);
}

// A track a standing exclusive locks: free listeners get it as the exclusive allows, whatever its availability
// below says, until the exclusive is withdrawn (then that availability applies again).
function trackLock(t) {
  const x = t.exclusive;
  if (!x) return null;
  // the listeners' words (exclusives.js lockLine): "Premium until" read like an account's Premium ending (review32b L8)
  const until = x.availability === "prerelease" && x.release_at ? `Premium only until ${new Date(x.release_at).toLocaleDateString()}` : "Premium only";
  return h("span", { class: "track-exclusive" }, h("span", { "aria-hidden": "true", text: "🔒 " }),
    `${until} while the exclusive `, named(x.title), " stands; withdraw it to give the track the availability set here.");
}

// A release the operator took down: shown as it stands, with nothing to change (the server refuses every change
// and publish until the operator restores it), so no Publish again, cover, title, availability or lyrics forms.
// Its cover is held back with it (when no published release shows the same image): /art/ answers 404 to everyone,
// this label included, so a square says so in place of a broken image (review23n F6; `coverShown`).
function takenDown(a, credits) {
  const cover = coverShown(a);
  return [h("h3", {}, named(a.title), statusBadge(a)),
    h("p", { class: "release-taken-down-note", role: "note", text: "The operator of this server took this release down "
      + "(a takedown notice, for one): listeners cannot find or play it, and nothing of it can be changed or published "
      + "from here until the operator restores it. To ask, contact them." }),
    credits, cover,
    h("ol", { class: "label-tracks" }, ...a.tracks.map((t) => h("li", { "data-track": t.id },
      h("span", { class: "track-title", text: `${t.track_number}. ${t.title}` }),
      h("span", { class: "empty", text: t.isrc ? ` ${t.isrc}` : "" }))))];
}

function albumBlock(base, album) {
  const block = h("li", { class: "label-album", "data-album": album.id });
  // The forms are rebuilt from the server's answer; the outcome shows in the block's own status line.
  const draw = (a, message = "") => {
    if (a === null) { block.remove(); return; } // a deleted draft
    if (a.status === "draft") {
      block.replaceChildren(h("h3", {}, named(a.title || "Untitled draft"), statusBadge(a)),
        h("p", { class: "form-status album-status", role: "status", text: message }), draftForm(base, a, draw));
      return;
    }
    const credits = h("p", { class: "empty" }, ...(a.artists.length ? a.artists : [a.artist]).flatMap((n, i) => (i ? [", ", named(n)] : [named(n)])),
      ` · ${a.album_type}${a.release_date ? " · " + a.release_date : ""}${a.upc ? " · UPC " + a.upc : ""}`);
    if (a.taken_down) { block.replaceChildren(...takenDown(a, credits)); return; }
    fill(block, // numbersForm is null when every track has its own place
      h("h3", {}, named(a.title), statusBadge(a)),
      h("p", { class: "form-status album-status", role: "status", text: message }),
      releaseActions(base, a, draw),
      credits,
      titleForm(base, "album", a, draw),
      coverForm(base, a, draw),
      availabilityForm(base, "album", a, draw),
      numbersForm(base, a, draw),
      h("ol", { class: "label-tracks" }, ...a.tracks.map((t) => h("li", { "data-track": t.id },
        h("span", { class: "track-title", text: `${t.track_number}. ${t.title}` }),
        h("span", { class: "empty", text: t.isrc ? ` ${t.isrc}` : "" }),
        trackLock(t),
        availabilityForm(base, "track", t, draw),
        lyricsEditor(base, t)))));
  };
  draw(album);
  return block;
}

// What to do next: the draft's form only when the upload made or changed one (no form appears otherwise).
function uploadNextStep(sum) {
  if (sum.imported + sum.updated) return " Fill in the draft's form below, then publish it.";
  if (sum.failed.length) return " Nothing was added: the reason is given above for each file that was not.";
  return " Nothing new: these files are already in your catalogue.";
}

// Leaving the page mid-queue drops the files not yet answered (probe24b F1): the browser asks first, and this
// device keeps the queue's state until the next upload, so a page left anyway says on return what never arrived.
const UPLOAD_KEY = "encore.label-upload";
function keepQueue(state) {
  try { if (state) localStorage.setItem(UPLOAD_KEY, JSON.stringify(state)); else localStorage.removeItem(UPLOAD_KEY); } catch { /* this page only */ }
}
// The account signed out: its queue's note is not the next account's to read (file names and all).
export function forgetLeftQueue() { keepQueue(null); }
function leftQueueNote() {
  let q = null;
  try { q = JSON.parse(localStorage.getItem(UPLOAD_KEY) || "null"); } catch { /* a bad entry says nothing */ }
  if (!q || !Array.isArray(q.unsent) || !q.unsent.length) return "";
  return `Your last upload stopped when the page was left: ${q.answered} of ${q.total} ${q.total === 1 ? "file" : "files"} uploaded; `
    + `not confirmed: ${q.unsent.join(", ")}. Choose those files again and upload them (one already here counts as a duplicate).`;
}
function guardLeaving(event) {
  event.preventDefault();
  event.returnValue = ""; // older Chromium asks only when this is set
}

// A release is uploaded file by file (the ingest pipeline takes one file per request); one bar shows the bytes.
function uploadForm(base, onDone) {
  const file = h("input", { type: "file", multiple: true, accept: "audio/*", "aria-label": "Audio files of the release" });
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Upload progress", hidden: true });
  const status = h("p", { class: "form-status", role: "status", text: leftQueueNote() });
  const sendOne = (f, done, total) => new Promise((resolve) => {
    const form = new FormData();
    form.append("file", f);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base}/uploads`);
    xhr.setRequestHeader("X-Encore-CSRF", "1");
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) bar.value = Math.round(((done + e.loaded) / total) * 100); });
    xhr.addEventListener("load", () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON: reported below */ }
      if (xhr.status !== 200) resolve({ error: `${f.name}: ${(data.error && data.error.message) || `failed (${xhr.status})`}` });
      else resolve(data);
    });
    xhr.addEventListener("error", () => resolve({ error: `${f.name}: network error` }));
    xhr.send(form);
  });
  const send = h("button", { type: "button", class: "ghost", text: "Upload", onclick: async () => {
    const files = [...file.files];
    if (!files.length) { status.textContent = "Choose the release's files first."; return; }
    const total = files.reduce((a, f) => a + f.size, 0) || 1;
    const sum = { imported: 0, updated: 0, duplicates: 0, failed: [], warnings: [] };
    bar.hidden = false;
    bar.value = 0;
    status.textContent = files.length > 1 ? `Uploading ${files.length} files one at a time: stay on this page until they are all sent…` : "Uploading…";
    let done = 0;
    window.addEventListener("beforeunload", guardLeaving);
    send.disabled = true; // one queue at a time: a second would share the guard and the kept state
    try {
      for (const [i, f] of files.entries()) {
        keepQueue({ total: files.length, answered: i, unsent: files.slice(i).map((x) => x.name) });
        const r = await sendOne(f, done, total);
        done += f.size;
        if (r.error) { sum.failed.push(r.error); continue; }
        sum.imported += r.imported; sum.updated += r.updated; sum.duplicates += r.duplicates;
        // a file not added says why, e.g. its recording is already on another label's release (review20 F2)
        for (const x of r.failed || []) sum.failed.push(`${x.file}: ${x.reason}`);
        for (const w of r.warnings || []) sum.warnings.push(`${f.name}: ${w}`); // a UPC or ISRC left out, lyrics not used
      }
    } finally {
      window.removeEventListener("beforeunload", guardLeaving);
      keepQueue(null);
      send.disabled = false;
    }
    bar.value = 100;
    const refused = sum.failed.length ? ". Failed: " + sum.failed.join("; ") : "";
    const warned = sum.warnings.length ? " Note: " + sum.warnings.join("; ") : "";
    status.textContent = `Imported ${sum.imported} as a draft, updated ${sum.updated}, duplicates ${sum.duplicates}${refused}.${uploadNextStep(sum)}${warned}`;
    onDone();
  } });
  return h("div", { class: "label-upload" }, file, send, bar, status);
}

function statementTable(s) {
  const rows = s.lines.map((ln) => h("tr", {},
    h("td", { text: ln.artist }), h("td", { class: "num", text: String(ln.streams) }),
    h("td", { class: "num", text: money(ln.pro_rata_cents, s.currency) }),
    h("td", { class: "num", text: money(ln.user_centric_cents, s.currency) })));
  return h("table", { class: "statement" },
    h("thead", {}, h("tr", {}, h("th", { text: "Artist" }), h("th", { text: "Streams" }), h("th", { text: "Pro-rata" }), h("th", { text: "User-centric" }))),
    h("tbody", {}, ...rows),
    h("tfoot", {}, h("tr", {}, h("th", { text: "Your total" }), h("td", {}),
      h("td", { class: "num", text: money(s.pro_rata_cents, s.currency) }), h("td", { class: "num", text: money(s.user_centric_cents, s.currency) }))));
}

// Late money for closed months carried into this statement (labels._late), each split by its own month's streams.
function lateTables(s) {
  return (s.adjustments || []).filter((a) => a.lines.length).map((a) => h("div", { class: "statement-late" },
    h("h3", { text: `${a.kind === "late revenue" ? "Late revenue" : "Refunds after the close"} for ${a.for_month}` }),
    statementTable({ ...a, currency: s.currency })));
}

async function statementsSection(base) {
  const months = await api(`${base}/statements`);
  const choices = months.months; // the month running, the twelve before it and older closed ones (review32b L7)
  const select = h("select", { "aria-label": "Statement month" }, ...choices.map((m) => h("option", { value: m, text: m })));
  const body = h("div", { class: "statement-body" });
  const show = async () => {
    const month = select.value;
    try {
      const s = await api(`${base}/statements/${month}`);
      body.replaceChildren(
        // Only the label's own money and counts: the server's totals are the admin's (review24n N1).
        h("p", { class: "statement-summary", text: `${s.status === "closed" ? "Closed" : "Open (still changing)"} · your counted streams: ${s.streams} · pro-rata ${money(s.pro_rata_cents, s.currency)} · user-centric ${money(s.user_centric_cents, s.currency)}` }),
        h("p", { class: "statement-how", text: `Your pro-rata share is the listeners' money for the month (ads paid for, and subscriptions × ${s.payout_share_pct}%) split by your share of all counted streams on this server, and your user-centric share is each listener's own money split by what they streamed.` }),
        ...provisional(s),
        ...poolNotes(s),
        s.lines.length ? statementTable(s) : h("p", { class: "empty", text: "No counted streams this month." }),
        ...lateTables(s),
        h("a", { href: `${base}/statements/${month}/csv`, class: "ghost csv-link", download: "", text: "Download CSV" }));
    } catch (err) { body.replaceChildren(h("p", { class: "empty", text: failed(err) })); }
  };
  select.addEventListener("change", show);
  await show();
  return h("section", { class: "section", "aria-labelledby": "label-statements" },
    h("h2", { id: "label-statements", text: "Statements" }), select, body);
}

// An open month's figures are computed once for every label and kept ten minutes (labels._kept): say when.
function provisional(s) {
  if (s.status === "closed" || !s.as_of) return [];
  const at = new Date(s.as_of).toISOString().slice(11, 16);
  return [h("p", { class: "statement-as-of", text: `Provisional: figures as of ${at} UTC, refreshed every 10 minutes; final once the month is closed.` })];
}

// Why a pool is empty, as the server words it (labels.pool_notes): a 0.00 pool never goes unexplained.
function poolNotes(s) {
  return (s.notes || []).map((note) => h("p", { class: "statement-note", text: note }));
}

function previousMonth(month) {
  const [y, m] = month.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

// Admins: every label, and the whole service's statement for a month, which they can close.
export async function adminView(labels) {
  document.title = "Labels · Encore";
  const now = new Date();
  const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  // newest first, the year behind too (a month not closed in its first days stays closable: the server says when);
  // last month chosen, the one there is to close
  const months = [current];
  while (months.length < 13) months.push(previousMonth(months[months.length - 1]));
  const select = h("select", { "aria-label": "Statement month" },
    ...months.map((m) => h("option", { value: m, text: m, selected: m === months[1] })));
  const body = h("div", { class: "statement-body" });
  const status = h("p", { class: "form-status admin-status", role: "status" });
  const show = async () => {
    const month = select.value;
    try {
      const s = await api(`/api/admin/statements/${month}`);
      body.replaceChildren(
        h("p", { class: "statement-summary", text: `${s.status === "closed" ? `Closed ${(s.closed_at || "").slice(0, 10)}`.trim() : "Open"} · pool ${money(s.pool_cents, s.currency)} · ${s.streams} counted streams · ${s.lines.length} lines · user-centric unallocated ${money(s.user_centric_unallocated_cents, s.currency)}` }),
        ...provisional(s),
        ...poolNotes(s),
        h("a", { href: `/api/admin/statements/${month}/csv`, class: "ghost csv-link", download: "", text: "Download CSV" }),
        // replaceChildren is the DOM's own: a null here would be written out as the text "null"
        closeOrWhen(s, month, status, show));
    } catch (err) { body.replaceChildren(h("p", { class: "empty", text: failed(err) })); }
  };
  select.addEventListener("change", () => { status.textContent = ""; show(); });
  await show();
  return h("div", { class: "view label-dashboard" },
    h("h1", { text: "Labels" }),
    h("table", { class: "statement admin-labels" },
      h("thead", {}, h("tr", {}, h("th", { text: "Label" }), h("th", { text: "Kind" }), h("th", { text: "Albums" }))),
      h("tbody", {}, ...labels.map((l) => h("tr", {}, h("td", { text: l.name }), h("td", { text: l.kind }), h("td", { class: "num", text: String(l.albums) }))))),
    h("section", { class: "section", "aria-labelledby": "admin-statements" },
      h("h2", { id: "admin-statements", text: "Monthly statements" }), select, body, status));
}

// Close is offered only when the server says the month may be closed (`closable`, its rule: four days after the
// month ends); before that, when it may be (review31b L4: "Close 2026-12" was offered for the month still running).
function closeOrWhen(s, month, status, show) {
  if (s.status === "closed") return "";
  if (!s.closable) {
    const from = `${s.closable_from.slice(0, 10)} ${s.closable_from.slice(11, 16)} UTC`;
    return h("p", { class: "form-status close-when", text: `${month} can be closed from ${from}, once the month's late streams and payments are in.` });
  }
  return h("button", { type: "button", class: "ghost close-month", text: `Close ${month}`, onclick: async () => {
    const question = `Close ${month}? Its statement (pool ${money(s.pool_cents, s.currency)}, ${s.streams} counted streams) `
      + "is then frozen for good: later plays or payments for that month will not change it.";
    if (!window.confirm(question)) { status.textContent = `${month} stays open.`; return; }
    try {
      await api(`/api/admin/statements/${month}/close`, { method: "POST" });
      await show();  // the closed statement is on screen before the status says so
      status.textContent = `${month} is closed; its statement will not change.`;
    } catch (err) { status.textContent = failed(err); }
  } });
}

export async function labelDashboard() {
  ensureStyles();
  let me;
  try {
    me = await api("/api/me/label");
  } catch (err) {
    if (err.status !== 404) throw err;
    return adminView(await api("/api/admin/labels")); // a 404 again for listeners: "Not found"
  }
  document.title = `${isolate(me.name)} · Label · Encore`;
  const base = `/api/label/${me.id}`;
  const [streams, albums] = await Promise.all([api(`${base}/streams`), api(`${base}/catalogue`)]);
  const list = h("ol", { class: "label-albums" }, ...albums.map((a) => albumBlock(base, a)));
  const reload = async () => {
    const fresh = await api(`${base}/catalogue`);
    list.replaceChildren(...fresh.map((a) => albumBlock(base, a)));
    return fresh;
  };
  const top = streams.slice(0, 10).map((t) => h("li", {}, h("span", { text: t.title }), h("span", { class: "num", text: ` ${t.total}` })));
  return h("div", { class: "view label-dashboard" },
    h("h1", { text: me.name }),
    h("section", { class: "section", "aria-labelledby": "label-streams" },
      h("h2", { id: "label-streams", text: "Streams per day (last 30 days)" }),
      streamsChart(streams),
      top.length ? h("ol", { class: "top-tracks" }, ...top) : h("p", { class: "empty", text: "No counted streams yet." })),
    h("section", { class: "section", "aria-labelledby": "label-upload" },
      h("h2", { id: "label-upload", text: "Upload a release" }),
      h("p", { class: "empty", text: "Uploads land as a draft that only you can see until you publish it." }), uploadForm(base, reload)),
    h("section", { class: "section", "aria-labelledby": "label-catalogue" },
      h("h2", { id: "label-catalogue", text: "Catalogue" }),
      albums.length ? list : h("p", { class: "empty", text: "Nothing here yet: upload a release." })),
    await labelExclusivesSection(base, albums, reload),
    await statementsSection(base));
}
