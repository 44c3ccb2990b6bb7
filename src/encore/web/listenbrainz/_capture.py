"""POST /1/submit-listens without FastAPI (issue #17): the scrobblers' hot path as a small ASGI endpoint.

A `single` costs FastAPI's request, dependency and thread-pool hops several times the work of storing it,
so this endpoint reads the body, parses it with ListenBrainz's rules (`_payload`) and hands one job to the
process's group-commit writer (`history.ListenWriter`). The job checks the token in the database, in the
writer's batch right before it stores the listens, on every request (asked once per batch per token): a
token regenerated or an account signed out or disabled stores nothing from the next batch on, on every
node. `{"status": "ok"}` is sent only after that transaction committed, so an acknowledged listen is in
the database (SQLite's WAL with synchronous=NORMAL: it survives a crash of Encore; a power cut may lose
the last commits, as for every write). A wait that times out (60 s) answers 503: the submission is then
either never written (the writer had not started it) or written once, and the client's retry is a
duplicate the unique key drops.

The FastAPI route of the same path stays (the OpenAPI schema, apps made by `create_api`) and runs the same
job; `create_app` sends POSTs here.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import orjson
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from encore import accounts, history, portability
from encore.bootstrap import Container
from encore.db import is_busy, is_unreachable, transaction
from encore.state import SharedState
from encore.web._security import ASGIApp, Receive, Scope, Send
from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE, LBError, Submission, parse_submission, too_large

log = logging.getLogger("encore.web.listenbrainz")
SUBMIT_PATH = "/1/submit-listens"
SOURCE = "listenbrainz"
_OWNERS = "encore.listenbrainz.token_owners"  # per transaction (session.info), never across
_FORGOTTEN = "encore.listenbrainz.forgotten"  # per transaction too: what each listener forgot lately
WAIT_S = 60.0
PARSE_INLINE_BYTES = 64 * 1024  # a `single` is a few hundred bytes; an `import` of 1,000 listens is parsed in a thread
OK = orjson.dumps({"status": "ok"})
NO_AUTH = LBError(401, "You need to provide an Authorization header.")
BAD_TOKEN = LBError(401, "Invalid authorization token.")
BUSY = LBError(503, "The database is busy; try again in a moment.")  # nothing was kept: a scrobbler retries
DOWN = LBError(503, "The database cannot be reached; try again in a moment.")  # stopped or restarting
_RETRY_AFTER = {id(BUSY): b"2", id(DOWN): b"5"}

Job = Callable[[Session], LBError | None]


def token_of(header: str) -> str | None:
    """The user token of an `Authorization: Token <token>` header."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "token" and value.strip():
        return value.strip()
    return None


def submission_job(
    *, token: str, submission: Submission | None, now: datetime, state: SharedState | None = None
) -> Job:
    """What one request does in the writer's transaction: the token's owner, then their listens (or
    playing-now). Without a submission (the document was refused) only the token is checked, so a bad
    token is answered 401 before a bad document's 400, as ListenBrainz does. A listen the listener forgot
    lately (`portability.recently_forgotten`, with the shared state `state`) is dropped, `single` or `import`
    alike (a scrobbler's offline queue comes as an `import`), and the submission still answered ok: it is a
    client sending again what it had, not an invalid document."""

    def job(session: Session) -> LBError | None:
        user_id = _owner(session, token)
        if user_id is None:
            return BAD_TOKEN
        if submission is None:
            return None
        if submission.playing_now is not None:
            expires = now + submission.playing_for
            history.set_playing_now(session, user_id=user_id, payload=submission.playing_now, expires_at=expires)
            return None
        listens = _not_forgotten(session, user_id, submission.listens, now=now, state=state)
        if len(listens) <= history.SMALL_SUBMISSION:  # stored with the rest of the batch, before its commit
            history.queue_listens(session, user_id=user_id, listens=listens, source=SOURCE, now=now)
        else:
            history.submit_listens(session, user_id=user_id, listens=listens, source=SOURCE, now=now)
        return None

    return job


def plan(
    raw: bytes | None, *, token: str, now: datetime, state: SharedState | None = None
) -> tuple[Job, int, LBError | None]:
    """A request's job, its size in listens, and the refusal of its document (answered if the token is good)."""
    try:
        submission = parse_submission(raw, now=now) if raw is not None else None
        refused = None if raw is not None else too_large()
    except LBError as exc:
        submission, refused = None, exc
    size = len(submission.listens) if submission is not None else 1
    return submission_job(token=token, submission=submission, now=now, state=state), size, refused


def _not_forgotten(
    session: Session,
    user_id: int,
    listens: Sequence[history.ListenIn],
    *,
    now: datetime,
    state: SharedState | None,
) -> Sequence[history.ListenIn]:
    """The listens but those the listener forgot lately (a scrobbler's retry or its queue). What was forgotten
    is read once per listener and transaction (a writer's batch): most listeners forgot nothing."""
    known: dict[int, portability.RecentlyForgotten] = session.info.setdefault(_FORGOTTEN, {})
    if user_id not in known:
        known[user_id] = portability.recently_forgotten(session, user_id=user_id, now=now, state=state)
    forgotten = known[user_id]
    if forgotten.nothing:
        return listens
    return [
        listen
        for listen in listens
        if not forgotten.covers(
            history.listen_play_id(listen.listened_at, listen.artist_name, listen.track_name), listen.listened_at
        )
    ]


def _owner(session: Session, token: str) -> int | None:
    """The token's listener, asked of the database once per transaction (a writer's batch of one
    scrobbler's listens asks once; the answer is as fresh as the transaction that stores them)."""
    known: dict[str, int | None] = session.info.setdefault(_OWNERS, {})
    if token not in known:
        known[token] = accounts.listener_for_listen_token(session, token=token)
    return known[token]


def _alone(c: Container, job: Job) -> LBError | None:
    """A job in its own transaction, for a container without a writer (tests' apps, `create_api`)."""
    with transaction(c.sessions) as session:
        answer = job(session)
        history.write_queued(session)
        return answer


async def _run(c: Container, job: Job, *, size: int) -> LBError | None:
    """Run a job and wait for its commit: busy (or no commit within WAIT_S) is a 503 in ListenBrainz's
    shape, the one place that says so for both faces of this path."""
    try:
        if c.listen_writer is None:
            return await asyncio.to_thread(_alone, c, job)
        # waits on the event loop, no thread held; a wait that times out cancels the job if not yet started
        return await asyncio.wait_for(asyncio.wrap_future(c.listen_writer.run(job, size=size)), WAIT_S)
    except (SQLAlchemyError, TimeoutError) as exc:
        if isinstance(exc, SQLAlchemyError) and is_unreachable(exc):  # review21b F2: was a 500
            return DOWN
        if isinstance(exc, SQLAlchemyError) and not is_busy(exc):  # busy: a lock or the pool waited out
            raise
        return BUSY


async def read_capped(scope: Scope, receive: Receive) -> bytes | None:
    """The body, read no further than one byte past the limit (a 2 GB upload costs 10 MB at most); None
    when it is over, so the rest is never read."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_PAYLOAD_SIZE:
            return None
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_PAYLOAD_SIZE:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class ClientGone(Exception):
    """The client disconnected before its body was whole: nothing to store, no one to answer."""


def _authorization(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return ""


def make_submit_endpoint(c: Container) -> ASGIApp:
    async def submit(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            error = await _handle(c, scope, receive)
        except ClientGone:
            return
        except HTTPException:  # the body limit's 413: BodyLimit answers it, nothing to log
            raise
        except Exception:
            log.exception("listen submission failed")
            error = LBError(500, "Something went wrong; the listens were not stored.")
        await _answer(send, error)

    return submit


async def _handle(c: Container, scope: Scope, receive: Receive) -> LBError | None:
    raw = await read_capped(scope, receive)
    return await submit(c, raw=raw, token=token_of(_authorization(scope)))


async def submit(c: Container, *, raw: bytes | None, token: str | None) -> LBError | None:
    """One submission, from its body (None: over the size limit) and its token to its answer (None: ok)."""
    if token is None:
        return NO_AUTH
    now = c.clock.now()
    if raw is not None and len(raw) > PARSE_INLINE_BYTES:  # a large document is parsed off the event loop
        job, size, refused = await asyncio.to_thread(plan, raw, token=token, now=now, state=c.state)
    else:
        job, size, refused = plan(raw, token=token, now=now, state=c.state)
    return await _run(c, job, size=size) or refused


async def _answer(send: Send, error: LBError | None) -> None:
    status = 200 if error is None else error.status
    body = OK if error is None else orjson.dumps({"code": error.status, "error": error.message})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if error is not None and (retry := _RETRY_AFTER.get(id(error))) is not None:
        headers.append((b"retry-after", retry))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
