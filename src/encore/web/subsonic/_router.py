"""`/rest/<method>` and `/rest/<method>.view`, GET or POST form: authenticate, dispatch, wrap."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from encore.bootstrap import Container
from encore.db import error_line
from encore.devices import Reread
from encore.kernel import Conflict, EncoreError, NotFound, PermissionDenied
from encore.keys import Key
from encore.state import StateUnavailable
from encore.web._deps import container
from encore.web._errors import busy_message, retry_after_busy
from encore.web._threads import run_read, run_write
from encore.web.subsonic import (  # noqa: F401 - register handlers
    _browse,
    _lists,
    _lyrics,
    _media,
    _playlists,
    _unsupported,
    _user,
)
from encore.web.subsonic._asked import MAX_FORM_FIELDS, answer_format, asked, form_kind
from encore.web.subsonic._auth import authenticate
from encore.web.subsonic._browse import extensions_payload
from encore.web.subsonic._context import HANDLERS, PURE, WRITES, Ctx
from encore.web.subsonic._envelope import (
    GENERIC,
    NOT_AUTHORIZED,
    NOT_FOUND,
    SubsonicError,
    envelope,
    error_response,
    render,
)
from encore.web.subsonic._params import Params, undecodable, undecodable_parts

log = logging.getLogger("encore.web.subsonic")
router = APIRouter(include_in_schema=False)
# OpenSubsonic: this one answers without credentials, so a client can learn how to log in (apiKey).
PUBLIC_METHODS = frozenset({"getopensubsonicextensions"})


def _mapped(exc: EncoreError) -> SubsonicError:
    if isinstance(exc, NotFound):
        return SubsonicError(NOT_FOUND, exc.message)
    if isinstance(exc, PermissionDenied):
        return SubsonicError(NOT_AUTHORIZED, exc.message)
    if isinstance(exc, Conflict):
        return SubsonicError(GENERIC, exc.message)
    return SubsonicError(GENERIC, exc.message)


def _run(c: Container, name: str, params: Params, if_none_match: str | None) -> Response:
    if name.lower() in PUBLIC_METHODS:
        return render(envelope(extensions_payload()), fmt=answer_format(params), callback=params.get("callback"))
    handler = HANDLERS.get(name.lower())
    with _transaction(c, name.lower()) as session:
        now = c.clock.now()
        secret, keys = c.settings.secret_key.get_secret_value().encode(), c.keyring.get().live(now)

        def rekey(need: Reread) -> tuple[Key, ...] | None:
            """A seal under a key newer than the kept ones: read at once; one that does not say: bounded."""
            ring = c.keyring.holding(need.kid) if need.kid is not None else c.keyring.recheck()
            return None if ring is None else ring.live(now)

        user = authenticate(session, params, secret=secret, now=now, keys=keys, rekey=rekey)
        if handler is None:  # HTTP 200 as for every Subsonic error: some apps stop at any other status
            raise SubsonicError(NOT_FOUND, f"unknown method: {name[:40]}")
        client = (params.get("c") or "")[:100]
        result = handler(Ctx(session, user, params, c, now, client, if_none_match))
    if isinstance(result, Response):
        return result
    return render(envelope(result), fmt=answer_format(params), callback=params.get("callback"))


@contextmanager
def _transaction(c: Container, name: str) -> Iterator[Session]:
    """The call's transaction. A pure read (`method(..., pure=True)`) gets a session bound to a pooled
    connection: its raw reads go to that connection's cursor, and the ORM session's begin, commit and close
    (a fifth of an album list's CPU, #16) are paid only if something uses the session: the device's
    last-use touch, the catalogue's once-a-second version read. Whatever it began is committed as usual."""
    if name not in PURE:
        with c.sessions() as session, session.begin():
            yield session
        return
    with c.engine.connect() as conn, c.sessions(bind=conn) as session:
        yield session
        if session.in_transaction():
            session.commit()
        if conn.in_transaction():  # begun on the connection itself, outside the session
            conn.commit()


# HEAD answers as GET does, without the body (probe23 F6: it was 405). Never for a call that sends music or
# changes something: a HEAD is safe (RFC 9110 §9.2.1), so it must not start a stream, count one, or scrobble.
_NOT_ON_HEAD = frozenset({"stream", "download"})


def _unsafe(name: str) -> bool:
    called = name.removesuffix(".view").lower()
    return called in WRITES or called in _NOT_ON_HEAD


@router.api_route("/rest/{name}", methods=["GET", "HEAD", "POST"])
async def subsonic(name: str, request: Request) -> Response:
    pairs = list(request.query_params.multi_items())
    bad = undecodable(request.scope["query_string"])
    content_type = request.headers.get("content-type", "")
    if request.method == "HEAD" and _unsafe(name):
        params = Params(pairs)
        said = f"{name[:40]} is not run for a HEAD request (it sends music or changes something): send GET"
        return error_response(SubsonicError(GENERIC, said), fmt=answer_format(params), callback=params.get("callback"))
    if request.method == "POST" and form_kind(content_type):
        # Read first (bounded by BodyLimit; the form parser reads this copy): a refused form still tells its f=.
        raw = await request.body()
        try:
            form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        except HTTPException as exc:  # too many fields, a file, a broken multipart body
            return _form_refused(asked(pairs, content_type=content_type, body=raw), exc)
        except UnicodeError:  # a charset whose decoder raises more than UnicodeDecodeError (punycode, idna,
            # undefined): Starlette's parse lets it through (review27a M3: a 500). The field it could not read.
            said = undecodable_parts(raw, content_type) or "the form's charset cannot be read: send UTF-8"
            params = asked(pairs, content_type=content_type, body=raw)
            return error_response(
                SubsonicError(GENERIC, said), fmt=answer_format(params), callback=params.get("callback")
            )
        pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        if bad is None:
            bad = undecodable(raw) if form_kind(content_type) == "urlencoded" else undecodable_parts(raw, content_type)
    params = Params(pairs, undecodable=bad)
    return await answer(container(request), name, params, if_none_match=request.headers.get("if-none-match"))


def _form_refused(params: Params, exc: HTTPException) -> Response:
    """A POSTed form Starlette would not read, as Subsonic's error in the format the client asked for, in the
    query or the body (`_asked`; probe18 F4: it was an HTTP 400 in Encore's own JSON, which py-sonic shows as a
    bare "Bad Request")."""
    detail = exc.detail if isinstance(exc.detail, str) else "the form could not be read"
    if detail.startswith("Too many fields"):
        detail = f"too many parameters (at most {MAX_FORM_FIELDS})"
    error = SubsonicError(GENERIC, detail)
    return error_response(error, fmt=answer_format(params), callback=params.get("callback"))


@router.api_route("/rest/{path:path}", methods=["GET", "HEAD", "POST"])
async def no_method(path: str, request: Request) -> Response:
    """`/rest/`, `/rest/a/b`: no method is named so. Subsonic's error in the asked format (the query's or a POSTed
    form's, `_asked`), not FastAPI's 404."""
    pairs, content_type = list(request.query_params.multi_items()), request.headers.get("content-type", "")
    body = await request.body() if request.method == "POST" and form_kind(content_type) else b""
    params = asked(pairs, content_type=content_type, body=body)
    error = SubsonicError(NOT_FOUND, "unknown method")
    return error_response(error, fmt=answer_format(params), callback=params.get("callback"))


async def answer(c: Container, name: str, params: Params, *, if_none_match: str | None = None) -> Response:
    """One Subsonic call, in its lane (reads or writes), wrapped in the envelope; errors in Subsonic's shape.
    The FastAPI route (GET and POSTed forms) and the raw GET path (`_asgi`) both answer through here."""
    name = name.removesuffix(".view")
    if params.undecodable is not None:  # nothing runs on a value the parse already replaced or misread
        error = SubsonicError(GENERIC, params.undecodable)
        return error_response(error, fmt=answer_format(params), callback=params.get("callback"))
    try:
        lane = run_write if name.lower() in WRITES else run_read
        return await lane(c, _run, c, name, params, if_none_match)
    except SubsonicError as exc:
        return error_response(exc, fmt=answer_format(params), callback=params.get("callback"))
    except EncoreError as exc:
        return error_response(_mapped(exc), fmt=answer_format(params), callback=params.get("callback"))
    except (StateUnavailable, SQLAlchemyError) as exc:
        if (retry := retry_after_busy(exc)) is None:
            raise  # a database error that is not a busy lock: the app's handler logs it (500)
        log.warning("subsonic busy: %s", error_line(exc))
        busy = SubsonicError(GENERIC, busy_message(exc), http_status=503, retry_after=retry)
        return error_response(busy, fmt=answer_format(params), callback=params.get("callback"))
