"""The SQL side of Wrapped: a handful of GROUP BY scans over one listener's plays in one period.

Each scan reads the `ix_plays_wrapped` range once. Time buckets are text prefixes of the UTC
timestamp ("2024-03-05 14"), made by `substr` on SQLite (which stores ISO text) and `to_char` on
PostgreSQL, so both databases group identically.
"""

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Select, bindparam, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from encore.accounts import User
from encore.catalog import Album, AlbumGenre, Artist, Genre, Track, TrackArtist, TrackGenre
from encore.history import Play, visible
from encore.insights._period import Period

_PG_FORMATS = {13: "YYYY-MM-DD HH24", 10: "YYYY-MM-DD", 7: "YYYY-MM", 4: "YYYY"}


def stamp(session: Session, chars: int) -> ColumnElement[str]:
    """The first `chars` characters of the UTC timestamp "YYYY-MM-DD HH", on either database."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Play.started_at), _PG_FORMATS[chars])
    return func.substr(Play.started_at, 1, chars)


def _run(session: Session, query: Executable) -> Any:
    """Column queries go straight to the connection: Core rows, without the ORM's per-row loading."""
    return session.connection().execute(query).all()  # one bulk fetch, not a fetchone per row


def _in_period(user_id: int, period: Period) -> list[ColumnElement[bool]]:
    return [Play.user_id == user_id, Play.started_at >= period.start, Play.started_at < period.end, visible()]


class TrackRow(NamedTuple):
    bucket: str
    track_id: int | None
    artist_name: str | None  # text of uncatalogued listens only
    track_name: str | None
    release_name: str | None
    listens: int
    ms: int


def track_buckets(session: Session, *, user_id: int, period: Period) -> list[TrackRow]:
    """Listens per era bucket and track (catalogue id, or the text of an uncatalogued listen).

    Two queries: catalogue listens read only `ix_plays_wrapped` (no table lookups); text-only listens,
    usually few, read their text from the table.
    """
    bucket = stamp(session, period.bucket_chars).label("b")
    where = [*_in_period(user_id, period), Play.is_listen.is_(True)]
    catalogue = (
        select(bucket, Play.track_id, func.count(), func.sum(Play.ms_played))
        .where(*where, Play.track_id.is_not(None))
        .group_by(bucket, Play.track_id)
    )
    # Plain tuples in TrackRow's field order: tens of thousands of rows for a heavy decade.
    rows: list[Any] = [(b, tid, None, None, None, int(n), int(ms or 0)) for b, tid, n, ms in _run(session, catalogue)]
    text = (
        select(bucket, Play.artist_name, Play.track_name, Play.release_name, func.count(), func.sum(Play.ms_played))
        .where(*where, Play.track_id.is_(None))
        .group_by(bucket, Play.artist_name, Play.track_name, Play.release_name)
    )
    rows += [TrackRow(b, None, a, t, r, int(n), int(ms or 0)) for b, a, t, r, n, ms in _run(session, text)]
    return rows


def day_totals(session: Session, *, user_id: int, period: Period) -> list[tuple[str, int, int]]:
    """(day "YYYY-MM-DD", listens, ms played by every play, skips included) for each day with plays."""
    day = stamp(session, 10).label("d")
    listens = func.sum(case((Play.is_listen.is_(True), 1), else_=0))
    query = select(day, listens, func.sum(Play.ms_played)).where(*_in_period(user_id, period)).group_by(day)
    return [(d, int(n or 0), int(ms or 0)) for d, n, ms in _run(session, query)]


def hour_of_day_listens(session: Session, *, user_id: int, period: Period) -> list[tuple[int, int]]:
    """(UTC hour 0-23, listens). Kept apart from the days: 24 groups, not one per hour of the period."""
    hour = stamp(session, 13)
    hour_of_day = func.substr(hour, 12, 2).label("h")
    query = (
        select(hour_of_day, func.count())
        .where(*_in_period(user_id, period), Play.is_listen.is_(True))
        .group_by(hour_of_day)
    )
    return [(int(h), int(n)) for h, n in _run(session, query)]


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
    earlier = [Play.user_id == user_id, Play.started_at < before, Play.is_listen.is_(True), visible()]
    ids = session.scalars(
        select(TrackArtist.artist_id).join(Play, Play.track_id == TrackArtist.track_id).where(*earlier).distinct()
    )
    names = session.scalars(select(Play.artist_name).where(*earlier, Play.track_id.is_(None)).distinct())
    return set(ids), {n for n in names if n}


class Links(NamedTuple):
    """What one track contributes to, as keys into the tallies: its own, its artists', album's, genres'."""

    key: str
    artists: list[str]
    album: str | None
    genres: list[str]


class TrackInfo(NamedTuple):  # a tuple, not a dataclass: one is made per distinct track heard
    public_id: str
    title: str
    album_key: str
    album_title: str
    album_public_id: str
    artists: list[tuple[int, str, str, str]]  # (id, name, name_key, public_id), credited order
    genres: list[str]
    links: Links  # made once here, so a batch does not rebuild the key strings for every listener


def id_set(session: Session, ids: list[int]) -> Select[Any]:
    """A one-parameter subquery of integer ids, whatever their number: a JSON array read by `json_each` on
    SQLite, an array `unnest`ed on PostgreSQL. Lets a query reuse ids already fetched instead of rescanning
    the plays (or sending thousands of bind parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        return select(func.unnest(bindparam("ids", list(ids), type_=ARRAY(BigInteger))))
    return select(func.json_each(json.dumps(list(ids))).table_valued("value").c.value)


def track_info(session: Session, *, ids: list[int]) -> dict[int, TrackInfo]:
    """Names, artists and genres of the catalogue tracks `ids` (those the listener heard in the period).

    Three queries in all, each given the ids as one parameter (`id_set`).
    """
    which = Track.id.in_(id_set(session, ids))
    out: dict[int, TrackInfo] = {}
    rows = _run(
        session,
        select(
            Track.id, Track.public_id, Track.title, Album.id, Album.title, Album.public_id,
            Artist.id, Artist.name, Artist.name_key, Artist.public_id,
        )
        .join(Album, Album.id == Track.album_id)
        .outerjoin(TrackArtist, TrackArtist.track_id == Track.id)
        .outerjoin(Artist, Artist.id == TrackArtist.artist_id)
        .where(which)
        .order_by(Track.id, TrackArtist.position)
    )  # fmt: skip
    album_of: dict[int, int] = {}
    for tid, pid, title, album_id, album_title, album_pid, aid, name, key, apid in rows:
        info = out.get(tid)
        if info is None:
            album_key = f"al:{album_id}"
            links = Links(f"t:{tid}", [], album_key, [])
            info = out[tid] = TrackInfo(pid, title, album_key, album_title, album_pid, [], [], links)
            album_of[tid] = album_id
        if aid is not None:
            info.artists.append((aid, name, key, apid))
            info.links.artists.append("ar:" + key)
    own: dict[int, list[str]] = {}
    for tid, name in _run(
        session,
        select(TrackGenre.track_id, Genre.name)
        .join(Genre, Genre.id == TrackGenre.genre_id)
        .where(TrackGenre.track_id.in_(id_set(session, ids)))
        .order_by(Genre.name),
    ):
        own.setdefault(tid, []).append(name)
    by_album: dict[int, list[str]] = {}
    albums = id_set(session, sorted(set(album_of.values())))
    for aid, name in _run(
        session,
        select(AlbumGenre.album_id, Genre.name).join(Genre, Genre.id == AlbumGenre.genre_id)
        .where(AlbumGenre.album_id.in_(albums)).order_by(Genre.name)
    ):  # fmt: skip
        by_album.setdefault(aid, []).append(name)
    for tid, info in out.items():
        info.genres.extend(own.get(tid) or by_album.get(album_of[tid], []))
        info.links.genres.extend("g:" + g.casefold() for g in info.genres)
    return out


def artist_listeners(session: Session, *, period: Period, artist_id: int | None, artist_name: str) -> list[int]:
    """Listens of one artist in the period per listener, over everyone on Encore (for the percentile)."""
    window = [Play.started_at >= period.start, Play.started_at < period.end, Play.is_listen.is_(True), visible()]
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
    """Every account with a visible play in the period: one seek of `ix_plays_wrapped` per account (which
    stops at its first such play), not a scan of every play of the period (15 s of CPU on 50M plays)."""
    played = select(Play.id).where(
        Play.user_id == User.id, Play.started_at >= period.start, Play.started_at < period.end, visible()
    )
    return [int(u) for u in session.scalars(select(User.id).where(played.exists()).order_by(User.id))]


def listen_years(session: Session, *, user_id: int) -> list[int]:
    """The years holding a listen of this listener, newest first: what a Wrapped story counts (a skip or a
    "now playing" alone makes no story). One index probe per year between the first listen and the last."""
    listens = (Play.user_id == user_id, Play.is_listen.is_(True), visible())
    first, last = session.execute(select(func.min(Play.started_at), func.max(Play.started_at)).where(*listens)).one()
    if first is None or last is None:
        return []
    years = []
    for year in range(last.year, first.year - 1, -1):
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        inside = select(Play.id).where(*listens, Play.started_at >= start, Play.started_at < end).limit(1)
        if year in (first.year, last.year) or session.scalar(inside) is not None:
            years.append(year)
    return years
