"""The ListenBrainz API (/1/...) so existing scrobblers and tools work against Encore.

Authentication is `Authorization: Token <user token>` with the token from /api/me/listen-token.
Unlike ListenBrainz, listens are private: a user's listens and playing-now answer only to that user's
token; anyone else gets the same 404 as a user who does not exist.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from encore import accounts, history, portability
from encore.accounts import User
from encore.bootstrap import Container
from encore.web._deps import Db, container
from encore.web._threads import run_write
from encore.web.listenbrainz._capture import BAD_TOKEN, BUSY, NO_AUTH, ClientGone, read_capped, submit, token_of
from encore.web.listenbrainz._payload import LBError
from encore.web.listenbrainz._views import listen_json, parse_deletion, parse_range, the_listen

router = APIRouter(prefix="/1", tags=["listenbrainz"])


def error_response(exc: LBError) -> JSONResponse:
    return JSONResponse({"code": exc.status, "error": exc.message}, status_code=exc.status)


def _token(request: Request) -> str | None:
    return token_of(request.headers.get("authorization", ""))


async def capped_body(request: Request) -> bytes | None:
    """The body, read no further than one byte past the limit; None when over (see `read_capped`)."""
    try:
        return await read_capped(request.scope, request.receive)
    except ClientGone:
        raise ClientDisconnect from None


@router.post("/submit-listens", response_model=None)
async def submit_listens(request: Request, raw: Annotated[bytes | None, Depends(capped_body)]) -> Any:
    """What the raw endpoint `create_app` serves this path with does (`_capture.submit`), for `create_api`."""
    error = await submit(container(request), raw=raw, token=_token(request))
    if error is None:
        return {"status": "ok"}
    answer = error_response(error)
    if error is BUSY:
        answer.headers["Retry-After"] = "2"
    return answer


@router.get("/validate-token", response_model=None)
def validate_token(request: Request, session: Db) -> Any:
    token = _token(request) or request.query_params.get("token")
    if not token:
        return error_response(LBError(400, "You need to provide an Authorization token."))
    user = accounts.user_for_listen_token(session, token=token)
    if user is None:
        return {"code": 200, "message": "Token invalid.", "valid": False}
    return {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.username}


def owner(request: Request, session: Db, name: str) -> User:
    """The named user, if the token belongs to them; otherwise a 404 that reveals nothing."""
    token = _token(request)
    viewer = accounts.user_for_listen_token(session, token=token) if token else None
    if viewer is None or viewer.username_key != name.casefold():
        raise LBError(404, f"Cannot find user: {name[:64]}")
    return viewer


@router.get("/user/{name}/listens", response_model=None)
def user_listens(name: str, request: Request, session: Db) -> Any:
    try:
        user = owner(request, session, name)
        min_ts, max_ts, count = parse_range(request.query_params)
    except LBError as exc:
        return error_response(exc)
    listens = history.user_listens(session, user_id=user.id, min_ts=min_ts, max_ts=max_ts, count=count)
    newest = history.user_listens(session, user_id=user.id, min_ts=None, max_ts=None, count=1)
    return {
        "payload": {
            "count": len(listens),
            "user_id": user.username,
            "latest_listen_ts": int(newest[0].listened_at.timestamp()) if newest else 0,
            "listens": [listen_json(v, user.username) for v in listens],
        }
    }


@router.get("/user/{name}/playing-now", response_model=None)
def user_playing_now(name: str, request: Request, session: Db) -> Any:
    try:
        user = owner(request, session, name)
    except LBError as exc:
        return error_response(exc)
    metadata = history.playing_now(session, user_id=user.id, now=container(request).clock.now())
    listens = [{"track_metadata": metadata, "playing_now": True, "user_name": user.username}] if metadata else []
    return {"payload": {"count": len(listens), "user_id": user.username, "playing_now": True, "listens": listens}}


@router.get("/user/{name}/listen-count", response_model=None)
def user_listen_count(name: str, request: Request, session: Db) -> Any:
    try:
        user = owner(request, session, name)
    except LBError as exc:
        return error_response(exc)
    return {"payload": {"count": history.listen_count(session, user_id=user.id)}}


@router.post("/delete-listen", response_model=None)
async def delete_listen(request: Request, raw: Annotated[bytes | None, Depends(capped_body)]) -> Any:
    """ListenBrainz's: the token's owner deletes one of their listens, named by `listened_at` and the
    `recording_msid` their listens carry. Encore deletes it at once (ListenBrainz queues it). As in ListenBrainz,
    a listen that is not there (gone already, or never theirs) is not an error: the answer is the same."""
    c = container(request)
    token = _token(request)
    try:
        if token is None:
            raise NO_AUTH
        return await run_write(c, _delete_listen, c, token, raw)
    except LBError as exc:
        return error_response(exc)


def _delete_listen(c: Container, token: str, raw: bytes | None) -> dict[str, str]:
    with c.sessions() as session, session.begin():
        user = accounts.user_for_listen_token(session, token=token)
        if user is None:
            raise BAD_TOKEN  # before the document, as ListenBrainz answers
        listened_at, msid = parse_deletion(raw)
        if the_listen(session, user_id=user.id, listened_at=listened_at, msid=msid):
            portability.forget_play(
                session, jobs=c.jobs, user_id=user.id, play_id=msid, state=c.state
            )  # history, Wrapped, verified streams
    return {"status": "ok"}
