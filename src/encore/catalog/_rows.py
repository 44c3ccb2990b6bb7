"""Column-only reads of the catalogue's views by row id: a few flat queries per list, no ORM entities.

Every read path that returns tracks, albums or artists builds them here (or takes them from the
representation cache, catalog._cache, which is filled from here), so a page costs the same few
statements whatever it shows.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlalchemy.orm import Session

from encore.catalog._listing import music_album, music_track
from encore.catalog._models import Album, AlbumArtist, AlbumGenre, Artist, Genre, Label, Track, TrackArtist, TrackGenre
from encore.catalog._views import AlbumSummary, ArtistRef, ArtistSummary, LabelRef, TrackView


def _ids(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


# Built once per shape with an expanding list of ids: building the expression on every call cost more
# CPU than SQLite's work (a search page's views are three of these loads).
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def _artists_statement(link: type[TrackArtist] | type[AlbumArtist]) -> Select[Any]:
    owner = link.track_id if link is TrackArtist else link.album_id  # type: ignore[union-attr]
    return (
        select(owner, Artist.public_id, Artist.name, link.role)
        .join(Artist, Artist.id == link.artist_id)
        .where(owner.in_(_IDS))
        .order_by(owner, link.position)
    )


def _genres_statement(link: type[TrackGenre] | type[AlbumGenre]) -> Select[Any]:
    owner = link.track_id if link is TrackGenre else link.album_id  # type: ignore[union-attr]
    return (
        select(owner, Genre.name)
        .join(Genre, Genre.id == link.genre_id)
        .where(owner.in_(_IDS))
        .order_by(owner, link.genre_id)
    )


_ARTISTS_OF = {TrackArtist: _artists_statement(TrackArtist), AlbumArtist: _artists_statement(AlbumArtist)}
_GENRES_OF = {TrackGenre: _genres_statement(TrackGenre), AlbumGenre: _genres_statement(AlbumGenre)}
_TRACKS = (
    select(
        Track.id,
        Track.public_id,
        Track.title,
        Track.duration_ms,
        Track.disc_number,
        Track.track_number,
        Track.explicit,
        Track.isrc,
        Track.gain_db,
        Track.loudness_lufs,
        Album.public_id,
        Album.title,
        Album.artwork_key,
    )
    .join(Album, Album.id == Track.album_id)
    .where(Track.id.in_(_IDS), music_track())
)
_ALBUMS = (
    select(
        Album.id,
        Album.public_id,
        Album.title,
        Album.album_type,
        Album.release_date,
        Album.artwork_key,
        Album.upc,
        Label.public_id,
        Label.name,
        Label.kind,
    )
    .outerjoin(Label, Label.id == Album.label_id)
    .where(Album.id.in_(_IDS), music_album())
)
_ALBUM_COUNTS = (
    select(Track.album_id, func.count(), func.sum(Track.duration_ms))
    .where(Track.album_id.in_(_IDS), music_track())
    .group_by(Track.album_id)
)
_ARTIST_ART = (
    select(AlbumArtist.artist_id, func.max(Album.artwork_key))
    .join(Album, Album.id == AlbumArtist.album_id)
    .where(AlbumArtist.artist_id.in_(_IDS), music_album())
    .group_by(AlbumArtist.artist_id)
)
_ARTISTS = select(Artist.id, Artist.public_id, Artist.name).where(Artist.id.in_(_IDS))


def _artists_of(
    session: Session, link: type[TrackArtist] | type[AlbumArtist], ids: list[int]
) -> dict[int, list[ArtistRef]]:
    """Credited artists of tracks or albums, in credit order."""
    out: dict[int, list[ArtistRef]] = defaultdict(list)
    for owner_id, public_id, name, role in session.execute(_ARTISTS_OF[link], {"ids": ids}):
        out[owner_id].append(ArtistRef(public_id, name, role))
    return out


def _genres_of(session: Session, link: type[TrackGenre] | type[AlbumGenre], ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for owner_id, genre in session.execute(_GENRES_OF[link], {"ids": ids}):
        out[owner_id].append(genre)
    return out


def track_views_by_ids(session: Session, ids: Sequence[int]) -> dict[int, TrackView]:
    """Music tracks (never ads) by row id."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    rows = session.execute(_TRACKS, {"ids": wanted}).all()
    artists, genres = _artists_of(session, TrackArtist, wanted), _genres_of(session, TrackGenre, wanted)
    return {
        r[0]: TrackView(
            id=r[1],
            title=r[2],
            duration_ms=r[3],
            disc_number=r[4],
            track_number=r[5],
            explicit=r[6],
            isrc=r[7],
            gain_db=r[8],
            loudness_lufs=r[9],
            artists=artists.get(r[0], []),
            album_id=r[10],
            album_title=r[11],
            artwork_key=r[12],
            genres=genres.get(r[0], []),
        )
        for r in rows
    }


def album_summaries_by_ids(session: Session, ids: Sequence[int]) -> dict[int, AlbumSummary]:
    """Music albums (never ads) by row id, with artists, label, genres and their number of music tracks."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    rows = session.execute(_ALBUMS, {"ids": wanted}).all()
    artists, genres = _artists_of(session, AlbumArtist, wanted), _genres_of(session, AlbumGenre, wanted)
    counts = {album_id: (n, int(ms or 0)) for album_id, n, ms in session.execute(_ALBUM_COUNTS, {"ids": wanted})}
    return {
        r[0]: AlbumSummary(
            id=r[1],
            title=r[2],
            album_type=r[3],
            release_date=r[4],
            artists=artists.get(r[0], []),
            artwork_key=r[5],
            label=LabelRef(r[7], r[8], r[9]) if r[7] is not None else None,
            upc=r[6],
            genres=genres.get(r[0], []),
            total_tracks=counts.get(r[0], (0, 0))[0],
            duration_ms=counts.get(r[0], (0, 0))[1],
        )
        for r in rows
    }


def artist_summaries_by_ids(session: Session, ids: Sequence[int]) -> dict[int, ArtistSummary]:
    """Artists by row id with one cover (any of their music albums'). Callers leave out ad-only artists."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    art = dict(session.execute(_ARTIST_ART, {"ids": wanted}).all())
    rows = session.execute(_ARTISTS, {"ids": wanted})
    return {i: ArtistSummary(public_id, name, art.get(i) or None) for i, public_id, name in rows}
