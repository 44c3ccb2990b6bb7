// Locked tracks look locked before the click: one /api/me/locks call per list marks the rows the server would
// refuse (Premium only, or a pre-release before its date) with a lock badge; pressing one explains and offers
// the upgrade right under the row instead of asking for audio.
import { api } from "./api.js";
import { h, link } from "./dom.js";

const day = (iso) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

export function markLocked(list) {
  const rows = [...list.querySelectorAll(":scope > li[data-track-id]")];
  const ids = [...new Set(rows.map((r) => r.dataset.trackId))].slice(0, 200);
  if (!ids.length) return list;
  api(`/api/me/locks?ids=${ids.map(encodeURIComponent).join(",")}`).then((locks) => {
    for (const row of rows) if (locks[row.dataset.trackId]) lockRow(row, locks[row.dataset.trackId]);
  }).catch(() => {});
  // Capture on the list runs before the row's own play handlers: a locked row never asks for a stream.
  const guard = (e) => {
    const row = e.target.closest("li.track.locked");
    if (!row || !e.target.closest(".track-play")) return;
    e.stopPropagation();
    e.preventDefault();
    if (e.type === "click") prompt(row);
  };
  list.addEventListener("click", guard, true);
  list.addEventListener("pointerdown", guard, true);
  return list;
}

function lockRow(row, lock) {
  const pre = lock.reason === "premium_required_prerelease";
  row.classList.add("locked");
  row.dataset.lock = lock.reason;
  row.dataset.lockText = pre
    ? `This pre-release is for Premium listeners${lock.release_at ? ` until ${day(lock.release_at)}` : " until its release date"}.`
    : "This track is for Premium listeners.";
  const play = row.querySelector(".track-play");
  play.classList.add("locked-play"); // still pressable: a press explains the lock instead of playing
  const badge = h("span", { class: "lock-badge", id: `lock-${row.dataset.trackId}` },
    h("span", { "aria-hidden": "true", text: "🔒 " }), pre ? `Pre-release${lock.release_at ? ` · out ${day(lock.release_at)}` : ""}` : "Premium");
  play.querySelector(".track-main").append(badge);
  play.setAttribute("aria-describedby", badge.id);
}

function prompt(row) {
  document.querySelectorAll("#premium-prompt").forEach((old) => old.closest(".prompt-row")?.remove() ?? old.remove());
  const box = h("div", { id: "premium-prompt", class: "premium-prompt inline", role: "alert" },
    h("span", { text: row.dataset.lockText }),
    link("/upgrade", { class: "ad-upgrade" }, "Upgrade to Premium"),
    h("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", text: "✕", onclick: () => holder.remove() }));
  const holder = h("li", { class: "prompt-row" }, box);
  row.after(holder);
}
