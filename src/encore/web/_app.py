"""Assemble the ASGI application: the FastAPI app for JSON and pages, the raw byte path for audio.

FastAPI analyses every included route (its dependencies, parameters and response model) lazily, per app, on the
app's first request: about 0.4 s of CPU for Encore's ~400 routes. Nothing in the routes depends on the container
(handlers reach it through `_deps.container`), so `create_app` builds the FastAPI app once per process and each
container's app hands that shared app its container in the ASGI scope. A process that serves one container
(`encore serve`, each worker) pays the analysis once, as before; a process that makes many apps (the tests, a
cluster of nodes in one process) pays it once instead of once per app.
"""

import functools
from collections.abc import Callable

from fastapi import FastAPI

from encore import portability
from encore.bootstrap import Container
from encore.web import _errors
from encore.web._ad_routes import router as ad_router
from encore.web._admin_routes import router as admin_router
from encore.web._auth_routes import router as auth_router
from encore.web._billing_routes import router as billing_router
from encore.web._body_limit import BodyLimit, Pace
from encore.web._catalog_routes import router as catalog_router
from encore.web._demo_routes import router as demo_router
from encore.web._deps import CONTAINER_SCOPE_KEY
from encore.web._device_routes import router as device_router
from encore.web._discovery_routes import router as discovery_router
from encore.web._exclusive_routes import router as exclusive_router
from encore.web._face_headers import with_face_headers
from encore.web._health_routes import router as health_router
from encore.web._history_routes import router as history_router
from encore.web._job_routes import router as job_router
from encore.web._label_release_routes import router as label_release_router
from encore.web._label_routes import router as label_router
from encore.web._library_routes import router as library_router
from encore.web._log_lines import note_request
from encore.web._lyrics_routes import router as lyrics_router
from encore.web._mix_routes import router as mix_router
from encore.web._pages import STATIC_DIR, ServedFiles
from encore.web._pages import router as pages_router
from encore.web._playback_routes import router as playback_router
from encore.web._portability_routes import router as portability_router
from encore.web._radio_routes import router as radio_router
from encore.web._retail_routes import router as retail_router
from encore.web._security import ASGIApp, Receive, Scope, SecurityHeaders, Send
from encore.web._security_routes import router as security_router
from encore.web._share_pages import router as share_router
from encore.web._stream_route import make_stream_endpoint
from encore.web._upload_routes import router as upload_router
from encore.web._wrapped_routes import router as wrapped_router
from encore.web.listenbrainz import MAX_PAYLOAD_SIZE, SUBMIT_PATH, make_submit_endpoint
from encore.web.listenbrainz import routers as listenbrainz_routers
from encore.web.spotify import RawReads, include_v1, raw_reads
from encore.web.spotify import install as install_spotify
from encore.web.subsonic import is_rest_get, make_rest_endpoint
from encore.web.subsonic import router as subsonic_router


def create_api(c: Container) -> FastAPI:
    """A FastAPI app of its own, bound to `c` through `app.state` (for callers that change or inspect the app;
    it pays its own route analysis on its first request)."""
    app = _build_api()
    app.state.container = c
    return app


@functools.cache
def _shared_api() -> FastAPI:
    """The process's one FastAPI app for `create_app`: it holds no container (see the module's docstring)."""
    return _build_api()


def _build_api() -> FastAPI:
    # /docs is Encore's own page (web.spotify): FastAPI's loads Swagger UI from a CDN, which the CSP refuses.
    app = FastAPI(title="Encore", version="0.1.0", docs_url=None, redoc_url=None)
    _errors.install(app)
    # A request is matched against the routes in order: the hot reads (player catalogue, Subsonic, /v1) come
    # first. No path of one router is also a path of another, so the order changes nothing else.
    for router in (health_router, auth_router, catalog_router, subsonic_router):
        app.include_router(router)
    include_v1(app)
    for router in (
        library_router,
        playback_router,
        upload_router,
        device_router,
        billing_router,  # billing's routes, then the ads': the order they were served in, one router
        ad_router,
        exclusive_router,
        retail_router,
        portability_router,
        job_router,
        *listenbrainz_routers,
        label_router,
        label_release_router,
        wrapped_router,
        history_router,
        discovery_router,
        radio_router,
        lyrics_router,
        mix_router,
        security_router,
        admin_router,
        demo_router,
    ):
        app.include_router(router)
    install_spotify(app)
    app.mount("/static", ServedFiles(directory=STATIC_DIR), name="static")
    app.include_router(share_router)
    app.include_router(pages_router)
    return app


class EncoreASGI:
    """Audio bypasses FastAPI entirely: `/stream/` goes straight to the small pread handler; so do scrobblers'
    `POST /1/submit-listens` when `listens` is given (web.listenbrainz's raw endpoint, issue #17), Subsonic's
    GETs when `rest` is (web.subsonic._asgi) and /v1's hot GETs when `v1` is (web.spotify._raw: which requests
    it takes, and the app that answers them; #16, #19). With a container, every request carries it in its scope (what
    `_deps.container` reads before `app.state`)."""

    def __init__(
        self,
        api: ASGIApp,
        stream: ASGIApp,
        container: Container | None = None,
        listens: ASGIApp | None = None,
        rest: ASGIApp | None = None,
        *,
        v1: tuple[Callable[[Scope], Scope | None], ASGIApp] | None = None,
    ) -> None:
        self.api = SecurityHeaders(api)
        self.stream = stream
        self.container = container
        self.listens = SecurityHeaders(listens) if listens is not None else None
        self.rest = SecurityHeaders(rest) if rest is not None else None  # Subsonic's GETs (web.subsonic._asgi)
        self.v1 = (v1[0], SecurityHeaders(v1[1])) if v1 is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.container is not None:
            scope[CONTAINER_SCOPE_KEY] = self.container
        note_request(scope)  # its method and path go on the lines logged while it is served
        await with_face_headers(self._route, scope, receive, send)  # CORS on the token faces, no-store on data

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
        elif scope["path"].startswith("/stream/"):
            await self.stream(scope, receive, send)
        elif self.listens is not None and scope["path"] == SUBMIT_PATH and scope["method"] == "POST":
            await self.listens(scope, receive, send)
        elif self.rest is not None and is_rest_get(scope):
            await self.rest(scope, receive, send)
        elif self.v1 is not None and (taken := self.v1[0](scope)) is not None:
            await self.v1[1](taken, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(c: Container) -> EncoreASGI:
    s = c.settings
    pace = Pace(s.body_idle_timeout_s, s.body_min_bytes_per_s)
    caps = {"upload_cap": s.max_upload_bytes, "import_cap": portability.MAX_UPLOAD_BYTES}
    api = BodyLimit(_shared_api(), **caps, listens_cap=MAX_PAYLOAD_SIZE, pace=pace)
    listens = BodyLimit(make_submit_endpoint(c), **caps, listens_cap=MAX_PAYLOAD_SIZE, pace=pace)
    rest = BodyLimit(make_rest_endpoint(c), **caps, listens_cap=MAX_PAYLOAD_SIZE, pace=pace)  # a GET may have a body
    v1 = _raw_reads()
    v1_path = (v1.taken, BodyLimit(v1, **caps, listens_cap=MAX_PAYLOAD_SIZE, pace=pace))
    return EncoreASGI(api, make_stream_endpoint(c), c, listens, rest, v1=v1_path)


@functools.cache
def _raw_reads() -> RawReads:
    """The process's one table of /v1 raw reads (it holds no container: each request's scope carries it)."""
    return raw_reads()


def serve_app() -> EncoreASGI:
    """The app factory each worker process of `encore serve --workers N` calls: its own container, built
    from the same settings (environment or ENCORE_CONFIG) the parent checked and migrated."""
    from encore.bootstrap import build
    from encore.kernel import AllocatorKeeper, settle_heap

    AllocatorKeeper().start()  # as `encore serve` does in its own process (issue #16); a daemon thread
    c = build()
    app = create_app(c)
    settle_heap(gen0=c.settings.gc_young_threshold)  # as `encore serve` does once its app is built (issue #17)
    return app
