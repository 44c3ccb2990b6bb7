"""/v1 follows: playlists (PUT/DELETE /playlists/{id}/followers) and artists (/me/following)."""

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request

from encore import library, oauth
from encore.kernel import PermissionDenied, ValidationFailed, is_public_id
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import (
    ERROR_RESPONSES,
    AnyToken,
    FollowModify,
    FollowRead,
    PlaylistModify,
    SpotifyRoute,
    base_url,
    ids_param,
    parse_item_ids,
    user_of,
)
from encore.web.spotify._playlists import Id, _Body, _read, _valid, _writer
from encore.web.spotify._shapes import artist_full

router = APIRouter(prefix="/v1", tags=["Web API: follows"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)

# Following. Encore keeps no list of followed playlists: a listener's library holds the playlists they own.
# So, as on Spotify where the owner always follows their own playlist and unfollowing it is how a playlist is
# deleted (no DELETE /playlists/{id} exists), following one's own is a no-op, unfollowing it deletes it, and
# unfollowing someone else's (never followed) is a no-op. Following someone else's playlist is refused with a
# 403 that says so: answering 200 would tell the app it is in the listener's library when it is not.


def follow(session: Db, access: oauth.Access, playlist_id: str) -> None:
    found = library.get_playlist(session, playlist_id=_valid(playlist_id), viewer_id=_viewer_or_owner(access))
    if found.owner_id != access.user_id:
        raise PermissionDenied(
            "Encore does not keep followed playlists: a listener's library holds only the playlists they own"
        )
    _writer(session, access, playlist_id)  # the scope a change of this playlist needs, as for the owner's edits


def unfollow(session: Db, access: oauth.Access, playlist_id: str) -> None:
    found = library.get_playlist(session, playlist_id=_valid(playlist_id), viewer_id=_viewer_or_owner(access))
    if found.owner_id == access.user_id:
        library.delete_playlist(session, playlist_id=playlist_id, user_id=_writer(session, access, playlist_id))


def follows(session: Db, access: oauth.Access, playlist_id: str) -> bool:
    found = library.get_playlist(session, playlist_id=_valid(playlist_id), viewer_id=_viewer_or_owner(access))
    return found.owner_id == access.user_id


def _viewer_or_owner(access: oauth.Access) -> int:
    """A follow change is the listener's own: their private playlists are theirs to (un)follow with a modify
    scope alone (the modify scope for the playlist's visibility is checked by `_writer`)."""
    if access.user_id is None:
        raise PermissionDenied("This endpoint needs a user's authorization, not client credentials")
    return access.user_id


class FollowBody(_Body):
    public: bool | None = None  # Spotify's: whether the follow shows on the profile; Encore has no follows


@router.put("/playlists/{id}/followers", summary="Follow a playlist", status_code=200)
def follow_playlist(session: Db, access: PlaylistModify, id: Id, body: FollowBody | None = None) -> None:
    """One's own playlist: succeeds (the owner follows it). Another listener's: 403 (see the note above)."""
    follow(session, access, id)


@router.delete("/playlists/{id}/followers", summary="Unfollow a playlist (the owner's unfollow deletes it)")
def unfollow_playlist(session: Db, access: PlaylistModify, id: Id) -> None:
    """As on Spotify, the owner unfollowing their playlist deletes it; anyone else's is a no-op."""
    unfollow(session, access, id)


@router.get("/playlists/{id}/followers/contains", summary="Check if the current user follows a playlist")
def follows_playlist(
    session: Db,
    access: AnyToken,
    id: Id,
    ids: Annotated[str | None, Query(max_length=200, description="Spotify's older form: up to 5 user ids")] = None,
) -> list[bool]:
    """`[true]` when the current user owns the playlist. With `ids`, one answer per user: only the owner
    follows it (Encore keeps no other follows)."""
    found, _ = _read(session, access, id)
    if ids is None:
        return [found.owner_id == access.user_id]
    return [i == found.owner_public_id for i in ids_param(ids, most=5)]


MOST_FOLLOWS = 50
FollowType = Annotated[str, Query(max_length=20, description="`artist` (Encore has no user follows)")]
FollowIds = Annotated[str | None, Query(max_length=2000, description="Up to 50 comma-separated artist ids")]
FollowBodyIds = Annotated[dict[str, object] | None, Body(examples=[{"ids": ["4uLU6hMCjMI75M1A2tKUQC"]}])]


def _artists_only(type: str) -> Literal["artist"]:
    if type != "artist":
        raise ValidationFailed("type: Encore keeps follows of artists only; give type=artist")
    return "artist"


def _follow_ids(ids: str | None, body: dict[str, object] | None) -> list[str]:
    """Spotify's two forms: `ids` in the query, or {"ids": [...]} in a JSON body (the query wins)."""
    if ids:
        return _artist_ids(ids_param(ids, most=MOST_FOLLOWS))
    listed = (body or {}).get("ids")
    if (
        not isinstance(listed, list)
        or not 0 < len(listed) <= MOST_FOLLOWS
        or not all(isinstance(i, str) for i in listed)
    ):
        raise ValidationFailed(f"ids: give 1 to {MOST_FOLLOWS} artist ids (query or JSON body)")
    return _artist_ids([str(i) for i in listed])


def _artist_ids(values: list[str]) -> list[str]:
    """Bare ids or artist uris; a malformed one is a 400 naming it, not a silent `false` or a 404."""
    wanted = parse_item_ids(values, "artist")
    for i in wanted:
        if not is_public_id(i):
            raise ValidationFailed(f"ids: not an artist id: {i[:40]}")
    return wanted


@router.get("/me/following", summary="Get the artists the user follows")
def followed_artists(
    *,
    request: Request,
    session: Db,
    access: FollowRead,
    type: FollowType,
    after: Annotated[str | None, Query(max_length=40, description="The last artist id of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="1-50")] = 20,
) -> s.FollowedArtists:
    """Newest follow first; page on with `next` (its `after` is the page's last artist)."""
    _artists_only(type)
    items, total = library.followed_artists(session, user_id=user_of(access), limit=limit, after=after)
    base = base_url(request)
    href = f"{base}/v1/me/following"
    last = items[-1].artist.id if items else None
    more = last is not None and len(items) == limit
    return s.FollowedArtists(
        artists=s.ArtistCursorPaging(
            href=f"{href}?{urlencode({'type': 'artist', **({'after': after} if after else {}), 'limit': limit})}",
            items=[artist_full(base, v.artist) for v in items],
            limit=limit,
            next=f"{href}?{urlencode({'type': 'artist', 'after': last, 'limit': limit})}" if more else None,
            cursors=s.Cursors(after=last if more else None, before=None),
            total=total,
        )
    )


@router.put("/me/following", summary="Follow artists", status_code=204)
def follow_artists(
    *,
    request: Request,
    session: Db,
    access: FollowModify,
    type: FollowType,
    ids: FollowIds = None,
    body: FollowBodyIds = None,
) -> None:
    _artists_only(type)
    now = container(request).clock.now()
    library.save_items(session, user_id=user_of(access), kind="artist", ids=_follow_ids(ids, body), now=now)


@router.delete("/me/following", summary="Unfollow artists", status_code=204)
def unfollow_artists(
    *, session: Db, access: FollowModify, type: FollowType, ids: FollowIds = None, body: FollowBodyIds = None
) -> None:
    _artists_only(type)
    library.unsave_items(session, user_id=user_of(access), kind="artist", ids=_follow_ids(ids, body))


@router.get("/me/following/contains", summary="Check if the user follows artists")
def follows_artists(
    session: Db,
    access: FollowRead,
    type: FollowType,
    ids: Annotated[str, Query(max_length=2000, description="Up to 50 comma-separated artist ids")],
) -> list[bool]:
    """One boolean per id, in order (an unknown id is `false`)."""
    _artists_only(type)
    wanted = _artist_ids(ids_param(ids, most=MOST_FOLLOWS))
    return library.saved_status(session, user_id=user_of(access), kind="artist", ids=wanted)
