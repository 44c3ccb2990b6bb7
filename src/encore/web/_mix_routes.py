"""Made for you: the listener's Daily Mixes, Discover Weekly and Release Radar, a mix's tracks, and saving
a mix as a playlist. Another listener's mix answers 404, like one that does not exist."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from encore import catalog, discovery
from encore.web._deps import CurrentUser, Db, container
from encore.web._mappers import track_out
from encore.web._schemas import TrackOut

router = APIRouter(prefix="/api/me/mixes", tags=["mixes"])
MixId = Annotated[str, Path(max_length=40)]


class MixOut(BaseModel):
    id: str
    kind: str  # daily | discover | radar
    title: str
    description: str
    track_count: int
    built_at: datetime
    saved_playlist: str | None


class MixTracksOut(MixOut):
    tracks: list[TrackOut]


class SavedOut(BaseModel):
    playlist_id: str
    created: bool  # False when this version of the mix was saved before: that playlist is returned


def _out(m: discovery.MixView) -> MixOut:
    return MixOut(id=m.id, kind=m.kind, title=m.title, description=m.description, track_count=len(m.track_ids),
                  built_at=m.built_at, saved_playlist=m.saved_playlist)  # fmt: skip


@router.get("")
def my_mixes(request: Request, session: Db, user: CurrentUser) -> list[MixOut]:
    """Built by the daily job; a listener new since the last run gets theirs built on this first request."""
    return [_out(m) for m in discovery.my_mixes(session, user_id=user.id, now=container(request).clock.now())]


@router.get("/{mix_id}")
def one_mix(request: Request, session: Db, user: CurrentUser, mix_id: MixId) -> MixTracksOut:
    m = discovery.mix(session, user_id=user.id, mix_id=mix_id, now=container(request).clock.now())
    tracks = [track_out(t) for t in catalog.track_views_in_order(session, m.track_ids)]
    return MixTracksOut(**_out(m).model_dump(), tracks=tracks)


@router.post("/{mix_id}/save")
def save(request: Request, session: Db, user: CurrentUser, mix_id: MixId) -> SavedOut:
    saved = discovery.save_mix(session, user_id=user.id, mix_id=mix_id, now=container(request).clock.now())
    return SavedOut(playlist_id=saved.playlist_id, created=saved.created)
