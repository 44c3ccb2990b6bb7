// Bootstrapping: who is signed in, the router and its routes, the header, the player bar.

import { api } from "./api.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { mountPlaybar } from "./playbar.js";
import { Player } from "./player.js";
import { PlayReporter } from "./plays.js";
import { Router } from "./router.js";
import { app } from "./state.js";
import { albumView } from "./views/album.js";
import { artistView } from "./views/artist.js";
import { errorView } from "./views/common.js";
import { homeView } from "./views/home.js";
import { labelView } from "./views/label.js";
import { loginView } from "./views/login.js";
import { searchView } from "./views/search.js";
import { watchCurrentTrack } from "./views/tracklist.js";

const SEARCH_DEBOUNCE_MS = 120;
const ID = "([A-Za-z0-9_-]{1,64})";

const routes = [
  { pattern: /^\/(?:browse\/?)?$/, view: homeView, auth: true },
  { pattern: /^\/login\/?$/, view: loginView, auth: false },
  { pattern: /^\/search\/?$/, view: searchView, auth: true },
  { pattern: new RegExp(`^/album/${ID}/?$`), view: albumView, auth: true },
  { pattern: new RegExp(`^/artist/${ID}/?$`), view: artistView, auth: true },
  { pattern: new RegExp(`^/label/${ID}/?$`), view: labelView, auth: true },
];

function guard(route) {
  if (route.auth && !app.user) {
    const here = location.pathname + location.search;
    return here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
  }
  return null;
}

function renderAccount() {
  const root = document.getElementById("account");
  document.body.classList.toggle("signed-out", !app.user);
  if (!app.user) return root.replaceChildren();
  const name = app.user.display_name || app.user.username;
  const logout = h("button", { type: "button", class: "icon-button", "aria-label": "Log out", title: "Log out" }, icon("logout"));
  logout.addEventListener("click", async () => {
    app.player.audio.pause();
    await api.logout().catch(() => {});
    app.user = null;
    renderAccount();
    app.router.navigate("/login", { replace: true });
  });
  root.replaceChildren(h("span", { class: "avatar", "aria-hidden": "true", text: [...name][0]?.toUpperCase() ?? "?" }),
    h("span", { class: "account-name", dir: "auto", text: name }), logout);
}

function wireSearch(router) {
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-input");
  let timer = 0;
  const go = () => {
    const q = input.value.trim();
    const url = q ? `/search?q=${encodeURIComponent(q)}` : "/search";
    if (url === location.pathname + location.search) return;
    router.navigate(url, { replace: location.pathname === "/search", focus: false });
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(go, SEARCH_DEBOUNCE_MS);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    go();
  });
  window.addEventListener("encore:navigated", () => {
    if (location.pathname !== "/search") input.value = "";
  });
}

function wireKeys(player) {
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest?.("input, textarea, select, button, a, [contenteditable]");
    if (e.key === " " && !typing && player.track) {
      e.preventDefault();
      player.toggle();
    } else if (e.key === "/" && !typing) {
      e.preventDefault();
      document.getElementById("search-input").focus();
    }
  });
}

async function main() {
  app.user = await api.me().catch(() => null);
  app.player = new Player(document.getElementById("audio"));
  new PlayReporter(app.player);
  watchCurrentTrack(app.player);
  mountPlaybar(document.getElementById("playbar"), app.player);
  app.router = new Router({ routes, outlet: document.getElementById("view"), guard, notFound: errorView });
  window.addEventListener("encore:signedin", renderAccount);
  window.addEventListener("encore:unauthenticated", () => {
    if (!app.user) return;
    app.user = null;
    renderAccount();
    app.router.render();
  });
  renderAccount();
  wireSearch(app.router);
  wireKeys(app.player);
  await app.router.start();
  document.body.classList.remove("booting");
}

main();
