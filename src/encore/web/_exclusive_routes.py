"""Premium exclusives: labels add them to their own catalogue (and a gallery's images), and withdraw them;
listeners see them, locked or open. A gallery's image bytes pass the same decision as the exclusive."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from encore import billing, exclusives
from encore.accounts import Role, User
from encore.audit import kinds
from encore.db import transaction
from encore.kernel import NotFound
from encore.web._audit import note
from encore.web._bounds import Instant
from encore.web._deps import CurrentUser, Db, container
from encore.web._label_routes import OwnLabel
from encore.web._schemas import Strict
from encore.web._upload_body import PictureBody
from encore.web._upload_gate import UploadLabel, UploadUser

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


class ImageOut(BaseModel):
    position: int
    caption: str
    url: str  # passes the entitlement check on every request
    thumb_url: str


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
    image_count: int  # a locked gallery tells how many pictures it holds, never which
    images: list[ImageOut]  # empty while locked

    @classmethod
    def of(cls, view: exclusives.ExclusiveView) -> "ExclusiveOut":
        fields = {k: v for k, v in view.__dict__.items() if k not in {"images", "withdrawn", "audio"}}
        base = f"/api/exclusives/{view.id}/images"
        images = [
            ImageOut(
                position=i.position,
                caption=i.caption,
                url=f"{base}/{i.position}",
                thumb_url=f"{base}/{i.position}?size=300",
            )
            for i in view.images
        ]
        return cls(**fields, images=images)


class OwnAudioOut(BaseModel):
    """An exclusive's track, for its label: what the track is in their catalogue without the exclusive, which is
    what free listeners get back once it is withdrawn (`catalogue_availability` public: they play it again)."""

    track_id: str
    title: str
    track_number: int
    catalogue_availability: str
    catalogue_available_from: datetime | None


class OwnExclusiveOut(ExclusiveOut):
    audio: OwnAudioOut | None

    @classmethod
    def own(cls, view: exclusives.ExclusiveView) -> "OwnExclusiveOut":
        a = view.audio
        audio = None
        if a is not None:
            audio = OwnAudioOut(
                track_id=a.track_id,
                title=a.title,
                track_number=a.track_number,
                catalogue_availability=a.catalogue.availability.value,
                catalogue_available_from=a.catalogue.release_at,
            )
        return cls(**ExclusiveOut.of(view).model_dump(), audio=audio)


@router.post("/label/exclusives", status_code=201)
def add_exclusive(body: ExclusiveIn, request: Request, session: Db, user: LabelUser) -> OwnExclusiveOut:
    assert user.label_id is not None  # noqa: S101 - checked by LabelUser
    view = exclusives.create_exclusive(
        session,
        label_id=user.label_id,
        **body.model_dump(exclude={"availability"}),
        availability=billing.Availability(body.availability),
        now=container(request).clock.now(),
    )
    note(request, session, kinds.LABEL_EXCLUSIVE_CREATED, actor=user, exclusive=view.id, track=body.track_id)
    return OwnExclusiveOut.own(view)


@router.get("/label/{label_id}/exclusives")
def own_exclusives(session: Db, label: OwnLabel) -> list[OwnExclusiveOut]:
    return [OwnExclusiveOut.own(v) for v in exclusives.label_exclusives(session, label_id=label.row_id)]


def _own_gallery(exclusive_id: str, request: Request, label: UploadLabel) -> str:
    """Another label's exclusive (or none): 404, and not a gallery: 400, before a byte of the body is read."""
    with transaction(container(request).sessions) as session:
        exclusives.own_gallery(session, label_id=label.row_id, exclusive_id=exclusive_id)
    return exclusive_id


OwnGalleryId = Annotated[str, Depends(_own_gallery)]


@router.post("/label/{label_id}/exclusives/{exclusive_id}/images", status_code=201)
def add_image(
    *,
    exclusive_id: OwnGalleryId,
    request: Request,
    label: UploadLabel,
    user: UploadUser,
    body: PictureBody,
    session: Db,
) -> ExclusiveOut:
    """Multipart `file` (JPEG, PNG or WebP, at most 16 MB) and an optional `label` field used as the caption."""
    caption = exclusives.clean_caption(body.label)  # refused before the image is stored
    data = body.file.file.read(exclusives.MAX_IMAGE_BYTES + 1)
    key = exclusives.store_image(data=data, store=container(request).store)
    view = exclusives.add_image(
        session, label_id=label.row_id, exclusive_id=exclusive_id, image_key=key, caption=caption
    )
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, exclusive=exclusive_id, fields=["images"])
    return ExclusiveOut.of(view)


@router.delete("/label/{label_id}/exclusives/{exclusive_id}", status_code=204)
def withdraw(exclusive_id: str, request: Request, session: Db, label: OwnLabel, user: CurrentUser) -> None:
    now = container(request).clock.now()
    track = exclusives.withdraw_exclusive(session, label_id=label.row_id, exclusive_id=exclusive_id, now=now)
    note(request, session, kinds.LABEL_WITHDRAWN, actor=user, label=label.id, exclusive=exclusive_id, track=track)


@router.get("/exclusives/{exclusive_id}/images/{position}")
def gallery_image(
    *, exclusive_id: str, position: int, request: Request, session: Db, user: CurrentUser, size: int = 1280
) -> FileResponse:
    """One picture, for the entitled only: 403 with the reason otherwise, 404 once withdrawn."""
    c = container(request)
    key = exclusives.open_image(
        session, user_id=user.id, exclusive_id=exclusive_id, position=position, now=c.clock.now()
    )
    path = exclusives.image_path(c.store, key=key, size=size)
    if not path.is_file():
        raise NotFound("no such image")
    # private: a shared cache must never hand a Premium listener's picture to a free one
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


@router.get("/exclusives/{exclusive_id}")
def get_exclusive(exclusive_id: str, request: Request, session: Db, user: CurrentUser) -> ExclusiveOut:
    now = container(request).clock.now()
    return ExclusiveOut.of(exclusives.open_exclusive(session, user_id=user.id, exclusive_id=exclusive_id, now=now))


@router.get("/albums/{album_id}/exclusives")
def album_exclusives(album_id: str, request: Request, session: Db, user: CurrentUser) -> list[ExclusiveOut]:
    now = container(request).clock.now()
    views = exclusives.list_exclusives(session, user_id=user.id, album_id=album_id, now=now)
    return [ExclusiveOut.of(v) for v in views]


@router.get("/artists/{artist_id}/exclusives")
def artist_exclusives(artist_id: str, request: Request, session: Db, user: CurrentUser) -> list[ExclusiveOut]:
    now = container(request).clock.now()
    views = exclusives.list_exclusives(session, user_id=user.id, artist_id=artist_id, now=now)
    return [ExclusiveOut.of(v) for v in views]
