"""Changing what is in a playlist. Each change rewrites dense positions and bumps the snapshot."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import Track
from encore.kernel import Conflict, NotFound, ValidationFailed
from encore.library import _policy
from encore.library._listed import resolve
from encore.library._models import Playlist, PlaylistItem
from encore.library._playlists import _changeable, snapshot_id


def _track_ids(session: Session, public_ids: Sequence[str], *, music_only: bool = True) -> list[int]:
    if len(public_ids) > _policy.MAX_PER_CALL:
        raise ValidationFailed(f"at most {_policy.MAX_PER_CALL} tracks per request")
    found = resolve(session, Track, public_ids, music_only=music_only)
    if len(found) != len(set(public_ids)):
        raise NotFound("no such track")
    return [found[p] for p in public_ids]


def _ordered(session: Session, playlist: Playlist) -> list[PlaylistItem]:
    return list(
        session.scalars(
            select(PlaylistItem)
            .where(PlaylistItem.playlist_id == playlist.id)
            .order_by(PlaylistItem.position, PlaylistItem.id)
        )
    )


def _commit_order(session: Session, playlist: Playlist, items: list[PlaylistItem], now: datetime) -> str:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
    playlist.version += 1
    playlist.updated_at = now
    session.flush()
    return snapshot_id(playlist)


def add_to_playlist(
    session: Session,
    *,
    playlist_id: str,
    user_id: int,
    track_ids: Sequence[str],
    position: int | None = None,
    allow_duplicates: bool = True,
    now: datetime,
) -> str:
    """Add tracks; with `allow_duplicates=False`, refuse (409 `already_in_playlist`) when one is already there
    or named twice in `track_ids`, so the player can ask "add anyway?" as Spotify does. The other faces keep
    their APIs' add-always rule."""
    playlist = _changeable(session, playlist_id, user_id)
    if not track_ids:
        raise ValidationFailed("no tracks to add")
    ids = _track_ids(session, track_ids)
    items = _ordered(session, playlist)
    if not allow_duplicates and {i.track_id for i in items} & set(ids):
        raise Conflict(f"Already in {playlist.name}", code="already_in_playlist")
    twice = None if allow_duplicates else _policy.first_repeat(ids)
    if twice is not None:
        title = session.scalar(select(Track.title).where(Track.id == twice))
        raise Conflict(f"“{title}” would be in {playlist.name} twice", code="already_in_playlist")
    if len(items) + len(ids) > _policy.MAX_ITEMS:
        raise ValidationFailed(f"a playlist holds at most {_policy.MAX_ITEMS} tracks")
    at = len(items) if position is None else position
    if not 0 <= at <= len(items):
        raise ValidationFailed("position is outside the playlist")
    new = [PlaylistItem(playlist_id=playlist.id, track_id=t, position=-1, added_at=now, added_by=user_id) for t in ids]
    session.add_all(new)
    return _commit_order(session, playlist, items[:at] + new + items[at:], now)


def remove_from_playlist(
    session: Session,
    *,
    playlist_id: str,
    user_id: int,
    positions: Sequence[int] = (),
    track_ids: Sequence[str] = (),
    snapshot_id: str | None = None,
    now: datetime,
) -> str:
    """Remove by position (exact) and/or by track (every occurrence), as Spotify's API allows."""
    playlist = _changeable(session, playlist_id, user_id, snapshot_id)
    if not positions and not track_ids:
        raise ValidationFailed("nothing to remove")
    items = _ordered(session, playlist)
    if any(not 0 <= p < len(items) for p in positions):
        raise ValidationFailed("position is outside the playlist")
    gone_tracks = set(_track_ids(session, track_ids, music_only=False)) if track_ids else set()
    gone_positions = set(positions)
    keep: list[PlaylistItem] = []
    for index, item in enumerate(items):
        if index in gone_positions or item.track_id in gone_tracks:
            session.delete(item)
        else:
            keep.append(item)
    return _commit_order(session, playlist, keep, now)


def move_in_playlist(
    session: Session,
    *,
    playlist_id: str,
    user_id: int,
    range_start: int,
    insert_before: int,
    range_length: int = 1,
    snapshot_id: str | None = None,
    now: datetime,
) -> str:
    playlist = _changeable(session, playlist_id, user_id, snapshot_id)
    items = _ordered(session, playlist)
    try:
        order = _policy.moved(
            list(range(len(items))), range_start=range_start, insert_before=insert_before, range_length=range_length
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    return _commit_order(session, playlist, [items[i] for i in order], now)


def replace_playlist_items(
    session: Session, *, playlist_id: str, user_id: int, track_ids: Sequence[str], now: datetime
) -> str:
    playlist = _changeable(session, playlist_id, user_id)
    ids = _track_ids(session, track_ids) if track_ids else []
    for item in _ordered(session, playlist):
        session.delete(item)
    new = [PlaylistItem(playlist_id=playlist.id, track_id=t, position=-1, added_at=now, added_by=user_id) for t in ids]
    session.add_all(new)
    return _commit_order(session, playlist, new, now)
