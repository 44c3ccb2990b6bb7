"""CORS for the token faces, and `Cache-Control: no-store` on answers that carry someone's data.

CORS: browser apps (Feishin's web build, a Spotify Web API app) call Encore from their own origin. The faces
they use authenticate with what the request itself carries (Subsonic's parameters, a `Token` or `Bearer`
header, an OAuth client's form), never with Encore's session cookie, so any origin may read their answers:
`Access-Control-Allow-Origin: *` without credentials, which a browser never combines with cookies. The
player's `/api` (the cookie session) and `/admin` get no CORS header at all: a page elsewhere cannot read
them. The OAuth token endpoints are the one exception under `/api`: a PKCE app in a browser must reach them,
and they read a client's form, not the cookie.

Caching: an answer under `/api`, `/v1`, `/1` or `/rest` that says nothing of caching is the caller's data (or
depends on who asks: marks, entitlements, private playlists), so it gets `no-store`. An answer that chose its
own policy keeps it: artwork (public, a year), exclusives' images and Subsonic audio (private), and the
static files, pages and signed `/stream/` audio are outside these paths.
"""

from encore.web._security import ASGIApp, Message, Receive, Scope, Send

_CORS_PREFIXES = ("/rest/", "/v1/", "/1/")
_CORS_EXACT = frozenset({"/rest", "/v1", "/api/token", "/api/token/revoke"})
_PRIVATE_PREFIXES = ("/api/", "/v1/", "/1/", "/rest/")

ALLOW_METHODS = b"GET, HEAD, POST, PUT, DELETE"
# What the faces read from a header (the rest is in the query or the body). Authorization must be named:
# a wildcard does not cover it.
ALLOW_HEADERS = b"Authorization, Content-Type, Accept, Accept-Language, Range, If-Range, X-Requested-With"
EXPOSE_HEADERS = b"Retry-After, Content-Length, Content-Range, Content-Disposition, Accept-Ranges, Location"
PREFLIGHT_MAX_AGE = b"600"

_ACTUAL = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", EXPOSE_HEADERS),
]
_PREFLIGHT = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", ALLOW_METHODS),
    (b"access-control-allow-headers", ALLOW_HEADERS),
    (b"access-control-max-age", PREFLIGHT_MAX_AGE),
    (b"cache-control", b"no-store"),
    (b"content-length", b"0"),
]
_NO_STORE = (b"cache-control", b"no-store")


def is_cors_path(path: str) -> bool:
    return path.startswith(_CORS_PREFIXES) or path in _CORS_EXACT


def is_private_path(path: str) -> bool:
    return path.startswith(_PRIVATE_PREFIXES)


def _is_preflight(scope: Scope) -> bool:
    if scope["method"] != "OPTIONS":
        return False
    names = {name for name, _ in scope.get("headers", ())}
    return b"origin" in names and b"access-control-request-method" in names


async def with_face_headers(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run `app`, answering CORS preflights on the token faces here and adding the CORS and caching headers to
    the response start of the paths above. Plain ASGI (no body buffering)."""
    if scope["type"] != "http":
        await app(scope, receive, send)
        return
    path: str = scope["path"]
    cors, private = is_cors_path(path), is_private_path(path)
    if cors and _is_preflight(scope):
        await send({"type": "http.response.start", "status": 204, "headers": list(_PREFLIGHT)})
        await send({"type": "http.response.body", "body": b""})
        return
    if not cors and not private:
        await app(scope, receive, send)
        return

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if private and not any(name.lower() == b"cache-control" for name, _ in headers):
                headers.append(_NO_STORE)
            if cors:
                headers += _ACTUAL
            message["headers"] = headers
        await send(message)

    await app(scope, receive, send_with_headers)
