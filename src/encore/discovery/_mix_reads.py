"""What the faces read of the stored mixes: a listener's own mixes (built on the spot the first time), one
mix's tracks playable now, and saving a mix as a playlist (once per version of the mix)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import library
from encore.catalog import Track
from encore.discovery._answers import playable
from encore.discovery._mix_models import Mix
from encore.discovery._mix_policy import DISCOVER, KINDS
from encore.discovery._mixes import build_mixes
from encore.kernel import NotFound, is_public_id

ORDER = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class MixView:
    id: str
    kind: str
    title: str
    description: str
    track_ids: list[int]  # playable by the listener now, in the mix's order
    built_at: datetime
    saved_playlist: str | None


@dataclass(frozen=True)
class Saved:
    playlist_id: str
    created: bool  # False: this version of the mix was saved before, and that playlist is returned


def my_mixes(session: Session, *, user_id: int, now: datetime) -> list[MixView]:
    """The listener's mixes with something playable in them, Daily Mixes first. A listener whose mixes
    were never built (new since the last run) gets them built now, in this transaction."""
    rows = list(session.scalars(select(Mix).where(Mix.user_id == user_id)))
    if not any(m.kind == DISCOVER for m in rows):
        build_mixes(session, user_id=user_id, now=now)  # bulk statements: refresh what was loaded above
        fresh = select(Mix).where(Mix.user_id == user_id).execution_options(populate_existing=True)
        rows = list(session.scalars(fresh))
    rows.sort(key=lambda m: (ORDER.get(m.kind, 9), m.slot))
    allowed = playable(session, user_id=user_id, track_ids=sorted({t for m in rows for t in m.tracks}), now=now)
    views = [_view(m, allowed) for m in rows]
    return [v for v in views if v.track_ids]


def mix(session: Session, *, user_id: int, mix_id: str, now: datetime) -> MixView:
    """One of the listener's mixes; NotFound for an unknown id or another listener's mix (no difference)."""
    row = _own(session, user_id, mix_id)
    return _view(row, playable(session, user_id=user_id, track_ids=row.tracks, now=now))


def save_mix(session: Session, *, user_id: int, mix_id: str, now: datetime) -> Saved:
    """A private playlist holding the mix's playable tracks. Saving the same version again returns the
    playlist saved before (while it exists); a rebuilt mix saves anew."""
    row = _own(session, user_id, mix_id)
    if row.saved_playlist is not None:
        try:
            library.get_playlist(session, playlist_id=row.saved_playlist, viewer_id=user_id)
            return Saved(row.saved_playlist, created=False)
        except NotFound:
            pass  # deleted since: save again
    view = _view(row, playable(session, user_id=user_id, track_ids=row.tracks, now=now))
    playlist = library.create_playlist(
        session, owner_id=user_id, name=f"{row.title} ({now:%d %b %Y})", description=row.description, now=now
    )
    public = _public_ids(session, view.track_ids)
    if public:
        library.add_to_playlist(session, playlist_id=playlist.id, user_id=user_id, track_ids=public, now=now)
    row.saved_playlist = playlist.id
    session.flush()
    return Saved(playlist.id, created=True)


def _own(session: Session, user_id: int, mix_id: str) -> Mix:
    row = session.scalar(select(Mix).where(Mix.public_id == mix_id)) if is_public_id(mix_id) else None
    if row is None or row.user_id != user_id:
        raise NotFound("no such mix")
    return row


def _view(row: Mix, allowed: set[int]) -> MixView:
    ids = [t for t in row.tracks if t in allowed]
    return MixView(row.public_id, row.kind, row.title, row.description, ids, row.built_at, row.saved_playlist)


def _public_ids(session: Session, ids: list[int]) -> list[str]:
    found = dict(session.execute(select(Track.id, Track.public_id).where(Track.id.in_(ids))).all())
    return [found[t] for t in ids if t in found]
