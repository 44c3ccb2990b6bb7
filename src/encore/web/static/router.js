// A History API router: links and pushState, popstate, and a deep link rendering the same view on reload.

export class Router {
  /** routes: [{ pattern: RegExp, view: async (ctx) => Node, auth: bool }] */
  constructor({ routes, outlet, guard, notFound }) {
    this.routes = routes;
    this.outlet = outlet;
    this.guard = guard;
    this.notFound = notFound;
    this.controller = null;
  }

  start() {
    history.scrollRestoration = "manual";
    window.addEventListener("popstate", (e) => this.render({ scroll: e.state?.scroll ?? 0, focus: true }));
    document.addEventListener("click", (e) => this.#onClick(e));
    return this.render({ scroll: history.state?.scroll ?? 0, focus: false });
  }

  /** Go to an in-app URL. replace: no new history entry; focus: move focus to the new view's heading. */
  navigate(url, { replace = false, focus = true } = {}) {
    const state = { scroll: window.scrollY };
    history.replaceState(state, "");
    if (replace) history.replaceState({ scroll: 0 }, "", url);
    else history.pushState({ scroll: 0 }, "", url);
    return this.render({ scroll: 0, focus });
  }

  #onClick(e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest?.("a[href]");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/static/")) return;
    if (a.getAttribute("href").startsWith("#")) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) this.navigate(url.pathname + url.search);
  }

  async render({ scroll = 0, focus = true } = {}) {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const path = location.pathname;
    let match = null;
    const route = this.routes.find((r) => (match = path.match(r.pattern)));
    const redirect = route && this.guard?.(route);
    if (redirect) return this.navigate(redirect, { replace: true, focus });
    const ctx = {
      params: match ? match.slice(1).map(decodeURIComponent) : [],
      query: new URLSearchParams(location.search),
      signal: controller.signal,
    };
    this.outlet.setAttribute("aria-busy", "true");
    let node;
    try {
      node = await (route ? route.view(ctx) : this.notFound(ctx));
    } catch (err) {
      if (controller.signal.aborted) return;
      node = this.notFound({ ...ctx, error: err });
    }
    if (controller.signal.aborted) return;
    this.outlet.replaceChildren(node);
    this.outlet.setAttribute("aria-busy", "false");
    window.scrollTo(0, scroll);
    if (focus) {
      const heading = this.outlet.querySelector("h1");
      heading?.setAttribute("tabindex", "-1");
      (heading ?? this.outlet).focus({ preventScroll: true });
    }
    window.dispatchEvent(new CustomEvent("encore:navigated", { detail: { path } }));
  }
}
