"""Bulk lookups by id for API faces that return many objects at once (one query per kind, never N+1)."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.catalog._listing import hidden_artists, music_album, music_track
from encore.catalog._models import Album, AlbumArtist, Artist, Track
from encore.catalog._read import album_summaries, artist_artworks, track_views
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, TrackView
from encore.kernel import NotFound, is_public_id


def tracks_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, TrackView]:
    wanted = [i for i in ids if is_public_id(i)]
    rows = (
        list(session.scalars(select(Track).where(Track.public_id.in_(wanted), music_track())).unique())
        if wanted
        else []
    )
    return {v.id: v for v in track_views(session, rows)}


def tracks_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, TrackView]:
    rows = list(session.scalars(select(Track).where(Track.id.in_(list(ids)), music_track())).unique()) if ids else []
    return dict(zip([t.id for t in rows], track_views(session, rows), strict=True))


def albums_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, AlbumSummary]:
    wanted = [i for i in set(ids) if is_public_id(i)]
    rows = (
        list(session.scalars(select(Album).where(Album.public_id.in_(wanted), music_album())).unique())
        if wanted
        else []
    )
    return {a.id: a for a in album_summaries(session, rows)}


def artists_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, ArtistSummary]:
    wanted = set(ids) - hidden_artists(session) if ids else set()
    rows = list(session.scalars(select(Artist).where(Artist.id.in_(wanted)))) if wanted else []
    art = artist_artworks(session, [a.id for a in rows])
    return {a.id: ArtistSummary(a.public_id, a.name, art.get(a.id)) for a in rows}


def artist_albums(session: Session, *, artist_id: str, limit: int, offset: int) -> Page[AlbumSummary]:
    artist = session.scalar(select(Artist).where(Artist.public_id == artist_id)) if is_public_id(artist_id) else None
    if artist is None or artist.id in hidden_artists(session):
        raise NotFound("no such artist")
    query = (
        select(Album)
        .join(AlbumArtist, AlbumArtist.album_id == Album.id)
        .where(AlbumArtist.artist_id == artist.id, music_album())
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Album.release_date.desc().nulls_last(), Album.id.desc()).limit(limit).offset(offset)
    ).unique()
    return Page(album_summaries(session, list(rows)), total, limit, offset)
