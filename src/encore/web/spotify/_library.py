"""/v1/me/tracks and /v1/me/library: the listener's saved tracks, albums and artists."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request

from encore import catalog, library, oauth
from encore.kernel import NotFound, PermissionDenied, ValidationFailed
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import (
    ERROR_RESPONSES,
    LibraryModify,
    LibraryRead,
    SpotifyRoute,
    base_url,
    has_scope,
    ids_param,
    needs,
    parse_item_ids,
    user_of,
)
from encore.web.spotify._follows import follow, follows, unfollow
from encore.web.spotify._market import Market, check_market
from encore.web.spotify._playable import mark_playable
from encore.web.spotify._shapes import album_full, iso, paging, track_albums, track_full
from encore.web.spotify._uris import split

router = APIRouter(
    prefix="/v1", tags=["Web API: the current user"], route_class=SpotifyRoute, responses=ERROR_RESPONSES
)
Limit = Annotated[int, Query(ge=1, le=50, description="1-50")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="0-10000")]
KINDS: tuple[library.SavedKind, ...] = ("track", "album", "artist")


@router.get("/me/tracks", summary="Get the user's saved tracks")
def saved_tracks(
    *,
    request: Request,
    session: Db,
    access: LibraryRead,
    limit: Limit = 20,
    offset: Offset = 0,
    market: Market = None,
) -> s.Paging[s.SavedTrack]:
    check_market(market)
    page = library.saved_tracks(session, user_id=user_of(access), limit=limit, offset=offset)
    base, albums = base_url(request), track_albums(session, (v.track for v in page.items))
    out = paging(
        f"{base}/v1/me/tracks",
        {},
        page.items,
        total=page.total,
        limit=limit,
        offset=offset,
        wrap=lambda v: s.SavedTrack(
            added_at=iso(v.saved_at), track=track_full(base, v.track, albums.get(v.track.album_id))
        ),
    )
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


def _ids_from(ids: str | None, body: dict[str, object] | None, kind: library.SavedKind = "track") -> list[str]:
    if ids:
        return parse_item_ids(ids_param(ids, most=50), kind)
    listed = (body or {}).get("ids")
    if not isinstance(listed, list) or not listed or len(listed) > 50 or not all(isinstance(i, str) for i in listed):
        raise ValidationFailed(f"give 1 to 50 {kind} ids in `ids` (query or JSON body)")
    return parse_item_ids([str(i) for i in listed], kind)


IdsQuery = Annotated[str | None, Query(max_length=2000, description="Up to 50 comma-separated ids")]
IdsBody = Annotated[dict[str, object] | None, Body(examples=[{"ids": ["4uLU6hMCjMI75M1A2tKUQC"]}])]


def _save_routes(kind: library.SavedKind, *, contains_most: int, older_shape: str = "") -> None:
    """PUT, DELETE and GET .../contains of /me/{kind}s: one body for tracks and albums (albums' are the older
    shape of /me/library, kept for apps that call them)."""
    plural, note = f"{kind}s", f" ({older_shape})" if older_shape else ""

    def save(request: Request, session: Db, access: LibraryModify, ids: IdsQuery = None, body: IdsBody = None) -> None:
        wanted = _ids_from(ids, body, kind)
        library.save_items(session, user_id=user_of(access), kind=kind, ids=wanted, now=container(request).clock.now())

    def unsave(session: Db, access: LibraryModify, ids: IdsQuery = None, body: IdsBody = None) -> None:
        library.unsave_items(session, user_id=user_of(access), kind=kind, ids=_ids_from(ids, body, kind))

    def contains(
        session: Db,
        access: LibraryRead,
        ids: Annotated[str, Query(max_length=2000, description=f"Up to {contains_most} comma-separated ids")],
    ) -> list[bool]:
        wanted = parse_item_ids(ids_param(ids, most=contains_most), kind)
        return library.saved_status(session, user_id=user_of(access), kind=kind, ids=wanted)

    path = f"/me/{plural}"
    router.put(path, summary=f"Save {plural} for the user{note}", status_code=200, name=f"save_{plural}")(save)
    router.delete(path, summary=f"Remove the user's saved {plural}{note}", status_code=200, name=f"unsave_{plural}")(
        unsave
    )
    router.get(f"{path}/contains", summary=f"Check the user's saved {plural}{note}", name=f"saved_{plural}_contain")(
        contains
    )


_save_routes("track", contains_most=50)


@router.get("/me/albums", summary="Get the user's saved albums")
def saved_albums(
    *,
    request: Request,
    session: Db,
    access: LibraryRead,
    limit: Limit = 20,
    offset: Offset = 0,
    market: Market = None,
) -> s.Paging[s.SavedAlbum]:
    check_market(market)
    page = library.saved_albums(session, user_id=user_of(access), limit=limit, offset=offset)
    base = base_url(request)
    full = {}
    for v in page.items:
        try:
            full[v.album.id] = album_full(base, catalog.album_page(session, album_id=v.album.id))
        except NotFound:  # saved, then taken out of the catalogue (withdrawn, or made an ad)
            continue
    return paging(
        f"{base}/v1/me/albums",
        {},
        [v for v in page.items if v.album.id in full],
        total=page.total,
        limit=limit,
        offset=offset,
        wrap=lambda v: s.SavedAlbum(added_at=iso(v.saved_at), album=full[v.album.id]),
    )


_save_routes("album", contains_most=20, older_shape="older shape of /me/library")


Uris = Annotated[
    str,
    Query(
        max_length=4000,
        description="Up to 40 comma-separated spotify: (or encore:) uris of tracks, albums or artists",
        examples=["spotify:track:4uLU6hMCjMI75M1A2tKUQC"],
    ),
]


UriKind = Literal["track", "album", "artist", "playlist"]
# The scopes (any one) each kind of uri needs on /me/library, beside the route's own check. Playlists are
# (un)followed through `_follows`, which checks the modify scope for the playlist's visibility itself.
_NEEDS: dict[UriKind, tuple[tuple[str, ...], tuple[str, ...]]] = {  # (reading, changing)
    "track": (("user-library-read",), ("user-library-modify",)),
    "album": (("user-library-read",), ("user-library-modify",)),
    "artist": (("user-follow-read", "user-library-read"), ("user-follow-modify", "user-library-modify")),
    "playlist": ((), ("playlist-modify-public", "playlist-modify-private")),
}
URI_KINDS: tuple[UriKind, ...] = ("track", "album", "artist", "playlist")


def _by_kind(uris: str, access: oauth.Access, *, change: bool) -> list[tuple[UriKind, str]]:
    """The uris, checked whole before anything is saved: each well formed, each kind's scope held."""
    out: list[tuple[UriKind, str]] = []
    for item in ids_param(uris, most=40):
        found = split(item)
        if found is None or found[0] not in URI_KINDS:
            raise ValidationFailed(f"not a track, album, artist or playlist uri: {item[:80]}")
        kind = found[0]  # one of URI_KINDS (checked above: mypy narrows it)
        out.append((kind, found[1]))
    for kind in dict.fromkeys(k for k, _ in out):
        wanted = _NEEDS[kind][1 if change else 0]
        if wanted and not any(has_scope(access, w) for w in wanted):
            raise PermissionDenied(f"Insufficient client scope: {kind} uris need {' or '.join(wanted)}")
    return out


def _ids(wanted: list[tuple[UriKind, str]], kind: library.SavedKind) -> list[str]:
    return [i for k, i in wanted if k == kind]


ChangeLibrary = Annotated[
    oauth.Access,
    Depends(needs("user-library-modify", "user-follow-modify", "playlist-modify-public", "playlist-modify-private")),
]
ReadLibrary = Annotated[
    oauth.Access,
    Depends(needs("user-library-read", "user-follow-read", "playlist-modify-public", "playlist-modify-private")),
]


@router.put("/me/library", summary="Save items to the user's library", status_code=200)
def save_library(request: Request, session: Db, access: ChangeLibrary, uris: Uris) -> None:
    """Tracks, albums and artists (Spotify's follow) are saved; a playlist uri follows it (see `_follows`)."""
    wanted, now = _by_kind(uris, access, change=True), container(request).clock.now()
    for kind in KINDS:
        if ids := _ids(wanted, kind):
            library.save_items(session, user_id=user_of(access), kind=kind, ids=ids, now=now)
    for playlist_id in (i for k, i in wanted if k == "playlist"):
        follow(session, access, playlist_id)


@router.delete("/me/library", summary="Remove items from the user's library", status_code=200)
def unsave_library(session: Db, access: ChangeLibrary, uris: Uris) -> None:
    """A playlist uri unfollows it: the owner's unfollow deletes it, as on Spotify (see `_follows`)."""
    wanted = _by_kind(uris, access, change=True)
    for kind in KINDS:
        if ids := _ids(wanted, kind):
            library.unsave_items(session, user_id=user_of(access), kind=kind, ids=ids)
    for playlist_id in (i for k, i in wanted if k == "playlist"):
        unfollow(session, access, playlist_id)


@router.get("/me/library/contains", summary="Check the user's library")
def library_contains(session: Db, access: ReadLibrary, uris: Uris) -> list[bool]:
    """One boolean per uri, in order (a playlist: whether the listener follows it, i.e. owns it)."""
    wanted = _by_kind(uris, access, change=False)
    answers: dict[tuple[str, str], bool] = {}
    for kind in KINDS:
        if ids := _ids(wanted, kind):
            found = library.saved_status(session, user_id=user_of(access), kind=kind, ids=ids)
            answers.update(zip(((kind, i) for i in ids), found, strict=True))
    for playlist_id in (i for k, i in wanted if k == "playlist"):
        answers["playlist", playlist_id] = follows(session, access, playlist_id)
    return [answers[w] for w in wanted]
