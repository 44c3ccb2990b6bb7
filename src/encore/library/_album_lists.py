"""Subsonic's album lists of every kind (newest, by name, by artist, random, the listener's own, by year or
genre): album ids in each list's order, paged in SQL with ads and unlisted releases left out first."""

import random
import time
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from encore.catalog import (
    Album,
    AlbumGenre,
    AlbumSummary,
    Genre,
    Track,
    built_at,
    cache_for,
)
from encore.db import RawStatement, connection_of
from encore.history import Play, visible
from encore.kernel import ValidationFailed
from encore.library._listening import _genre_is, _not_ad_album, _ordered_albums, _sample_ids
from encore.library._models import SavedAlbum
from encore.library._ratings import Rating
from encore.library._shared_lists import SHARED_ALBUM_LISTS, ListedAlbums, any_unlisted, shared_page, with_public_ids

ALBUM_LISTS = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "starred",
    "byYear",
    "byGenre",
)
RANDOM_POOL, RANDOM_POOL_SECONDS = 400, 60  # random album lists: drawn from 400 albums, redrawn each minute
RANDOM_POOL_KEY = ("library", "random_albums")  # the pool's one entry in the catalogue's views
# Lists a listener's own data never changes: kept by the catalogue's cache, answered as ids (`catalogue_list`)
CATALOGUE_LISTS = ("random", *SHARED_ALBUM_LISTS)


def _random_albums(session: Session, n: int) -> ListedAlbums:
    """`n` albums drawn from a pool of RANDOM_POOL random music albums, itself drawn again every minute and
    whenever the catalogue changes (it is kept with the catalogue's views, so a hidden or withdrawn album
    leaves it with the change that hid it). Drawn from the whole catalogue on each request, every random list
    built its albums' views and shapes afresh (the whole catalogue was the working set, ~4 ms a list, #16);
    from the pool, they stay built. The pool holds the albums' public ids too, so a face finds their kept
    shapes without their views. Over minutes every album gets its turn."""
    cache = cache_for(session)
    if cache is None or n > RANDOM_POOL // 4:
        return with_public_ids(session, _sample_ids(session, Album, n, None))
    # One entry, overwritten when its minute has passed (a key per minute left a pool behind every minute
    # until the catalogue changed)
    minute = int(time.monotonic() // RANDOM_POOL_SECONDS)
    kept = cache.views.get(RANDOM_POOL_KEY)
    if isinstance(kept, tuple) and kept[0] == minute and isinstance(kept[1], ListedAlbums):
        pool = kept[1]
    else:
        generation = built_at(session, cache)
        pool = with_public_ids(session, _sample_ids(session, Album, RANDOM_POOL, None))
        cache.views.put(RANDOM_POOL_KEY, (minute, pool), built_at=generation)
    picked = random.sample(range(len(pool.ids)), min(n, len(pool.ids)))
    return ListedAlbums(tuple(pool.ids[i] for i in picked), tuple(pool.public_ids[i] for i in picked))


def catalogue_list(session: Session, *, kind: str, limit: int, offset: int) -> ListedAlbums:
    """A page of a list in CATALOGUE_LISTS (random ignores `offset`), as ids from the catalogue's cache."""
    if kind == "random":
        return _random_albums(session, limit)
    if kind not in SHARED_ALBUM_LISTS:
        raise ValidationFailed(f"type must be one of {', '.join(CATALOGUE_LISTS)}", code="bad_list_type")
    return shared_page(session, kind=kind, limit=limit, offset=offset)


def _filtered(kind: str, *, from_year: int | None, to_year: int | None, genre: str | None) -> Select[Any]:
    """byYear (newest first when fromYear > toYear, as the spec says) and byGenre."""
    query: Select[Any]
    if kind == "byYear":
        if from_year is None or to_year is None:
            raise ValidationFailed("byYear needs fromYear and toYear", code="missing_years")
        lo, hi = sorted((from_year, to_year))
        query = select(Album.id).where(Album.release_date.between(date(lo, 1, 1), date(hi, 12, 31)))
        query = query.order_by(Album.release_date.desc() if from_year > to_year else Album.release_date, Album.id)
    else:
        if not genre:
            raise ValidationFailed("byGenre needs genre", code="missing_genre")
        query = (
            select(AlbumGenre.album_id)
            .join(Genre, Genre.id == AlbumGenre.genre_id)
            .where(_genre_is(genre))
            .order_by(AlbumGenre.album_id.desc())
        )
    return query


def album_list(
    session: Session,
    *,
    user_id: int,
    kind: str,
    limit: int,
    offset: int,
    from_year: int | None = None,
    to_year: int | None = None,
    genre: str | None = None,
) -> list[AlbumSummary]:
    if kind not in ALBUM_LISTS:
        raise ValidationFailed(f"type must be one of {', '.join(ALBUM_LISTS)}", code="bad_list_type")
    if kind in CATALOGUE_LISTS:
        return _ordered_albums(session, list(catalogue_list(session, kind=kind, limit=limit, offset=offset).ids))
    ads = any_unlisted(session, cache_for(session))
    params = {"user_id": user_id, "limit": limit, "offset": offset}
    if kind in ("byYear", "byGenre"):
        query = _filtered(kind, from_year=from_year, to_year=to_year, genre=genre)
        if ads:
            query = query.where(_not_ad_album(query.selected_columns[0]))
        statement: Any = query.limit(bindparam("limit")).offset(bindparam("offset"))
        return _ordered_albums(session, list(session.connection().execute(statement, params).scalars()))
    # On the DB-API cursor: album ids only, and SQLAlchemy's execute path cost more than these reads (#16)
    rows = _list_statement(kind, ads).rows(connection_of(session), params)
    return _ordered_albums(session, [row[0] for row in rows])


@lru_cache(maxsize=32)
def _list_statement(kind: str, ads: bool) -> RawStatement:
    """The album ids of one list kind, paged by the bound `limit` and `offset` (and `user_id` for the
    listener's own lists): built and compiled once per kind, not per request."""
    user: Any = bindparam("user_id")
    query: Select[Any]
    if kind == "starred":
        query = (
            select(SavedAlbum.album_id)
            .where(SavedAlbum.user_id == user)
            .order_by(SavedAlbum.saved_at.desc(), SavedAlbum.album_id)
        )
    elif kind == "highest":
        query = (
            select(Rating.item_id)
            .where(Rating.user_id == user, Rating.kind == "album")
            .order_by(Rating.rating.desc(), Rating.rated_at.desc())
        )
    else:  # frequent, recent
        order = func.count().desc() if kind == "frequent" else func.max(Play.started_at).desc()
        query = (
            select(Track.album_id)
            .join(Play, Play.track_id == Track.id)
            .where(Play.user_id == user, visible())  # an import still being written is not shown
            .group_by(Track.album_id)
            .order_by(order, Track.album_id)
        )
    if ads:  # every list selects album ids first: ads leave before LIMIT/OFFSET, so pages stay full
        query = query.where(_not_ad_album(query.selected_columns[0]))
    return RawStatement(query.limit(bindparam("limit")).offset(bindparam("offset")))
