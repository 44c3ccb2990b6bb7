"""/v1 playlists: read, create, change details, add, remove, reorder (with snapshot_id), replace."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from encore import library, oauth
from encore.accounts import User, get_active_user
from encore.kernel import NotFound, PermissionDenied, ValidationFailed, is_public_id
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import (
    ERROR_RESPONSES,
    AnyToken,
    PlaylistModify,
    PlaylistsRead,
    SpotifyRoute,
    base_url,
    has_scope,
    parse_item_ids,
)
from encore.web.spotify._market import Market, check_market
from encore.web.spotify._playable import mark_playable
from encore.web.spotify._schemas import ID_EXAMPLE
from encore.web.spotify._shapes import images, paging, playlist_simple, playlist_track, track_albums

router = APIRouter(
    prefix="/v1",
    tags=["Web API: playlists"],
    route_class=SpotifyRoute,
    responses={
        **ERROR_RESPONSES,
        409: {"model": s.Error, "description": "snapshot_id is stale: the playlist changed since it was read"},
    },
)

Id = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z]{22}$", description="A 22-character base62 Encore id", examples=[ID_EXAMPLE])
]
Limit = Annotated[int, Query(ge=1, le=50, description="1-50")]
ItemLimit = Annotated[int, Query(ge=1, le=100, description="1-100")]
Offset = Annotated[int, Query(ge=0, le=100_000)]
MODIFY = ("playlist-modify-public", "playlist-modify-private")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _not_collaborative(value: bool | None) -> bool | None:
    """Encore has no collaborative playlists: `true` was answered 201 with `false` (probe19 N2), a client then
    told its user others could add to it. `false` (what most clients send) is what every playlist is."""
    if value:
        raise ValueError("Encore's playlists are not collaborative: only their owner can change them")
    return value


class NewPlaylist(_Body):
    name: str = Field(min_length=1, max_length=100, examples=["Night drive"])
    public: StrictBool = True  # true or false: "yes" or 1 made a playlist public (probe16, as /api in probe15)
    collaborative: StrictBool = False
    description: str = Field("", max_length=300)

    _collaborative = field_validator("collaborative")(_not_collaborative)


class PlaylistDetails(_Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    public: StrictBool | None = None
    collaborative: StrictBool | None = None
    description: str | None = Field(None, max_length=300)

    _collaborative = field_validator("collaborative")(_not_collaborative)


class AddItems(_Body):
    uris: list[Annotated[str, Field(max_length=100)]] = Field(
        min_length=1, max_length=100, examples=[["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]]
    )
    position: int | None = Field(None, ge=0)


UriList = Annotated[list[Annotated[str, Field(max_length=100)]], Field(min_length=1, max_length=100)]


class ChangeItems(_Body):
    """Reorder (range_start, insert_before, range_length, snapshot_id) or replace everything (uris)."""

    uris: list[Annotated[str, Field(max_length=100)]] | None = Field(None, max_length=100)
    range_start: int | None = Field(None, ge=0)
    insert_before: int | None = Field(None, ge=0)
    range_length: int = Field(1, ge=1, le=10_000)
    snapshot_id: str | None = Field(None, max_length=64)


class RemovedItem(_Body):
    uri: str = Field(max_length=100)
    positions: list[Annotated[int, Field(ge=0)]] | None = Field(None, max_length=100)


RemovedList = Annotated[list[RemovedItem], Field(min_length=1, max_length=100)]


class RemoveItems(_Body):
    """Spotify's current shape names the list `items`; the older one (still sent by many clients) `tracks`."""

    items: RemovedList | None = None
    tracks: RemovedList | None = None
    snapshot_id: str | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def _one_list(self) -> "RemoveItems":
        if (self.items is None) == (self.tracks is None):
            raise ValueError('give the items to remove as "items": [{"uri": ...}] (or the older "tracks")')
        return self

    @property
    def removed(self) -> list[RemovedItem]:
        return self.items or self.tracks or []


def _valid(playlist_id: str) -> str:
    if not is_public_id(playlist_id):
        raise ValidationFailed("invalid playlist id")
    return playlist_id


def _viewer(access: oauth.Access) -> int | None:
    """Private playlists are visible to their owner only with playlist-read-private."""
    return access.user_id if has_scope(access, "playlist-read-private") else None


def _read(session: Db, access: oauth.Access, playlist_id: str) -> tuple[library.PlaylistView, int | None]:
    """The playlist as this token may see it, and the viewer its items are read as. The owner's own private
    playlist read without playlist-read-private is refused by that scope's name, as every other missing scope
    is, not hidden as "no such playlist" (probe22 F6): only its owner learns that it exists."""
    viewer = _viewer(access)
    try:
        return library.get_playlist(session, playlist_id=_valid(playlist_id), viewer_id=viewer), viewer
    except NotFound:
        if access.user_id is None or viewer is not None:
            raise
        library.get_playlist(session, playlist_id=playlist_id, viewer_id=access.user_id)  # NotFound: not theirs
        raise PermissionDenied(
            "Insufficient client scope: needs playlist-read-private", code="insufficient_scope"
        ) from None


def _writer(session: Db, access: oauth.Access, playlist_id: str, *, public_after: bool | None = None) -> int:
    """The token must hold the modify scope that matches the playlist's visibility, and the one for the
    visibility it is given (#15: playlist-modify-private alone cannot publish a private playlist)."""
    if access.user_id is None:
        raise PermissionDenied("This endpoint needs a user's authorization, not client credentials")
    found = library.get_playlist(session, playlist_id=_valid(playlist_id), viewer_id=access.user_id)
    for needed in oauth.playlist_modify_scopes(public_now=found.public, public_after=public_after):
        if not has_scope(access, needed):
            raise PermissionDenied(f"Insufficient client scope: needs {needed}")
    return access.user_id


def _owner(session: Db, user_id: str) -> User:
    user = get_active_user(session, public_id=user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def _list(
    request: Request, session: Db, owner: User, viewer: int | None, *, limit: int, offset: int, href: str
) -> s.Paging[s.PlaylistSimple]:
    page = library.list_playlists(session, owner_id=owner.id, viewer_id=viewer, limit=limit, offset=offset)
    base = base_url(request)
    return paging(
        href, {}, page.items, total=page.total, limit=limit, offset=offset, wrap=lambda p: playlist_simple(base, p)
    )


@router.get("/me/playlists", summary="Get the current user's playlists")
def my_playlists(
    request: Request, session: Db, access: PlaylistsRead, limit: Limit = 20, offset: Offset = 0
) -> s.Paging[s.PlaylistSimple]:
    user = session.get(User, access.user_id) if access.user_id is not None else None
    if user is None:
        raise PermissionDenied("This endpoint needs a user's authorization, not client credentials")
    return _list(
        request, session, user, user.id, limit=limit, offset=offset, href=f"{base_url(request)}/v1/me/playlists"
    )


@router.get("/users/{user_id}/playlists", summary="Get a user's playlists")
def user_playlists(
    *, request: Request, session: Db, access: AnyToken, user_id: Id, limit: Limit = 20, offset: Offset = 0
) -> s.Paging[s.PlaylistSimple]:
    """Public playlists; the user's own private ones too when the token holds playlist-read-private."""
    owner = _owner(session, user_id)
    href = f"{base_url(request)}/v1/users/{user_id}/playlists"
    return _list(request, session, owner, _viewer(access), limit=limit, offset=offset, href=href)


def _create(request: Request, session: Db, access: oauth.Access, body: NewPlaylist) -> s.PlaylistSimple:
    needed = "playlist-modify-public" if body.public else "playlist-modify-private"
    if access.user_id is None or not has_scope(access, needed):
        raise PermissionDenied(f"Insufficient client scope: needs {needed}")
    made = library.create_playlist(
        session,
        owner_id=access.user_id,
        name=body.name,
        description=body.description,
        public=body.public,
        now=container(request).clock.now(),
    )
    return playlist_simple(base_url(request), made)


@router.post("/users/{user_id}/playlists", summary="Create a playlist", status_code=201)
def create_for_user(
    request: Request, session: Db, access: PlaylistModify, user_id: Id, body: NewPlaylist
) -> s.PlaylistSimple:
    if _owner(session, user_id).id != access.user_id:
        raise PermissionDenied("You can only create playlists for yourself")
    return _create(request, session, access, body)


@router.post("/me/playlists", summary="Create a playlist for the current user", status_code=201)
def create_for_me(request: Request, session: Db, access: PlaylistModify, body: NewPlaylist) -> s.PlaylistSimple:
    return _create(request, session, access, body)


@router.get("/playlists/{id}", summary="Get a playlist")
def playlist(
    *,
    request: Request,
    session: Db,
    access: AnyToken,
    id: Id,
    market: Market = None,
    fields: Annotated[
        str | None, Query(max_length=500, description="Accepted; the full object is sent (a superset of the fields)")
    ] = None,
) -> s.Playlist:
    check_market(market)
    found, viewer = _read(session, access, id)
    base = base_url(request)
    simple = playlist_simple(base, found)
    page = library.playlist_items(session, playlist_id=id, viewer_id=viewer, limit=100, offset=0)
    albums = track_albums(session, (i.track for i in page.items))

    def first_page(name: str) -> s.Paging[s.PlaylistTrack]:
        return paging(
            f"{simple.href}/{name}",
            {},
            page.items,
            total=page.total,
            limit=100,
            offset=0,
            wrap=lambda i: playlist_track(base, found, i, albums),
        )

    out = s.Playlist(**{**simple.model_dump(), "items": first_page("items"), "tracks": first_page("tracks")})
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


@router.put("/playlists/{id}", summary="Change a playlist's details", status_code=200)
def change_details(
    request: Request, session: Db, access: PlaylistModify, id: Id, body: PlaylistDetails | None = None
) -> None:
    """Every field is optional; no body, or `{}`, changes nothing and succeeds (as on Spotify, whose clients
    send no body when nothing was asked), after the same checks of owner and scope as a real change."""
    body = body or PlaylistDetails()
    user_id = _writer(session, access, id, public_after=body.public)
    library.update_playlist(
        session,
        playlist_id=id,
        user_id=user_id,
        name=body.name,
        description=body.description,
        public=body.public,
        now=container(request).clock.now(),
    )


def _items(
    request: Request, session: Db, access: oauth.Access, id: str, *, limit: int, offset: int
) -> s.Paging[s.PlaylistTrack]:
    found, viewer = _read(session, access, id)
    page = library.playlist_items(session, playlist_id=id, viewer_id=viewer, limit=limit, offset=offset)
    base, albums = base_url(request), track_albums(session, (i.track for i in page.items))
    href = f"{base}{request.url.path}"
    out = paging(
        href,
        {},
        page.items,
        total=page.total,
        limit=limit,
        offset=offset,
        wrap=lambda i: playlist_track(base, found, i, albums),
    )
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


def _add(request: Request, session: Db, access: oauth.Access, id: str, body: AddItems) -> s.Snapshot:
    user_id = _writer(session, access, id)
    snap = library.add_to_playlist(
        session,
        playlist_id=id,
        user_id=user_id,
        track_ids=parse_item_ids(body.uris, "track"),
        position=body.position,
        now=container(request).clock.now(),
    )
    return s.Snapshot(snapshot_id=snap)


def _change(request: Request, session: Db, access: oauth.Access, id: str, body: ChangeItems) -> s.Snapshot:
    user_id = _writer(session, access, id)
    now = container(request).clock.now()
    if body.range_start is not None and body.insert_before is not None:
        snap = library.move_in_playlist(
            session,
            playlist_id=id,
            user_id=user_id,
            range_start=body.range_start,
            insert_before=body.insert_before,
            range_length=body.range_length,
            snapshot_id=body.snapshot_id,
            now=now,
        )
    elif body.uris is not None:
        snap = library.replace_playlist_items(
            session, playlist_id=id, user_id=user_id, track_ids=parse_item_ids(body.uris, "track"), now=now
        )
    else:
        raise ValidationFailed("give range_start and insert_before to reorder, or uris to replace")
    return s.Snapshot(snapshot_id=snap)


def _remove(request: Request, session: Db, access: oauth.Access, id: str, body: RemoveItems) -> s.Snapshot:
    user_id = _writer(session, access, id)
    positions = [p for t in body.removed for p in (t.positions or [])]
    everywhere = parse_item_ids([t.uri for t in body.removed if not t.positions], "track")
    snap = library.remove_from_playlist(
        session,
        playlist_id=id,
        user_id=user_id,
        positions=positions,
        track_ids=everywhere,
        snapshot_id=body.snapshot_id,
        now=container(request).clock.now(),
    )
    return s.Snapshot(snapshot_id=snap)


@router.get("/playlists/{id}/tracks", summary="Get a playlist's items")
@router.get("/playlists/{id}/items", summary="Get a playlist's items (newer name)")
def get_items(
    *,
    request: Request,
    session: Db,
    access: AnyToken,
    id: Id,
    limit: ItemLimit = 100,
    offset: Offset = 0,
    market: Market = None,
) -> s.Paging[s.PlaylistTrack]:
    check_market(market)
    return _items(request, session, access, id, limit=limit, offset=offset)


@router.post("/playlists/{id}/tracks", summary="Add items to a playlist", status_code=201)
@router.post("/playlists/{id}/items", summary="Add items to a playlist (newer name)", status_code=201)
def add_items(
    *,
    request: Request,
    session: Db,
    access: PlaylistModify,
    id: Id,
    body: Annotated[AddItems | UriList, Body(examples=[{"uris": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]}])],
    position: Annotated[int | None, Query(ge=0, le=10_000)] = None,
) -> s.Snapshot:
    """The body is `{"uris": [...], "position": n}` or a bare JSON array of uris (`position` then as a query)."""
    if isinstance(body, list):
        body = AddItems(uris=body, position=position)
    return _add(request, session, access, id, body)


@router.put("/playlists/{id}/tracks", summary="Reorder or replace a playlist's items")
@router.put("/playlists/{id}/items", summary="Reorder or replace a playlist's items (newer name)")
def change_items(request: Request, session: Db, access: PlaylistModify, id: Id, body: ChangeItems) -> s.Snapshot:
    return _change(request, session, access, id, body)


@router.delete("/playlists/{id}/tracks", summary="Remove items from a playlist")
@router.delete("/playlists/{id}/items", summary="Remove items from a playlist (newer name)")
def remove_items(request: Request, session: Db, access: PlaylistModify, id: Id, body: RemoveItems) -> s.Snapshot:
    return _remove(request, session, access, id, body)


@router.get("/playlists/{id}/images", summary="Get a playlist's cover image")
def cover_image(session: Db, request: Request, access: AnyToken, id: Id) -> list[s.Image]:
    """The cover (its first track's album art, in three sizes); `[]` for an empty playlist."""
    found, _ = _read(session, access, id)
    return images(base_url(request), found.artwork_key)
