// Small DOM helpers. Text always goes in through textContent, never as HTML, with its isolates balanced.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = balanced(value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(balanced(child)));
  }
  return el;
}

// An element's children replaced, skipping null, undefined and false as h() does: the DOM's own replaceChildren
// writes a null out as the text "null" (probe21a F2 in premium.js, probe25a M1 under every published release).
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(balanced(child)));
  }
  return el;
}

// A table that may be wider than the screen, in a box that scrolls sideways and says so while more of it is out of
// sight to the right: a line above it and the right edge faded (a phone showed the first columns and no hint that
// the actions were further on). The line hides once the table fits or is scrolled to its end.
export function scrollable(table) {
  const cue = h("p", { class: "scroll-cue", "aria-hidden": "true", text: "More columns to the right: swipe sideways →" });
  const box = h("div", { class: "table-scroll" }, table);
  const sync = () => {
    const more = box.scrollWidth - box.clientWidth - box.scrollLeft > 1;
    cue.hidden = !more;
    box.classList.toggle("more-right", more);
  };
  box.addEventListener("scroll", sync, { passive: true });
  if ("ResizeObserver" in window) {
    const watch = new ResizeObserver(sync);
    watch.observe(box);
    watch.observe(table); // rows arriving widen the table, not the box
  }
  sync();
  return h("div", { class: "table-scroll-wrap" }, cue, box);
}

// "1 track", "12 tracks" (probe24b F8: "1 TRACKS").
export function counted(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function link(href, attrs, ...children) {
  return h("a", { href, "data-link": true, ...attrs }, ...children);
}

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function artistNames(artists) {
  return (artists || []).map((a) => a.name).join(", ");
}

// Names are the listeners' and labels' own text and may hold right-to-left marks (kept by decision), and one
// ending in U+202E (RTL override) reversed whatever followed it in the same line. Every name goes on screen
// isolated: as its own element (`named`, a <bdi>: its direction from its own letters; the other inline elements
// are isolated by style.css), or, inside a plain string (document.title, a confirm()), between U+2068 FIRST
// STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE (`isolate`).
export function named(text) {
  return h("bdi", { text });
}

export function isolate(text) {
  return `\u2068${balanced(text)}\u2069`;
}

// A U+2069 that closes no isolate of its own text would close its element's isolation instead (Chromium lays
// out an isolated element as if between such marks), and an override after it reached the rest of the line:
// dropped. An isolate the text opens and never closes is closed at its end. Both are invisible.
export function balanced(text) {
  const s = String(text ?? "");
  if (!/[\u2066-\u2069]/.test(s)) return s;
  let open = 0;
  let out = "";
  for (const ch of s) {
    if (ch === "\u2066" || ch === "\u2067" || ch === "\u2068") open += 1;
    else if (ch === "\u2069") { if (!open) continue; open -= 1; }
    out += ch;
  }
  return out + "\u2069".repeat(open);
}

// Artists as elements, each isolated, for text beside them ("A, B · 2024").
export function artistList(artists) {
  return (artists || []).flatMap((a, i) => (i ? [", ", named(a.name)] : [named(a.name)]));
}

// Artists in a plain string (document.title, the media session), each isolated.
export function artistText(artists) {
  return (artists || []).map((a) => isolate(a.name)).join(", ");
}

export function cover(images, size, alt = "") {
  const src = images && (images[String(size)] || images["300"]);
  return src
    ? h("img", { src, alt, width: size, height: size, loading: "lazy", class: "cover" })
    : h("div", { class: "cover placeholder", role: "img", "aria-label": alt || "No cover" });
}

// A secret the server shows only once, in a modal dialog above everything (the player bar included) until the
// listener says it is copied; closing it takes it out of the page. `title`: the heading's text or nodes; `what`:
// the secret, named in the warning; `done`: the closing button's words; `body`: the lines between.
export function shownOnceDialog({ id, className = "", title, what, done }, ...body) {
  const close = h("button", { type: "button", class: "big-play", text: done });
  const dialog = h("dialog", { class: `device-dialog ${className}`.trim(), "aria-labelledby": id },
    h("h2", { id }, title),
    h("p", { class: "warning", text: `Copy the ${what} now: Encore shows it only this once.` }),
    ...body, h("div", { class: "dialog-actions" }, close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
