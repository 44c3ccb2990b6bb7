"""One listener's marks on a page of items (saved times, ratings, own listens) in one statement.

A Subsonic album page needs the album's star and rating and, for each song, its star, rating and the
listener's play count: five reads, each a round trip and a compiled statement. They are read here as
one UNION ALL, so a page costs one statement however many kinds it shows. Nothing is cached: a star
set on another node, or a play recorded a moment ago, shows on the next request (#16).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, bindparam, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from encore.catalog import Album, Artist, Track
from encore.db import UTCDateTime
from encore.history import Play, visible
from encore.kernel import is_public_id
from encore.library._models import SavedAlbum, SavedArtist, SavedTrack
from encore.library._ratings import Rating

_SAVED: dict[str, tuple[Any, Any, Any]] = {
    "track": (SavedTrack, Track, SavedTrack.track_id),
    "album": (SavedAlbum, Album, SavedAlbum.album_id),
    "artist": (SavedArtist, Artist, SavedArtist.artist_id),
}


@dataclass(frozen=True)
class Annotations:
    """Public id -> mark, per kind; an item without a mark is absent."""

    starred: dict[str, dict[str, datetime]] = field(default_factory=dict)
    ratings: dict[str, dict[str, int]] = field(default_factory=dict)
    plays: dict[str, int] = field(default_factory=dict)

    def star(self, kind: str, public_id: str) -> datetime | None:
        return self.starred.get(kind, {}).get(public_id)

    def rating(self, kind: str, public_id: str) -> int | None:
        return self.ratings.get(kind, {}).get(public_id)


def _tag(name: str) -> Any:
    # A constant in the SQL text, not a bound parameter: PostgreSQL cannot type a parameter in a UNION.
    # The names are this module's own constants, never input.
    return literal_column(f"'{name}'")


def _no_time() -> Any:
    return cast(null(), UTCDateTime())


def _no_number() -> Any:
    return cast(null(), Integer)


def _saved(kind: str) -> Select[Any]:
    saved, model, column = _SAVED[kind]
    return (
        select(_tag(f"s{kind}").label("tag"), model.public_id, saved.saved_at.label("at"), _no_number().label("n"))
        .join(saved, column == model.id)
        .where(saved.user_id == bindparam("user_id"), model.public_id.in_(bindparam(kind, expanding=True)))
    )


def _rated(kind: str) -> Select[Any]:
    model = _SAVED[kind][1]
    return (
        select(_tag(f"r{kind}"), model.public_id, _no_time(), Rating.rating)
        .join(Rating, Rating.item_id == model.id)
        .where(
            Rating.user_id == bindparam("user_id"),
            Rating.kind == kind,
            model.public_id.in_(bindparam(kind, expanding=True)),
        )
    )


def _played() -> Select[Any]:
    return (
        select(_tag("ptrack"), Track.public_id, _no_time(), func.count(Play.id))
        .join(Play, Play.track_id == Track.id)
        .where(
            Track.public_id.in_(bindparam("track", expanding=True)),
            Play.user_id == bindparam("user_id"),
            Play.is_listen.is_(True),
            visible(),
        )
        .group_by(Track.public_id)
    )


@lru_cache(maxsize=16)
def _statement(kinds: tuple[str, ...], plays: bool) -> CompoundSelect[Any]:
    """Built once per shape and reused: building the expression and its cache key each time cost more
    CPU than running it (the ids are bound parameters, not part of the statement)."""
    parts: list[Select[Any]] = []
    for kind in kinds:
        parts += [_saved(kind), _rated(kind)]
    if plays:
        parts.append(_played())
    return union_all(*parts)


def _album_parts() -> list[Select[Any]]:
    """The album's own star and rating, and its tracks' stars, ratings and this listener's plays, found by
    the album's public id: no list of ids to expand into the statement on each request."""
    album = Album.public_id == bindparam("album")
    user: Any = bindparam("user_id")
    on_album = Track.album_id == select(Album.id).where(album).scalar_subquery()
    return [
        select(_tag("salbum"), Album.public_id, SavedAlbum.saved_at, _no_number())
        .join(SavedAlbum, SavedAlbum.album_id == Album.id)
        .where(SavedAlbum.user_id == user, album),
        select(_tag("ralbum"), Album.public_id, _no_time(), Rating.rating)
        .join(Rating, Rating.item_id == Album.id)
        .where(Rating.user_id == user, Rating.kind == "album", album),
        select(_tag("strack"), Track.public_id, SavedTrack.saved_at, _no_number())
        .join(SavedTrack, SavedTrack.track_id == Track.id)
        .where(SavedTrack.user_id == user, on_album),
        select(_tag("rtrack"), Track.public_id, _no_time(), Rating.rating)
        .join(Rating, Rating.item_id == Track.id)
        .where(Rating.user_id == user, Rating.kind == "track", on_album),
        select(_tag("ptrack"), Track.public_id, _no_time(), func.count(Play.id))
        .join(Play, Play.track_id == Track.id)
        .where(Play.user_id == user, Play.is_listen.is_(True), visible(), on_album)
        .group_by(Track.public_id),
    ]


@lru_cache(maxsize=1)
def _album_statement() -> CompoundSelect[Any]:
    return union_all(*_album_parts())


def album_annotations(session: Session, *, user_id: int, album_id: str) -> Annotations:
    """What `annotations` answers for an album and all its tracks (its page), by the album's id alone: the
    statement and its compiled form are the same on every request (nothing expanded per request)."""
    if not is_public_id(album_id):
        return Annotations()
    return _collect(session.connection().execute(_album_statement(), {"user_id": user_id, "album": album_id}))


def _collect(rows: Any) -> Annotations:
    out = Annotations()
    for tag, public_id, at, n in rows:
        mark, kind = tag[0], tag[1:]
        if mark == "s":
            out.starred.setdefault(kind, {})[public_id] = at
        elif mark == "r":
            out.ratings.setdefault(kind, {})[public_id] = int(n)
        elif n:
            out.plays[public_id] = int(n)
    return out


def annotations(
    session: Session,
    *,
    user_id: int,
    tracks: Sequence[str] = (),
    albums: Sequence[str] = (),
    artists: Sequence[str] = (),
    plays: bool = True,
) -> Annotations:
    """Stars and ratings of the given tracks, albums and artists and (unless `plays` is False) this
    listener's own listens of the tracks, read in one statement. Ids that are not public ids are skipped."""
    wanted = {
        kind: list(dict.fromkeys(i for i in ids if is_public_id(i)))
        for kind, ids in (("track", tracks), ("album", albums), ("artist", artists))
    }
    kinds = tuple(kind for kind, ids in wanted.items() if ids)
    if not kinds:
        return Annotations()
    statement = _statement(kinds, plays and bool(wanted["track"]))
    params = {"user_id": user_id, **{kind: wanted[kind] for kind in kinds}}
    # Core, not the ORM: the rows are plain columns, and the ORM layer around execute cost more than the query
    return _collect(session.connection().execute(statement, params))
