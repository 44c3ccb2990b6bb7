"""Bulk lookups by id for API faces that return many objects at once (one query per kind, never N+1)."""

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from encore.catalog._cache import cache_for, views_by_ids
from encore.catalog._listing import hidden_artists, music_album, music_track
from encore.catalog._models import Album, AlbumArtist, Artist, Track
from encore.catalog._read import artist_artworks
from encore.catalog._views import AlbumSummary, ArtistSummary, Page, TrackView
from encore.kernel import NotFound, is_public_id


def _listed_ids_statement(kind: str, public_ids: list[str]) -> Select[str, int]:
    if kind == "track":
        return select(Track.public_id, Track.id).where(Track.public_id.in_(public_ids), music_track())
    return select(Album.public_id, Album.id).where(Album.public_id.in_(public_ids), music_album())


def _listed_ids(session: Session, kind: str, public_ids: Sequence[str]) -> list[int]:
    """The row ids of the listed tracks or albums among `public_ids` (malformed, unknown, ad and unpublished
    ones left out), in the order asked: from the process's cache of ids, the rest in one statement."""
    wanted = list(dict.fromkeys(i for i in public_ids if is_public_id(i)))
    cache = cache_for(session)
    found: dict[str, int] = {}
    if cache:
        for public_id in wanted:
            hit = cache.ids.get((kind, public_id))
            if hit is not None:
                found[public_id] = hit
    missing = [i for i in wanted if i not in found]
    if missing:
        generation = cache.ids.generation if cache else 0
        for public_id, row_id in session.execute(_listed_ids_statement(kind, missing)):
            found[public_id] = row_id
            if cache:
                cache.ids.put((kind, public_id), row_id, built_at=generation)
    return [found[i] for i in wanted if i in found]


def _views(session: Session, kind: str, ids: Sequence[int]) -> list[object]:
    found = views_by_ids(session, kind, ids, cache_for(session))
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def tracks_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, TrackView]:
    """Listed tracks by public id (the catalogue's kept views: the same a single track's read gives)."""
    views = _views(session, "track", _listed_ids(session, "track", ids))
    return {v.id: v for v in views if isinstance(v, TrackView)}


def tracks_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, TrackView]:
    """Listed tracks by row id (never ads or unpublished releases)."""
    found = views_by_ids(session, "track", list(dict.fromkeys(ids)), cache_for(session))
    return {i: v for i, v in found.items() if isinstance(v, TrackView)}


def albums_by_public_ids(session: Session, *, ids: Sequence[str]) -> dict[str, AlbumSummary]:
    """Listed albums by public id (the catalogue's kept views)."""
    views = _views(session, "album", _listed_ids(session, "album", ids))
    return {v.id: v for v in views if isinstance(v, AlbumSummary)}


def artists_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, ArtistSummary]:
    wanted = set(ids) - hidden_artists(session) if ids else set()
    rows = list(session.scalars(select(Artist).where(Artist.id.in_(wanted)))) if wanted else []
    art = artist_artworks(session, [a.id for a in rows])
    return {a.id: ArtistSummary(a.public_id, a.name, art.get(a.id)) for a in rows}


def artist_albums(session: Session, *, artist_id: str, limit: int, offset: int) -> Page[AlbumSummary]:
    artist = session.scalar(select(Artist.id).where(Artist.public_id == artist_id)) if is_public_id(artist_id) else None
    if artist is None or artist in hidden_artists(session):
        raise NotFound("no such artist")
    query = (
        select(Album.id)
        .join(AlbumArtist, AlbumArtist.album_id == Album.id)
        .where(AlbumArtist.artist_id == artist, music_album())
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(
        query.order_by(Album.release_date.desc().nulls_last(), Album.id.desc()).limit(limit).offset(offset)
    ).all()
    albums = [v for v in _views(session, "album", ids) if isinstance(v, AlbumSummary)]
    return Page(albums, total, limit, offset)
