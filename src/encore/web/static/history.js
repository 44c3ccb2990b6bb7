// The listener's full history: pages of plays with filters, each catalogue play playable; forget one play,
// a date range or everything (each a confirmation first); import a Spotify, ListenBrainz or Encore file and export
// everything, both as jobs whose progress shows live. The server does the work; this only asks and shows.
import { api, ApiError, refusal } from "./api.js";
import { artistList, formatTime, h } from "./dom.js";
import { failed, isOfflineFailure } from "./offline.js";

const PAGE = 50;
const EVERYTHING = "delete everything";

function loadStyles() {
  if (document.querySelector('link[href="/static/history.css"]')) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/history.css" }));
}

// A date input's day as the instant its local midnight begins; `next` gives the following midnight.
function dayStart(value, next = false) {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + (next ? 1 : 0)).toISOString();
}

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// The kinds of job this page shows, by the word it names them with.
const KINDS = { "history.import": "Import", "account.export": "Export", "history.forget": "Deleting" };
const RETRY_MAX_MS = 30000;
const LEFT = "left"; // a following given up because nobody sees it: no failure to tell

// Waits `ms`, or less if the network comes back meanwhile.
function pause(ms) {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); window.removeEventListener("online", done); resolve(); };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done);
  });
}

// Poll a job until it ends (or the page is left), showing its progress on a line of its own in `box`; resolves with
// the finished job (or throws). Each job keeps its line to its end, and the line then says what it came to: a second
// job started meanwhile took the one line there was, and the first's ending was never said (review31c L1). A poll
// that fails leaves the job running on the server: it is asked again, later each time (up to 30 s), and offline as
// soon as the network is back; the line says so meanwhile. Before, the first failed poll ended the following for good
// (review31b M2). A refusal (the job gone, signed out) ends it.
async function follow(jobId, box, label) {
  const bar = h("progress", { max: "1", "aria-label": `${label} progress` });
  const text = h("span", { class: "job-text", text: `${label}: queued` });
  const line = h("div", { class: "history-job-line", "data-job": jobId }, bar, text);
  box.append(line);
  box.hidden = false;
  const end = (words, done) => { bar.max = 1; bar.value = done ? 1 : 0; text.textContent = `${label}: ${words}`; line.dataset.ended = "1"; };
  let wait = 0;
  while (line.isConnected) { // until the page is left
    let job;
    try { job = await api(`/api/me/jobs/${jobId}`); wait = 0; } catch (err) {
      if (err instanceof ApiError && err.status < 500) { end(err.message, false); throw err; }
      wait = Math.min(wait ? wait * 2 : 1000, RETRY_MAX_MS);
      // a 5xx is an answer: "did not answer" is for a request that got none (review32b)
      const why = err instanceof ApiError ? `the server could not answer just now (${err.status})` : "the server did not answer";
      text.textContent = navigator.onLine
        ? `${label}: ${why}; asking again in ${Math.ceil(wait / 1000)} s (the work goes on meanwhile)`
        : `${label}: waiting for the network (the work goes on meanwhile)`;
      await pause(navigator.onLine ? wait : RETRY_MAX_MS);
      continue;
    }
    if (job.total) { bar.max = job.total; bar.value = job.done; } else bar.removeAttribute("value");
    if (job.state === "failed") { // the line says so too: a bar still moving beside the error would wait forever
      end("failed", false);
      throw new ApiError(400, job.error.code, job.error.message);
    }
    if (job.state === "done") { end(job.message || "done", true); return job; }
    text.textContent = `${label}: ${job.message || job.state}`;
    await new Promise((r) => setTimeout(r, 400));
  }
  throw new ApiError(0, LEFT, "left the page");
}

// The listener's recent imports, exports and deletions, newest first, as a page opened later (a reload, Back,
// another device) finds them: what each came to. The newest export's download is offered above them (`offerExport`).
function recentJobs(items) {
  const rows = items.map((job) => h("li", { "data-job": job.id },
    h("span", { class: "history-job-kind", text: job.kind === "history.forget" ? "Deletion" : KINDS[job.kind] }), " ",
    h("time", { datetime: job.created_at, text: when(job.created_at) }), " · ",
    h("span", { text: job.state === "failed" ? `failed: ${job.error.message}` : job.message || job.state })));
  return rows.length ? [h("h2", { class: "history-jobs-title", text: "Recent imports, exports and deletions" }),
    h("ul", { class: "history-jobs", "aria-label": "Recent imports, exports and deletions" }, rows)] : [];
}

// A modal confirmation; with `typed`, the button waits until that phrase is typed.
function confirmDialog({ title, body, action, typed = null }) {
  return new Promise((resolve) => {
    const input = typed ? h("input", { id: "confirm-typed", autocomplete: "off", spellcheck: "false" }) : null;
    const go = h("button", { type: "submit", class: "ghost danger", text: action, disabled: !!typed });
    const dialog = h("dialog", { class: "history-dialog", "aria-labelledby": "confirm-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "confirm-title", text: title }),
        h("p", { text: body }),
        typed ? h("label", { for: "confirm-typed", text: `Type “${typed}” to confirm` }) : null, input,
        h("div", { class: "history-actions" },
          h("button", { type: "button", class: "ghost", text: "Cancel", onclick: () => dialog.close("cancel") }), go)));
    if (input) input.addEventListener("input", () => { go.disabled = input.value.trim().toLowerCase() !== typed; });
    go.addEventListener("click", () => { dialog.returnValue = "go"; });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "go"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export async function historyView(player) {
  loadStyles();
  document.title = "History · Encore";
  const since = h("input", { id: "history-since", type: "date" });
  const until = h("input", { id: "history-until", type: "date" });
  const text = h("input", { id: "history-q", type: "search", maxlength: 200, placeholder: "Artist or track", autocomplete: "off" });
  const source = h("select", { id: "history-source" },
    h("option", { value: "", text: "Everything" }), h("option", { value: "encore", text: "Played on Encore" }),
    h("option", { value: "imported", text: "Imported" }));
  const count = h("p", { class: "history-count", role: "status" });
  const list = h("ol", { class: "tracks history-rows", "aria-label": "Plays" });
  const more = h("button", { type: "button", class: "ghost", text: "Load more", hidden: true });
  const jobBox = h("div", { class: "history-job", role: "status", hidden: true });
  const error = h("p", { class: "form-error", role: "alert" });
  const exportLink = h("p", { class: "history-download" });
  const recent = h("div", { class: "history-recent" });
  let next = null;
  let shown = [];
  let loading = null;
  let opened = false; // the first page of plays has loaded: a later failure is said under the filters
  let total = ""; // the count line's own words ("76 plays"), which an action's sentence replaces for a while

  function query() {
    const p = new URLSearchParams({ limit: String(PAGE) });
    if (since.value) p.set("since", dayStart(since.value));
    if (until.value) p.set("until", dayStart(until.value, true)); // the "to" day is included
    if (text.value.trim()) p.set("q", text.value.trim());
    if (source.value) p.set("source", source.value);
    return p;
  }

  function row(item) {
    const track = item.track;
    const title = track ? track.title : item.track_name || "Unknown track";
    const artists = track ? artistList(track.artists) : item.artist_name || "";
    const main = [
      h("span", { class: "track-main" },
        h("span", { class: "track-title", text: title }),
        h("span", { class: "track-artists" }, artists)),
      h("span", { class: "history-when" },
        h("time", { datetime: item.played_at, text: when(item.played_at) }),
        item.imported ? h("span", { class: "history-badge", text: "Imported" }) : null),
      h("span", { class: "track-time", text: formatTime(item.ms_played / 1000) }),
    ];
    const play = track
      ? h("button", { type: "button", class: "track-play history-play", "aria-label": `Play ${title}`,
        onpointerdown: (e) => { if (e.button === 0) player.warm(track); },
        onclick: () => {
          const tracks = shown.filter((i) => i.track).map((i) => i.track);
          player.playList(tracks, tracks.indexOf(track), null);
        } }, ...main)
      : h("div", { class: "track-play history-play", title: "Not in this catalogue" }, ...main);
    const forget = h("button", { type: "button", class: "icon-btn", text: "✕",
      "aria-label": `Delete the play of ${title} on ${when(item.played_at)}`,
      onclick: async () => {
        try {
          await api(`/api/me/history/plays/${encodeURIComponent(item.play_id)}`, { method: "DELETE" });
          li.remove();
          shown = shown.filter((i) => i !== item);
          count.textContent = "Play deleted.";
        } catch (err) { error.textContent = failed(err); }
      } });
    const li = h("li", { class: "track history-row", "data-play-id": item.play_id }, play, h("div", { class: "row-tools" }, forget));
    return li;
  }

  async function load(reset) {
    if (loading) return loading;
    loading = (async () => {
      const p = query();
      if (!reset && next) p.set("cursor", next);
      try {
        const page = await api(`/api/me/history?${p}`);
        if (reset) { list.replaceChildren(); shown = []; }
        shown.push(...page.items);
        list.append(...page.items.map(row));
        next = page.next;
        more.hidden = !next;
        if (page.total !== null) { total = page.total === 1 ? "1 play" : `${page.total.toLocaleString()} plays`; count.textContent = total; }
        // a search that finds nothing says so, not that there is no history yet (review32b L4)
        const filtered = since.value || until.value || text.value.trim() || source.value;
        if (reset && !page.items.length) list.append(h("li", { class: "empty", text: filtered ? "No plays match these filters." : "No plays here yet." }));
        error.textContent = "";
      } catch (err) {
        if (!opened && isOfflineFailure(err)) throw err; // the page itself: app.js shows its offline view
        error.textContent = failed(err);
      } finally { loading = null; }
    })();
    return loading;
  }

  // What a finished job changes on the page, by kind: the same whether it was started here or was found running
  // when the page opened (review31b M2).
  const ended = {
    "history.forget": async (done) => {
      await load(true);
      const exports = done.result.exports_deleted
        ? " Your earlier export held them and was deleted too; export again for a copy without them." : "";
      count.textContent = `Deleted ${done.result.deleted === 1 ? "1 play" : `${done.result.deleted.toLocaleString()} plays`}.${exports}`;
      if (done.result.exports_deleted) exportLink.replaceChildren(); // its link answers 404 now (review28b F2)
    },
    "history.import": async (done) => {
      const res = done.result;
      await load(true);
      const forgotten = res.forgotten ? `; ${res.forgotten.toLocaleString()} left out: you asked to forget their dates meanwhile` : "";
      count.textContent = `Imported ${res.imported === 1 ? "1 listen" : `${res.imported.toLocaleString()} listens`} (${res.duplicates.toLocaleString()} already here${forgotten}).`;
    },
    "account.export": async (done) => offerExport(done.download || `/api/me/exports/${done.id}.zip`, "Download your export (zip)"),
  };
  function offerExport(href, words) {
    exportLink.replaceChildren(h("a", { href, download: "", class: "chip", text: words }));
  }
  // Follows a job on its line to its end, then says what it came to; `what` words a failure ("Import failed: …").
  // Each job once, whether started here or found running (`followed`: its id).
  const followed = new Set();
  async function track(job, what) {
    if (followed.has(job.id)) return;
    followed.add(job.id);
    try {
      await ended[job.kind](await follow(job.id, jobBox, KINDS[job.kind]));
    } catch (err) {
      if (err.code !== LEFT) error.textContent = failed(err, what);
    }
    followed.delete(job.id);
    if (view.isConnected) showJobs();
  }
  // A job the listener starts: the lines of jobs already ended go (what they came to is listed under Recent), the
  // lines of jobs still running stay.
  function clearEnded() {
    for (const line of jobBox.querySelectorAll(".history-job-line[data-ended]")) line.remove();
    jobBox.hidden = !jobBox.childElementCount;
  }
  // The listener's jobs as the server lists them: the finished ones below the actions, the newest export's zip
  // offered while it is kept, and each one still under way followed on its line as if started here.
  async function showJobs() {
    let items;
    const kinds = Object.keys(KINDS).map((k) => `kind=${encodeURIComponent(k)}`).join("&"); // the server filters, then takes the newest
    try { items = (await api(`/api/me/jobs?${kinds}`)).items; } catch { return; } // the page says enough
    const finished = items.filter((j) => j.state === "done" || j.state === "failed");
    recent.replaceChildren(...recentJobs(finished.slice(0, 5)));
    const zip = finished.find((j) => j.kind === "account.export" && j.state === "done");
    if (zip && zip.download && !exportLink.childElementCount) offerExport(zip.download, `Download your export of ${when(zip.created_at)} (zip)`);
    const running = items.filter((j) => j.state === "queued" || j.state === "running").reverse(); // the oldest first
    for (const job of running) track(job, job.kind === "history.forget" ? "" : KINDS[job.kind]);
  }

  async function forget(params) {
    clearEnded();
    try {
      await track(await api(`/api/me/history?${params}`, { method: "DELETE" }), "");
    } catch (err) { error.textContent = failed(err); }
  }

  const deleteRange = h("button", { type: "button", class: "ghost danger", text: "Delete these dates", onclick: async () => {
    if (!since.value || !until.value) { error.textContent = "Pick a first and a last day to delete."; return; }
    if (since.value > until.value) { error.textContent = "The first day comes after the last one: swap them to delete those days."; return; }
    const p = new URLSearchParams({ since: dayStart(since.value), until: dayStart(until.value, true) });
    let n;
    // a count that failed is not "no plays": the listener's plays may all be there (probe25a L1)
    try { n = (await api(`/api/me/history?${p}&limit=1`)).total; } catch (err) { error.textContent = isOfflineFailure(err) ? failed(err) : `Nothing deleted: ${err.message}`; return; }
    error.textContent = "";
    if (!n) { count.textContent = "No plays on those days."; return; }
    const ok = await confirmDialog({ title: "Delete these plays?",
      body: `${n.toLocaleString()} plays from ${since.value} to ${until.value} will be deleted for good, and your Wrapped will no longer count them.`,
      action: `Delete ${n.toLocaleString()} plays` });
    if (ok) await forget(p);
  } });
  const deleteAll = h("button", { type: "button", class: "ghost danger", text: "Delete all history", onclick: async () => {
    const ok = await confirmDialog({ title: "Delete your whole history?",
      body: "Every play Encore holds for you goes, and your Wrapped with it. This cannot be undone.",
      action: "Delete everything", typed: EVERYTHING });
    if (ok) await forget(new URLSearchParams({ everything: "true" }));
  } });

  const file = h("input", { id: "history-file", type: "file", "aria-label": "Import a file",
    accept: ".json,.jsonl,.zip,application/json,application/zip" });
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    error.textContent = "";
    clearEnded(); // the last job's words are not this file's
    count.textContent = total; // nor is an earlier file's "Imported N listens" (review27b F5)
    try {
      const r = await fetch(`/api/me/history/import?filename=${encodeURIComponent(chosen.name)}`, {
        method: "POST", body: chosen, credentials: "same-origin",
        headers: { "X-Encore-CSRF": "1", "Content-Type": "application/octet-stream", Accept: "application/json" } });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw refusal(r, body);
      await track(body, "Import");
    } catch (err) {
      error.textContent = failed(err, "Import");
    } finally { file.value = ""; }
  });

  const exportBtn = h("button", { type: "button", class: "ghost", text: "Export my data", onclick: async () => {
    exportBtn.disabled = true;
    exportLink.replaceChildren();
    clearEnded();
    error.textContent = ""; // an earlier import's failure is not this export's (review27b F5)
    try {
      await track(await api("/api/me/exports", { method: "POST" }), "Export");
    } catch (err) { error.textContent = failed(err, "Export"); } finally { exportBtn.disabled = false; }
  } });

  let debounce;
  const refilter = () => { clearTimeout(debounce); debounce = setTimeout(() => load(true), 200); };
  for (const input of [since, until, source]) input.addEventListener("change", refilter);
  text.addEventListener("input", refilter);
  more.addEventListener("click", () => load(false));
  // Infinite scroll: the next page loads as the "Load more" button comes into view.
  const seen = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting) && next) load(false); });
  seen.observe(more);

  const view = h("div", { class: "view history" },
    h("h1", { text: "History" }),
    h("form", { class: "history-filters", "aria-label": "Filter history", onsubmit: (e) => { e.preventDefault(); load(true); } },
      h("label", {}, h("span", { text: "From" }), since),
      h("label", {}, h("span", { text: "To" }), until),
      h("label", { class: "history-text" }, h("span", { text: "Search" }), text),
      h("label", {}, h("span", { text: "Source" }), source)),
    h("div", { class: "history-actions" },
      h("label", { class: "ghost file-button" }, "Import a file", file), // the input covers the button
      exportBtn, deleteRange, deleteAll),
    h("p", { class: "history-help", text: "Import Spotify's extended streaming history (JSON or the zip), a ListenBrainz export, or an Encore export (the zip from this page, on this server or another)." }),
    jobBox, exportLink, error, recent, count, list, more);
  view.addEventListener("encore:leave", () => seen.disconnect());
  await load(true);
  opened = true;
  showJobs();
  return view;
}
