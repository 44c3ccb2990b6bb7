"""Premium exclusives: labels add them to their own catalogue; listeners see them, locked or open."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from encore import billing, exclusives
from encore.accounts import Role, User
from encore.audit import kinds
from encore.kernel import NotFound
from encore.web._audit import note
from encore.web._bounds import Instant
from encore.web._deps import CurrentUser, Db, container
from encore.web._schemas import Strict

router = APIRouter(prefix="/api", tags=["exclusives"])


def _label_account(user: CurrentUser) -> User:
    if user.role != Role.LABEL.value or user.label_id is None:
        raise NotFound("not found")
    return user


LabelUser = Annotated[User, Depends(_label_account)]


class ExclusiveIn(Strict):
    kind: Literal["interview", "demo", "prerelease", "gallery"]
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    album_id: str | None = Field(default=None, max_length=22)
    artist_id: str | None = Field(default=None, max_length=22)
    track_id: str | None = Field(default=None, max_length=22)
    availability: Literal["premium", "prerelease"] = "premium"
    release_at: Instant | None = None


class ExclusiveOut(BaseModel):
    id: str
    kind: str
    title: str
    description: str
    album_id: str | None
    artist_id: str | None
    availability: str
    release_at: datetime | None
    locked: bool
    reason: str
    track_id: str | None


@router.post("/label/exclusives", status_code=201)
def add_exclusive(body: ExclusiveIn, request: Request, session: Db, user: LabelUser) -> ExclusiveOut:
    assert user.label_id is not None  # noqa: S101 - checked by LabelUser
    view = exclusives.create_exclusive(
        session,
        label_id=user.label_id,
        **body.model_dump(exclude={"availability"}),
        availability=billing.Availability(body.availability),
    )
    note(request, session, kinds.LABEL_EXCLUSIVE_CREATED, actor=user, exclusive=view.id)
    return ExclusiveOut(**view.__dict__)


@router.get("/exclusives/{exclusive_id}")
def get_exclusive(exclusive_id: str, request: Request, session: Db, user: CurrentUser) -> ExclusiveOut:
    now = container(request).clock.now()
    return ExclusiveOut(
        **exclusives.open_exclusive(session, user_id=user.id, exclusive_id=exclusive_id, now=now).__dict__
    )


@router.get("/albums/{album_id}/exclusives")
def album_exclusives(album_id: str, request: Request, session: Db, user: CurrentUser) -> list[ExclusiveOut]:
    now = container(request).clock.now()
    views = exclusives.list_exclusives(session, user_id=user.id, album_id=album_id, now=now)
    return [ExclusiveOut(**v.__dict__) for v in views]


@router.get("/artists/{artist_id}/exclusives")
def artist_exclusives(artist_id: str, request: Request, session: Db, user: CurrentUser) -> list[ExclusiveOut]:
    now = container(request).clock.now()
    views = exclusives.list_exclusives(session, user_id=user.id, artist_id=artist_id, now=now)
    return [ExclusiveOut(**v.__dict__) for v in views]
