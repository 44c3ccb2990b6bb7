"""Saved ("liked") tracks, albums and artists: one row per listener and item, newest first."""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from encore.catalog import Album, Artist, ArtistSummary, Page, Track, album_summaries, artist_artworks, track_views
from encore.kernel import NotFound, ValidationFailed
from encore.library import _policy
from encore.library._listed import resolve
from encore.library._models import SavedAlbum, SavedArtist, SavedTrack
from encore.library._views import SavedAlbumView, SavedArtistView, SavedTrackView

SavedKind = Literal["track", "album", "artist"]
_SAVED: dict[
    str, tuple[type[SavedTrack] | type[SavedAlbum] | type[SavedArtist], type[Track] | type[Album] | type[Artist]]
] = {"track": (SavedTrack, Track), "album": (SavedAlbum, Album), "artist": (SavedArtist, Artist)}


def _resolve(session: Session, kind: SavedKind, public_ids: Sequence[str], *, strict: bool) -> dict[str, int]:
    if kind not in _SAVED:
        raise ValidationFailed("kind must be track, album or artist")
    if len(public_ids) > _policy.MAX_PER_CALL:
        raise ValidationFailed(f"at most {_policy.MAX_PER_CALL} ids per request")
    # Saving (strict) takes music only; unsaving and status resolve every id, so an old ad save can go.
    found = resolve(session, _SAVED[kind][1], public_ids, music_only=strict)
    if strict and len(found) != len(set(public_ids)):
        raise NotFound(f"no such {kind}")
    return found


_Saved = type[SavedTrack] | type[SavedAlbum] | type[SavedArtist]


def _column(kind: SavedKind) -> tuple[_Saved, InstrumentedAttribute[int]]:
    saved = _SAVED[kind][0]
    column: InstrumentedAttribute[int] = getattr(saved, f"{kind}_id")
    return saved, column


def save_items(session: Session, *, user_id: int, kind: SavedKind, ids: Sequence[str], now: datetime) -> None:
    found = _resolve(session, kind, ids, strict=True)
    saved, column = _column(kind)
    already = set(session.scalars(select(column).where(saved.user_id == user_id, column.in_(found.values()))))
    rows = [
        {"user_id": user_id, "saved_at": now, f"{kind}_id": item_id}
        for item_id in dict.fromkeys(found[p] for p in ids)
        if item_id not in already
    ]
    if rows:  # two clients starring the same item at once: the second finds it saved, not a duplicate-key error
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(saved).values(rows).on_conflict_do_nothing())


def unsave_items(session: Session, *, user_id: int, kind: SavedKind, ids: Sequence[str]) -> None:
    found = _resolve(session, kind, ids, strict=False)
    saved, column = _column(kind)
    session.execute(delete(saved).where(saved.user_id == user_id, column.in_(found.values())))


def saved_status(session: Session, *, user_id: int, kind: SavedKind, ids: Sequence[str]) -> list[bool]:
    found = _resolve(session, kind, ids, strict=False)
    saved, column = _column(kind)
    have = set(session.scalars(select(column).where(saved.user_id == user_id, column.in_(found.values()))))
    return [found.get(p) in have for p in ids]


def _page_rows(
    session: Session, kind: SavedKind, user_id: int, limit: int, offset: int
) -> tuple[int, list[tuple[int, datetime]]]:
    saved, column = _column(kind)
    total = session.scalar(select(func.count()).select_from(saved).where(saved.user_id == user_id)) or 0
    rows = session.execute(
        select(column, saved.saved_at)
        .where(saved.user_id == user_id)
        .order_by(saved.saved_at.desc(), column.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [(int(r[0]), r[1]) for r in rows]


def saved_tracks(session: Session, *, user_id: int, limit: int, offset: int) -> Page[SavedTrackView]:
    total, rows = _page_rows(session, "track", user_id, limit, offset)
    tracks = {t.id: t for t in session.scalars(select(Track).where(Track.id.in_([r[0] for r in rows])))}
    views = {t.id: v for t, v in zip(tracks.values(), track_views(session, list(tracks.values())), strict=True)}
    return Page([SavedTrackView(at, views[i]) for i, at in rows if i in views], total, limit, offset)


def saved_albums(session: Session, *, user_id: int, limit: int, offset: int) -> Page[SavedAlbumView]:
    total, rows = _page_rows(session, "album", user_id, limit, offset)
    albums = {a.id: a for a in session.scalars(select(Album).where(Album.id.in_([r[0] for r in rows])))}
    views = {a.id: v for a, v in zip(albums.values(), album_summaries(session, list(albums.values())), strict=True)}
    return Page([SavedAlbumView(at, views[i]) for i, at in rows if i in views], total, limit, offset)


def saved_artists(session: Session, *, user_id: int, limit: int, offset: int) -> Page[SavedArtistView]:
    total, rows = _page_rows(session, "artist", user_id, limit, offset)
    return Page(_artist_views(session, rows), total, limit, offset)


def followed_artists(
    session: Session, *, user_id: int, limit: int, after: str | None
) -> tuple[list[SavedArtistView], int]:
    """Saved artists (what Spotify calls followed), newest first, after the artist `after` (a cursor: the last
    artist of the previous page, as Spotify's GET /me/following takes it), and how many there are in all."""
    saved, column = SavedArtist, SavedArtist.artist_id
    mine = saved.user_id == user_id
    total = session.scalar(select(func.count()).select_from(saved).where(mine)) or 0
    query = select(column, saved.saved_at).where(mine)
    if after is not None:
        artist = resolve(session, Artist, [after], music_only=False).get(after)
        at = session.scalar(select(saved.saved_at).where(mine, column == artist)) if artist is not None else None
        if artist is None or at is None:
            raise ValidationFailed("after: not an artist this listener follows")
        query = query.where(or_(saved.saved_at < at, and_(saved.saved_at == at, column < artist)))
    rows = session.execute(query.order_by(saved.saved_at.desc(), column.desc()).limit(limit)).all()
    return _artist_views(session, [(int(r[0]), r[1]) for r in rows]), total


def _artist_views(session: Session, rows: list[tuple[int, datetime]]) -> list[SavedArtistView]:
    artists = {a.id: a for a in session.scalars(select(Artist).where(Artist.id.in_([r[0] for r in rows])))}
    art = artist_artworks(session, list(artists))
    return [
        SavedArtistView(at, ArtistSummary(artists[i].public_id, artists[i].name, art.get(i)))
        for i, at in rows
        if i in artists
    ]
