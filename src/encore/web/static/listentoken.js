// "Scrobbling (ListenBrainz)" (settings): the token a scrobbler or ListenBrainz client sends to /1/. Says
// whether one works (its last characters and date, or that a sign-out everywhere cut it), makes a new one, shown
// once in a modal dialog with what to paste where, and tells what the client calls the API root.
import { api } from "./api.js";
import { h, shownOnceDialog } from "./dom.js";
import { failed } from "./offline.js";
import { copyLine } from "./devices.js";
import { section } from "./views.js";

function where(apiRoot) {
  return [h("p", { text: "In a scrobbler or ListenBrainz client (Pano Scrobbler, multi-scrobbler, liblistenbrainz…), choose a custom ListenBrainz server and paste:" }),
    copyLine("API root", apiRoot),
    h("p", { class: "card-sub", text: "A client that asks for the full address of submissions takes:" }),
    copyLine("Submit URL", `${apiRoot}/1/submit-listens`)];
}

function tokenDialog(made) {
  const shown = { id: "listen-token-title", className: "listen-token-dialog", title: "Your ListenBrainz token", what: "token", done: "I have copied it" };
  return shownOnceDialog(shown, copyLine("Token", made.token), ...where(made.api_root));
}

function stateText(info) {
  if (info.exists) return `Your token ends in …${info.hint}, made ${info.created_at.slice(0, 10)}.`;
  if (info.revoked) return "Your token stopped working when you signed out everywhere. Make a new one and paste it into your scrobbler again.";
  return "No token yet: make one to connect a scrobbler.";
}

export async function listenTokenSection() {
  const state = h("p", { id: "listen-token-state" });
  const error = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "button", class: "ghost", id: "listen-token-make" });
  const how = h("div", { class: "listen-token-how" });
  let info = null;
  const show = (answer) => {
    info = answer;
    state.textContent = stateText(info);
    button.textContent = info.exists ? "Make a new token" : "Make a token";
    how.replaceChildren(...where(info.api_root));
  };
  button.addEventListener("click", async () => {
    if (info && info.exists && !confirm("Make a new token? The one your scrobbler uses now stops working at once.")) return;
    error.textContent = "";
    try {
      const made = await api("/api/me/listen-token", { method: "POST" });
      tokenDialog(made);
      show(made);
    } catch (err) { error.textContent = failed(err); }
  });
  show(await api("/api/me/listen-token"));
  return section("Scrobbling (ListenBrainz)", state, button, error, how);
}
