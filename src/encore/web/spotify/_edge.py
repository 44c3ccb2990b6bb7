"""The /v1 edge: Spotify's error shape, bearer tokens with scopes, per-app rate limits and usage counts."""

import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from encore import oauth
from encore.bootstrap import Container
from encore.db import error_line
from encore.kernel import EncoreError, PermissionDenied
from encore.state import StateUnavailable
from encore.web._deps import Db, container, public_base
from encore.web._errors import busy_message, retry_after_busy, status_for
from encore.web._plain_errors import body_fields, is_number_too_long, number_too_long, unreadable_body
from encore.web._threads import run_read
from encore.web.spotify._schemas import Error
from encore.web.spotify._uris import split

T = TypeVar("T")

log = logging.getLogger("encore.web.spotify")


class RateLimited(EncoreError):
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("API rate limit exceeded")
        self.retry_after = retry_after


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))


class SpotifyRoute(APIRoute):
    """Every /v1 failure leaves as {"error": {"status", "message"}}; bad input is 400, never 422 or 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await answered(request, partial(route_scopes, self), partial(_undone_on_failure, handler, request))

        return route


SAVEPOINT = "encore.v1_savepoint"  # request.scope key: the write's savepoint, begun by `_checked`
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


async def _undone_on_failure(handler: Callable[[Request], Awaitable[Response]], request: Request) -> Response:
    """A write that fails leaves nothing behind. `answered` turns the failure into Spotify's error inside
    FastAPI's dependency stack, which then sees a normal return and commits the request's transaction: a
    write refused half way (a 403 for the second uri of PUT /me/library) committed its first half. The write
    runs after a savepoint (`_checked`); a failure rolls back to it, and the commit keeps only what came
    before: the app's usage counts, which a refused request still owes."""
    try:
        return await handler(request)
    except BaseException:
        point = request.scope.pop(SAVEPOINT, None)
        if point is not None and point.is_active:
            await run_in_threadpool(point.rollback)
        raise


async def answered(
    request: Request, scopes: Callable[[], list[str] | None], call: Callable[[], Awaitable[Response]]
) -> Response:
    """`call()`'s response, or Spotify's answer for its failure: the one mapping of the routed /v1 operations
    (SpotifyRoute) and of the raw path's hot reads (`_raw`). `scopes` gives the route's scope alternatives,
    asked only for a request refused for its parameters."""
    try:
        try:
            return await call()
        except RequestValidationError as exc:
            await _authorised_first(request, scopes())  # 401/403 before 400, as Spotify
            return error_response(400, _validation_message(exc))
        except StarletteHTTPException as exc:  # FastAPI raises Starlette's for a body it could not parse
            if is_number_too_long(exc.status_code, exc.detail, exc.__cause__):  # said at its field, as a refused value
                refused = RequestValidationError([number_too_long(await request.body(), body_fields(request.scope))])
                await _authorised_first(request, scopes())
                return error_response(400, _validation_message(refused))
            if not (deep := unreadable_body(exc.status_code, exc.detail, exc.__cause__)):
                raise
            await _authorised_first(request, scopes())  # the body was read before the token
            return error_response(400, deep)
    except RateLimited as exc:
        return error_response(429, exc.message, {"Retry-After": str(exc.retry_after)})
    except (StateUnavailable, SQLAlchemyError) as exc:
        if (retry := retry_after_busy(exc)) is None:
            raise  # a database error that is not a busy lock: the app's handler logs it (500)
        log.warning("/v1 busy: %s", error_line(exc))
        return error_response(503, busy_message(exc), {"Retry-After": str(retry)})
    except oauth.InvalidToken as exc:
        return error_response(401, exc.message, {"WWW-Authenticate": challenge(exc)})
    except EncoreError as exc:
        return error_response(status_for(exc), exc.message)
    except HTTPException as exc:
        message = exc.detail.get("message") if isinstance(exc.detail, dict) else str(exc.detail)
        return error_response(exc.status_code, str(message), exc.headers)


async def _authorised_first(request: Request, wanted: list[str] | None) -> None:
    """A request with bad parameters is answered 400 only if its token would have been accepted: who is asking
    comes before what they asked (a bad token with a malformed id is 401, as on every other request). The
    same Gate as a read's, so a malformed request counts in the app's rate window too (429 when it is full)."""
    if wanted is not None:  # None: a route that takes no token
        await Gate(request, _bearer(request), wanted).check()


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "Bad request: a malformed id, a limit out of range, a bad body"},
    401: {"model": Error, "description": "No token, or an invalid, expired or revoked one"},
    403: {"model": Error, "description": "The token lacks a scope this endpoint needs"},
    404: {"model": Error, "description": "No such object (another user's private object looks the same)"},
    429: {"model": Error, "description": "The app's rate limit is used up; see Retry-After (seconds)"},
}


def flush_usage(session: Session, rate: oauth.AppRates, *, now: datetime, force: bool = False) -> None:
    """Add the counts gathered since the last flush, in the caller's transaction (no second connection)."""
    counts = rate.take_usage(force=force)
    if counts:
        oauth.record_usage(session, counts=counts, now=now)


def base_url(request: Request) -> str:
    return public_base(request)


def address(request: Request) -> tuple[str, bool]:
    """The base of this request's hrefs (`web._deps.public_base`, never the Host header), and whether it is the
    configured public base URL (answers written for it may be kept and shared; those for another address the
    connection reached may not: `_spliced.kept`)."""
    base = base_url(request)
    return base, base == container(request).settings.public_base_url.rstrip("/")


class NoToken(oauth.InvalidToken):
    """No bearer token at all (none sent, or other credentials: Basic)."""


REALM = 'Bearer realm="Encore"'


def challenge(exc: oauth.InvalidToken) -> str:
    """RFC 6750 §3.1: a request with no token gets the bare challenge, no error code (some OAuth libraries take
    `invalid_token` as the cue to refresh and try again); a token that was sent and refused gets
    `invalid_token`."""
    return REALM if isinstance(exc, NoToken) else f'{REALM}, error="invalid_token"'


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NoToken("No token provided")
    return value.strip()


def _checked(session: Session, request: Request, token: str, wanted: list[str]) -> oauth.Access:
    """The token (every request: a revoked one fails on the next), its scopes, the app's rate window."""
    c = container(request)
    access = _admitted(c, oauth.check_access(session, token=token, scopes=wanted, now=c.clock.now()))
    flush_usage(session, c.app_rates, now=c.clock.now())
    if request.method not in SAFE_METHODS:  # see `_undone_on_failure` (reads write nothing: no round trip)
        request.scope[SAVEPOINT] = session.begin_nested()
    return access


def _admitted(c: Container, access: oauth.Access) -> oauth.Access:
    decision = c.app_rates.hit(access.app_id, access.rate_limit)
    if not decision.allowed:
        raise RateLimited(decision.retry_after)
    return access


def needs(*alternatives: str) -> Callable[..., oauth.Access]:
    """A dependency: a valid token holding all scopes of at least one alternative ("a b" means a and b)."""
    wanted = [a for a in alternatives if a]

    def dependency(request: Request, session: Db) -> oauth.Access:
        return _checked(session, request, _bearer(request), wanted)

    dependency.scopes = wanted  # type: ignore[attr-defined]  # read by the docs and the scope-matrix test
    return dependency


class Gate:
    """A hot read's way in: the same checks as `needs`, made in the read's own thread hop (a sync dependency,
    the request's session and a sync handler took four hops through the thread pool). The token is read on
    the connection's DB-API cursor (`oauth.check_bearer`), not through an ORM session: the session a read
    gets is bound to that same connection and costs nothing until the read uses it (a kept answer may not).
    The read function gets the session only through `run`, after the checks have passed."""

    def __init__(self, request: Request, token: str, wanted: list[str]) -> None:
        self._request, self._token, self._wanted = request, token, wanted

    async def run(self, read: Callable[[Session, oauth.Access], T]) -> T:
        return await run_read(container(self._request), self._in_thread, read)

    async def check(self) -> None:
        """The checks alone (a request refused for its parameters still counts against the app's window)."""
        await self.run(_nothing)

    def _in_thread(self, read: Callable[[Session, oauth.Access], T]) -> T:
        c = container(self._request)
        with c.engine.connect() as conn, c.sessions(bind=conn) as session:
            access = oauth.check_bearer(conn, token=self._token, scopes=self._wanted, now=c.clock.now())
            out = read(session, _admitted(c, access))
            flush_usage(session, c.app_rates, now=c.clock.now())
            if session.in_transaction():  # the usage counts, when flushed (a read writes nothing)
                session.commit()
            return out


def _nothing(_session: Session, _access: oauth.Access) -> None:
    return None


def gated(*alternatives: str) -> Callable[[Request], Coroutine[Any, Any, Gate]]:
    """Like `needs`, for an async handler that reads through `Gate.run` (one hop, checks first)."""
    wanted = [a for a in alternatives if a]

    async def dependency(request: Request) -> Gate:
        return Gate(request, _bearer(request), wanted)

    dependency.scopes = wanted  # type: ignore[attr-defined]  # read by the docs and the scope-matrix test
    return dependency


def user_of(access: oauth.Access) -> int:
    if access.user_id is None:
        raise PermissionDenied("This endpoint needs a user's authorization, not client credentials")
    return access.user_id


def has_scope(access: oauth.Access, scope: str) -> bool:
    return scope in access.scopes


# `access: TopRead` checks the token and its scopes; install() documents them in OpenAPI.
AnyToken = Annotated[oauth.Access, Depends(needs())]
AnyTokenGate = Annotated[Gate, Depends(gated())]
TopRead = Annotated[oauth.Access, Depends(needs("user-top-read"))]
RecentRead = Annotated[oauth.Access, Depends(needs("user-read-recently-played"))]
LibraryRead = Annotated[oauth.Access, Depends(needs("user-library-read"))]
LibraryModify = Annotated[oauth.Access, Depends(needs("user-library-modify"))]
# Spotify's follow scopes; an app may have asked Encore's (older) library scopes for saved artists instead.
FollowRead = Annotated[oauth.Access, Depends(needs("user-follow-read", "user-library-read"))]
FollowModify = Annotated[oauth.Access, Depends(needs("user-follow-modify", "user-library-modify"))]
PlaylistsRead = Annotated[oauth.Access, Depends(needs("playlist-read-private"))]
# Either modify scope at the route; the one matching the playlist's visibility is checked in the handler.
PlaylistModify = Annotated[oauth.Access, Depends(needs("playlist-modify-public", "playlist-modify-private"))]


def route_scopes(route: APIRoute) -> list[str] | None:
    """The scope alternatives a /v1 route enforces (None: it takes no token)."""
    for dep in route.dependant.dependencies:
        found = getattr(dep.call, "scopes", None)
        if found is not None:
            return list(found)
    return None


def ids_param(raw: str, *, most: int) -> list[str]:
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not ids or len(ids) > most:
        raise HTTPException(400, detail={"message": f"ids: give 1 to {most} ids"})
    return ids


def parse_item_ids(values: Sequence[str], kind: str) -> list[str]:
    """Accept bare ids and URIs in either scheme /v1 reads (`_uris`: spotipy sends spotify:track:ID)."""
    out = []
    for v in values:
        found = split(v)
        if found is not None and found[0] == kind:
            out.append(found[1])
        elif ":" not in v:
            out.append(v)
        else:
            raise HTTPException(400, detail={"message": f"not a {kind} uri: {v[:80]}"})
    return out
