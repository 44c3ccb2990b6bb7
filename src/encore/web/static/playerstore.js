// What the player keeps across a reload (localStorage): the queue around the current track and the position, for
// the account they are (`owner`), and the device's shuffle, repeat, volume and loudness normalisation. Private mode
// or a full storage keeps nothing, loses nothing: the player simply starts empty. Until the page knows who is
// signed in (`owner` undefined: Player.restore sets it) nothing is written, so a slow first answer cannot overwrite
// the queue it is about to restore with an empty one.
const STORE_KEY = "encore.player.v1";
const MAX_SAVED_QUEUE = 300;

export function saveState(player) {
  if (player.owner === undefined) return;
  try {
    const start = Math.max(0, player.index - 50);
    const queue = player.owner ? player.queue.slice(start, start + MAX_SAVED_QUEUE) : []; // no account: none to keep
    localStorage.setItem(STORE_KEY, JSON.stringify({ owner: player.owner,
      queue, index: player.index - start,
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
