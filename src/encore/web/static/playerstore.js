// What the player keeps across a reload (localStorage): the queue around the current track, the position,
// shuffle, repeat, volume and loudness normalisation. Private mode or a full storage keeps nothing, loses
// nothing: the player simply starts empty.
const STORE_KEY = "encore.player.v1";
const MAX_SAVED_QUEUE = 300;

export function saveState(player) {
  try {
    const start = Math.max(0, player.index - 50);
    localStorage.setItem(STORE_KEY, JSON.stringify({
      queue: player.queue.slice(start, start + MAX_SAVED_QUEUE), index: player.index - start,
      position: player.position,
      context: player.context, shuffle: player.shuffle, repeat: player.repeat,
      volume: player.userVolume, muted: player.muted, normalise: player.normalise }));
  } catch { /* nothing to resume, nothing lost */ }
}

export function savedState() {
  let s;
  try { s = JSON.parse(localStorage.getItem(STORE_KEY) || "null"); } catch { s = null; }
  return s && typeof s === "object" ? s : null;
}
