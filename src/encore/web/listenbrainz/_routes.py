"""The ListenBrainz API (/1/...) so existing scrobblers and tools work against Encore.

Authentication is `Authorization: Token <user token>` with the token from /api/me/listen-token.
Unlike ListenBrainz, listens are private: a user's listens and playing-now answer only to that user's
token; anyone else gets the same 404 as a user who does not exist.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from encore import accounts, history
from encore.accounts import User
from encore.web._deps import Db, container
from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE, LBError, parse_submission
from encore.web.listenbrainz._views import listen_json, parse_range

router = APIRouter(prefix="/1", tags=["listenbrainz"])


def _error(exc: LBError) -> JSONResponse:
    return JSONResponse({"code": exc.status, "error": exc.message}, status_code=exc.status)


def _token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "token" and value.strip():
        return value.strip()
    return None


def _require_user(request: Request, session: Db) -> User:
    token = _token(request)
    if token is None:
        raise LBError(401, "You need to provide an Authorization header.")
    user = accounts.user_for_listen_token(session, token=token)
    if user is None:
        raise LBError(401, "Invalid authorization token.")
    return user


async def capped_body(request: Request) -> bytes:
    """The body, read no further than one byte past the limit (a 2 GB upload costs 10 MB at most)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PAYLOAD_SIZE:
        return b"\0" * (MAX_PAYLOAD_SIZE + 1)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PAYLOAD_SIZE:
            break
    return b"".join(chunks)


@router.post("/submit-listens", response_model=None)
def submit_listens(request: Request, session: Db, raw: Annotated[bytes, Depends(capped_body)]) -> Any:
    now = container(request).clock.now()
    try:
        user = _require_user(request, session)
        submission = parse_submission(raw, now=now)
    except LBError as exc:
        return _error(exc)
    if submission.playing_now is not None:
        history.set_playing_now(
            session, user_id=user.id, payload=submission.playing_now, expires_at=now + submission.playing_for
        )
    else:
        _store(request, session, user_id=user.id, listens=submission.listens, now=now)
    return {"status": "ok"}


def _store(request: Request, session: Db, *, user_id: int, listens: list[history.ListenIn], now: datetime) -> None:
    writer = container(request).listen_writer
    if writer is None:
        history.submit_listens(session, user_id=user_id, listens=listens, source="listenbrainz", now=now)
    else:  # group commit with whatever else arrives meanwhile; answered after that commit
        writer.submit(user_id=user_id, listens=listens, source="listenbrainz", now=now)


@router.get("/validate-token", response_model=None)
def validate_token(request: Request, session: Db) -> Any:
    token = _token(request) or request.query_params.get("token")
    if not token:
        return _error(LBError(400, "You need to provide an Authorization token."))
    user = accounts.user_for_listen_token(session, token=token)
    if user is None:
        return {"code": 200, "message": "Token invalid.", "valid": False}
    return {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.username}


def _owner(request: Request, session: Db, name: str) -> User:
    """The named user, if the token belongs to them; otherwise a 404 that reveals nothing."""
    token = _token(request)
    viewer = accounts.user_for_listen_token(session, token=token) if token else None
    if viewer is None or viewer.username_key != name.casefold():
        raise LBError(404, f"Cannot find user: {name[:64]}")
    return viewer


@router.get("/user/{name}/listens", response_model=None)
def user_listens(name: str, request: Request, session: Db) -> Any:
    try:
        user = _owner(request, session, name)
        min_ts, max_ts, count = parse_range(request.query_params)
    except LBError as exc:
        return _error(exc)
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
        user = _owner(request, session, name)
    except LBError as exc:
        return _error(exc)
    metadata = history.playing_now(session, user_id=user.id, now=container(request).clock.now())
    listens = [{"track_metadata": metadata, "playing_now": True, "user_name": user.username}] if metadata else []
    return {"payload": {"count": len(listens), "user_id": user.username, "playing_now": True, "listens": listens}}
