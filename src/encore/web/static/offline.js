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

// What a page that could not load says when the network is gone ("Something went wrong: Failed to fetch" said
// nothing a listener could act on, probe22 F10): what still works offline, and that it loads by itself. A fetch
// can also fail while the browser says it is online (the server unreachable, or the network just back and not
// yet carrying requests): then it tries again every few seconds, as no "online" event will come.
const RETRY_MS = 5000;

export function isOfflineFailure(err) {
  return !navigator.onLine || (err instanceof TypeError && err.status === undefined);
}

// A failed request as the whole app words it: offline (or the server unreachable), the browser's own "Failed to
// fetch" says nothing a listener can act on (review26b F3, review31b L1). `what` names the action, capitalised
// ("Import"), for "Import failed: …"; without it the server's own sentence is said as it is.
export function failed(err, what = "") {
  if (isOfflineFailure(err)) return `You're offline: ${what ? what.toLowerCase() : "this"} needs the network. Try again when you're back online.`;
  return what ? `${what} failed: ${err.message}` : err.message;
}

export function offlineView(retry) {
  const offline = !navigator.onLine;
  document.title = offline ? "Offline · Encore" : "Not reachable · Encore";
  let timer = 0;
  const stop = () => { window.removeEventListener("online", again); clearTimeout(timer); };
  function again() { stop(); retry(); }
  window.addEventListener("online", again);
  if (!offline) timer = setTimeout(again, RETRY_MS);
  const view = h("div", { class: "view offline-view" }, h("h1", { text: offline ? "You're offline" : "Encore can't be reached" }),
    h("p", { class: "empty", text: offline
      ? "This page needs the network. Your library, liked songs and playlists open as they were when you were last online; this page loads by itself when you're back online."
      : "This page could not load: the server did not answer. It tries again by itself every few seconds; your library opens as it was when you were last online." }),
    h("p", { class: "offline-actions" }, h("a", { href: "/library", "data-link": true, class: "ghost", text: "Open your library" }),
      h("button", { type: "button", class: "ghost", id: "offline-retry", text: "Try again", onclick: again })));
  view.addEventListener("encore:leave", stop);
  return view;
}
