"""Every error leaves as {"error": {"code", "message"}} with a fitting status; never a stack trace."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from encore.accounts import LoginFailed, LoginThrottled
from encore.db import error_line, is_busy, is_unreachable
from encore.kernel import Conflict, EncoreError, FieldsRefused, NotFound, PermissionDenied, ValidationFailed
from encore.lyrics import LyricsRejected, LyricsTooLarge
from encore.state import StateBusy, StateUnavailable
from encore.web._plain_errors import (
    body_fields,
    is_json_type,
    is_number_too_long,
    number_too_long,
    plain_errors,
    unreadable_body,
)

log = logging.getLogger("encore.web")
BUSY_MESSAGE = "Encore is busy; try again in a moment"
# An outage is not load (probe25b L5: a listener was told "busy" for the whole of a Redis outage). The code stays
# `busy` (503, Retry-After: send it again later), the words say what is down; the log says it to the operator.
STATE_DOWN_MESSAGE = (
    "Encore cannot reach its shared state right now, so signing in and playing are paused; try again in a minute"
)
DB_DOWN_MESSAGE = "Encore cannot reach its database right now; try again in a minute"
STATE_DOWN_RETRY_S = 5  # the shared state unreachable: give it a moment to come back
DB_BUSY_RETRY_S = 2
DB_DOWN_RETRY_S = 5  # the database unreachable (stopped, restarting): as for the shared state

_STATUS: list[tuple[type[EncoreError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (LoginFailed, 401),
    (LoginThrottled, 429),
    (Conflict, 409),
    (LyricsTooLarge, 413),
    (LyricsRejected, 422),
    (FieldsRefused, 422),  # as a wire model's own refusal of a field (RequestValidationError below)
    (ValidationFailed, 400),
]


def _body(code: str, message: str) -> dict[str, dict[str, Any]]:
    return {"error": {"code": code, "message": message}}


def retry_after_busy(exc: BaseException) -> int | None:
    """Seconds a client should wait if `exc` says Encore is busy, not broken: the shared state down or every
    connection to it busy, the database's lock held past our wait, every pooled database connection checked
    out past the pool's wait, or the database unreachable. None for any other error. Each face answers it 503
    with Retry-After in its own shape (Encore's, Spotify's, Subsonic's, ListenBrainz's)."""
    if isinstance(exc, StateBusy):
        return StateBusy.retry_after_s
    if isinstance(exc, StateUnavailable):
        return STATE_DOWN_RETRY_S
    if is_busy(exc):
        return DB_BUSY_RETRY_S
    if is_unreachable(exc):  # probe21b F4: PostgreSQL stopped answered 500 where Redis stopped answered 503
        return DB_DOWN_RETRY_S
    return None


def busy_message(exc: BaseException) -> str:
    """What a listener reads of an error `retry_after_busy` answers (pure): load, or what part is down."""
    if isinstance(exc, StateUnavailable) and not isinstance(exc, StateBusy):
        return STATE_DOWN_MESSAGE
    if is_unreachable(exc):
        return DB_DOWN_MESSAGE
    return BUSY_MESSAGE


def status_for(exc: EncoreError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(EncoreError)
    async def encore_error(request: Request, exc: EncoreError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, LoginThrottled) else None
        if is_listenbrainz(request.url.path):
            return listenbrainz_error(status_for(exc), exc.message, headers)
        body: dict[str, Any] = _body(exc.code, exc.message)
        if fields := getattr(exc, "fields", None):  # per-field sentences a form shows next to each field
            body["error"]["fields"] = fields
        return JSONResponse(body, status_code=status_for(exc), headers=headers)

    @app.exception_handler(StarletteHTTPException)  # FastAPI's and the router's own (405, 404 of a path)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if message := unreadable_body(exc.status_code, exc.detail, exc.__cause__):
            return JSONResponse(_body("invalid", message), status_code=422)  # as malformed JSON is answered
        if is_number_too_long(exc.status_code, exc.detail, exc.__cause__):  # as a field's error: it names the field
            message, fields = plain_errors([number_too_long(await request.body(), body_fields(request.scope))])
            return JSONResponse({"error": {"code": "invalid", "message": message, "fields": fields}}, status_code=422)
        detail = exc.detail if isinstance(exc.detail, dict) else {"code": "http_error", "message": str(exc.detail)}
        if is_listenbrainz(request.url.path):  # a path /1/ does not have, a method it does not take
            return listenbrainz_error(exc.status_code, str(detail.get("message", "")), exc.headers)
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, fields = plain_errors(exc.errors(), sent_as_json=is_json_type(request.headers.get("content-type", "")))
        return JSONResponse({"error": {"code": "invalid", "message": message, "fields": fields}}, status_code=422)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        """A writer held the lock past our wait (SQLite's busy timeout, a PostgreSQL lock timeout), or every
        pooled connection stayed checked out past the pool's wait: the request did nothing and may be sent
        again, so 503 and Retry-After, never a 500 (#15, review21 F2)."""
        if (retry := retry_after_busy(exc)) is not None:
            why = "unreachable" if is_unreachable(exc) else "busy"
            log.warning("database %s: %s", why, error_line(exc))
            return busy_response(request.url.path, retry, busy_message(exc))
        log.exception("database error", exc_info=exc)
        return _internal(request.url.path)

    @app.exception_handler(StateUnavailable)
    async def state_unavailable(request: Request, exc: StateUnavailable) -> JSONResponse:
        """The shared state (Redis) is down, or every connection this process may open to it stayed busy:
        the request moved nothing there and may be sent again, so 503 and Retry-After, never a 500."""
        log.warning("shared state unavailable: %s", exc)
        return busy_response(request.url.path, retry_after_busy(exc) or STATE_DOWN_RETRY_S, busy_message(exc))

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_request: Request, _exc: ClientDisconnect) -> Response:
        """The client hung up before its body ended (an upload given up): what it sent was dropped, no one reads
        an answer, and it is not a server error to log with a traceback (60 abandoned uploads were 60)."""
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unhandled(exc, request.url.path)


def busy_response(path: str, retry: int, message: str = BUSY_MESSAGE) -> JSONResponse:
    """503 with Retry-After from the app's handlers: ListenBrainz's shape on its routes (a scrobbler reads
    `code` and `error`), Encore's everywhere else (/rest and /v1 answer their busy themselves, in `answer`
    and `answered`)."""
    headers = {"Retry-After": str(retry)}
    if is_listenbrainz(path):
        return listenbrainz_error(503, message, headers)
    return JSONResponse(_body("busy", message), status_code=503, headers=headers)


def unhandled(exc: Exception, path: str = "") -> JSONResponse:
    """The last resort, logged: the app's handler for any exception, and the raw paths' (web.spotify._raw)."""
    log.exception("unhandled error", exc_info=exc)
    return _internal(path)


def _internal(path: str) -> JSONResponse:
    if is_listenbrainz(path):
        return listenbrainz_error(500, "internal error")
    return JSONResponse(_body("internal", "internal error"), status_code=500)


def is_listenbrainz(path: str) -> bool:
    """A path of the ListenBrainz face (/1/), whose clients read its errors' shape (review25c L3)."""
    return path == "/1" or path.startswith("/1/")


def listenbrainz_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """ListenBrainz's error shape, `{"code": status, "error": message}`: liblistenbrainz raises its exception
    with `error` as the message, and took Encore's `{"error": {...}}` for one (a dict, not a sentence)."""
    return JSONResponse({"code": status, "error": message}, status_code=status, headers=headers)
