"""The SQL side of Wrapped: a handful of GROUP BY scans over one listener's plays in one period.

Each scan reads the `ix_plays_user_started` range once. Time buckets are text prefixes of the UTC
timestamp ("2024-03-05 14"), made by `substr` on SQLite (which stores ISO text) and `to_char` on
PostgreSQL, so both databases group identically.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, AlbumGenre, Artist, Genre, Track, TrackArtist, TrackGenre
from encore.history import Play
from encore.insights._period import Period

_PG_FORMATS = {13: "YYYY-MM-DD HH24", 10: "YYYY-MM-DD", 7: "YYYY-MM", 4: "YYYY"}


def stamp(session: Session, chars: int) -> ColumnElement[str]:
    """The first `chars` characters of the UTC timestamp "YYYY-MM-DD HH", on either database."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Play.started_at), _PG_FORMATS[chars])
    return func.substr(Play.started_at, 1, chars)


def _in_period(user_id: int, period: Period) -> list[ColumnElement[bool]]:
    return [Play.user_id == user_id, Play.started_at >= period.start, Play.started_at < period.end]


@dataclass(frozen=True)
class TrackRow:
    bucket: str
    track_id: int | None
    artist_name: str | None  # text of uncatalogued listens only
    track_name: str | None
    release_name: str | None
    listens: int
    ms: int


def track_buckets(session: Session, *, user_id: int, period: Period) -> list[TrackRow]:
    """Listens per era bucket and track (catalogue id, or the text of an uncatalogued listen)."""
    bucket = stamp(session, period.bucket_chars).label("b")
    text_only = Play.track_id.is_(None)
    artist = case((text_only, Play.artist_name)).label("a")
    title = case((text_only, Play.track_name)).label("t")
    release = case((text_only, Play.release_name)).label("r")
    query = (
        select(bucket, Play.track_id, artist, title, release, func.count(), func.sum(Play.ms_played))
        .where(*_in_period(user_id, period), Play.is_listen.is_(True))
        .group_by(bucket, Play.track_id, artist, title, release)
    )
    return [TrackRow(b, tid, a, t, r, int(n), int(ms or 0)) for b, tid, a, t, r, n, ms in session.execute(query)]


def hour_totals(session: Session, *, user_id: int, period: Period) -> list[tuple[str, int, int]]:
    """(hour "YYYY-MM-DD HH", listens, ms played by every play, skips included) for each hour with plays."""
    hour = stamp(session, 13).label("h")
    listens = func.sum(case((Play.is_listen.is_(True), 1), else_=0))
    query = select(hour, listens, func.sum(Play.ms_played)).where(*_in_period(user_id, period)).group_by(hour)
    return [(h, int(n or 0), int(ms or 0)) for h, n, ms in session.execute(query)]


def first_listen(session: Session, *, user_id: int, period: Period) -> Play | None:
    query = (
        select(Play)
        .where(*_in_period(user_id, period), Play.is_listen.is_(True))
        .order_by(Play.started_at, Play.id)
        .limit(1)
    )
    return session.scalars(query).first()


def artists_heard_before(session: Session, *, user_id: int, before: datetime) -> tuple[set[int], set[str]]:
    """Catalogue artist ids and uncatalogued artist names this listener had listened to before `before`."""
    earlier = [Play.user_id == user_id, Play.started_at < before, Play.is_listen.is_(True)]
    ids = session.scalars(
        select(TrackArtist.artist_id).join(Play, Play.track_id == TrackArtist.track_id).where(*earlier).distinct()
    )
    names = session.scalars(select(Play.artist_name).where(*earlier, Play.track_id.is_(None)).distinct())
    return set(ids), {n for n in names if n}


@dataclass(frozen=True)
class TrackInfo:
    public_id: str
    title: str
    album_key: str
    album_title: str
    album_public_id: str
    artists: list[tuple[int, str, str, str]]  # (id, name, name_key, public_id), credited order
    genres: list[str]


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def track_info(session: Session, track_ids: set[int]) -> dict[int, TrackInfo]:
    """Names, artists and genres of the catalogue tracks a Wrapped mentions (genres: the track's, else its album's)."""
    out: dict[int, TrackInfo] = {}
    ordered = sorted(track_ids)
    for chunk in _chunks(ordered):
        artists: dict[int, list[tuple[int, str, str, str]]] = {}
        rows = session.execute(
            select(TrackArtist.track_id, Artist.id, Artist.name, Artist.name_key, Artist.public_id)
            .join(Artist, Artist.id == TrackArtist.artist_id)
            .where(TrackArtist.track_id.in_(chunk))
            .order_by(TrackArtist.track_id, TrackArtist.position)
        )
        for tid, aid, name, key, pid in rows:
            artists.setdefault(tid, []).append((aid, name, key, pid))
        genres: dict[int, list[str]] = {}
        for tid, name in session.execute(
            select(TrackGenre.track_id, Genre.name)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(TrackGenre.track_id.in_(chunk))
            .order_by(Genre.name)
        ):
            genres.setdefault(tid, []).append(name)
        album_genres: dict[int, list[str]] = {}
        tracks = session.execute(
            select(Track.id, Track.public_id, Track.title, Album.id, Album.title, Album.public_id)
            .join(Album, Album.id == Track.album_id)
            .where(Track.id.in_(chunk))
        ).all()
        album_ids = sorted({row[3] for row in tracks})
        for aid, name in session.execute(
            select(AlbumGenre.album_id, Genre.name)
            .join(Genre, Genre.id == AlbumGenre.genre_id)
            .where(and_(AlbumGenre.album_id.in_(album_ids)))
            .order_by(Genre.name)
        ):
            album_genres.setdefault(aid, []).append(name)
        for tid, pid, title, album_id, album_title, album_pid in tracks:
            out[tid] = TrackInfo(
                pid,
                title,
                f"c:{album_id}",
                album_title,
                album_pid,
                artists.get(tid, []),
                genres.get(tid) or album_genres.get(album_id, []),
            )
    return out


def artist_listeners(session: Session, *, period: Period, artist_id: int | None, artist_name: str) -> list[int]:
    """Listens of one artist in the period per listener, over everyone on Encore (for the percentile)."""
    window = [Play.started_at >= period.start, Play.started_at < period.end, Play.is_listen.is_(True)]
    n = func.count()
    if artist_id is not None:
        query = (
            select(n)
            .select_from(Play)
            .join(TrackArtist, TrackArtist.track_id == Play.track_id)
            .where(*window, TrackArtist.artist_id == artist_id)
            .group_by(Play.user_id)
        )
    else:
        query = (
            select(n).where(*window, Play.track_id.is_(None), Play.artist_name == artist_name).group_by(Play.user_id)
        )
    return [int(c) for c in session.scalars(query)]


def listeners_with_plays(session: Session, *, period: Period) -> list[int]:
    query = select(Play.user_id).where(Play.started_at >= period.start, Play.started_at < period.end).distinct()
    return sorted(int(u) for u in session.scalars(query))


def play_span(session: Session, *, user_id: int) -> tuple[datetime | None, datetime | None]:
    row = session.execute(
        select(func.min(Play.started_at), func.max(Play.started_at)).where(Play.user_id == user_id)
    ).one()
    return row[0], row[1]
