"""The app shell, its static files, and artwork. Deep links all load the same shell."""

import re
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from encore import catalog
from encore.kernel import NotFound
from encore.web._conditional import etag_matches
from encore.web._deps import SESSION_COOKIE, container

STATIC_DIR = Path(str(files("encore.web"))) / "static"
_ART_KEY = re.compile(r"^[0-9a-f]{64}$")
_SIZES = {"64", "300", "640"}
# Client-side routes that reload into the shell (History API deep links).
SPA_PREFIXES = (
    "album",
    "artist",
    "label",
    "search",
    "genre",
    "browse",
    "login",
    "track",
    "library",
    "settings",
    "playlist",
    "mix",  # a listener's own mixes (Made for you)
    "collection",
    "queue",
    "wrapped",
    "history",
    "upgrade",
    "account",
    "user",
    "admin",  # the admin screens and audit log (/admin, /admin/security); their data answers 404 to anyone else
)

# The player's routes (static/app.js `routes`), as shapes: a path under SPA_PREFIXES that fits none of them
# gets the same shell with a 404 (its "Not found" view), not a soft 200. Keep the two lists in step.
_ID = r"[0-9A-Za-z]{1,64}"
_SPA_ROUTES = re.compile(
    rf"(album|track|artist|label|mix|playlist|user)/{_ID}"
    r"|search(/(tracks|albums|artists))?"
    r"|genre(/[^/]{1,300})?"
    r"|library|collection/tracks|queue|history|settings|label|admin|admin/security|wrapped"
    r"|wrapped/(\d{4}|\d{3}0s)|account|upgrade|login"
)


def is_player_route(path: str) -> bool:
    """Whether `path` (without its leading slash) is one the player's router shows a view for."""
    return _SPA_ROUTES.fullmatch(path) is not None


# Roots of the machine faces: an unknown path under them is answered in their JSON shape whoever asks.
_API_ROOTS = ("api", "v1", "1", "rest", "stream", "static", "art")

router = APIRouter(include_in_schema=False)
# Pages answer HEAD as GET does (RFC 9110 §9.1; link checkers and unfurlers HEAD a link first: probe18 F2). The
# deep links take HEAD only under the player's own sections: a catch-all HEAD would also answer for every GET-only
# JSON route (/api/..., /docs), which keep their 405 with its Allow header.
PAGE_METHODS = ["GET", "HEAD"]
_WRITES = ["POST", "PUT", "PATCH", "DELETE"]  # unknown paths answer these as GET does (`elsewhere`)


class _PlayerSection(Convertor[str]):
    regex = "(?:" + "|".join(re.escape(p) for p in SPA_PREFIXES) + ")"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("player_section", _PlayerSection())


# The home view's data, fetched by the browser while it is still loading the modules (first-load time). The
# listener's own recent plays only with a session cookie: a logged-out visit asked for them anyway, and the console
# showed the 401 (review31b L9). A stale cookie still asks once; the page itself asks only once /api/me answers.
def _preloads(paths: tuple[str, ...]) -> str:
    return "".join(f'<link rel="preload" href="{path}" as="fetch" crossorigin>\n' for path in paths)


_HOME_PRELOADS = _preloads(("/api/browse/new-releases?limit=24", "/api/browse/labels"))
_HOME_PRELOADS_SIGNED_IN = _HOME_PRELOADS + _preloads(("/api/me/recent",))


def _shell(extra_head: str = "", *, status_code: int = 200) -> HTMLResponse:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    if extra_head:
        html = html.replace("</head>", extra_head + "</head>", 1)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-cache"})


def wants_page(section: str, accept: str) -> bool:
    """Whether an unknown path is a person's browser asking for a page (a mistyped or stale link): it gets the
    player with its "Not found" view and a way on, not a JSON body. Machine faces keep their JSON shape."""
    return section not in _API_ROOTS and "text/html" in accept.lower()


@router.api_route("/", methods=PAGE_METHODS)
def index(request: Request) -> HTMLResponse:
    return _shell(_HOME_PRELOADS_SIGNED_IN if SESSION_COOKIE in request.cookies else _HOME_PRELOADS)


@router.api_route("/manifest.webmanifest", methods=PAGE_METHODS)
def manifest() -> FileResponse:
    return FileResponse(STATIC_DIR / "manifest.webmanifest", media_type="application/manifest+json")


@router.api_route("/sw.js", methods=PAGE_METHODS)
def service_worker() -> FileResponse:
    # Served from the root so its scope covers the whole app; never cached, so updates land.
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.api_route("/offline", methods=PAGE_METHODS)
def offline() -> FileResponse:
    return FileResponse(STATIC_DIR / "offline.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


# A day, not the year an immutable content-named file could have: an image the operator takes down (F3 below)
# leaves a browser's or a shared cache's copy within a day. A CDN that already holds it keeps it as long as its own
# rules say (a purge there is the operator's step); nothing sent now reaches back into a cache.
ART_CACHE = "public, max-age=86400"
_TRY_AGAIN = {"Cache-Control": "no-store", "Retry-After": "1"}


@router.api_route("/art/{key}/{size}.jpg", methods=PAGE_METHODS)
def artwork(key: str, size: str, request: Request) -> Response:
    """An image by its content's key. Not one a taken-down release shows and no published one does (probe23 F3,
    review23n F2): 404, never cached, so a restore serves it again at once. A client holding it revalidates daily
    and gets 304 (the takedown check comes first, so a revalidation learns of it). With the database down, the
    held-back set last read answers (`catalog.art_held_back`), so covers go on; a process that never read it
    answers 503 with Retry-After until it can."""
    if not _ART_KEY.fullmatch(key) or size not in _SIZES:
        raise HTTPException(404, detail={"code": "not_found", "message": "no such image"})
    path = container(request).store.root / "art" / key[:2] / key / f"{size}.jpg"
    held = catalog.art_held_back(container(request).sessions, key=key) if path.is_file() else True
    if held is None:
        said = "artwork cannot be checked right now: try again in a moment"
        raise HTTPException(503, detail={"code": "busy", "message": said}, headers=_TRY_AGAIN)
    if held:
        raise HTTPException(
            404, detail={"code": "not_found", "message": "no such image"}, headers={"Cache-Control": "no-store"}
        )
    headers = {"Cache-Control": ART_CACHE, "ETag": f'"{key}-{size}"'}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/jpeg", headers=headers)


@router.get("/{section}")
@router.get("/{section}/{rest:path}")
@router.head("/{section:player_section}")
@router.head("/{section:player_section}/{rest:path}")
def deep_link(request: Request, section: str, rest: str = "") -> HTMLResponse:
    if section not in SPA_PREFIXES:
        if wants_page(section, request.headers.get("accept", "")):
            return _shell(status_code=404)  # the player's router shows "Not found" beside its navigation
        raise HTTPException(404, detail={"code": "not_found", "message": "no such page"})
    path = f"{section}/{rest}" if rest else section
    if not is_player_route(path) or (section == "genre" and rest and not _genre_exists(request, rest)):
        return _shell(status_code=404)  # the same page, its "Not found" view, and an honest status
    return _shell()


@router.head("/{section}")
@router.head("/{section}/{rest:path}")
@router.api_route("/{section}", methods=_WRITES)
@router.api_route("/{section}/{rest:path}", methods=_WRITES)
def elsewhere(request: Request, section: str, rest: str = "") -> HTMLResponse:
    """Any method but GET where the deep links above do not take it: 405 naming the methods the routes at this
    path take (a JSON route keeps its 405 and its Allow), else the 404 a GET of the path gets. Without it, the GET
    catch-all made every unknown path's HEAD (probe18b N3), POST, PUT, PATCH and DELETE (review22 F4) a 405
    inviting a GET that 404s. Starlette picks a route that takes the method over one that only matches the path,
    so this route answers for every real route's wrong method too, and says what that route allows."""
    allowed = [m for m in _METHODS if _taken_elsewhere(request, m)]
    path = f"{section}/{rest}" if rest else section
    if request.method != "HEAD" and section in SPA_PREFIXES and is_player_route(path):
        allowed = ["GET", "HEAD", *allowed]  # a player page (the HEAD catch-all takes only these)
    if allowed:
        raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
    if request.method != "HEAD" and section in SPA_PREFIXES:
        return _shell(status_code=404)  # a player section's unknown page: GET's "Not found" page
    return deep_link(request, section, rest)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _taken_elsewhere(request: Request, method: str) -> bool:
    """Whether a route other than these pages' catch-alls takes `method` at the request's path."""
    scope = {**request.scope, "method": method}
    for route in request.app.router.routes:
        # FastAPI keeps an included router as one route (`original_router`); older ones flatten its routes
        if getattr(route, "original_router", None) is router or _is_catch_all(route):
            continue
        if route.matches(scope)[0] is Match.FULL:
            return True
    return False


def _is_catch_all(route: BaseRoute) -> bool:
    return getattr(route, "endpoint", None) in (deep_link, elsewhere)


class ServedFiles(StaticFiles):
    """A folder of files served as they are (/static, the reference's Swagger UI). A write to a path that holds
    no file answers as its GET does (404), as any unknown path does (`elsewhere`), where the mount, ahead of the
    catch-alls, answered 405 inviting a GET that 404s (probe23 F6); a write to a real file keeps its 405."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD"):
            return await super().get_response(path, scope)
        await super().get_response(path, {**scope, "method": "GET"})  # raises GET's 404 if there is no file
        raise HTTPException(405, headers={"Allow": "GET, HEAD"})


def _genre_exists(request: Request, key: str) -> bool:
    with container(request).sessions() as session:
        try:
            catalog.genre_name(session, genre_key=key[:100])
        except NotFound:
            return False
    return True
