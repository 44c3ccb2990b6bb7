// Short confirmations ("Added to queue", "Link copied"): one polite live region, so screen readers hear them too.
// The region exists (empty) from the start: text put into a region created at the same moment is often not read.
import { balanced, h } from "./dom.js";

const box = h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", "aria-atomic": "true", hidden: true });
document.body.append(box);
let timer = null;

// Text, or text and elements: a name goes in as `named(name)`, isolated from the words around it.
export function toast(...parts) {
  box.replaceChildren(...parts.map((p) => (p instanceof Node ? p : document.createTextNode(balanced(p)))));
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { box.hidden = true; box.textContent = ""; }, 3500);
}
