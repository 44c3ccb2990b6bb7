"""Radio and autoplay for the player: tracks like a seed, and what follows when the queue runs out."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from encore import catalog, discovery
from encore.web._deps import CurrentUser, Db, container
from encore.web._mappers import track_out
from encore.web._schemas import Strict, TrackOut

router = APIRouter(prefix="/api/radio", tags=["radio"])
RADIO_LENGTH = 50


class RadioOut(BaseModel):
    autoplay: bool  # the listener's setting (autoplay answers nothing when it is off)
    tracks: list[TrackOut]


class NextIn(Strict):
    after: list[str] = Field(min_length=1, max_length=10)  # the queue's last tracks, oldest first
    exclude: list[str] = Field(default_factory=list, max_length=1000)  # everything already in the queue
    limit: int = Field(default=10, ge=1, le=50)


@router.get("/{kind}/{seed_id}")
def start_radio(
    *,
    request: Request,
    session: Db,
    user: CurrentUser,
    kind: Annotated[str, Path(pattern="^(track|artist|album|playlist)$")],
    seed_id: Annotated[str, Path(max_length=40)],
    limit: Annotated[int, Query(ge=1, le=100)] = RADIO_LENGTH,
) -> RadioOut:
    """A radio's first tracks: for a track, the track itself and then music like it."""
    now = container(request).clock.now()
    seeds = discovery.radio_seeds(session, user_id=user.id, kind=kind, public_id=seed_id)
    ids = discovery.next_tracks(session, user_id=user.id, seeds=seeds, exclude=[], limit=limit, now=now)
    if kind == "track" and seeds[0] in discovery.playable(session, user_id=user.id, track_ids=seeds, now=now):
        ids = [seeds[0], *ids][:limit]
    autoplay = discovery.preferences(session, user_id=user.id).autoplay
    return RadioOut(autoplay=autoplay, tracks=[track_out(t) for t in catalog.track_views_in_order(session, ids)])


@router.post("/next")
def autoplay_next(request: Request, session: Db, user: CurrentUser, body: NextIn) -> RadioOut:
    """Autoplay: music like the queue's last tracks, none already queued; nothing when autoplay is off."""
    if not discovery.preferences(session, user_id=user.id).autoplay:
        return RadioOut(autoplay=False, tracks=[])
    ids = discovery.next_tracks(
        session,
        user_id=user.id,
        seeds=discovery.queue_track_ids(session, body.after),
        exclude=discovery.queue_track_ids(session, body.exclude),
        limit=body.limit,
        now=container(request).clock.now(),
    )
    return RadioOut(autoplay=True, tracks=[track_out(t) for t in catalog.track_views_in_order(session, ids)])
