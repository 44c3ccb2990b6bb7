"""Bulk lookups by id for API faces that return many objects at once (one query per kind, never N+1)."""

from collections.abc import Collection, Sequence

from sqlalchemy import false, func, or_, select, true, union
from sqlalchemy.orm import Session

from encore.catalog._cache import cache_for, views_by_ids
from encore.catalog._listing import hidden_artists, music_album, music_track
from encore.catalog._models import Album, AlbumArtist, Artist, ArtistRole, Track, TrackArtist
from encore.catalog._read import (
    album_views,
    artist_artworks,
    listed_id,
    listed_ids,
    track_views,
    track_views_in_order,
)
from encore.catalog._views import AlbumSummary, ArtistAlbum, ArtistSummary, Page, TrackView


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


def artist_albums(
    session: Session,
    *,
    artist_id: str,
    limit: int,
    offset: int,
    own_types: Collection[str] | None = None,
    appears_on: bool = True,
) -> Page[ArtistAlbum]:
    """An artist's albums, newest first: their own (a primary album artist), of `own_types` (None: every type),
    and with `appears_on` the albums of others they appear on (a featured album artist, or an artist of one of
    its listed tracks, as on a compilation)."""
    artist = listed_id(session, "artist", artist_id)
    own = select(AlbumArtist.album_id).where(
        AlbumArtist.artist_id == artist, AlbumArtist.role == ArtistRole.PRIMARY.value
    )
    kinds = [Album.id.in_(own) & (Album.album_type.in_(own_types) if own_types is not None else true())]
    if appears_on:
        featured = select(AlbumArtist.album_id).where(
            AlbumArtist.artist_id == artist, AlbumArtist.role != ArtistRole.PRIMARY.value
        )
        on_tracks = (select(Track.album_id).join(TrackArtist, TrackArtist.track_id == Track.id)).where(
            TrackArtist.artist_id == artist, music_track()
        )
        kinds.append(Album.id.in_(union(featured, on_tracks)) & Album.id.not_in(own))
    query = select(Album.id).where(or_(*kinds), music_album())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(
        query.order_by(Album.release_date.desc().nulls_last(), Album.id.desc()).limit(limit).offset(offset)
    ).all()
    mine = set(session.scalars(own.where(AlbumArtist.album_id.in_(ids)))) if ids and appears_on else set(ids)
    return Page([ArtistAlbum(v, v_id not in mine) for v_id, v in _by_row(session, ids)], total, limit, offset)


def _by_row(session: Session, ids: Sequence[int]) -> list[tuple[int, AlbumSummary]]:
    found = views_by_ids(session, "album", ids, cache_for(session))
    return [(i, found[i]) for i in ids if isinstance(found.get(i), AlbumSummary)]
