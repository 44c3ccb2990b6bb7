"""Bulk lookups by id for API faces that return many objects at once (one query per kind, never N+1)."""

from collections.abc import Sequence

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from encore.catalog._cache import cache_for, views_by_ids
from encore.catalog._listing import hidden_artists, music_album
from encore.catalog._models import Album, AlbumArtist, Artist, Track
from encore.catalog._read import (
    album_views,
    artist_artworks,
    listed_id,
    listed_ids,
    track_views,
    track_views_in_order,
)
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, TrackView


def tracks_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, TrackView]:
    """Listed tracks by public id (the catalogue's kept views: the same a single track's read gives)."""
    return {v.id: v for v in track_views_in_order(session, listed_ids(session, "track", ids))}


def tracks_by_ids(session: Session, *, ids: Sequence[int], unpublished: bool = False) -> dict[int, TrackView]:
    """Listed tracks by row id (never ads). With `unpublished`, also the tracks of a release its label withdrew,
    marked not `playable` (a listener's history keeps what they heard): one more read, only when some of `ids`
    are not listed."""
    wanted = list(dict.fromkeys(ids))
    found = views_by_ids(session, "track", wanted, cache_for(session))
    out = {i: v for i, v in found.items() if isinstance(v, TrackView)}
    missing = [i for i in wanted if i not in out]
    if unpublished and missing:
        rows = list(session.scalars(select(Track).where(Track.id.in_(missing), Track.is_ad == false())))
        out.update(zip([t.id for t in rows], track_views(session, rows), strict=True))
    return out


def albums_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, AlbumSummary]:
    """Listed albums by public id (the catalogue's kept views)."""
    return {v.id: v for v in album_views(session, listed_ids(session, "album", ids))}


def artists_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, ArtistSummary]:
    wanted = set(ids) - hidden_artists(session) if ids else set()
    rows = list(session.scalars(select(Artist).where(Artist.id.in_(wanted)))) if wanted else []
    art = artist_artworks(session, [a.id for a in rows])
    return {a.id: ArtistSummary(a.public_id, a.name, art.get(a.id)) for a in rows}


def artist_albums(session: Session, *, artist_id: str, limit: int, offset: int) -> Page[AlbumSummary]:
    artist = listed_id(session, "artist", artist_id)
    query = (
        select(Album.id)
        .join(AlbumArtist, AlbumArtist.album_id == Album.id)
        .where(AlbumArtist.artist_id == artist, music_album())
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(
        query.order_by(Album.release_date.desc().nulls_last(), Album.id.desc()).limit(limit).offset(offset)
    ).all()
    return Page(album_views(session, ids), total, limit, offset)
