// Small DOM helpers. Text always goes in as text nodes: names and titles are user data.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Text that may be in any script or direction (RTL names, marks): isolate it. */
export const text = (tag, cls, value) => h(tag, { class: cls, dir: "auto", text: value ?? "" });

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.floor(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

export const formatMs = (ms) => formatTime(ms / 1000);

export function formatTotal(ms) {
  const minutes = Math.round(ms / 60000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const year = (date) => (date ? String(date).slice(0, 4) : "");

/** Only our own artwork paths are used as image sources. */
const safeSrc = (url) => (typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : null);

export function cover(images, size, cls = "cover") {
  const small = safeSrc(images?.["300"]);
  const large = safeSrc(images?.["640"]);
  const src = safeSrc(images?.[String(size)]) ?? small ?? large;
  if (!src) return h("div", { class: `${cls} cover-empty`, "aria-hidden": "true" });
  const srcset = size >= 300 && small && large ? `${small} 300w, ${large} 640w` : null;
  return h("img", {
    class: cls,
    src,
    srcset,
    sizes: srcset ? (size >= 640 ? "(max-width: 600px) 70vw, 260px" : "(max-width: 600px) 45vw, 200px") : null,
    alt: "",
    loading: "lazy",
    decoding: "async",
  });
}

export const hrefFor = (kind, id) => `/${kind}/${encodeURIComponent(id)}`;

/** "A, B & C" as links, in a span; role names ("featured") stay out of the way. */
export function artistLinks(artists, cls = "artists") {
  const span = h("span", { class: cls });
  (artists ?? []).forEach((a, i) => {
    if (i > 0) span.append(i === artists.length - 1 ? " & " : ", ");
    span.append(h("a", { href: hrefFor("artist", a.id), dir: "auto", text: a.name }));
  });
  return span;
}

export const artistNames = (artists) => (artists ?? []).map((a) => a.name).join(", ");
