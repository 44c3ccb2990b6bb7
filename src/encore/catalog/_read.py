"""Browse and page reads. Pages select row ids in their order, then take the views from the process's
cache (catalog._cache) or load them column-only in bulk (catalog._rows): no ORM entities on these paths."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from encore.catalog._cache import built_at, cache_for, views_by_ids
from encore.catalog._listing import hidden_artists, music_album, music_track, unplayable_reason
from encore.catalog._models import (
    Album,
    AlbumArtist,
    AlbumGenre,
    Artist,
    Genre,
    Label,
    Rendition,
    RenditionKind,
    Track,
    TrackArtist,
    TrackGenre,
)
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
from encore.db import RawStatement, connection_of
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


def _track_counts(session: Session, album_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Album id -> (music tracks, their total duration in ms)."""
    if not album_ids:
        return {}
    rows = session.execute(
        select(Track.album_id, func.count(), func.sum(Track.duration_ms))
        .where(Track.album_id.in_(album_ids), music_track())
        .group_by(Track.album_id)
    )
    return {album_id: (count, int(ms or 0)) for album_id, count, ms in rows}


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
            total_tracks=counts.get(a.id, (0, 0))[0],
            duration_ms=counts.get(a.id, (0, 0))[1],
            playable=unplayable_reason(status=a.status, is_ad=a.is_ad) is None,
            created_at=a.created_at,
        )
        for a in albums
    ]


def track_views(session: Session, tracks: list[Track]) -> list[TrackView]:
    """Views of these rows whatever their status (what a listener's lists hold), each marked `playable` from the
    row it already read: no query for it."""
    genres: dict[int, list[str]] = defaultdict(list)
    sizes: dict[int, int] = {}
    if tracks:
        ids = [t.id for t in tracks]
        rows = session.execute(select(TrackGenre.track_id, Genre.name).join(Genre).where(TrackGenre.track_id.in_(ids)))
        for track_id, name in rows:
            genres[track_id].append(name)
        stored = select(Rendition.track_id, Rendition.size).where(
            Rendition.track_id.in_(ids), Rendition.kind == RenditionKind.VORBIS160.value
        )
        sizes = {track_id: size for track_id, size in session.execute(stored)}  # noqa: C416 - rows are Row objects
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
            playable=unplayable_reason(status=t.status, is_ad=t.is_ad) is None,
            year=t.album.release_date.year if t.album.release_date else None,
            created_at=t.created_at,
            size=sizes.get(t.id),
        )
        for t in tracks
    ]


def _by_public_id(session: Session, model: type[_M], public_id: str, what: str) -> _M:
    row = session.scalar(select(model).where(model.public_id == public_id)) if is_public_id(public_id) else None
    if row is None:
        raise NotFound(f"no such {what}")
    return row


def _listed(session: Session, model: type[_M], public_id: str, what: str) -> _M:
    """Like _by_public_id, but an ad or a label's unpublished release (album, track, or an artist with
    nothing else) looks missing."""
    row = _by_public_id(session, model, public_id, what)
    unlisted = getattr(row, "is_ad", False) or getattr(row, "status", "published") != "published"
    if unlisted or (isinstance(row, Artist) and row.id in hidden_artists(session)):
        raise NotFound(f"no such {what}")
    return row


_LISTED: dict[str, Callable[[list[str]], Select[str, int]]] = {
    "track": lambda ids: select(Track.public_id, Track.id).where(Track.public_id.in_(ids), music_track()),
    "album": lambda ids: select(Album.public_id, Album.id).where(Album.public_id.in_(ids), music_album()),
    "artist": lambda ids: select(Artist.public_id, Artist.id).where(Artist.public_id.in_(ids)),
}


def listed_ids(session: Session, kind: str, public_ids: Sequence[str]) -> list[int]:
    """The row ids of the tracks, albums or artists among `public_ids` that the catalogue lists (malformed,
    unknown, ad and unpublished ones, and artists with nothing but those, left out), in the order asked: from
    the process's cache of ids, the misses in one statement (and remembered)."""
    wanted = list(dict.fromkeys(i for i in public_ids if is_public_id(i)))
    cache = cache_for(session)
    found = {key[1]: row for key, row in cache.ids.found((kind, i) for i in wanted).items()} if cache else {}
    missing = [i for i in wanted if i not in found]
    if missing:
        generation = cache.ids.generation if cache else 0
        rows: dict[str, int] = dict(session.execute(_LISTED[kind](missing)).all())
        hidden = hidden_artists(session) if kind == "artist" and rows else set()
        for public_id, row_id in rows.items():
            if row_id in hidden:
                continue
            found[public_id] = row_id
            if cache:
                cache.ids.put((kind, public_id), row_id, built_at=generation)
    return [found[i] for i in wanted if i in found]


def listed_id(session: Session, kind: str, public_id: str) -> int:
    """The row id of a track, album or artist the catalogue lists (ads, and artists with nothing but ads,
    look missing), remembered by the process's cache."""
    found = listed_ids(session, kind, (public_id,))
    if not found:
        raise NotFound(f"no such {kind}")
    return found[0]


def _views(session: Session, kind: str, ids: Sequence[int], *, keep: bool = True) -> list[Any]:
    found = views_by_ids(session, kind, ids, cache_for(session), keep=keep)
    return [found[i] for i in ids if i in found]


def album_views(session: Session, ids: Sequence[int]) -> list[AlbumSummary]:
    """Music albums by row id, in the given order (cached views)."""
    return _views(session, "album", ids)


def track_views_in_order(session: Session, ids: Sequence[int]) -> list[TrackView]:
    """Music tracks by row id, in the given order (cached views)."""
    return _views(session, "track", ids)


def new_releases(session: Session, *, limit: int, offset: int, today: date) -> Page[AlbumSummary]:
    """Released music, newest first: a release dated after `today` waits for its day (a date years ahead
    headed the shelf for all that time: review16), undated ones last."""
    released = music_album() & or_(Album.release_date.is_(None), Album.release_date <= today)
    total = session.scalar(select(func.count()).select_from(Album).where(released)) or 0
    ids = session.scalars(
        select(Album.id)
        .where(released)
        .order_by(Album.release_date.desc().nulls_last(), Album.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(_views(session, "album", ids), total, limit, offset)


def list_labels(session: Session) -> list[LabelSummary]:
    """Labels with at least one album listeners can see: as an artist with none is hidden (`hidden_artists`), a
    label with only drafts, withdrawn albums, ads (the ads label) or only an account is not listed (review22 F3)."""
    rows = session.execute(
        select(Label, func.count(Album.id))
        .join(Album, (Album.label_id == Label.id) & music_album())
        .group_by(Label.id)
        .order_by(Label.name)
    )
    return [LabelSummary(lb.public_id, lb.name, lb.kind, n) for lb, n in rows]


def artists_az(session: Session, *, letter: str | None, limit: int, offset: int) -> Page[ArtistSummary]:
    query = select(Artist.id).where(Artist.id.not_in(hidden_artists(session)))
    if letter == "#":
        query = query.where(~func.substr(Artist.sort_name, 1, 1).between("a", "z"))
    elif letter:
        query = query.where(Artist.sort_name.startswith(letter.casefold()[:1]))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = session.scalars(query.order_by(Artist.sort_name, Artist.id).limit(limit).offset(offset)).all()
    return Page(_views(session, "artist", ids), total, limit, offset)


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


def genre_name(session: Session, *, genre_key: str) -> str:
    name = session.scalar(select(Genre.name).where(Genre.key == genre_key))
    if name is None:
        raise NotFound("no such genre")
    return name


def genre_albums(session: Session, *, genre_key: str, limit: int, offset: int) -> Page[AlbumSummary]:
    genre = session.scalar(select(Genre.id).where(Genre.key == genre_key))
    if genre is None:
        raise NotFound("no such genre")
    query = select(Album.id).join(AlbumGenre).where(AlbumGenre.genre_id == genre, music_album())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Album.release_date.desc().nulls_last(), Album.id.desc())  # a stable order: pages never overlap
    ids = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
    return Page(_views(session, "album", ids), total, limit, offset)


def album_page(session: Session, *, album_id: str) -> AlbumPage:
    row = listed_id(session, "album", album_id)
    cache = cache_for(session)
    cached = cache.views.get(("album_page", row)) if cache else None
    if isinstance(cached, AlbumPage):
        return cached
    generation = built_at(session, cache) if cache else 0
    tracks = session.scalars(
        select(Track.id)
        .where(Track.album_id == row, music_track())
        .order_by(Track.disc_number, Track.track_number, Track.id)
    ).all()
    summary = _views(session, "album", [row])
    if not summary:
        raise NotFound("no such album")
    # The page holds its tracks' views: kept one by one too, an album would cost the cache a dozen entries.
    page = AlbumPage(summary[0], _views(session, "track", tracks, keep=False))
    if cache:
        cache.views.put(("album_page", row), page, built_at=generation)
    return page


def album_artwork_key(session: Session, *, album_id: str) -> str | None:
    """An album's cover key (Subsonic getCoverArt): one cached view, never the album's page."""
    return _views(session, "album", [listed_id(session, "album", album_id)])[0].artwork_key  # type: ignore[no-any-return]


def artist_artwork_key(session: Session, *, artist_id: str) -> str | None:
    return _views(session, "artist", [listed_id(session, "artist", artist_id)])[0].artwork_key  # type: ignore[no-any-return]


def album_summary(session: Session, *, album_id: str) -> AlbumSummary:
    found = _views(session, "album", [listed_id(session, "album", album_id)])
    if not found:
        raise NotFound("no such album")
    return found[0]  # type: ignore[no-any-return]


def artist_page(session: Session, *, artist_id: str, top: int = 10) -> ArtistPage:
    row = listed_id(session, "artist", artist_id)
    cache = cache_for(session)
    cached = cache.views.get(("artist_page", row, top)) if cache else None
    if isinstance(cached, ArtistPage):
        return cached
    generation = built_at(session, cache) if cache else 0
    by_release = (Album.release_date.desc().nulls_last(), Album.id.desc())
    own = session.scalars(
        select(Album.id).join(AlbumArtist).where(AlbumArtist.artist_id == row, music_album()).order_by(*by_release)
    ).all()
    appears = session.scalars(
        select(Album.id)
        .join(Track, Track.album_id == Album.id)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .where(TrackArtist.artist_id == row, Album.id.not_in(own or [0]), music_album(), music_track())
        .group_by(Album.id, Album.release_date)
        .order_by(*by_release)
    ).all()
    # Until play counts reach the catalogue, "top" means the newest releases' opening tracks.
    tracks = (
        session.scalars(
            select(Track.id)
            .join(TrackArtist, TrackArtist.track_id == Track.id)
            .join(Album, Album.id == Track.album_id)
            .where(TrackArtist.artist_id == row, music_track())
            .order_by(*by_release, Track.disc_number, Track.track_number, Track.id)
            .limit(top)
        ).all()
        if top
        else []
    )
    page = ArtistPage(
        _views(session, "artist", [row])[0],
        _views(session, "album", own),
        _views(session, "album", appears),
        _views(session, "track", tracks),
    )
    if cache:
        cache.views.put(("artist_page", row, top), page, built_at=generation)
    return page


def label_page(session: Session, *, label_id: str) -> LabelPage:
    label = _by_public_id(session, Label, label_id, "label")
    ids = session.scalars(
        select(Album.id)
        .where(Album.label_id == label.id, music_album())
        .order_by(Album.release_date.desc().nulls_last(), Album.id.desc())
    ).all()
    if not ids:  # nothing listed: as missing as it is from the labels' list
        raise NotFound("no such label")
    return LabelPage(LabelSummary(label.public_id, label.name, label.kind, len(ids)), _views(session, "album", ids))


def track_view(session: Session, *, track_id: str) -> TrackView:
    found = _views(session, "track", [listed_id(session, "track", track_id)])
    if not found:
        raise NotFound("no such track")
    return found[0]  # type: ignore[no-any-return]


def track_row(session: Session, *, track_id: str) -> Track:
    return _by_public_id(session, Track, track_id, "track")


def listed_track_row(session: Session, *, track_id: str) -> Track:
    """A track row as the catalogue lists it: ad audio looks missing."""
    return _listed(session, Track, track_id, "track")


_LISTED_LENGTH = RawStatement(
    select(Track.id, Track.duration_ms).where(Track.public_id == bindparam("public_id"), music_track())
)


def listed_track_length(session: Session, *, track_id: str) -> tuple[int, int]:
    """A track as `listed_track_row` finds it (ad audio and an unpublished release look missing: NotFound), as its
    row id and length in ms: what a report of a play needs (`playback.scrobble`, the player's reports), in one
    statement compiled once. Loading the row brought its album and label (joined) and its artists (a second
    statement): the largest part of a Subsonic scrobble's CPU (fixlisten28)."""
    found = _LISTED_LENGTH.first(connection_of(session), {"public_id": track_id}) if is_public_id(track_id) else None
    if found is None:
        raise NotFound("no such track")
    return found.id, found.duration_ms


def label_name_for(session: Session, *, label_id: int | None) -> str | None:
    return session.scalar(select(Label.name).where(Label.id == label_id)) if label_id is not None else None
