"""Answers for the faces: similar songs and top songs (Subsonic), and what every answer is made of (the
listener's playability, popular tracks in genres, an artist's seed tracks), read from the stored neighbour
tables and filtered to what the listener may play now. The apps' answers (/v1) are `_for_apps`."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from encore import billing, exclusives, playback
from encore.catalog import (
    Album,
    AlbumGenre,
    Artist,
    Track,
    TrackArtist,
    TrackGenre,
    hidden_artists,
    listed_id,
    music_track,
)
from encore.discovery._policy import may_derive
from encore.discovery._popular import derivable_listens
from encore.discovery._service import similar_track_ids
from encore.history import Play, visible

ARTIST_SEED_TRACKS = 10  # an artist seeds with its most played tracks
POOL = 500  # candidates ranked before filtering


def similar_songs(
    session: Session, *, user_id: int | None, kind: str, public_id: str, limit: int, now: datetime
) -> list[int]:
    """Subsonic's getSimilarSongs(2): tracks like a track, an artist's music or an album's, playable now.
    NotFound for an id the catalogue does not list (ads included)."""
    row = listed_id(session, kind, public_id)
    if kind == "track":
        seeds = {row: 1.0}
    elif kind == "artist":
        seeds = dict.fromkeys(artist_tracks(session, row), 1.0)
    else:
        seeds = dict.fromkeys(session.scalars(select(Track.id).where(Track.album_id == row, music_track())), 1.0)
    ranked = similar_track_ids(session, seeds=seeds, limit=POOL, exclude=frozenset(seeds))
    allowed = playable(session, user_id=user_id, track_ids=ranked, now=now)
    return [t for t in ranked if t in allowed][:limit]


def top_songs(session: Session, *, user_id: int | None, artist_name: str, limit: int, now: datetime) -> list[int]:
    """An artist's tracks the listener may play, most listened first; a track's listens count for its rank
    only once 5 distinct listeners played it (`may_derive`), so no rank reveals one listener. Then newest."""
    artist = session.scalar(select(Artist.id).where(func.lower(Artist.name) == artist_name.lower()).limit(1))
    if artist is None or artist in hidden_artists(session):
        return []
    rows = session.execute(
        select(Track.id, func.count(Play.id), func.count(func.distinct(Play.user_id)), Album.release_date)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .join(Album, Album.id == Track.album_id)
        .outerjoin(Play, (Play.track_id == Track.id) & Play.is_listen.is_(True) & visible())
        .where(TrackArtist.artist_id == artist, music_track())
        .group_by(Track.id, Album.release_date, Track.disc_number, Track.track_number)
        .order_by(Album.release_date.desc(), Track.disc_number, Track.track_number)
    ).all()
    ranked = sorted(rows, key=lambda r: -(r[1] if may_derive(distinct_listeners=r[2]).allowed else 0))
    ids = [r[0] for r in ranked]
    allowed = playable(session, user_id=user_id, track_ids=ids, now=now)
    return [t for t in ids if t in allowed][:limit]


def playable(session: Session, *, user_id: int | None, track_ids: Sequence[int], now: datetime) -> set[int]:
    """The tracks this listener may hear now (label availability, pre-releases, Premium exclusives): the
    verdict playback gives a stream (`allowed`), for many tracks in one read of the tracks. Only listed
    music (`catalog.music_track`): a withdrawn or draft track or an ad never stays in a mix, a radio or an answer."""
    return allowed(session, user_id=user_id, contents=listed_contents(session, track_ids=track_ids), now=now)


def listed_contents(session: Session, *, track_ids: Sequence[int]) -> dict[int, billing.Content]:
    """What each listed music track among `track_ids` asks of a listener (no key: not listed music)."""
    return exclusives.track_contents(session, track_ids=track_ids, where=music_track())


def allowed(
    session: Session, *, user_id: int | None, contents: Mapping[int, billing.Content | None], now: datetime
) -> set[int]:
    """The tracks whose content this listener may hear now (a None content: not listed, never allowed), as
    playback decides it (`playback.content_verdicts`: one read of their subscription, one verdict per distinct
    content, most lists hold one or two)."""
    distinct = {c for c in contents.values() if c is not None}
    if not distinct:
        return set()
    verdicts = playback.content_verdicts(session, user_id=user_id, contents=distinct, now=now)
    return {t for t, c in contents.items() if c is not None and verdicts[c]}


def genre_tracks(session: Session, *, genre_ids: Sequence[int] | None) -> list[int]:
    """The music tracks `popular_in_genres` ranks (in the genres, their own or their album's; None: all)."""
    if genre_ids is not None and not genre_ids:
        return []
    return list(session.scalars(select(Track.id).where(_in_genres(genre_ids), music_track())))


def _in_genres(genre_ids: Sequence[int] | None) -> ColumnElement[bool]:
    if genre_ids is None:
        return true()
    return or_(
        Track.id.in_(select(TrackGenre.track_id).where(TrackGenre.genre_id.in_(list(genre_ids)))),
        Track.album_id.in_(select(AlbumGenre.album_id).where(AlbumGenre.genre_id.in_(list(genre_ids)))),
    )


def popular_in_genres(session: Session, *, genre_ids: Sequence[int] | None, limit: int) -> list[int]:
    """Music tracks in any of the genres (their own or their album's), most listened first (only tracks with
    MIN_LISTENERS contributing listeners rank by listens: `derivable_listens`), then catalogue order; with
    `genre_ids=None`, the whole catalogue's (a radio's last resort: it never stops while there is music)."""
    if genre_ids is not None and not genre_ids:
        return []
    where = _in_genres(genre_ids)
    ranked = derivable_listens(Play.track_id.in_(select(Track.id).where(where, music_track())))
    listens = func.coalesce(ranked.c.listens, 0)
    return list(
        session.scalars(
            select(Track.id)
            .outerjoin(ranked, ranked.c.track_id == Track.id)
            .where(where, music_track())
            .order_by(listens.desc(), Track.id)
            .limit(limit)
        )
    )


def artist_tracks(session: Session, artist: int) -> list[int]:
    """An artist's ARTIST_SEED_TRACKS music tracks, most listened first (`derivable_listens`), then oldest."""
    return artists_tracks(session, [artist]).get(artist, [])


def artists_tracks(session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
    """`artist_tracks` of many artists in one read (the mixes job asks for 5 artists a cluster)."""
    if not artists:
        return {}
    theirs = TrackArtist.artist_id.in_(bindparam("artists", list(artists), expanding=True))
    ranked = derivable_listens(Play.track_id.in_(select(TrackArtist.track_id).where(theirs)))
    listens = func.coalesce(ranked.c.listens, 0)
    rows = session.execute(
        select(TrackArtist.artist_id, Track.id)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .outerjoin(ranked, ranked.c.track_id == Track.id)
        .where(theirs, music_track())
        .order_by(TrackArtist.artist_id, listens.desc(), Track.id)
    )
    out: dict[int, list[int]] = {}
    for artist, track in rows:
        mine = out.setdefault(artist, [])
        if len(mine) < ARTIST_SEED_TRACKS:
            mine.append(track)
    return out


def genres_of(session: Session, track_ids: list[int]) -> list[int]:
    if not track_ids:
        return []
    own = select(TrackGenre.genre_id).where(TrackGenre.track_id.in_(track_ids))
    albums = (
        select(AlbumGenre.genre_id).join(Track, Track.album_id == AlbumGenre.album_id).where(Track.id.in_(track_ids))
    )
    return sorted(set(session.scalars(own)) | set(session.scalars(albums)))
