"""Playlists on encore.library: the same playlists as the web player."""

from encore import library
from encore.accounts import name_beside_logins
from encore.web.subsonic import _map
from encore.web.subsonic._browse import song_payloads
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._envelope import MISSING_PARAMETER, NOT_AUTHORIZED, Payload, Ready, SubsonicError
from encore.web.subsonic._ids import PLAYLIST, TRACK, public

MAX_LIST = 500


def _shown(ctx: Ctx, view: library.PlaylistView, entries: list[Payload | Ready] | None = None) -> Payload:
    """Subsonic's `owner` is a username (a client compares it with its own to know the list is its own): the
    caller's own lists carry the caller's. Another listener's list is `readonly` (review25c L7) and carries its
    owner's display name, never their login name: Encore shows nobody another's login name (review25o M2:
    getPlaylists would have handed every listener a list of them, ready for password guessing), and never a
    name that could be a login either (`accounts.name_beside_logins`): a stranger naming themselves "demo" would
    otherwise own "demo's" lists in a client that does not read `readonly` (review26a L3)."""
    mine = view.owner_id == ctx.user.id
    owner = ctx.user.username if mine else name_beside_logins(view.owner_name, public_id=view.owner_public_id)
    return _map.playlist(view, owner=owner, readonly=not mine, entries=entries)


def _listed(ctx: Ctx, playlist_id: str) -> list[library.PlaylistItemView]:
    """The items a client is shown: not a withdrawn track's (no "unavailable" flag exists in OpenSubsonic, and a
    client plays every entry it gets), so the entries, their count and an index a client sends back all skip it."""
    items = library.playlist_items(
        ctx.session, playlist_id=playlist_id, viewer_id=ctx.user.id, limit=library.MAX_ITEMS, offset=0
    ).items
    return [i for i in items if i.track.playable]


def _full(ctx: Ctx, playlist_id: str) -> Payload:
    view = library.get_playlist(ctx.session, playlist_id=playlist_id, viewer_id=ctx.user.id)
    items = _listed(ctx, playlist_id)
    return _shown(ctx, view, song_payloads(ctx, [i.track for i in items]))


def _positions(ctx: Ctx, playlist_id: str, indexes: list[int]) -> list[int]:
    """songIndexToRemove counts the entries the client was shown: their places in the playlist."""
    shown = [i.position for i in _listed(ctx, playlist_id)]
    if any(i >= len(shown) for i in indexes):
        raise SubsonicError(0, "songIndexToRemove is outside the playlist")
    return sorted({shown[i] for i in indexes})


@method("getPlaylists")
def get_playlists(ctx: Ctx) -> Payload:
    other = ctx.params.get("username")
    if other and other.casefold() != ctx.user.username_key:
        raise SubsonicError(NOT_AUTHORIZED, "you may list only your own playlists")
    # "All playlists a user is allowed to play" (the spec): their own, then other listeners' public ones
    # (review25c L8: those could be opened by id but were never listed). Another's private list is not here.
    page = library.playable_playlists(ctx.session, viewer_id=ctx.user.id, limit=MAX_LIST, offset=0)
    return {"playlists": {"playlist": [_shown(ctx, p) for p in page.items]}}


@method("getPlaylist")
def get_playlist(ctx: Ctx) -> Payload:
    return {"playlist": _full(ctx, public(ctx.params.require("id"), PLAYLIST))}


@method("createPlaylist", writes=True)
def create_playlist(ctx: Ctx) -> Payload:
    p = ctx.params
    songs = [public(s, TRACK) for s in p.all("songId")]
    existing = p.get("playlistId")
    if existing:
        playlist_id = public(existing, PLAYLIST)
        library.replace_playlist_items(
            ctx.session, playlist_id=playlist_id, user_id=ctx.user.id, track_ids=songs, now=ctx.now
        )
        if p.get("name"):
            library.update_playlist(
                ctx.session, playlist_id=playlist_id, user_id=ctx.user.id, name=p.get("name"), now=ctx.now
            )
    else:
        name = p.get("name")
        if not name:
            raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: name or playlistId")
        view = library.create_playlist(ctx.session, owner_id=ctx.user.id, name=name, now=ctx.now)
        playlist_id = view.id
        if songs:
            library.add_to_playlist(
                ctx.session, playlist_id=playlist_id, user_id=ctx.user.id, track_ids=songs, now=ctx.now
            )
    return {"playlist": _full(ctx, playlist_id)}


@method("updatePlaylist", writes=True)
def update_playlist(ctx: Ctx) -> Payload:
    p = ctx.params
    playlist_id = public(p.require("playlistId"), PLAYLIST)
    public_flag = None if p.get("public") is None else p.boolean("public")
    library.update_playlist(
        ctx.session,
        playlist_id=playlist_id,
        user_id=ctx.user.id,
        name=p.get("name"),
        description=p.get("comment"),
        public=public_flag,
        now=ctx.now,
    )
    remove: list[int] = []
    for raw in p.all("songIndexToRemove"):
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
            raise SubsonicError(0, "songIndexToRemove must be a whole number")
        remove.append(int(raw))
    if remove:
        positions = _positions(ctx, playlist_id, remove)
        library.remove_from_playlist(
            ctx.session, playlist_id=playlist_id, user_id=ctx.user.id, positions=positions, now=ctx.now
        )
    add = [public(s, TRACK) for s in p.all("songIdToAdd")]
    if add:
        library.add_to_playlist(ctx.session, playlist_id=playlist_id, user_id=ctx.user.id, track_ids=add, now=ctx.now)
    return {}


@method("deletePlaylist", writes=True)
def delete_playlist(ctx: Ctx) -> Payload:
    library.delete_playlist(ctx.session, playlist_id=public(ctx.params.require("id"), PLAYLIST), user_id=ctx.user.id)
    return {}
