// Editing the play queue: pure functions over (queue, index of the current track) that return the new queue and
// where the current track now is, so an edit never changes what is playing. null: nothing to do.
export function withoutItem(queue, index, i) {
  if (i === index || i < 0 || i >= queue.length) return null;
  const next = queue.slice();
  next.splice(i, 1);
  return { queue: next, index: i < index ? index - 1 : index };
}

export function withItemMoved(queue, index, from, to) {
  if (from === to || from < 0 || to < 0 || from >= queue.length || to >= queue.length) return null;
  const next = queue.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  let at = index;
  if (index === from) at = to;
  else if (from < index && to >= index) at -= 1;
  else if (from > index && to <= index) at += 1;
  return { queue: next, index: at };
}

// The track at `keep` first, the rest in a random order (Fisher-Yates).
export function shuffledAfter(queue, keep) {
  const rest = queue.filter((_, i) => i !== keep);
  for (let i = rest.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [queue[keep], ...rest];
}
