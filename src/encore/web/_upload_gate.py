"""Before an upload's body is read: who sends it, checked in a transaction of its own, and one of the account's
upload slots (review21 F1).

The request's own session (`Db`) keeps its pooled connection until the handler returns, so a user check made on it
held that connection (on PostgreSQL, idle in a transaction) for as long as the client took to send the body: 48
unfinished uploads from one account took every connection of a process. Here the caller, their label and any
other check made before the body run in a short transaction that gives its connection back; an upload route
declares its `Db` after the body, so its session starts once the body is on disk. How slowly a body may arrive
is bounded for every request (`_body_limit.Pace`); how many one account may send at once, here.
"""

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request

from encore import labels
from encore.accounts import User
from encore.db import transaction
from encore.state import HeldSlot, StateUnavailable
from encore.web._deps import container, current_user, optional_user
from encore.web._label_routes import own_label
from encore.web._security import Message

log = logging.getLogger(__name__)


def upload_user(request: Request) -> User:
    """The logged-in caller (401, 403 as `CurrentUser`), read in a transaction that ends before the body."""
    with transaction(container(request).sessions) as session:
        return current_user(optional_user(request, session))


UploadUser = Annotated[User, Depends(upload_user)]


def _upload_label(label_id: str, request: Request, user: UploadUser) -> labels.LabelInfo:
    with transaction(container(request).sessions) as session:
        return own_label(session, label_id=label_id, user=user)


UploadLabel = Annotated[labels.LabelInfo, Depends(_upload_label)]  # `OwnLabel`, checked before the body


def _too_many(request: Request) -> HTTPException:
    s = container(request).settings
    message = (
        f"this account is already sending {s.uploads_per_account} uploads; wait for one to finish, then send"
        " this one again"
    )
    # a stalled upload holding a slot is cut off within the idle timeout
    retry = str(math.ceil(s.body_idle_timeout_s))
    return HTTPException(429, detail={"code": "too_many_uploads", "message": message}, headers={"Retry-After": retry})


@asynccontextmanager
async def receiving(request: Request, user: User) -> AsyncIterator[Request]:
    """The request to read the body from, while one of `user`'s upload slots is held (429 with Retry-After when
    the account is already sending as many as it may). The slot is renewed as bytes arrive and freed once the
    body is read, or refused: it counts uploads being received, not what is done with them after."""
    slots = container(request).uploads
    slot = await anyio.to_thread.run_sync(slots.try_acquire, f"uploads:{user.id}")
    if slot is None:
        raise _too_many(request)

    async def receive() -> Message:
        if slot.due():
            await anyio.to_thread.run_sync(slot.keep)
        return await request.receive()

    try:
        yield Request(request.scope, receive)
    finally:
        with anyio.CancelScope(shield=True):  # a client gone mid-body still frees its slot
            await _release(slot, user)


async def _release(slot: HeldSlot, user: User) -> None:
    """Free the slot. The shared state failing now is logged and nothing more (review21b F7): the body has been
    received (or refused) by now, so the upload's answer is its own, not a 503 that has the client send it all
    again, and the caller goes on to close its form. The slot lapses by itself when its lease runs out
    (`bootstrap._upload_slots`: at least 120 s), so the account has its full count of uploads back by then."""
    try:
        await anyio.to_thread.run_sync(slot.release)
    except StateUnavailable as exc:
        log.warning("upload slot of account %s not released (%s): its lease frees it", user.public_id, exc)
