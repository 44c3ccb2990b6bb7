"""The player's library: playlists (private unless made public) and saved tracks, albums, artists."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from encore import catalog, library
from encore.accounts import User, get_active_user, name_for_others
from encore.kernel import NotFound
from encore.library import PlaylistView
from encore.web._deps import CurrentUser, Db, MaybeUser, container
from encore.web._library_schemas import (
    ItemsAdd,
    ItemsMove,
    ItemsRemove,
    OwnerOut,
    PlaylistIn,
    PlaylistItemOut,
    PlaylistOut,
    PlaylistPatch,
    ProfileOut,
    SavedAlbumOut,
    SavedArtistOut,
    SavedTrackOut,
    SnapshotOut,
)
from encore.web._mappers import album_out, artist_out, images, track_out
from encore.web._schemas import PageOut

router = APIRouter(prefix="/api", tags=["library"])

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Kind = Literal["tracks", "albums", "artists"]
_KIND: dict[str, library.SavedKind] = {"tracks": "track", "albums": "album", "artists": "artist"}


def playlist_out(p: PlaylistView, viewer: User | None) -> PlaylistOut:
    return PlaylistOut(
        id=p.id,
        name=p.name,
        description=p.description,
        public=p.public,
        owner=OwnerOut(id=p.owner_public_id, name=p.owner_name),
        is_owner=viewer is not None and viewer.id == p.owner_id,
        snapshot_id=p.snapshot_id,
        total_tracks=p.total_tracks,
        duration_ms=p.duration_ms,
        images=images(p.artwork_key),
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


@router.get("/me/playlists")
def my_playlists(session: Db, user: CurrentUser, limit: Limit = 50, offset: Offset = 0) -> PageOut[PlaylistOut]:
    page = library.list_playlists(session, owner_id=user.id, viewer_id=user.id, limit=limit, offset=offset)
    return PageOut[PlaylistOut](
        items=[playlist_out(p, user) for p in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/search/playlists")
def search_public_playlists(
    *,
    request: Request,
    session: Db,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Offset = 0,
) -> PageOut[PlaylistOut]:
    """Public playlists whose name holds every word of `q` that is not a field filter (none applies to a
    playlist), everyone's: the rule of /v1/search?type=playlist (`library.search_playlists`), so the player finds
    what a Spotify-API app finds. Private ones never."""
    # The parser also drops NUL, which cannot reach PostgreSQL (catalog._search_query).
    asked = catalog.parse_search_query(q, today=container(request).clock.now().date())
    page = library.search_playlists(session, query=asked.text, limit=limit, offset=offset)
    return PageOut[PlaylistOut](
        items=[playlist_out(p, user) for p in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/users/{user_id}")
def profile(user_id: str, session: Db, viewer: CurrentUser, limit: Limit = 50, offset: Offset = 0) -> ProfileOut:
    """A listener's page in the player (where /v1's users' external_urls lead): the name and public playlists."""
    owner = get_active_user(session, public_id=user_id)
    if owner is None:
        raise NotFound("no such user")
    page = library.list_playlists(session, owner_id=owner.id, viewer_id=viewer.id, limit=limit, offset=offset)
    items = [playlist_out(p, viewer) for p in page.items]
    return ProfileOut(
        id=owner.public_id,
        name=name_for_others(owner),
        playlists=PageOut[PlaylistOut](items=items, total=page.total, limit=limit, offset=offset),
    )


@router.post("/playlists", status_code=201)
def create(body: PlaylistIn, request: Request, session: Db, user: CurrentUser) -> PlaylistOut:
    p = library.create_playlist(
        session,
        owner_id=user.id,
        name=body.name,
        description=body.description,
        public=body.public,
        now=container(request).clock.now(),
    )
    return playlist_out(p, user)


@router.get("/playlists/{playlist_id}")
def show(playlist_id: str, session: Db, user: MaybeUser) -> PlaylistOut:
    p = library.get_playlist(session, playlist_id=playlist_id, viewer_id=user.id if user else None)
    return playlist_out(p, user)


@router.patch("/playlists/{playlist_id}")
def change(playlist_id: str, body: PlaylistPatch, request: Request, session: Db, user: CurrentUser) -> PlaylistOut:
    p = library.update_playlist(
        session,
        playlist_id=playlist_id,
        user_id=user.id,
        name=body.name,
        description=body.description,
        public=body.public,
        now=container(request).clock.now(),
    )
    return playlist_out(p, user)


@router.delete("/playlists/{playlist_id}", status_code=204)
def remove(playlist_id: str, session: Db, user: CurrentUser) -> Response:
    library.delete_playlist(session, playlist_id=playlist_id, user_id=user.id)
    return Response(status_code=204)


@router.get("/playlists/{playlist_id}/items")
def items(
    playlist_id: str, session: Db, user: MaybeUser, limit: Limit = 100, offset: Offset = 0
) -> PageOut[PlaylistItemOut]:
    page = library.playlist_items(
        session, playlist_id=playlist_id, viewer_id=user.id if user else None, limit=limit, offset=offset
    )
    return PageOut[PlaylistItemOut](
        items=[PlaylistItemOut(position=i.position, added_at=i.added_at, track=track_out(i.track)) for i in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.post("/playlists/{playlist_id}/items", status_code=201)
def add_items(playlist_id: str, body: ItemsAdd, request: Request, session: Db, user: CurrentUser) -> SnapshotOut:
    snap = library.add_to_playlist(
        session,
        playlist_id=playlist_id,
        user_id=user.id,
        track_ids=body.track_ids,
        position=body.position,
        allow_duplicates=body.allow_duplicates,
        now=container(request).clock.now(),
    )
    return SnapshotOut(snapshot_id=snap)


@router.delete("/playlists/{playlist_id}/items")
def remove_items(playlist_id: str, body: ItemsRemove, request: Request, session: Db, user: CurrentUser) -> SnapshotOut:
    snap = library.remove_from_playlist(
        session,
        playlist_id=playlist_id,
        user_id=user.id,
        positions=body.positions,
        track_ids=body.track_ids,
        snapshot_id=body.snapshot_id,
        now=container(request).clock.now(),
    )
    return SnapshotOut(snapshot_id=snap)


@router.post("/playlists/{playlist_id}/items/move")
def move_items(playlist_id: str, body: ItemsMove, request: Request, session: Db, user: CurrentUser) -> SnapshotOut:
    snap = library.move_in_playlist(
        session,
        playlist_id=playlist_id,
        user_id=user.id,
        range_start=body.range_start,
        insert_before=body.insert_before,
        range_length=body.range_length,
        snapshot_id=body.snapshot_id,
        now=container(request).clock.now(),
    )
    return SnapshotOut(snapshot_id=snap)


@router.get("/me/likes/tracks")
def liked_tracks(session: Db, user: CurrentUser, limit: Limit = 50, offset: Offset = 0) -> PageOut[SavedTrackOut]:
    page = library.saved_tracks(session, user_id=user.id, limit=limit, offset=offset)
    out = [SavedTrackOut(saved_at=s.saved_at, track=track_out(s.track)) for s in page.items]
    return PageOut[SavedTrackOut](items=out, total=page.total, limit=limit, offset=offset)


@router.get("/me/likes/albums")
def liked_albums(session: Db, user: CurrentUser, limit: Limit = 50, offset: Offset = 0) -> PageOut[SavedAlbumOut]:
    page = library.saved_albums(session, user_id=user.id, limit=limit, offset=offset)
    out = [SavedAlbumOut(saved_at=s.saved_at, album=album_out(s.album)) for s in page.items]
    return PageOut[SavedAlbumOut](items=out, total=page.total, limit=limit, offset=offset)


@router.get("/me/likes/artists")
def liked_artists(session: Db, user: CurrentUser, limit: Limit = 50, offset: Offset = 0) -> PageOut[SavedArtistOut]:
    page = library.saved_artists(session, user_id=user.id, limit=limit, offset=offset)
    out = [SavedArtistOut(saved_at=s.saved_at, artist=artist_out(s.artist)) for s in page.items]
    return PageOut[SavedArtistOut](items=out, total=page.total, limit=limit, offset=offset)


@router.get("/me/likes/{kind}/contains")
def liked_contains(
    kind: Kind, session: Db, user: CurrentUser, ids: Annotated[str, Query(max_length=2400)]
) -> list[bool]:
    wanted = [i for i in ids.split(",") if i]
    return library.saved_status(session, user_id=user.id, kind=_KIND[kind], ids=wanted)


@router.put("/me/likes/{kind}/{item_id}", status_code=204)
def like(kind: Kind, item_id: str, request: Request, session: Db, user: CurrentUser) -> Response:
    library.save_items(session, user_id=user.id, kind=_KIND[kind], ids=[item_id], now=container(request).clock.now())
    return Response(status_code=204)


@router.delete("/me/likes/{kind}/{item_id}", status_code=204)
def unlike(kind: Kind, item_id: str, session: Db, user: CurrentUser) -> Response:
    library.unsave_items(session, user_id=user.id, kind=_KIND[kind], ids=[item_id])
    return Response(status_code=204)
