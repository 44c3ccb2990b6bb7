// "You're offline": said while the network is gone; the views meanwhile show the library as last loaded
// (the service worker answers the listener's own library reads from its cache).
import { h } from "./dom.js";

export function watchOffline() {
  const note = h("div", { id: "offline-note", class: "offline-note", role: "status", hidden: true },
    "You're offline. Showing your library as it was when you were last online.");
  document.body.prepend(note);
  const sync = () => { note.hidden = navigator.onLine; document.body.classList.toggle("offline", !navigator.onLine); };
  window.addEventListener("online", sync);
  window.addEventListener("offline", sync);
  sync();
}

// At log-out the cached library of this listener must not outlive the session.
export function forgetOfflineLibrary() {
  return "caches" in window ? caches.delete("encore-api-v1").catch(() => false) : Promise.resolve(false);
}
