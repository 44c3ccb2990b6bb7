"""Playlist services. Positions are dense (0..n-1) and rewritten on every change of order."""

from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.orm import Session

from encore.accounts import User, name_for_others
from encore.catalog import Album, Page, Track, music_track, track_views
from encore.db import folded_words, write_lock
from encore.kernel import Conflict, NotFound, PermissionDenied, ValidationFailed, is_public_id
from encore.library import _policy
from encore.library._models import Playlist, PlaylistItem
from encore.library._views import PlaylistItemView, PlaylistView


def snapshot_id(playlist: Playlist) -> str:
    return f"{playlist.public_id[:6]}{playlist.version:08x}"


def _load(session: Session, playlist_id: str) -> Playlist:
    row = (
        session.scalar(select(Playlist).where(Playlist.public_id == playlist_id)) if is_public_id(playlist_id) else None
    )
    if row is None:
        raise NotFound("no such playlist")
    return row


def _visible(session: Session, playlist_id: str, viewer_id: int | None) -> Playlist:
    playlist = _load(session, playlist_id)
    access = _policy.playlist_access(owner_id=playlist.owner_id, public=playlist.public, viewer_id=viewer_id)
    if not _policy.may_view(access).allowed:
        raise NotFound("no such playlist")
    owner_active = viewer_id == playlist.owner_id or session.scalar(
        select(User.is_active).where(User.id == playlist.owner_id)
    )
    if not owner_active:  # a stopped account's (being deleted): gone for others at once, not when the job runs
        raise NotFound("no such playlist")
    return playlist


def _changeable(session: Session, playlist_id: str, user_id: int, snapshot: str | None = None) -> Playlist:
    playlist = _load(session, playlist_id)
    access = _policy.playlist_access(owner_id=playlist.owner_id, public=playlist.public, viewer_id=user_id)
    decision = _policy.may_change(access)
    if not decision.allowed:
        if decision.reason == "not_found":
            raise NotFound("no such playlist")
        raise PermissionDenied("only the owner can change this playlist", code=decision.reason)
    # Changes sent at once each read the same items and version: one snapshot id for several contents, new
    # tracks sharing a position, a duplicate let in. One change at a time, each reading what the last left.
    write_lock(session, "playlist", playlist.id)
    session.refresh(playlist)
    if snapshot is not None and snapshot != snapshot_id(playlist):
        raise Conflict("the playlist changed since that snapshot", code="stale_snapshot")
    return playlist


def _text(value: str, *, field: str, limit: int, allow_empty: bool) -> str:
    try:
        return _policy.clean_text(value, field=field, limit=limit, allow_empty=allow_empty)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


_NONE = (0, 0, 0, 0)


def _views(session: Session, playlists: list[Playlist]) -> list[PlaylistView]:
    ids = [p.id for p in playlists]
    stats: dict[int, tuple[int, int, int, int]] = {}
    covers: dict[int, str | None] = {}
    owners: dict[int, User] = {}
    if ids:
        playable = case((music_track(), 1), else_=0)  # the same read counts the tracks still streamable
        rows = session.execute(
            select(
                PlaylistItem.playlist_id,
                func.count(),
                func.coalesce(func.sum(Track.duration_ms), 0),
                func.coalesce(func.sum(playable), 0),
                func.coalesce(func.sum(playable * Track.duration_ms), 0),
            )
            .join(Track, Track.id == PlaylistItem.track_id)
            .where(PlaylistItem.playlist_id.in_(ids))
            .group_by(PlaylistItem.playlist_id)
        )
        stats = {pid: (int(n), int(ms), int(pn), int(pms)) for pid, n, ms, pn, pms in rows}
        # The cover is the first track's that can still be played: a withdrawn release's artwork is listed
        # nowhere else, and a playlist opening with one would show it (on Subsonic, the only picture of the list).
        lead = (
            select(PlaylistItem.playlist_id, func.min(PlaylistItem.position).label("position"))
            .join(Track, Track.id == PlaylistItem.track_id)
            .where(PlaylistItem.playlist_id.in_(ids), music_track())
            .group_by(PlaylistItem.playlist_id)
            .subquery()
        )
        first = session.execute(
            select(PlaylistItem.playlist_id, Album.artwork_key)
            .join(lead, (lead.c.playlist_id == PlaylistItem.playlist_id) & (lead.c.position == PlaylistItem.position))
            .join(Track, Track.id == PlaylistItem.track_id)
            .join(Album, Album.id == Track.album_id)
        )
        covers = {pid: key for pid, key in first.all()}  # noqa: C416 - rows are Row objects
        owner_ids = {p.owner_id for p in playlists}
        owners = {u.id: u for u in session.scalars(select(User).where(User.id.in_(owner_ids)))}
    return [
        PlaylistView(
            id=p.public_id,
            name=p.name,
            description=p.description,
            public=p.public,
            owner_id=p.owner_id,
            owner_public_id=owners[p.owner_id].public_id,
            owner_name=name_for_others(owners[p.owner_id]),
            snapshot_id=snapshot_id(p),
            total_tracks=stats.get(p.id, _NONE)[0],
            duration_ms=stats.get(p.id, _NONE)[1],
            artwork_key=covers.get(p.id),
            created_at=p.created_at,
            updated_at=p.updated_at,
            playable_tracks=stats.get(p.id, _NONE)[2],
            playable_ms=stats.get(p.id, _NONE)[3],
        )
        for p in playlists
    ]


def _may_create(session: Session, *, owner_id: int, now: datetime) -> None:
    hour_ago = now - timedelta(hours=1)
    recent = case((Playlist.created_at > hour_ago, Playlist.created_at))
    owned, made, oldest = session.execute(
        select(func.count(), func.count(recent), func.min(recent)).where(Playlist.owner_id == owner_id)
    ).one()
    decision = _policy.may_create(owned=owned, made_last_hour=made)
    if decision.reason == "too_many_playlists":
        raise ValidationFailed(
            f"An account holds at most {_policy.MAX_PLAYLISTS:,} playlists and yours has {owned:,}:"
            " delete one to make room for another",
            code=decision.reason,
        )
    if not decision.allowed:
        raise ValidationFailed(
            f"You made {made:,} playlists in the last hour, the most an hour allows: make the next from"
            f" {oldest + timedelta(hours=1):%H:%M} UTC",
            code=decision.reason,
        )


def create_playlist(
    session: Session, *, owner_id: int, name: str, description: str = "", public: bool = False, now: datetime
) -> PlaylistView:
    write_lock(session, "playlists", owner_id)  # counted before another request's playlist was committed, both fit
    _may_create(session, owner_id=owner_id, now=now)
    playlist = Playlist(
        owner_id=owner_id,
        name=_text(name, field="name", limit=_policy.MAX_NAME, allow_empty=False),
        description=_text(description, field="description", limit=_policy.MAX_DESCRIPTION, allow_empty=True),
        public=public,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(playlist)
    session.flush()
    return _views(session, [playlist])[0]


def get_playlist(session: Session, *, playlist_id: str, viewer_id: int | None) -> PlaylistView:
    return _views(session, [_visible(session, playlist_id, viewer_id)])[0]


def update_playlist(
    session: Session,
    *,
    playlist_id: str,
    user_id: int,
    name: str | None = None,
    description: str | None = None,
    public: bool | None = None,
    now: datetime,
) -> PlaylistView:
    playlist = _changeable(session, playlist_id, user_id)
    if name is not None:
        playlist.name = _text(name, field="name", limit=_policy.MAX_NAME, allow_empty=False)
    if description is not None:
        playlist.description = _text(description, field="description", limit=_policy.MAX_DESCRIPTION, allow_empty=True)
    if public is not None:
        playlist.public = public
    playlist.updated_at = now
    session.flush()
    return _views(session, [playlist])[0]


def delete_playlist(session: Session, *, playlist_id: str, user_id: int) -> None:
    playlist = _changeable(session, playlist_id, user_id)
    session.execute(delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id))
    session.delete(playlist)
    session.flush()


def list_playlists(
    session: Session, *, owner_id: int, viewer_id: int | None, limit: int, offset: int
) -> Page[PlaylistView]:
    where = [Playlist.owner_id == owner_id]
    if viewer_id != owner_id:
        where.append(Playlist.public.is_(True))
    total = session.scalar(select(func.count()).select_from(Playlist).where(*where)) or 0
    rows = list(
        session.scalars(select(Playlist).where(*where).order_by(Playlist.id.desc()).limit(limit).offset(offset))
    )
    return Page(_views(session, rows), total, limit, offset)


def playable_playlists(session: Session, *, viewer_id: int, limit: int, offset: int) -> Page[PlaylistView]:
    """Every playlist `viewer_id` may play: their own (private ones too), then other listeners' public ones
    (never a stopped account's, as in search), each group newest first. Subsonic's getPlaylists."""
    active = Playlist.owner_id.in_(select(User.id).where(User.is_active))
    where = [or_(Playlist.owner_id == viewer_id, and_(Playlist.public.is_(True), active))]
    total = session.scalar(select(func.count()).select_from(Playlist).where(*where)) or 0
    mine_first = case((Playlist.owner_id == viewer_id, 0), else_=1)
    query = select(Playlist).where(*where).order_by(mine_first, Playlist.id.desc()).limit(limit).offset(offset)
    return Page(_views(session, list(session.scalars(query))), total, limit, offset)


def search_playlists(session: Session, *, query: str, limit: int, offset: int) -> Page[PlaylistView]:
    """Public playlists whose name holds every word of `query` (case folded and accents aside, in every script, as
    the catalogue's search reads words: "STRASSE" finds "Straße", "cafe" "Café"), newest
    first. Private playlists are never found, the owner's own included: a search is a public place. Neither are a
    stopped account's (one being deleted: review18b, its playlists were listed until the erase job reached them).
    Names are read folded as they were written (`Playlist.name_key`), never folded per row here (review32a M2)."""
    words = folded_words(query)
    if not words:  # an empty query, or one of accents alone: nothing asked, nothing listed (review32a L2)
        return Page([], 0, limit, offset)
    active = Playlist.owner_id.in_(select(User.id).where(User.is_active))
    where = [
        Playlist.public.is_(True),
        active,
        *(Playlist.name_key.contains(w, autoescape=True) for w in words),
    ]
    total = session.scalar(select(func.count()).select_from(Playlist).where(*where)) or 0
    rows = list(
        session.scalars(select(Playlist).where(*where).order_by(Playlist.id.desc()).limit(limit).offset(offset))
    )
    return Page(_views(session, rows), total, limit, offset)


def playlist_items(
    session: Session, *, playlist_id: str, viewer_id: int | None, limit: int, offset: int
) -> Page[PlaylistItemView]:
    playlist = _visible(session, playlist_id, viewer_id)
    where = PlaylistItem.playlist_id == playlist.id
    total = session.scalar(select(func.count()).select_from(PlaylistItem).where(where)) or 0
    items = list(
        session.scalars(select(PlaylistItem).where(where).order_by(PlaylistItem.position).limit(limit).offset(offset))
    )
    tracks = {t.id: t for t in session.scalars(select(Track).where(Track.id.in_({i.track_id for i in items})))}
    views = dict(zip([t.id for t in tracks.values()], track_views(session, list(tracks.values())), strict=True))
    return Page([PlaylistItemView(i.position, i.added_at, views[i.track_id]) for i in items], total, limit, offset)
