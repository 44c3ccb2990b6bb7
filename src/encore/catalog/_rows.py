"""Column-only reads of the catalogue's views by row id: a few flat queries per list, no ORM entities.

Every read path that returns tracks, albums or artists builds them here (or takes them from the
representation cache, catalog._cache, which is filled from here), so a page costs the same few
statements whatever it shows. They run on the connection's DB-API cursor (db.RawStatement): a search's
new hits are loaded here, and SQLAlchemy's execute path cost more CPU than SQLite's work (#16).
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, false, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from encore.catalog._listing import music_album, music_track
from encore.catalog._models import (
    Album,
    AlbumArtist,
    AlbumGenre,
    Artist,
    Genre,
    Label,
    ReleaseStatus,
    Rendition,
    RenditionKind,
    Track,
    TrackArtist,
    TrackGenre,
)
from encore.catalog._views import AlbumSummary, ArtistRef, ArtistSummary, LabelRef, TrackView
from encore.db import RawStatement, connection_of

_PUBLISHED = ReleaseStatus.PUBLISHED.value
CHUNK = 200  # ids per statement: the longest IN list a RawStatement takes (db._raw.MOST_EXPANDED)


def _ids(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def connection_for_reads(session: Session) -> Connection:
    """The session's connection, with its pending ORM changes flushed first (as the session's own execute
    would): a transaction that just edited the catalogue reads its own writes."""
    if session.autoflush:
        session.flush()
    return connection_of(session)


def rows_in_chunks(
    statement: RawStatement, connection: Connection, values: Sequence[Any], params: Mapping[str, Any] | None = None
) -> Iterator[Any]:
    """`statement`'s rows for an IN list (its expanding parameter, named `ids`) of any length, sent in lists of
    at most CHUNK; a statement ordered by its IN column keeps that order within each of them."""
    for start in range(0, len(values), CHUNK):
        yield from statement.rows(connection, {**(params or {}), "ids": values[start : start + CHUNK]})


_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def _raw(statement: Any) -> RawStatement:
    return RawStatement(statement, expanding="ids")


def _as_sent(column: Any) -> Any:
    """A float column as the driver sends it (a double on both databases, which is what SQLAlchemy hands on):
    psycopg's Float picks its result processor by the column's type code, which RawStatement compiles without."""
    return type_coerce(column, NullType())


def _artists_statement(link: type[TrackArtist] | type[AlbumArtist]) -> RawStatement:
    owner = link.track_id if link is TrackArtist else link.album_id  # type: ignore[union-attr]
    return _raw(
        select(owner, Artist.public_id, Artist.name, link.role)
        .join(Artist, Artist.id == link.artist_id)
        .where(owner.in_(_IDS))
        .order_by(owner, link.position)
    )


def _genres_statement(link: type[TrackGenre] | type[AlbumGenre]) -> RawStatement:
    owner = link.track_id if link is TrackGenre else link.album_id  # type: ignore[union-attr]
    return _raw(
        select(owner, Genre.name)
        .join(Genre, Genre.id == link.genre_id)
        .where(owner.in_(_IDS))
        .order_by(owner, link.genre_id)
    )


_ARTISTS_OF = {TrackArtist: _artists_statement(TrackArtist), AlbumArtist: _artists_statement(AlbumArtist)}
_GENRES_OF = {TrackGenre: _genres_statement(TrackGenre), AlbumGenre: _genres_statement(AlbumGenre)}
# The size of the file a plain stream or a download sends (Subsonic's `size`)
_STORED_SIZE = (
    select(Rendition.size)
    .where(Rendition.track_id == Track.id, Rendition.kind == RenditionKind.VORBIS160.value)
    .scalar_subquery()
)
_TRACKS = _raw(
    select(
        Track.id,
        Track.public_id,
        Track.title,
        Track.duration_ms,
        Track.disc_number,
        Track.track_number,
        Track.explicit,
        Track.isrc,
        _as_sent(Track.gain_db),
        _as_sent(Track.loudness_lufs),
        Album.public_id,
        Album.title,
        Album.artwork_key,
        Album.release_date,
        Track.created_at,
        _STORED_SIZE,
    )
    .join(Album, Album.id == Track.album_id)
    .where(Track.id.in_(_IDS), music_track())
)
_ALBUMS = _raw(
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
        Album.created_at,
    )
    .outerjoin(Label, Label.id == Album.label_id)
    .where(Album.id.in_(_IDS), music_album())
)
# music_track() with its status written into the text: what the partial index `ix_tracks_album_music` is built
# on, so SQLite and PostgreSQL count an album's tracks from that index alone, not from every track row (#16)
_ALBUM_COUNTS = _raw(
    select(Track.album_id, func.count(), func.sum(Track.duration_ms))
    .where(Track.album_id.in_(_IDS), Track.is_ad == false(), Track.status == literal_column(f"'{_PUBLISHED}'"))
    .group_by(Track.album_id)
)
_ARTIST_ART = _raw(
    select(AlbumArtist.artist_id, func.max(Album.artwork_key))
    .join(Album, Album.id == AlbumArtist.album_id)
    .where(AlbumArtist.artist_id.in_(_IDS), music_album())
    .group_by(AlbumArtist.artist_id)
)
_ARTISTS = _raw(select(Artist.id, Artist.public_id, Artist.name).where(Artist.id.in_(_IDS)))


def _artists_of(
    db: Connection, link: type[TrackArtist] | type[AlbumArtist], ids: list[int]
) -> dict[int, list[ArtistRef]]:
    """Credited artists of tracks or albums, in credit order."""
    out: dict[int, list[ArtistRef]] = defaultdict(list)
    for owner_id, public_id, name, role in rows_in_chunks(_ARTISTS_OF[link], db, ids):
        out[owner_id].append(ArtistRef(public_id, name, role))
    return out


def _genres_of(db: Connection, link: type[TrackGenre] | type[AlbumGenre], ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for owner_id, genre in rows_in_chunks(_GENRES_OF[link], db, ids):
        out[owner_id].append(genre)
    return out


def track_views_by_ids(session: Session, ids: Sequence[int]) -> dict[int, TrackView]:
    """Music tracks (never ads) by row id."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    db = connection_for_reads(session)
    rows = list(rows_in_chunks(_TRACKS, db, wanted))
    artists, genres = _artists_of(db, TrackArtist, wanted), _genres_of(db, TrackGenre, wanted)
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
            year=r[13].year if r[13] is not None else None,
            created_at=r[14],
            size=r[15],
        )
        for r in rows
    }


def album_summaries_by_ids(session: Session, ids: Sequence[int]) -> dict[int, AlbumSummary]:
    """Music albums (never ads) by row id, with artists, label, genres and their number of music tracks."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    db = connection_for_reads(session)
    rows = list(rows_in_chunks(_ALBUMS, db, wanted))
    artists, genres = _artists_of(db, AlbumArtist, wanted), _genres_of(db, AlbumGenre, wanted)
    counts = {album_id: (n, int(ms or 0)) for album_id, n, ms in rows_in_chunks(_ALBUM_COUNTS, db, wanted)}
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
            created_at=r[10],
        )
        for r in rows
    }


def artist_summaries_by_ids(session: Session, ids: Sequence[int]) -> dict[int, ArtistSummary]:
    """Artists by row id with one cover (any of their music albums'). Callers leave out ad-only artists."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    db = connection_for_reads(session)
    art = dict(rows_in_chunks(_ARTIST_ART, db, wanted))
    rows = rows_in_chunks(_ARTISTS, db, wanted)
    return {i: ArtistSummary(public_id, name, art.get(i) or None) for i, public_id, name in rows}
