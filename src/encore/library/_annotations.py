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
from itertools import chain, repeat
from typing import Any

from sqlalchemy import Integer, Select, bindparam, cast, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from encore.catalog import Album, Artist, Track
from encore.db import RawStatement, UTCDateTime, connection_of
from encore.kernel import is_public_id
from encore.library._models import SavedAlbum, SavedArtist, SavedTrack
from encore.library._own_plays import own_listens
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


def _slots(kind: str, n: int) -> list[Any]:
    # n bound parameters (`album0`, `album1`...), not one expanding parameter: the SQL is then the same on
    # every request with this many slots, so it is compiled once (RawStatement). Unused slots repeat an id.
    return [bindparam(f"{kind}{i}") for i in range(n)]


def _saved(kind: str, n: int) -> Select[Any]:
    saved, model, column = _SAVED[kind]
    return (
        select(_tag(f"s{kind}").label("tag"), model.public_id, saved.saved_at.label("at"), _no_number().label("n"))
        .join(saved, column == model.id)
        .where(saved.user_id == bindparam("user_id"), model.public_id.in_(_slots(kind, n)))
    )


def _rated(kind: str, n: int) -> Select[Any]:
    model = _SAVED[kind][1]
    return (
        select(_tag(f"r{kind}"), model.public_id, _no_time(), Rating.rating)
        .join(Rating, Rating.item_id == model.id)
        .where(Rating.user_id == bindparam("user_id"), Rating.kind == kind, model.public_id.in_(_slots(kind, n)))
    )


def _played(n: int) -> Select[Any]:
    return own_listens(_tag("ptrack"), _no_time(), Track.public_id.in_(_slots("track", n)))


CHUNK = 1024  # ids of one kind in one statement


def _bucket(n: int) -> int:
    """Slots for n ids: the next power of two (at least 4), so a few shapes cover every page size."""
    return max(4, 1 << (n - 1).bit_length())


@lru_cache(maxsize=64)
def _statement(shape: tuple[tuple[str, int], ...], plays: bool) -> RawStatement:
    """Built and compiled once per shape (kinds and their slot counts) and reused: building the expression and
    its cache key each time cost more CPU than running it (the ids are bound parameters)."""
    parts: list[Select[Any]] = []
    for kind, n in shape:
        parts += [_saved(kind, n), _rated(kind, n)]
        if plays and kind == "track":
            parts.append(_played(n))
    return RawStatement(union_all(*parts))


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
        own_listens(_tag("ptrack"), _no_time(), on_album),
    ]


@lru_cache(maxsize=1)
def _album_statement() -> RawStatement:
    return RawStatement(union_all(*_album_parts()))


def album_annotations(session: Session, *, user_id: int, album_id: str) -> Annotations:
    """What `annotations` answers for an album and all its tracks (its page), by the album's id alone: the
    statement and its compiled form are the same on every request (nothing expanded per request)."""
    if not is_public_id(album_id):
        return Annotations()
    return _collect(_album_statement().rows(connection_of(session), {"user_id": user_id, "album": album_id}))


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


_ALBUM_SLOTS = tuple(f"album{i}" for i in range(CHUNK))


def album_marks(session: Session, *, user_id: int, album_ids: Sequence[str]) -> Annotations:
    """What `annotations` answers for albums alone, for a page of albums the catalogue listed (its own public
    ids, not a caller's input): the same statement, with less work around it. An album list's one read of
    the caller's marks (#16): a fifth of its CPU went to checking and arranging ids around an 11 µs query."""
    if not album_ids:
        return Annotations()
    if len(album_ids) > CHUNK:
        return annotations(session, user_id=user_id, albums=album_ids)
    n = _bucket(len(album_ids))
    params: dict[str, Any] = dict(zip(_ALBUM_SLOTS[:n], chain(album_ids, repeat(album_ids[-1])), strict=False))
    params["user_id"] = user_id
    return _collect(_statement((("album", n),), False).rows(connection_of(session), params))


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
    rows: list[Any] = []
    # a long list (a 10,000-track playlist) in rounds of CHUNK ids a kind: at most 7 x CHUNK parameters a
    # statement, under SQLite's usual limit of 32,766 (Debian's build allows more; others don't)
    for start in range(0, max(map(len, wanted.values())), CHUNK):
        part = {kind: ids[start : start + CHUNK] for kind, ids in wanted.items()}
        shape = tuple((kind, _bucket(len(ids))) for kind, ids in part.items() if ids)
        params: dict[str, Any] = {"user_id": user_id}
        for kind, n in shape:
            ids = part[kind]
            params.update({f"{kind}{i}": ids[min(i, len(ids) - 1)] for i in range(n)})
        # On the DB-API cursor, not through SQLAlchemy's execute path, which cost more than the query (#16)
        rows += _statement(shape, plays and bool(part["track"])).rows(connection_of(session), params)
    return _collect(rows)
