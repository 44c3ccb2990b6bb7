"""The player's side of ListenBrainz tokens: see whether one exists, make a new one (shown once)."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from encore import accounts
from encore.web._deps import CurrentUser, Db, container, public_base

router = APIRouter(prefix="/api/me", tags=["listenbrainz"])


class ListenTokenOut(BaseModel):
    exists: bool = Field(description="A token that works now")
    hint: str | None
    created_at: datetime | None
    revoked: bool = Field(False, description="A token was made, and a sign-out everywhere has cut it since")
    api_root: str = Field(description="What a ListenBrainz client calls its API root: /1/... is under it")
    token: str | None = None  # only in the answer to POST; Encore keeps just a hash


@router.get("/listen-token")
def show_listen_token(request: Request, session: Db, user: CurrentUser) -> ListenTokenOut:
    info = accounts.listen_token_info(session, user_id=user.id)
    return ListenTokenOut(
        exists=info.exists,
        hint=info.hint,
        created_at=info.created_at,
        revoked=info.revoked,
        api_root=public_base(request),
    )


@router.post("/listen-token")
def regenerate_listen_token(request: Request, session: Db, user: CurrentUser) -> ListenTokenOut:
    token = accounts.regenerate_listen_token(session, user_id=user.id, now=container(request).clock.now())
    info = accounts.listen_token_info(session, user_id=user.id)
    return ListenTokenOut(
        exists=True, hint=info.hint, created_at=info.created_at, api_root=public_base(request), token=token
    )
