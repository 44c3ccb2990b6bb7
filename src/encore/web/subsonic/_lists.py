"""Lists: album lists of every type, random songs, songs by genre, starred, now playing, search."""

from encore import catalog, library
from encore.web.subsonic import _map
from encore.web.subsonic._browse import (
    album_payloads,
    kept_album_shapes,
    marked_albums,
    marks,
    song_payloads,
)
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._envelope import GENERIC, Payload, Ready, SubsonicError

MAX_OFFSET = 10_000_000
MAX_PAGE = 500
_NEEDS = {"byGenre": ("genre",), "byYear": ("fromYear", "toYear")}  # the spec's "required if type is ..."


def _album_list(ctx: Ctx) -> list[Payload | Ready]:
    p = ctx.params
    kind = p.require("type")
    if kind not in library.ALBUM_LISTS:
        raise SubsonicError(GENERIC, f"unknown album list type: {kind[:40]}")
    for needed in _NEEDS.get(kind, ()):  # a missing parameter is code 10, which clients key on (probe21a F5)
        p.require(needed)
    limit = p.integer("size", 10, lo=0, hi=MAX_PAGE)
    offset = p.integer("offset", 0, lo=0, hi=MAX_OFFSET)
    from_year = p.integer("fromYear", 1, lo=1, hi=9999) if p.get("fromYear") else None
    to_year = p.integer("toYear", 1, lo=1, hi=9999) if p.get("toYear") else None
    if kind in library.CATALOGUE_LISTS:
        return _catalogue_page(ctx, library.catalogue_list(ctx.session, kind=kind, limit=limit, offset=offset))
    albums = library.album_list(
        ctx.session,
        user_id=ctx.user.id,
        kind=kind,
        limit=limit,
        offset=offset,
        from_year=from_year,
        to_year=to_year,
        genre=p.get("genre"),
    )
    return album_payloads(ctx, albums)


def _catalogue_page(ctx: Ctx, listed: library.ListedAlbums) -> list[Payload | Ready]:
    """A page of a list that is the same for every listener (newest, alphabetical, random): its albums come as
    ids from the catalogue's cache (library.catalogue_list), their shapes from the views' kept shapes, and the
    caller's marks are read on every request. A page whose shapes were evicted is built again from the views."""
    shapes = kept_album_shapes(ctx, listed.public_ids)
    if shapes is None:
        return album_payloads(ctx, catalog.album_views(ctx.session, listed.ids))
    return marked_albums(ctx, listed.public_ids, shapes)


@method("getAlbumList", pure=True)
def get_album_list(ctx: Ctx) -> Payload:
    return {"albumList": {"album": _album_list(ctx)}}


@method("getAlbumList2", pure=True)
def get_album_list2(ctx: Ctx) -> Payload:
    return {"albumList2": {"album": _album_list(ctx)}}


@method("getRandomSongs")
def get_random_songs(ctx: Ctx) -> Payload:
    p = ctx.params
    tracks = library.random_tracks(
        ctx.session,
        limit=p.integer("size", 10, lo=0, hi=MAX_PAGE),
        genre=p.get("genre"),
        from_year=p.integer("fromYear", 0, lo=1, hi=9999) if p.get("fromYear") else None,
        to_year=p.integer("toYear", 0, lo=1, hi=9999) if p.get("toYear") else None,
    )
    return {"randomSongs": {"song": song_payloads(ctx, tracks)}}


@method("getSongsByGenre")
def get_songs_by_genre(ctx: Ctx) -> Payload:
    p = ctx.params
    tracks = library.tracks_by_genre(
        ctx.session,
        genre=p.require("genre"),
        limit=p.integer("count", 10, lo=0, hi=MAX_PAGE),
        offset=p.integer("offset", 0, lo=0, hi=MAX_OFFSET),
    )
    return {"songsByGenre": {"song": song_payloads(ctx, tracks)}}


def _starred(ctx: Ctx) -> Payload:
    uid = ctx.user.id
    artists = library.saved_artists(ctx.session, user_id=uid, limit=MAX_PAGE, offset=0).items
    albums = [
        s for s in library.saved_albums(ctx.session, user_id=uid, limit=MAX_PAGE, offset=0).items if s.album.playable
    ]
    # a starred album or track its label withdrew is not listed: a client would play it (OpenSubsonic has no flag)
    tracks = [
        s for s in library.saved_tracks(ctx.session, user_id=uid, limit=MAX_PAGE, offset=0).items if s.track.playable
    ]
    notes = marks(ctx, albums=[s.album.id for s in albums], tracks=[s.track.id for s in tracks])
    return {
        "artist": [_map.artist(s.artist, starred=s.saved_at) for s in artists],
        "album": album_payloads(ctx, [s.album for s in albums], notes),
        "song": song_payloads(ctx, [s.track for s in tracks], notes),
    }


@method("getStarred")
def get_starred(ctx: Ctx) -> Payload:
    return {"starred": _starred(ctx)}


@method("getStarred2")
def get_starred2(ctx: Ctx) -> Payload:
    return {"starred2": _starred(ctx)}


@method("getNowPlaying")
def get_now_playing(ctx: Ctx) -> Payload:
    entries = []
    # other listeners' listening is theirs: Encore shows only your own
    for play, track in library.now_playing(ctx.session, user_id=ctx.user.id, now=ctx.now):
        minutes = int((ctx.now - play.updated_at).total_seconds() // 60)
        entries.append({**_map.song(track), "username": ctx.user.username, "minutesAgo": minutes, "playerId": 0})
    return {"nowPlaying": {"entry": entries}}


def _search(ctx: Ctx) -> Payload:
    p, cache = ctx.params, ctx.container.catalogue_cache
    query = (p.get("query") or "").strip().strip('"').strip()
    pages = {
        kind: (p.integer(f"{kind}Count", 20, lo=0, hi=MAX_PAGE), p.integer(f"{kind}Offset", 0, lo=0, hi=MAX_OFFSET))
        for kind in ("artist", "album", "song")
    }
    if not query:  # OpenSubsonic: an empty query returns everything, paged (how clients sync)
        (ac, ao), (bc, bo), (sc, so) = pages["artist"], pages["album"], pages["song"]
        artists = catalog.artists_az(ctx.session, letter=None, limit=ac, offset=ao).items if ac else []
        today = ctx.container.clock.now().date()
        albums = catalog.new_releases(ctx.session, limit=bc, offset=bo, today=today).items if bc else []
        songs = library.catalogue_page(ctx.session, limit=sc, offset=so).items if sc else []
    elif len(set(pages.values())) == 1 and pages["song"][0]:  # the usual case: one call for all three kinds
        count, offset = pages["song"]
        kinds = frozenset({"artist", "album", "track"})
        res = catalog.search_catalogue(ctx.session, query=query, kinds=kinds, limit=count, offset=offset, cache=cache)
        artists, albums, songs = res.artists.items, res.albums.items, res.tracks.items
    else:
        found = {}
        for kind, name in (("artist", "artist"), ("album", "album"), ("song", "track")):
            count, offset = pages[kind]
            found[kind] = (
                catalog.search_catalogue(
                    ctx.session, query=query, kinds=frozenset({name}), limit=count, offset=offset, cache=cache
                )
                if count
                else None
            )
        artists = found["artist"].artists.items if found["artist"] else []
        albums = found["album"].albums.items if found["album"] else []
        songs = found["song"].tracks.items if found["song"] else []
    notes = marks(ctx, albums=[a.id for a in albums], tracks=[t.id for t in songs])
    return {
        "artist": [_map.artist(a) for a in artists],
        "album": album_payloads(ctx, albums, notes),
        "song": song_payloads(ctx, songs, notes),
    }


@method("search2")
def search2(ctx: Ctx) -> Payload:
    return {"searchResult2": _search(ctx)}


@method("search3")
def search3(ctx: Ctx) -> Payload:
    return {"searchResult3": _search(ctx)}
