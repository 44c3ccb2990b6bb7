"""Browse and page reads. Queries load rows in bulk (selectin/joined) to avoid N+1 round trips."""

from collections import defaultdict
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.catalog._listing import hidden_artists, music_album, music_track
from encore.catalog._models import Album, AlbumArtist, AlbumGenre, Artist, Genre, Label, Track, TrackArtist, TrackGenre
from encore.catalog._views import (
    AlbumPage,
    AlbumSummary,
    ArtistPage,
    ArtistRef,
    ArtistSummary,
    GenreSummary,
    LabelPage,
    LabelRef,
    LabelSummary,
    Page,
    TrackView,
)
from encore.kernel import NotFound, is_public_id

_M = TypeVar("_M", Album, Artist, Label, Track)


def _label_ref(label: Label | None) -> LabelRef | None:
    return LabelRef(label.public_id, label.name, label.kind) if label else None


def _album_genres(session: Session, album_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if album_ids:
        rows = session.execute(
            select(AlbumGenre.album_id, Genre.name).join(Genre).where(AlbumGenre.album_id.in_(album_ids))
        )
        for album_id, name in rows:
            out[album_id].append(name)
    return out


def _track_counts(session: Session, album_ids: list[int]) -> dict[int, int]:
    if not album_ids:
        return {}
    rows = session.execute(
        select(Track.album_id, func.count())
        .where(Track.album_id.in_(album_ids), music_track())
        .group_by(Track.album_id)
    )
    return {album_id: count for album_id, count in rows}  # noqa: C416 - rows are Row objects


def album_summaries(session: Session, albums: list[Album]) -> list[AlbumSummary]:
    ids = [a.id for a in albums]
    genres, counts = _album_genres(session, ids), _track_counts(session, ids)
    return [
        AlbumSummary(
            id=a.public_id,
            title=a.title,
            album_type=a.album_type,
            release_date=a.release_date,
            artists=[ArtistRef(aa.artist.public_id, aa.artist.name, aa.role) for aa in a.artists],
            artwork_key=a.artwork_key,
            label=_label_ref(a.label),
            upc=a.upc,
            genres=genres.get(a.id, []),
            total_tracks=counts.get(a.id, 0),
        )
        for a in albums
    ]


def track_views(session: Session, tracks: list[Track]) -> list[TrackView]:
    genres: dict[int, list[str]] = defaultdict(list)
    if tracks:
        rows = session.execute(
            select(TrackGenre.track_id, Genre.name).join(Genre).where(TrackGenre.track_id.in_([t.id for t in tracks]))
        )
        for track_id, name in rows:
            genres[track_id].append(name)
    return [
        TrackView(
            id=t.public_id,
            title=t.title,
            duration_ms=t.duration_ms,
            disc_number=t.disc_number,
            track_number=t.track_number,
            explicit=t.explicit,
            isrc=t.isrc,
            gain_db=t.gain_db,
            loudness_lufs=t.loudness_lufs,
            artists=[ArtistRef(ta.artist.public_id, ta.artist.name, ta.role) for ta in t.artists],
            album_id=t.album.public_id,
            album_title=t.album.title,
            artwork_key=t.album.artwork_key,
            genres=genres.get(t.id, []),
        )
        for t in tracks
    ]


def _by_public_id(session: Session, model: type[_M], public_id: str, what: str) -> _M:
    row = session.scalar(select(model).where(model.public_id == public_id)) if is_public_id(public_id) else None
    if row is None:
        raise NotFound(f"no such {what}")
    return row


def _listed(session: Session, model: type[_M], public_id: str, what: str) -> _M:
    """Like _by_public_id, but an ad (album, track, or an artist with nothing but ads) looks missing."""
    row = _by_public_id(session, model, public_id, what)
    if getattr(row, "is_ad", False) or (isinstance(row, Artist) and row.id in hidden_artists(session)):
        raise NotFound(f"no such {what}")
    return row


def new_releases(session: Session, *, limit: int, offset: int) -> Page[AlbumSummary]:
    total = session.scalar(select(func.count()).select_from(Album).where(music_album())) or 0
    albums = (
        session.scalars(
            select(Album)
            .where(music_album())
            .order_by(Album.release_date.desc().nulls_last(), Album.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .unique()
        .all()
    )
    return Page(album_summaries(session, list(albums)), total, limit, offset)


def list_labels(session: Session) -> list[LabelSummary]:
    rows = session.execute(
        select(Label, func.count(Album.id))
        .outerjoin(Album, (Album.label_id == Label.id) & music_album())
        .group_by(Label.id)
        .order_by(Label.name)
    )
    return [LabelSummary(lb.public_id, lb.name, lb.kind, n) for lb, n in rows]


def artists_az(session: Session, *, letter: str | None, limit: int, offset: int) -> Page[ArtistSummary]:
    query = select(Artist).where(Artist.id.not_in(hidden_artists(session)))
    if letter == "#":
        query = query.where(~func.substr(Artist.sort_name, 1, 1).between("a", "z"))
    elif letter:
        query = query.where(Artist.sort_name.startswith(letter.casefold()[:1]))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    artists = session.scalars(query.order_by(Artist.sort_name, Artist.id).limit(limit).offset(offset)).all()
    return Page(
        [ArtistSummary(a.public_id, a.name, _artist_artwork(session, a.id)) for a in artists], total, limit, offset
    )


def _artist_artwork(session: Session, artist_id: int) -> str | None:
    return session.scalar(
        select(Album.artwork_key)
        .join(AlbumArtist, AlbumArtist.album_id == Album.id)
        .where(AlbumArtist.artist_id == artist_id, Album.artwork_key.is_not(None), music_album())
        .order_by(Album.release_date.desc().nulls_last())
        .limit(1)
    )


def artist_artworks(session: Session, artist_ids: list[int]) -> dict[int, str]:
    """One cover per artist (any of their albums'), in one query for a whole list."""
    if not artist_ids:
        return {}
    rows = session.execute(
        select(AlbumArtist.artist_id, func.max(Album.artwork_key))
        .join(Album, Album.id == AlbumArtist.album_id)
        .where(AlbumArtist.artist_id.in_(artist_ids), music_album())
        .group_by(AlbumArtist.artist_id)
    )
    return {artist_id: key for artist_id, key in rows if key}


def list_genres(session: Session) -> list[GenreSummary]:
    rows = session.execute(
        select(Genre, func.count(AlbumGenre.album_id))
        .join(AlbumGenre)
        .join(Album, Album.id == AlbumGenre.album_id)
        .where(music_album())
        .group_by(Genre.id)
        .order_by(Genre.name)
    )
    return [GenreSummary(g.key, g.name, n) for g, n in rows]


def genre_albums(session: Session, *, genre_key: str, limit: int, offset: int) -> Page[AlbumSummary]:
    genre = session.scalar(select(Genre).where(Genre.key == genre_key))
    if genre is None:
        raise NotFound("no such genre")
    query = select(Album).join(AlbumGenre).where(AlbumGenre.genre_id == genre.id, music_album())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    albums = (
        session.scalars(query.order_by(Album.release_date.desc().nulls_last()).limit(limit).offset(offset))
        .unique()
        .all()
    )
    return Page(album_summaries(session, list(albums)), total, limit, offset)


def album_page(session: Session, *, album_id: str) -> AlbumPage:
    album = _listed(session, Album, album_id, "album")
    tracks = (
        session.scalars(
            select(Track)
            .where(Track.album_id == album.id, music_track())
            .order_by(Track.disc_number, Track.track_number, Track.id)
        )
        .unique()
        .all()
    )
    return AlbumPage(album_summaries(session, [album])[0], track_views(session, list(tracks)))


def artist_page(session: Session, *, artist_id: str, top: int = 10) -> ArtistPage:
    artist = _listed(session, Artist, artist_id, "artist")
    own = (
        session.scalars(
            select(Album)
            .join(AlbumArtist)
            .where(AlbumArtist.artist_id == artist.id, music_album())
            .order_by(Album.release_date.desc().nulls_last())
        )
        .unique()
        .all()
    )
    own_ids = {a.id for a in own}
    appears = (
        session.scalars(
            select(Album)
            .join(Track)
            .join(TrackArtist)
            .where(TrackArtist.artist_id == artist.id, Album.id.not_in(own_ids or {0}), music_album(), music_track())
            .distinct()
        )
        .unique()
        .all()
    )
    # Until play counts exist, "top" means the newest releases' opening tracks.
    tracks = (
        session.scalars(
            select(Track)
            .join(TrackArtist)
            .join(Album, Album.id == Track.album_id)
            .where(TrackArtist.artist_id == artist.id, music_track())
            .order_by(Album.release_date.desc().nulls_last(), Track.disc_number, Track.track_number)
            .limit(top)
        )
        .unique()
        .all()
    )
    summary = ArtistSummary(artist.public_id, artist.name, _artist_artwork(session, artist.id))
    return ArtistPage(
        summary,
        album_summaries(session, list(own)),
        album_summaries(session, list(appears)),
        track_views(session, list(tracks)),
    )


def label_page(session: Session, *, label_id: str) -> LabelPage:
    label = _by_public_id(session, Label, label_id, "label")
    albums = (
        session.scalars(
            select(Album)
            .where(Album.label_id == label.id, music_album())
            .order_by(Album.release_date.desc().nulls_last())
        )
        .unique()
        .all()
    )
    return LabelPage(
        LabelSummary(label.public_id, label.name, label.kind, len(albums)), album_summaries(session, list(albums))
    )


def track_view(session: Session, *, track_id: str) -> TrackView:
    return track_views(session, [_listed(session, Track, track_id, "track")])[0]


def track_row(session: Session, *, track_id: str) -> Track:
    return _by_public_id(session, Track, track_id, "track")


def listed_track_row(session: Session, *, track_id: str) -> Track:
    """A track row as the catalogue lists it: ad audio looks missing."""
    return _listed(session, Track, track_id, "track")


def label_name_for(session: Session, *, label_id: int | None) -> str | None:
    return session.scalar(select(Label.name).where(Label.id == label_id)) if label_id is not None else None
