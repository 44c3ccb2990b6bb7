// Encore Wrapped in the player: the periods a listener has, and a full-screen story of cards for one of them.
// Tap (or →, space) for the next card, the left third (or ←) for the previous one, Esc to leave.
import { api } from "./api.js";
import { h, link } from "./dom.js";
import { failed } from "./offline.js";

function loadStyles() {
  if (document.querySelector('link[href="/static/wrapped.css"]')) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/wrapped.css" }));
}

export async function wrappedListView() {
  loadStyles();
  document.title = "Wrapped · Encore";
  const [{ periods }, { shares }] = await Promise.all([api("/api/me/wrapped"), api("/api/me/wrapped/shares")]);
  const items = periods.map((p) => h("li", {}, link(`/wrapped/${p}`, { text: /s$/.test(p) ? `Your ${p}` : `Wrapped ${p}` })));
  return h("div", { class: "view" },
    h("h1", { text: "Encore Wrapped" }),
    periods.length
      ? h("ul", { class: "wrapped-periods", "aria-label": "Wrapped periods" }, items)
      : h("p", { class: "empty", text: "Listen to some music first: your story appears here." }),
    shares.length ? shareLinks(shares) : null);
}

// A period with no listening: say so (not "removed or mistyped"), and lead to the periods there are.
async function noWrapped(period) {
  document.title = `Wrapped ${period} · Encore`;
  const { periods } = await api("/api/me/wrapped").catch(() => ({ periods: [] }));
  const when = /s$/.test(period) ? `in the ${period}` : `in ${period}`;
  return h("div", { class: "view" },
    h("h1", { text: `No Wrapped for ${period}` }),
    h("p", { class: "empty", id: "no-wrapped", text: `You have no listening ${when}, so there is no story to tell.` }),
    periods.length
      ? h("ul", { class: "wrapped-periods", "aria-label": "Wrapped periods" },
        periods.map((p) => h("li", {}, link(`/wrapped/${p}`, { text: /s$/.test(p) ? `Your ${p}` : `Wrapped ${p}` }))))
      : h("p", {}, "Listen to some music first: your story appears on ", link("/wrapped", {}, "Wrapped"), "."));
}

// The links made so far, each live until revoked: Encore keeps only a hash of a link, so it is named by its
// period and when it was made (the address itself was shown once, when made).
function shareLinks(shares) {
  const status = h("p", { class: "wrapped-shares-status", role: "status" });
  const list = h("ul", { class: "wrapped-shares", "aria-label": "Your share links" });
  for (const share of shares) {
    const made = new Date(share.created_at).toLocaleString();
    const label = `Wrapped ${share.period}, made ${made}`;
    const item = h("li", {}, `${label} `);
    item.append(h("button", { type: "button", text: "Revoke", "aria-label": `Revoke link: ${label}`, onclick: async () => {
      try {
        await api(`/api/me/wrapped/shares/${share.id}`, { method: "DELETE" });
        item.remove();
        status.textContent = `Link revoked: ${label}. It no longer opens.`;
      } catch (err) { status.textContent = failed(err, "Revoking the link"); }
    } }));
    list.append(item);
  }
  return h("section", { class: "wrapped-shares-section", "aria-label": "Share links" },
    h("h2", { text: "Your share links" }),
    h("p", { text: "Anyone with one of these links can see that Wrapped, until you revoke it." }),
    list, status);
}

function cardView(card) {
  return [
    h("h2", { text: card.title }),
    h("p", { class: "wrapped-big", text: card.big }),
    h("ul", {}, card.lines.map((line) => h("li", { text: line }))),
  ];
}

export async function wrappedView(period, navigate) {
  loadStyles();
  const data = await api(`/api/me/wrapped/${period}`).catch((err) => { if (err.status === 404) return null; throw err; });
  if (!data || data.nothing_played) return noWrapped(period); // out of range (404), or in range with no listening
  const cards = data.cards;
  document.title = `Wrapped ${period} · Encore`;
  let index = 0;
  const stage = h("section", { class: "wrapped-stage", tabindex: "0", "aria-live": "polite", "aria-label": "Wrapped card" });
  const bars = h("div", { class: "wrapped-progress", "aria-hidden": "true" }, cards.map(() => h("span")));
  const counter = h("span", { class: "wrapped-counter" });
  const download = h("a", { class: "wrapped-download", text: "Download card" });
  const note = h("div", { class: "wrapped-share-link", role: "status" });

  function show(i) {
    index = Math.max(0, Math.min(cards.length - 1, i));
    const card = cards[index];
    stage.dataset.kind = card.kind;
    stage.replaceChildren(...cardView(card));
    [...bars.children].forEach((bar, n) => bar.classList.toggle("done", n <= index));
    counter.textContent = `${index + 1} / ${cards.length}`;
    download.href = `/api/me/wrapped/${period}/cards/${index}.png`;
    download.setAttribute("download", `encore-wrapped-${period}-${index + 1}.png`);
  }

  stage.addEventListener("click", (event) => {
    const box = stage.getBoundingClientRect();
    show(event.clientX - box.left < box.width / 3 ? index - 1 : index + 1);
  });
  // The story's keys are caught on the window only while the story is on the page (review30b M3): a story whose
  // data came after the listener had moved on is dropped unmounted by render (a newer navigation won) and never
  // hears `encore:leave`, so a catcher added as its data came stole ←/→/Space and sent Escape to /wrapped from
  // every page until a reload. It is added the tick after render mounts the view, only if the view is still there,
  // and goes at `encore:leave`; one whose view went by any other road takes itself away at its first key.
  const onKey = (event) => {
    if (!view.isConnected) { window.removeEventListener("keydown", onKey, true); return; }
    const keys = { ArrowRight: 1, " ": 1, ArrowLeft: -1 };
    if (event.key === "Escape") navigate("/wrapped");
    else if (event.key in keys && !/^(INPUT|BUTTON|A)$/.test(document.activeElement.tagName)) show(index + keys[event.key]);
    else return;
    event.preventDefault();
    event.stopPropagation(); // the player's own arrow keys seek; not while the story is open
  };

  async function makePlaylist() {
    try {
      const made = await api(`/api/me/wrapped/${period}/playlist`, { method: "POST" });
      // pressed again for the same top songs: the playlist made before, not another copy (probe25a L5)
      note.replaceChildren(made.created === false ? "Already made: " : "Made ", link(`/playlist/${made.id}`, { text: made.name }), ` (${made.total_tracks} songs)`);
    } catch (err) {
      note.textContent = failed(err, "Making the playlist");
    }
  }

  // A refusal is said where the link would be (as Make playlist does), not lost as a button that does nothing.
  async function share() {
    let made;
    try {
      made = await api(`/api/me/wrapped/${period}/shares`, { method: "POST" });
    } catch (err) {
      note.textContent = failed(err); // e.g. nothing to share yet: says what to do; offline, that it needs the network
      return;
    }
    const url = `${location.origin}${made.url}`;
    const field = h("input", { type: "text", readonly: true, value: url, "aria-label": "Share link" });
    const revoke = h("button", { type: "button", text: "Revoke link", onclick: async () => {
      try {
        await api(`/api/me/wrapped/shares/${made.token}`, { method: "DELETE" });
        note.textContent = "Link revoked: it no longer opens.";
      } catch (err) { note.append(" ", failed(err, "Revoking the link")); }
    } });
    note.replaceChildren(field, " ", revoke);
    field.select();
  }

  const actions = h("div", { class: "wrapped-actions" },
    h("button", { type: "button", text: "Previous", "aria-label": "Previous card", onclick: () => show(index - 1) }),
    h("button", { type: "button", text: "Next", "aria-label": "Next card", onclick: () => show(index + 1) }),
    counter,
    download,
    h("button", { type: "button", text: "Make playlist", onclick: makePlaylist }),
    h("button", { type: "button", text: "Share link", onclick: share }),
    h("button", { type: "button", text: "Close", onclick: () => navigate("/wrapped") }));
  const view = h("div", { class: "wrapped-story", role: "dialog", "aria-label": `Encore Wrapped ${period}` },
    bars, stage, actions, note);
  view.addEventListener("encore:leave", () => window.removeEventListener("keydown", onKey, true));
  show(0);
  setTimeout(() => {
    if (!view.isConnected) return; // left (or never shown) before this tick: nothing to catch keys for
    window.addEventListener("keydown", onKey, true);
    stage.focus();
  }, 0);
  return view;
}
