// Radio and autoplay: "Start radio" from a track, artist, album or playlist, and similar music when the queue
// runs out (a setting, on by default; the server answers nothing when it is off). Radio tracks play through the
// player's usual signed-URL path, so the free tier's ad breaks apply to them unchanged.
import { api } from "./api.js";
import { h } from "./dom.js";

const AUTOPLAY_BATCH = 10;

export async function startRadio(player, kind, id) {
  const data = await api(`/api/radio/${kind}/${encodeURIComponent(id)}`);
  if (!data.tracks.length) return false;
  await player.playList(data.tracks, 0, { type: "radio", id: `${kind}:${id}`.slice(0, 64) });
  return true;
}

export function radioButton(player, kind, id, label) {
  return h("button", { type: "button", class: "ghost", text: "Start radio", "aria-label": `Start radio from ${label}`, onclick: async (e) => {
    const button = e.currentTarget;
    const ok = await startRadio(player, kind, id).catch(() => false);
    if (!ok) button.textContent = "No radio for this yet";
  } });
}

// When the queue's last track starts, fetch music like the queue's end, so the player prefetches it as usual.
export function installAutoplay(player) {
  let asked = null;
  player.addEventListener("change", async () => {
    const cur = player.current;
    const last = player.index === player.queue.length - 1;
    if (!cur || !last || player.repeat !== "off" || asked === cur.id || !player.active.getAttribute("src")) return;
    asked = cur.id;
    const body = { after: player.queue.slice(-5).map((t) => t.id), exclude: player.queue.slice(-1000).map((t) => t.id), limit: AUTOPLAY_BATCH };
    const data = await api("/api/radio/next", { method: "POST", body }).catch(() => null);
    if (!data || !data.tracks.length || player.current !== cur || player.index !== player.queue.length - 1) return;
    for (const t of data.tracks) t.autoplay = true;
    player.queue.push(...data.tracks);
    player.changed();
  });
}

// Settings: autoplay, and whether my listening may train recommendations.
export async function discoverySection() {
  const prefs = await api("/api/me/discovery").catch(() => null);
  if (!prefs) return null;
  const box = (id, key, text) => h("label", { class: "check" }, h("input", { type: "checkbox", id, checked: prefs[key], onchange: async (e) => {
    const done = await api("/api/me/discovery", { method: "PATCH", body: { [key]: e.target.checked } }).catch(() => null);
    if (!done) e.target.checked = !e.target.checked;
  } }), ` ${text}`);
  return h("section", { class: "section" }, h("h2", { text: "Discovery" }),
    box("set-autoplay", "autoplay", "Autoplay: when the queue ends, keep playing similar music"),
    box("set-contribute", "contribute", "Let my listening improve recommendations (never from fewer than 5 listeners; your export lists what was used)"));
}
