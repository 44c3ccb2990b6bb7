// "Building the demo catalogue: 4/20 albums" on home while `encore serve --build-demo` finishes the demo
// in the background; it asks again every few seconds and goes away when the build is done. A build whose
// process died half way ("stopped": no builder holds it) gets a last sentence and no more asking.
import { api } from "./api.js";
import { h } from "./dom.js";

const POLL_MS = 5000;

function sentence(p) {
  if (p.stopped) {
    return `The demo build stopped at ${p.albums_done}/${p.albums_total} albums; run make run again to finish it.`;
  }
  if (p.stage === "history") {
    return `Demo catalogue imported: ${p.albums_total} albums. Generating listening history and Wrapped …`;
  }
  return `Building the demo catalogue: ${p.albums_done}/${p.albums_total} albums (${p.tracks_done}/${p.tracks_total} tracks). ` +
    "New albums appear as they are imported; listening history and Wrapped come at the end.";
}

export function demoBuildNotice() {
  const note = h("p", { class: "demo-build-note", role: "status", hidden: true });
  const check = async () => {
    let progress;
    try {
      progress = await api("/api/demo/build");
    } catch {
      progress = null; // a hiccup: try again on the next round
    }
    if (progress && !progress.building && !progress.stopped) {
      note.remove();
      return;
    }
    if (progress) {
      note.textContent = sentence(progress);
      note.hidden = false;
      if (progress.stopped) return; // nothing will move it on: no more asking
    }
    setTimeout(() => { if (note.isConnected) check(); }, POLL_MS);
  };
  check();
  return note;
}
