// Encore's app shell: a History API router over the views, with a player that survives navigation.
import { api } from "./api.js";
import { h } from "./dom.js";
import { Player } from "./player.js";
import { albumView, artistView, homeView, labelView, loginView, searchView } from "./views.js";

const main = document.getElementById("main");
const searchInput = document.getElementById("search-input");
const account = document.getElementById("account");
const player = new Player(document.body);
let me = null;
let renderToken = 0;

const routes = [
  [/^\/$/, () => homeView()],
  [/^\/album\/([0-9A-Za-z]{1,64})$/, (m) => albumView(m[1], player)],
  [/^\/artist\/([0-9A-Za-z]{1,64})$/, (m) => artistView(m[1], player)],
  [/^\/label\/([0-9A-Za-z]{1,64})$/, (m) => labelView(m[1])],
  [/^\/search$/, () => searchView(new URLSearchParams(location.search).get("q") || "", player)],
];

async function render() {
  const token = ++renderToken;
  if (!me && location.pathname !== "/login") {
    history.replaceState(null, "", `/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  let view;
  try {
    if (location.pathname === "/login") {
      view = loginView(afterLogin);
    } else {
      const match = routes.map(([re, fn]) => [location.pathname.match(re), fn]).find(([m]) => m);
      view = match ? await match[1](match[0]) : notFound();
    }
  } catch (err) {
    view = err.status === 404 ? notFound() : h("div", { class: "view" }, h("p", { class: "empty", text: `Something went wrong: ${err.message}` }));
  }
  if (token !== renderToken) return; // a newer navigation won
  main.replaceChildren(view);
  renderAccount();
}

function notFound() {
  document.title = "Not found · Encore";
  return h("div", { class: "view" }, h("h1", { text: "Not found" }), h("p", { class: "empty", text: "There is nothing here." }));
}

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", path);
  render();
  if (!replace) main.focus({ preventScroll: true });
}

async function afterLogin() {
  me = await api("/api/me");
  const next = new URLSearchParams(location.search).get("next");
  navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
}

function renderAccount() {
  if (!me) { account.replaceChildren(); return; }
  account.replaceChildren(
    h("span", { class: "who", text: me.display_name }),
    h("button", { type: "button", class: "ghost", text: "Log out", onclick: async () => {
      await api("/api/auth/logout", { method: "POST" }).catch(() => {});
      me = null;
      navigate("/login");
    } }));
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[data-link]");
  if (!a || event.metaKey || event.ctrlKey || event.shiftKey || a.target) return;
  event.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", render);

let debounce;
searchInput.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    const q = searchInput.value;
    navigate(q ? `/search?q=${encodeURIComponent(q)}` : "/", { replace: location.pathname === "/search" });
  }, 120);
});
document.getElementById("search-form").addEventListener("submit", (e) => e.preventDefault());
document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
  if (event.key === "/" && !typing) { event.preventDefault(); searchInput.focus(); }
  if (event.key === " " && !typing && document.activeElement.tagName !== "BUTTON") { event.preventDefault(); player.toggle(); }
});

(async () => {
  me = await api("/api/me").catch(() => null);
  if (location.pathname === "/search") searchInput.value = new URLSearchParams(location.search).get("q") || "";
  render();
})();
