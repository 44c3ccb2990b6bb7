// Small DOM helpers. Text always goes in through textContent, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
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

export function cover(images, size, alt = "") {
  const src = images && (images[String(size)] || images["300"]);
  return src
    ? h("img", { src, alt, width: size, height: size, loading: "lazy", class: "cover" })
    : h("div", { class: "cover placeholder", role: "img", "aria-label": alt || "No cover" });
}
