// What the player keeps across a reload (localStorage): the queue around the current track and the position, for
// the account they are (`owner`), and the device's shuffle, repeat, volume and loudness normalisation. Private mode
// or a full storage keeps nothing, loses nothing: the player simply starts empty. Until the page knows who is
// signed in (`owner` undefined: Player.restore sets it) nothing is written, so a slow first answer cannot overwrite
// the queue it is about to restore with an empty one.
// With shuffle on, the order before shuffle (`player.original`) is kept too, as positions in the saved queue
// (`order`): shuffle off after a reload puts it back, with the edits made while shuffled (Player.unshuffled). It
// used to be lost at a reload, and shuffle off kept the shuffled order (session 31's leftover).
const STORE_KEY = "encore.player.v1";
const MAX_SAVED_QUEUE = 300;

export function saveState(player) {
  if (player.owner === undefined) return;
  try {
    const start = Math.max(0, player.index - 50);
    const queue = player.owner ? player.queue.slice(start, start + MAX_SAVED_QUEUE) : []; // no account: none to keep
    localStorage.setItem(STORE_KEY, JSON.stringify({ owner: player.owner,
      queue, index: player.index - start, order: player.original ? positionsIn(queue, player.original) : undefined,
      position: player.position,
      context: player.context, shuffle: player.shuffle, repeat: player.repeat,
      volume: player.userVolume, muted: player.muted, normalise: player.normalise }));
  } catch { /* nothing to resume, nothing lost */ }
}

// Where each entry of `order` is in `queue`, each position used once (a track queued twice is two entries). An entry
// the saved queue does not hold (beyond its 300) is left out: it is not in the restored queue either.
function positionsIn(queue, order) {
  const at = new Map();
  queue.forEach((entry, i) => at.set(entry, [...(at.get(entry) || []), i]));
  return order.map((entry) => (at.get(entry) || []).shift()).filter((i) => i !== undefined);
}

// The order before shuffle as the saved queue's own entries, or null: none saved (shuffle was off, or saved before
// it was kept) or not positions in that queue, each once.
export function savedOrder(state, queue) {
  const order = state.order;
  if (!Array.isArray(order)) return null;
  const valid = order.every((i) => Number.isInteger(i) && i >= 0 && i < queue.length);
  return valid && new Set(order).size === order.length ? order.map((i) => queue[i]) : null;
}

export function savedState() {
  let s;
  try { s = JSON.parse(localStorage.getItem(STORE_KEY) || "null"); } catch { s = null; }
  return s && typeof s === "object" ? s : null;
}
