"""The Spotify-Web-API-compatible face: /v1, OAuth 2.0 endpoints, the consent and developer pages."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from encore import oauth
from encore.web._security import ASGIApp, Receive, Scope, Send
from encore.web.spotify import _catalogue, _library, _me, _oauth_routes, _playlists
from encore.web.spotify._edge import RateLimiter, route_scopes

V1_ROUTERS = (_catalogue.router, _me.router, _library.router, _playlists.router)


def _document_scopes(app: FastAPI) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/v1/"):
            alternatives = route_scopes(route) or []
            security = [{"encoreOAuth": a.split()} for a in alternatives] or [{"encoreOAuth": []}]
            route.openapi_extra = {**(route.openapi_extra or {}), "security": security}
            if alternatives:
                route.description = (
                    (route.description or "") + "\n\nScopes: " + " or ".join(f"`{a}`" for a in alternatives)
                )


class TrailingSlash:
    """Spotify's API answers `/v1/me/` like `/v1/me` (spotipy asks for both); so does Encore."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/v1/") and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Mount /v1 and the OAuth endpoints and pages; one rate limiter per app instance."""
    app.state.v1_limiter = RateLimiter()
    app.add_middleware(TrailingSlash)
    for router in (*V1_ROUTERS, _oauth_routes.router, _oauth_routes.dev, _oauth_routes.pages):
        app.include_router(router)
    _document_scopes(app)
    from encore.web.spotify._openapi import describe

    describe(app, scopes=oauth.SCOPES)


__all__ = ["V1_ROUTERS", "install"]
