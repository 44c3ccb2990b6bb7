// Encore's service worker: the app shell from cache (refreshed in the background), an offline page
// when a navigation fails. API calls, artwork and audio always go to the network.
const VERSION = "encore-shell-v4";
const SHELL = ["/", "/offline", "/static/style.css", "/static/app.js", "/static/api.js", "/static/dom.js",
  "/static/player.js", "/static/ads.js", "/static/premium.js", "/static/views.js", "/static/library.js", "/static/browse.js",
  "/static/label.js", "/static/label.css", "/static/wrapped.js", "/static/wrapped.css", "/static/icon.svg",
  "/static/profile.js", "/static/devices.js", "/static/admin.js",
  "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (req.mode === "navigate") {
    // Deep links all load the same shell; fall back to it, then to the offline page.
    event.respondWith(fetch(req).catch(async () => (await caches.match("/")) || caches.match("/offline")));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.open(VERSION).then(async (cache) => {
      const cached = await cache.match(req);
      const fresh = fetch(req).then((res) => { if (res.ok) cache.put(req, res.clone()); return res; });
      return cached || fresh;
    }));
  }
});
