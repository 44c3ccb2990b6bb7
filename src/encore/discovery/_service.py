"""Reads of the stored neighbour tables, and the listener's discovery settings."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from encore.catalog import Artist, Track, TrackArtist
from encore.db import write_lock
from encore.discovery import _hot
from encore.discovery._models import ArtistNeighbour, DiscoveryPreference, TrackNeighbour, TrainingContributor
from encore.discovery._recommend import blend
from encore.discovery._tables import LISTENING
from encore.history import Play, visible


@dataclass(frozen=True)
class Preferences:
    contribute: bool = True  # my listening may train the recommender
    autoplay: bool = True  # when my queue ends, similar music keeps playing


def preferences(session: Session, *, user_id: int) -> Preferences:
    row = session.get(DiscoveryPreference, user_id)
    return Preferences() if row is None else Preferences(contribute=row.contribute, autoplay=row.autoplay)


def set_preferences(
    session: Session, *, user_id: int, now: datetime, contribute: bool | None = None, autoplay: bool | None = None
) -> Preferences:
    """Change what is given; opting out takes effect at the next training run, which leaves this listener out.
    One change at a time: two at once each found no row and inserted one (a 500)."""
    write_lock(session, "discovery_preferences", user_id)
    row = session.get(DiscoveryPreference, user_id, populate_existing=True)
    if row is None:
        row = DiscoveryPreference(user_id=user_id, contribute=True, autoplay=True, updated_at=now)
        session.add(row)
    if contribute is not None and contribute != row.contribute:
        row.contribute = contribute
        # Popularity is ranked with today's opt-outs left out: the serving processes' kept rankings (`_hot`)
        # go with the opt-outs' generation, moved once this commits (never the catalogue's version)
        _hot.opt_outs_changed(session)
    if autoplay is not None:
        row.autoplay = autoplay
    row.updated_at = now
    session.flush()
    return Preferences(contribute=row.contribute, autoplay=row.autoplay)


def similar_track_ids(
    session: Session, *, seeds: dict[int, float], limit: int, exclude: frozenset[int] = frozenset()
) -> list[int]:
    """Tracks the seeds (track id -> weight) point to, best first, from the stored neighbours."""
    return blend(seeds, track_neighbours(session, track_ids=list(seeds)), exclude=exclude, limit=limit)


_NEIGHBOURS = select(TrackNeighbour.track_id, TrackNeighbour.neighbour_id, TrackNeighbour.score).where(
    TrackNeighbour.track_id.in_(bindparam("ids", expanding=True))
)  # no order: `blend` sums per neighbour, and a track lists each neighbour once


def track_neighbours(session: Session, *, track_ids: Sequence[int]) -> dict[int, list[tuple[int, float]]]:
    """Each track's stored neighbours (track -> [(neighbour, score)]), one indexed read on the session's
    connection: plain rows, no ORM loading (the mixes job reads these for every listener)."""
    lists: dict[int, list[tuple[int, float]]] = {}
    if not track_ids:
        return lists
    for item, other, score in session.connection().execute(_NEIGHBOURS, {"ids": list(track_ids)}):
        lists.setdefault(item, []).append((other, score))
    return lists


def related_artist_ids(session: Session, *, artist_id: int, limit: int) -> list[int]:
    lists = _lists(session, ArtistNeighbour, ArtistNeighbour.artist_id, {artist_id: 1.0})
    return blend({artist_id: 1.0}, lists, limit=limit)


def _lists(session: Session, model: Any, key: Any, seeds: dict[int, float]) -> dict[int, list[tuple[int, float]]]:
    lists: dict[int, list[tuple[int, float]]] = {}
    rows = session.execute(select(key, model.neighbour_id, model.score).where(key.in_(list(seeds))))
    for item, other, score in rows:
        lists.setdefault(item, []).append((other, score))
    return lists


def derived_from(session: Session, *, user_id: int) -> dict[str, Any]:
    """What the stored tables derive from this listener: the listening pairs among tracks (and artists)
    they played, when the last training run learnt from them. Each such pair rests on at least 5 listeners."""
    prefs = preferences(session, user_id=user_id)
    contributor = session.get(TrainingContributor, user_id)
    report: dict[str, Any] = {
        "contributes": prefs.contribute,
        "last_training_used_you": contributor is not None,
        "trained_at": contributor.trained_at.isoformat() if contributor else None,
        "similar_track_pairs": [],
        "related_artist_pairs": [],
    }
    if contributor is None:
        return report
    mine = (Play.user_id == user_id, Play.ms_played > 0, visible())
    tracks = select(Play.track_id).where(*mine)
    artists = select(TrackArtist.artist_id).join(Play, Play.track_id == TrackArtist.track_id).where(*mine)
    report["similar_track_pairs"] = _pairs(session, TrackNeighbour, Track, tracks, ("track", "title", "similar"))
    report["related_artist_pairs"] = _pairs(session, ArtistNeighbour, Artist, artists, ("artist", "name", "related"))
    return report


def _pairs(session: Session, model: Any, entity: Any, played: Any, names: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Stored listening pairs whose two sides are both among `played`, named as `names` (kind, label, other)."""
    kind, label, other = names
    a, b = aliased(entity), aliased(entity)
    own = getattr(model, f"{kind}_id")
    rows = session.execute(
        select(a.public_id, getattr(a, label), b.public_id, getattr(b, label), model.listeners)
        .join(a, a.id == own)
        .join(b, b.id == model.neighbour_id)
        .where(model.source == LISTENING, own.in_(played), model.neighbour_id.in_(played))
        .order_by(a.public_id, b.public_id)
    )
    return [
        {kind: x, f"{kind}_{label}": xl, other: y, f"{other}_{label}": yl, "listeners": n} for x, xl, y, yl, n in rows
    ]
