// Ad breaks for the free tier. The server decides: when it answers a music URL request with 403
// `ad_break_due`, the player asks for the ad (POST /api/ads/next), plays it through in a
// non-skippable overlay ("Ad · 0:15" counting down, seek and next disabled), reports it
// (POST /api/ads/{id}/played) and only then asks for the music again.
import { api, ApiError } from "./api.js";
import { formatTime, h, link } from "./dom.js";

const LOCKED = ["btn-next", "btn-prev", "seek", "btn-shuffle", "btn-repeat"];
const AD_KEY = "encore.ad.v1";

// A reload mid-ad gets the same open break from the server; it resumes where this tab had heard it to.
// (The impression still counts only once the ad's length has passed on the server's clock.)
function resumeAd(el, breakId) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(AD_KEY) || "null"); } catch { /* a bad entry starts at 0 */ }
  const at = saved && saved.id === breakId && Number.isFinite(saved.at) ? saved.at : 0;
  if (at > 0) el.addEventListener("loadedmetadata", () => { el.currentTime = Math.min(at, el.duration || at); }, { once: true });
  const keep = () => {
    if (el.currentTime > 0) localStorage.setItem(AD_KEY, JSON.stringify({ id: breakId, at: el.currentTime }));
  };
  el.addEventListener("timeupdate", keep);
  return () => el.removeEventListener("timeupdate", keep); // at the ad's end, or a break ended early (end())
}

export class AdBreaks {
  constructor(player, root) {
    this.player = player;
    this.overlay = root.querySelector("#ad-break");
    this.running = null;
  }

  get active() { return !!this.running; }

  // A log-out, or the session ended elsewhere, in the middle of a break: the break is that account's, not the next
  // one's to sign in in this tab (review29d M2: it stayed on, paused and locking the bar, and every press of the next
  // account waited on it). It stops unreported (the server still owes it to that account), and nothing waits on it.
  // The account became Premium (`keepChoice`, premium.js watchTier): the break ends the same way and the music goes on,
  // the track pressed during the ad first (review31b M4); the server hands Premium its music with no ad owed.
  end({ keepChoice = false } = {}) {
    if (!this.running) return;
    this.ended = true;
    if (!keepChoice) this.player.afterAd = null;
    if (this.stop) this.stop();
    try { localStorage.removeItem(AD_KEY); } catch { /* nothing kept */ }
  }

  // One break at a time: a second caller (a click on another track mid-ad) waits for the same one.
  run() {
    if (!this.running) this.running = this.play().finally(() => { this.running = null; });
    return this.running;
  }

  async play() {
    this.ended = false;
    let ad;
    try {
      ad = await this.fetchAd();
    } catch (err) {
      if (err.code === "no_ad_due" || err.code === "no_ad_inventory") return; // nothing to hear: music again
      throw err;
    }
    // Ended while the ad was being fetched (a log-out then): it is not played to whoever signs in next (review30a L1).
    if (this.ended) return;
    clearAdFailed(this.player.root); // an ad to hear: the notice of a failed one is out of date
    const el = this.player.active;
    const total = ad.duration_ms / 1000;
    // The lock screen's bar is the ad's while it plays (review29d L2): from the ad's own time updates (`ev`), not
    // from the first call, made while the element still holds the track before the ad. The player bar's time too,
    // from 0:00 (review31b L5: it showed the track before's end, "1:28 / 1:28", under the next title).
    const tick = (ev) => {
      const at = ev ? el.currentTime || 0 : 0;
      this.show(ad, Math.max(0, Math.ceil(total - at)));
      this.player.adTime(at, total);
      if (ev) this.player.mediaPosition(el);
    };
    this.lock(true);
    this.player.mediaAd(ad);
    tick();
    try {
      const heard = await this.listen(el, ad, tick);
      if (this.ended) return;
      await this.report(heard);
      localStorage.removeItem(AD_KEY);
    } finally {
      this.lock(false);
      this.player.mediaAd(null);
      this.overlay.hidden = true;
      this.overlay.replaceChildren();
    }
  }

  // A failed request (a network blip, a 5xx, an ad blocker's URL filter) is tried once more after a
  // moment; a second failure goes to the caller, which says so (adFailed) and offers Retry.
  async fetchAd() {
    try {
      return await api("/api/ads/next", { method: "POST" });
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) throw err;
      await new Promise((r) => setTimeout(r, 1000));
      return api("/api/ads/next", { method: "POST" });
    }
  }

  // Plays the ad in the active element and resolves, when it ended, with the break whose audio played.
  // An expired or failed URL is asked for again: the server hands out the same open break, or a new one
  // when the first has lapsed (an hour on), and the one reported must be the one heard (review18).
  listen(el, ad, tick) {
    return new Promise((resolve) => {
      let playing = ad;
      let forget = () => {};
      const done = () => { this.stop = null; forget(); el.removeEventListener("timeupdate", tick); el.removeEventListener("ended", done); el.removeEventListener("error", retry); resolve(playing); };
      this.stop = () => { el.pause(); done(); };
      const retry = async () => {
        const again = await api("/api/ads/next", { method: "POST" }).catch(() => null);
        if (!again) { done(); return; }
        playing = again;
        el.src = again.url;
        el.play().catch(() => {});
      };
      el.addEventListener("timeupdate", tick);
      el.addEventListener("ended", done);
      el.addEventListener("error", retry);
      el.muted = false;
      el.volume = this.player.userVolume;
      el.src = ad.url;
      forget = resumeAd(el, ad.break_id);
      el.play().catch(() => {});
    });
  }

  // The server counts the impression only once the ad's length has passed on its clock; a client
  // a little ahead asks again shortly. A network failure or a 5xx is tried once more after a moment, as
  // `fetchAd` does (fix29c): given up at once, the listener heard the whole ad again. A second report never
  // counts twice (the server claims the break once; a repeat answers `already_counted`) and skips nothing
  // (the server still checks the ad's length and its audio sent, as for the first). A break ended meanwhile (a
  // sign-out, here or in another tab) is reported no more: sent again a second later, the report went out under
  // whatever session the browser held by then, the next account's (session 30's leftover).
  async report(ad) {
    let retried = false;
    for (let attempt = 0; attempt < 20 && !this.ended; attempt += 1) {
      try {
        await api(`/api/ads/${encodeURIComponent(ad.break_id)}/played`, { method: "POST" });
        return;
      } catch (err) {
        const transient = !(err instanceof ApiError) || err.status >= 500;
        if (transient && !retried) {
          retried = true;
          await new Promise((r) => setTimeout(r, 1000));
        } else if (err.code === "ad_not_finished") {
          await new Promise((r) => setTimeout(r, 500));
        } else return;
      }
    }
  }

  show(ad, remaining) {
    this.overlay.hidden = false;
    const label = `Ad · ${formatTime(remaining)}`;
    if (!this.overlay.firstChild) {
      this.overlay.append(
        h("span", { class: "ad-count", id: "ad-count", "aria-live": "off" }), // announced once, not every second
        h("span", { class: "ad-who", text: ad.advertiser }),
        h("span", { class: "ad-note", text: "Your music continues after this ad." }),
        link("/upgrade", { class: "ad-upgrade" }, "Go Premium: no ads"));
    }
    const count = this.overlay.querySelector("#ad-count");
    if (count.textContent !== label) count.textContent = label;
  }

  lock(on) {
    for (const id of LOCKED) {
      const el = this.player.els[id] || this.player.root.querySelector(`#${id}`);
      if (el) el.disabled = on;
    }
    this.player.els.player.classList.toggle("in-ad", on);
    this.player.mediaSkips(!on); // the lock screen's and media keys' skip and seek too
  }
}

// The ad could not be fetched or played, so the server still refuses the music: say so (the music does
// not just stop without a word) and offer Retry, which asks for the ad again. Failing the ad skips nothing.
export function adFailed(root, retry) {
  const box = root.querySelector("#ad-failed") || root.appendChild(h("div", { id: "ad-failed", class: "premium-prompt", role: "alert" }));
  const again = h("button", { type: "button", class: "btn", text: "Retry",
    onclick: () => { box.remove(); retry(); } });
  box.replaceChildren(
    h("span", { text: "The ad couldn't load, so the music is paused: it resumes after the ad. If an ad blocker is on, allow this site." }),
    again,
    link("/upgrade", { class: "ad-upgrade" }, "Go Premium: no ads"),
    h("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", text: "✕", onclick: () => box.remove() }));
  return box;
}

export function clearAdFailed(root) {
  const box = root.querySelector("#ad-failed");
  if (box) box.remove();
}
