"""The Spotify-Web-API-compatible face: /v1, OAuth 2.0 endpoints, the consent and developer pages."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from encore import oauth
from encore.web._security import ASGIApp, Receive, Scope, Send
from encore.web.spotify import (
    _buy_links,
    _catalogue,
    _follows,
    _library,
    _me,
    _oauth_routes,
    _player,
    _playlists,
    _recommendations,
    _search,
    _wrapped,
)
from encore.web.spotify._edge import route_scopes
from encore.web.spotify._raw import RawReads, without_trailing_slash
from encore.web.spotify._unknown import unknown_router

V1_ROUTERS = (
    _search.router,
    _catalogue.router,
    _recommendations.router,
    _me.router,
    _library.router,
    _playlists.router,
    _follows.router,
    _player.router,
    _buy_links.router,
    _wrapped.router,
)


def v1_routes() -> list[APIRoute]:
    """Every /v1 operation (the scope-matrix test and the docs read this table)."""
    return [r for router in V1_ROUTERS for r in router.routes if isinstance(r, APIRoute)]


_UNKNOWN = unknown_router(v1_routes)


def _document_scopes() -> None:
    """Idempotent: every app instance shares these module-level routers."""
    for route in v1_routes():
        alternatives = route_scopes(route) or []
        security = [{"encoreOAuth": a.split()} for a in alternatives] or [{"encoreOAuth": []}]
        route.openapi_extra = {**(route.openapi_extra or {}), "security": security}
        if alternatives and "Scopes:" not in (route.description or ""):
            scopes = " or ".join(f"`{a}`" for a in alternatives)
            route.description = f"{route.description or ''}\n\nScopes: {scopes}".strip()


class TrailingSlash:
    """Spotify's API answers `/v1/me/` like `/v1/me` (spotipy asks for both); so does Encore."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and (stripped := without_trailing_slash(path)) != path:
            scope = {**scope, "path": stripped}
        await self.app(scope, receive, send)


def include_v1(app: FastAPI) -> None:
    """Mount /v1 (before `install`, early in the route table: a request is matched against the routes in
    order, and /v1's catalogue reads were matched after every player route)."""
    for router in V1_ROUTERS:
        app.include_router(router)
    app.include_router(_UNKNOWN)  # after every operation: what none of them takes, in Spotify's shape


def install(app: FastAPI) -> None:
    """The OAuth endpoints and pages, and the /v1 middleware and docs (the apps' rate windows are the
    container's); `include_v1` mounts /v1 itself."""
    app.add_middleware(TrailingSlash)
    _document_scopes()
    for router in (_oauth_routes.router, _oauth_routes.dev, _oauth_routes.pages):
        app.include_router(router)
    from encore.web.spotify._openapi import describe, serve_docs

    describe(app, scopes=oauth.SCOPES)
    serve_docs(app)


def raw_reads() -> RawReads:
    """The hot /v1 GETs' raw path (web.spotify._raw), over these very routes."""
    return RawReads(v1_routes())


__all__ = ["V1_ROUTERS", "RawReads", "include_v1", "install", "raw_reads", "v1_routes", "without_trailing_slash"]
