// Short confirmations ("Added to queue", "Link copied"): one polite live region, so screen readers hear them too.
import { h } from "./dom.js";

let timer = null;

export function toast(text) {
  let box = document.getElementById("toast");
  if (!box) {
    box = h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    document.body.append(box);
  }
  box.textContent = text;
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { box.hidden = true; }, 3500);
}
