// Encore's service worker: the app shell from cache (refreshed in the background), an offline page
// when a navigation fails. The listener's own library reads (API_CACHED) go to the network first and fall
// back to their last answer offline; other API calls, artwork and audio always go to the network.
const VERSION = "encore-shell-v52";
const API_CACHE = "encore-api-v1"; // deleted at log-out (app.js) and when /api/me says 401
const API_CACHED = /^\/api\/(me(\/playlists|\/likes\/(tracks|albums|artists)|\/recent)?|playlists\/[0-9A-Za-z]+(\/items)?|albums\/[0-9A-Za-z]+|browse\/(new-releases|labels))$/;
const SHELL = ["/", "/offline", "/static/style.css", "/static/app.js", "/static/api.js", "/static/dom.js",
  "/static/player.js", "/static/ads.js", "/static/premium.js", "/static/views.js", "/static/library.js", "/static/browse.js", "/static/demobuild.js",
  "/static/label.js", "/static/release.js", "/static/label.css", "/static/security.js", "/static/saved.js", "/static/toast.js", "/static/trackmenu.js", "/static/locks.js", "/static/formerrors.js", "/static/offline.js", "/static/listener.css", "/static/wrapped.js", "/static/wrapped.css", "/static/history.js", "/static/history.css", "/static/icon.svg",
  "/static/profile.js", "/static/devices.js", "/static/listentoken.js", "/static/radio.js", "/static/admin.js", "/static/lyrics.js", "/static/lyrics.css",
  "/static/mixes.js", "/static/sleep.js", "/static/crossfade.js", "/static/playreport.js", "/static/playerstore.js", "/static/queueops.js",
  "/static/exclusives.js", "/static/exclusives.css", "/static/unavailable.js",
  "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION && k !== API_CACHE).map((k) => caches.delete(k))))
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
  if (API_CACHED.test(url.pathname)) {
    event.respondWith(fetch(req).then((res) => {
      if (res.ok) { const copy = res.clone(); caches.open(API_CACHE).then((c) => c.put(req, copy)); }
      if (res.status === 401 && url.pathname === "/api/me") caches.delete(API_CACHE); // logged out elsewhere
      return res;
    }).catch(async () => (await caches.match(req, { cacheName: API_CACHE })) || Response.error()));
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
