// Crossfade (issue #19): the next track starts under the end of the current one on the player's second
// <audio> element, their volumes ramping in opposite directions. 0-12 s, a setting of this device
// (localStorage), not of the account: a phone speaker and a hi-fi differ.
//
// A fade starts only when the next track's URL is already issued (player.prepared): the server answered it
// with music, so no ad break is due before it. An ad is never faded: while one plays (ads.active) or is due
// (no prepared URL), tracks end and start as without crossfade; the server paces both elements' bytes as
// it paces any play. The next URL is fetched only after a fade ends (player.maybePrefetch): during one the
// standby element is the outgoing track, so a track shorter than the prefetch window plus the fade still
// hands over instead of going silent.
const CROSSFADE_KEY = "encore.crossfade.v1";
export const MAX_CROSSFADE_S = 12;
const FADE_STEP_MS = 50;

const clamp = (n) => (Number.isFinite(n) ? Math.max(0, Math.min(MAX_CROSSFADE_S, Math.round(n))) : 0);

export function storedCrossfade() {
  try { return clamp(Number.parseInt(localStorage.getItem(CROSSFADE_KEY) || "0", 10)); } catch { return 0; }
}

export function saveCrossfade(seconds) {
  const n = clamp(Number(seconds));
  try { localStorage.setItem(CROSSFADE_KEY, String(n)); } catch { /* kept for this page only */ }
  return n;
}

export function maybeCrossfade(player) {
  const a = player.active;
  if (!player.crossfadeS || player.fading || player.ads.active || player.sleepAfterTrack || player.repeat === "one" || a.paused) return;
  const next = player.upcoming();
  // A prepared refusal (an unavailable next track, unavailable.js) has no audio to fade in: start() skips it.
  if (!next || !player.prepared || !player.prepared.issued || player.prepared.id !== next.id || !Number.isFinite(a.duration)) return;
  const left = a.duration - a.currentTime;
  if (left > player.crossfadeS || left <= 0.25) return;
  fadeTo(player, player.index + 1 < player.queue.length ? player.index + 1 : 0, left);
}

// The outgoing play is reported as ended where it stands; the incoming one starts its own report.
function fadeTo(player, target, seconds) {
  const out = player.active;
  player.reports.finish("ended");
  [player.active, player.standby] = [player.standby, out];
  out.id = "audio-next";
  player.active.id = "audio";
  player.index = target;
  player.prepared = null;
  player.gainDb = player.current.gain_db;
  player.render(player.current);
  player.onDuration();
  const from = out.volume;
  const began = Date.now();
  player.fading = { out, timer: setInterval(() => step(player, began, seconds, from), FADE_STEP_MS) };
  player.els.player.dataset.crossfading = "true";
  player.active.volume = 0;
  player.active.muted = player.muted;
  player.active.play().catch(() => {});
  player.reports.begin(player.current);
  player.prefetchDue = true;
  player.emit();
}

function step(player, began, seconds, from) {
  const f = player.fading;
  if (!f) return;
  const k = Math.min(1, (Date.now() - began) / (seconds * 1000));
  player.active.volume = player.targetVolume() * k;
  f.out.volume = from * (1 - k);
  if (k >= 1 || f.out.ended || f.out.paused) endFade(player);
}

// The fade is over (or cut short by a skip, a pause or the sleep timer): the old track stops at once.
export function endFade(player) {
  const f = player.fading;
  if (!f) return;
  player.fading = null;
  clearInterval(f.timer);
  f.out.pause();
  f.out.removeAttribute("src");
  f.out.load();
  delete player.els.player.dataset.crossfading;
  player.applyVolume();
}
