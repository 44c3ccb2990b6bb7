"""Listener-facing lists the compatible APIs need: album lists by kind, random and similar tracks,
what is playing now, top tracks. They join the catalogue with plays, likes and ratings."""

import random
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Index, Select, bindparam, case, exists, false, func, or_, select
from sqlalchemy.orm import Session

from encore.catalog import (
    Album,
    AlbumArtist,
    AlbumSummary,
    Artist,
    Genre,
    Page,
    Track,
    TrackArtist,
    TrackGenre,
    TrackView,
    album_views,
    genre_keys,
    music_album,
    music_track,
    track_views_in_order,
    unlisted_album,
    unlisted_track,
)
from encore.history import Play, visible
from encore.kernel import NotFound
from encore.library._models import SavedAlbum, SavedArtist, SavedTrack
from encore.library._privacy import MIN_LISTENERS, enough_listeners

# alphabeticalByName pages through every album by title; without this a page of a 100,000-album
# catalogue sorts the whole table (186 ms measured). Declared here, on the catalogue's table, because
# only the Subsonic lists need it; migration 0005 creates it.
ALBUM_TITLE_INDEX = Index("ix_albums_title_id", Album.title, Album.id)
NOW_PLAYING_WINDOW = timedelta(minutes=10)  # last report
NOW_PLAYING_STARTED = timedelta(minutes=30)  # a play older than this has surely ended


def _not_ad_album(column: Any) -> ColumnElement[bool]:
    """Ad releases are never listed (catalog.music_album). The filter is part of each list's SQL, before
    LIMIT/OFFSET, so pages stay full; NOT IN over the few ads (a partial index) leaves the list's own
    ordering index in charge."""
    return column.not_in(select(Album.id).where(unlisted_album()))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _any_unlisted_album() -> Select[Any]:
    # One EXISTS per part of unlisted_album's OR, so each uses its partial index: with the OR in one
    # WHERE, SQLite scanned every album on every album list (#16). Built once (as every statement asked
    # per request here): building a statement and its cache key cost more CPU than running it.
    parts = cast(list[ColumnElement[bool]], unlisted_album().get_children())
    return select(or_(*[exists().where(part) for part in parts]))


def _any_ad_album(session: Session) -> bool:
    # Skipping rows by OFFSET is cheap on an ordering index; testing each skipped row against the ads costs
    # ~5 ms at offset 50,000 (docs/benchmarks.md), so a catalogue without ads does not pay for it.
    return bool(session.connection().execute(_any_unlisted_album()).scalar())


@lru_cache(maxsize=2)
def _top_id(model: type[Album] | type[Track]) -> Select[Any]:
    return select(func.max(model.id))


@lru_cache(maxsize=2)
def _music_among(model: type[Album] | type[Track]) -> Select[Any]:
    music = music_album() if model is Album else music_track()
    return select(model.id).where(model.id.in_(bindparam("ids", expanding=True)), music)


def _not_ad_track(column: Any) -> ColumnElement[bool]:
    return column.not_in(select(Track.id).where(unlisted_track()))  # type: ignore[no-any-return]


def _sample_ids(session: Session, model: type[Album] | type[Track], n: int, where: Select[Any] | None) -> list[int]:
    """Random rows without ORDER BY random() over the whole table (music only). Unfiltered: draw ids and keep
    the music rows among them, one statement a round (a page is usually one round: it probed each id with a
    statement of its own, 40 of them for 20 albums). Then, or with a filter: probe random id ranges."""
    top = session.scalar(_top_id(model)) or 0
    found: dict[int, None] = {}
    for _ in range(4 if where is None else 0):
        if len(found) >= n or top == 0:
            break
        drawn = random.sample(range(1, top + 1), min(n * 2, top))
        hits = set(session.scalars(_music_among(model), {"ids": drawn}))
        found.update((i, None) for i in drawn if i in hits)  # in the drawn (random) order
    music = music_album() if model is Album else music_track()
    for _ in range(4):
        if len(found) >= n or top == 0:
            break
        for start in random.sample(range(1, top + 1), min(n * 2, top)):
            query = select(model.id).where(model.id >= start, music).order_by(model.id).limit(1)
            if where is not None:
                query = query.where(model.id.in_(where))
            row = session.scalar(query)
            if row is not None:
                found[row] = None
            if len(found) >= n:
                break
    return list(found)[:n]


def _ordered_albums(session: Session, ids: list[int]) -> list[AlbumSummary]:
    # The lists' SQL already leaves ads out (so pages are full); the views are music only too.
    return album_views(session, ids)


def album_durations(session: Session, album_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Public album id -> (total duration ms, track count)."""
    if not album_ids:
        return {}
    rows = session.execute(
        select(Album.public_id, func.sum(Track.duration_ms), func.count(Track.id))
        .join(Track, Track.album_id == Album.id)
        .where(Album.public_id.in_(album_ids))
        .group_by(Album.public_id)
    )
    return {pid: (int(ms or 0), int(n)) for pid, ms, n in rows}


def artist_album_counts(session: Session, artist_ids: list[str]) -> dict[str, int]:
    if not artist_ids:
        return {}
    rows = session.execute(
        select(Artist.public_id, func.count(AlbumArtist.album_id))
        .join(AlbumArtist, AlbumArtist.artist_id == Artist.id)
        .where(Artist.public_id.in_(artist_ids), _not_ad_album(AlbumArtist.album_id))
        .group_by(Artist.public_id)
    )
    return {pid: int(n) for pid, n in rows}


def _genre_is(genre: str) -> ColumnElement[bool]:
    """The catalogue's own identity of a genre (catalog.genre_keys, as /v1/recommendations' genre seeds): case,
    accents, spacing and dashes folded in Python, the same on both databases (SQLite's lower() folds ASCII only,
    so "Électro" was never found there). Bound values, never a pattern; a NUL names no genre."""
    keys = genre_keys(genre)
    return Genre.key.in_(keys) if keys else false()


def random_tracks(
    session: Session, *, limit: int, genre: str | None, from_year: int | None, to_year: int | None
) -> list[TrackView]:
    where: Select[Any] | None = None
    if genre or from_year is not None or to_year is not None:
        q: Select[Any] = select(Track.id).join(Album, Album.id == Track.album_id)
        if genre:
            q = q.join(TrackGenre, TrackGenre.track_id == Track.id).join(Genre).where(_genre_is(genre))
        if from_year is not None:
            q = q.where(Album.release_date >= date(from_year, 1, 1))
        if to_year is not None:
            q = q.where(Album.release_date <= date(to_year, 12, 31))
        where = q
    ids = _sample_ids(session, Track, limit, where)
    return _tracks_in_order(session, ids)


def _tracks_in_order(session: Session, ids: list[int]) -> list[TrackView]:
    return track_views_in_order(session, ids)  # music only, from the catalogue's cache


def tracks_by_genre(session: Session, *, genre: str, limit: int, offset: int) -> list[TrackView]:
    ids = list(
        session.scalars(
            select(TrackGenre.track_id)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(_genre_is(genre), _not_ad_track(TrackGenre.track_id))
            .order_by(TrackGenre.track_id)
            .limit(limit)
            .offset(offset)
        )
    )
    return _tracks_in_order(session, ids)


def _track_id(session: Session, public_id: str) -> int:
    row = session.scalar(select(Track.id).where(Track.public_id == public_id))
    if row is None:
        raise NotFound("no such track")
    return row


def similar_tracks(session: Session, *, track_id: str, limit: int) -> list[TrackView]:
    """Tracks the listeners of this track also played, most shared first: only pairs that at least
    MIN_LISTENERS distinct listeners share (a seed with fewer listeners has no similar tracks)."""
    seed = _track_id(session, track_id)
    listeners = (
        select(Play.user_id).where(Play.track_id == seed, Play.is_listen.is_(True), visible()).distinct().limit(1000)
    )
    if not enough_listeners(session.scalar(select(func.count()).select_from(listeners.subquery())) or 0):
        return []
    shared = func.count(func.distinct(Play.user_id))
    ids = list(
        session.scalars(
            select(Play.track_id)
            .where(
                Play.user_id.in_(listeners),
                Play.is_listen.is_(True),
                Play.track_id != seed,
                Play.track_id.is_not(None),
                _not_ad_track(Play.track_id),
                visible(),
            )
            .group_by(Play.track_id)
            .having(shared >= MIN_LISTENERS)
            .order_by(shared.desc(), func.count().desc(), Play.track_id)
            .limit(limit)
        )
    )
    return _tracks_in_order(session, [i for i in ids if i is not None])


def now_playing(session: Session, *, user_id: int, now: datetime) -> list[tuple[Play, TrackView]]:
    """The listener's own latest still-open play, if they reported one in the last few minutes (at most one).

    Filtered by the listener in SQL, on ix_plays_wrapped (user_id, started_at): reading the newest open plays of
    everyone and keeping the caller's afterwards lost the caller's own once 50 others were playing (review19 F5)."""
    play = session.scalar(
        select(Play)
        .where(
            Play.user_id == user_id,
            Play.started_at >= now - NOW_PLAYING_STARTED,
            Play.updated_at >= now - NOW_PLAYING_WINDOW,
            Play.state.in_(("started", "playing")),
            Play.track_id.is_not(None),
        )
        .order_by(Play.updated_at.desc(), Play.id.desc())
        .limit(1)
    )
    if play is None or play.track_id is None:
        return []
    views = _tracks_in_order(session, [play.track_id])
    return [(play, views[0])] if views else []


def top_tracks(session: Session, *, artist_name: str, limit: int) -> list[TrackView]:
    """An artist's most played tracks (listens by everyone, counted only for a track that at least
    MIN_LISTENERS distinct listeners played), then their newest ones."""
    artist = session.scalar(select(Artist).where(func.lower(Artist.name) == artist_name.lower()).limit(1))
    if artist is None:
        return []
    listens = func.count(Play.id)
    counted = case((func.count(func.distinct(Play.user_id)) >= MIN_LISTENERS, listens), else_=0)
    played = (
        select(Track.id)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .outerjoin(Play, (Play.track_id == Track.id) & Play.is_listen.is_(True) & visible())
        .join(Album, Album.id == Track.album_id)
        .where(TrackArtist.artist_id == artist.id, music_track())
        .group_by(Track.id, Album.release_date, Track.disc_number, Track.track_number)
        .order_by(counted.desc(), Album.release_date.desc(), Track.disc_number, Track.track_number, Track.id)
        .limit(limit)
    )
    return _tracks_in_order(session, list(session.scalars(played)))


def catalogue_page(session: Session, *, limit: int, offset: int) -> Page[TrackView]:
    """Every track in a stable order: what an empty Subsonic search returns (clients sync with it)."""
    ids = list(session.scalars(select(Track.id).where(music_track()).order_by(Track.id).limit(limit).offset(offset)))
    return Page(_tracks_in_order(session, ids), -1, limit, offset)


def catalogue_track_count(session: Session) -> int:
    """How many tracks the catalogue lists (no ad, no draft): Subsonic's scan status reports it."""
    return int(session.scalar(select(func.count()).select_from(Track).where(music_track())) or 0)


def genre_song_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Genre.key, func.count(TrackGenre.track_id))
        .join(TrackGenre)
        .where(_not_ad_track(TrackGenre.track_id))
        .group_by(Genre.key)
    )
    return {key: int(n) for key, n in rows}


def saved_times(session: Session, *, user_id: int, kind: str, ids: list[str]) -> dict[str, datetime]:
    """Public id -> when this listener saved it, for the given ids that are saved."""
    saved: Any
    model: Any
    saved, model, column = {
        "track": (SavedTrack, Track, SavedTrack.track_id),
        "album": (SavedAlbum, Album, SavedAlbum.album_id),
        "artist": (SavedArtist, Artist, SavedArtist.artist_id),
    }[kind]
    rows = session.execute(
        select(model.public_id, saved.saved_at)
        .join(saved, column == model.id)
        .where(saved.user_id == user_id, model.public_id.in_(ids))
    )
    return {pid: at for pid, at in rows}  # noqa: C416 - rows are Row objects
