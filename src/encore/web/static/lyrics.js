// The lyrics view: a button in the player bar opens a panel that follows the music line by line (the current
// line is highlighted and kept in view) and seeks when a line is tapped. It listens to the player's "change"
// event and to the audio elements' time updates, so player.js needs no changes for it.
import { api } from "./api.js";
import { h } from "./dom.js";

export function installLyrics(player, root = document) {
  const button = root.getElementById("btn-lyrics");
  const list = h("ol", { class: "lyrics-lines", id: "lyrics-lines" });
  const status = h("p", { class: "lyrics-status", role: "status" });
  const close = h("button", { type: "button", class: "ghost lyrics-close", text: "Close", "aria-label": "Close lyrics" });
  const panel = h("section", { id: "lyrics", class: "lyrics-panel", "aria-label": "Lyrics", hidden: true },
    h("div", { class: "lyrics-head" }, h("h2", { text: "Lyrics" }), close), status, list);
  root.body.append(panel);
  let shownFor = null; // the track id whose lyrics the panel holds
  let lyrics = null;
  let current = -1;

  const open = () => panel.hidden === false;
  const setOpen = (on) => {
    panel.hidden = !on;
    button.setAttribute("aria-pressed", String(on));
    root.body.classList.toggle("lyrics-open", on);
    if (on) { load(); follow(true); }
  };
  button.addEventListener("click", () => setOpen(!open()));
  // Another page closes the panel: drawn over the whole page, it stayed over the page the listener went to, and on
  // the narrowest phones, whose mini bar has no Lyrics button, only its own Close took it away (review32b L2).
  window.addEventListener("encore:navigate", () => { if (open()) setOpen(false); });
  close.addEventListener("click", () => { setOpen(false); button.focus(); });

  const shownAt = (line) => Math.max(0, line.start_ms - (lyrics.offset_ms || 0));

  function render(data) {
    lyrics = data;
    current = -1;
    list.replaceChildren();
    list.classList.toggle("synced", Boolean(data && data.synced));
    if (!data) return;
    status.textContent = data.synced ? "" : "These lyrics are not synced to the music.";
    data.lines.forEach((line, i) => {
      const text = line.text || "♪";
      const item = data.synced
        ? h("button", { type: "button", class: "lyric-line", "data-index": i, "data-start": shownAt(line), text,
          onclick: () => { player.seekTo(shownAt(line) / 1000); follow(true); } })
        : h("span", { class: "lyric-line", text });
      list.append(h("li", {}, item));
    });
  }

  async function load() {
    const track = player.current;
    const id = track ? track.id : null;
    if (id === shownFor) return;
    shownFor = id;
    render(null);
    if (!id) { status.textContent = "Nothing playing."; return; }
    status.textContent = "Loading lyrics…";
    const data = await api(`/api/tracks/${encodeURIComponent(id)}/lyrics`).catch((err) => (err.status === 404 ? null : err));
    if (shownFor !== id) return; // the track changed while we waited
    if (data instanceof Error) { status.textContent = "Lyrics could not be loaded."; shownFor = null; return; }
    if (!data) { status.textContent = "No lyrics for this track."; return; }
    render(data);
    follow(true);
  }

  // The line being sung: the last one that has started (binary search; lines are sorted by the server).
  function lineAt(ms) {
    let lo = 0; let hi = lyrics.lines.length - 1; let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (shownAt(lyrics.lines[mid]) <= ms) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function follow(force = false) {
    if (!open() || !lyrics || !lyrics.synced || !player.active) return;
    const index = lineAt(player.active.currentTime * 1000);
    if (index === current && !force) return;
    const items = list.querySelectorAll(".lyric-line");
    if (items[current]) { items[current].classList.remove("current"); items[current].removeAttribute("aria-current"); }
    current = index;
    panel.dataset.current = String(index);
    const el = items[index];
    if (!el) return;
    el.classList.add("current");
    el.setAttribute("aria-current", "true");
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
  }

  // timeupdate does not bubble; a capturing listener sees both of the player's audio elements.
  root.addEventListener("timeupdate", (ev) => { if (ev.target === player.active) follow(); }, true);
  root.addEventListener("seeked", (ev) => { if (ev.target === player.active) follow(true); }, true);
  player.addEventListener("change", () => {
    button.disabled = !player.current;
    if (open()) load();
  });
  root.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || !open()) return;
    ev.preventDefault(); // handled: the phone's full-screen player under the panel stays open (app.js)
    setOpen(false);
    button.focus();
  });
}
