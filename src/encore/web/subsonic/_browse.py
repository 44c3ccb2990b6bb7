"""System and browsing methods: ping, licence, extensions, folders, indexes, artists, albums, songs, genres."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial

from encore import catalog, discovery, library
from encore.catalog import ArtistSummary
from encore.web.subsonic import _map
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._envelope import Payload, Ready
from encore.web.subsonic._ids import ALBUM, ARTIST, TRACK, parse, public
from encore.web.subsonic._stars import starred_map

MAX_INDEX_ARTISTS = 20_000  # getIndexes/getArtists have no paging in the protocol; a bound keeps memory flat
IGNORED_ARTICLES = "The El La Los Las Le Les"
EXTENSIONS = [
    {"name": "apiKeyAuthentication", "versions": [1]},
    {"name": "formPost", "versions": [1]},
    {"name": "songLyrics", "versions": [1]},
    {"name": "transcodeOffset", "versions": [1]},
]


@method("ping")
def ping(_ctx: Ctx) -> Payload:
    return {}


@method("getLicense")
def get_license(_ctx: Ctx) -> Payload:
    return {"license": {"valid": True}}


def extensions_payload() -> Payload:
    return {"openSubsonicExtensions": EXTENSIONS}


@method("getOpenSubsonicExtensions")
def get_extensions(_ctx: Ctx) -> Payload:
    return extensions_payload()  # answered before authentication by the router; registered for the list


@method("getMusicFolders")
def get_music_folders(_ctx: Ctx) -> Payload:
    return {"musicFolders": {"musicFolder": [_map.music_folder()]}}


_ARTICLES = tuple(f"{a.lower()} " for a in IGNORED_ARTICLES.split())


def index_key(name: str) -> str:
    """What an index files and sorts an artist by: the folded name, a leading ignored article set aside, as the
    `ignoredArticles` we advertise say ("The Velvet Foxes" -> "velvet foxes", under V; review25c L6). A name that
    is only an article ("The") keeps it."""
    folded = catalog.fold(name)
    article = next((a for a in _ARTICLES if folded.startswith(a) and len(folded) > len(a)), "")
    return folded[len(article) :]


def _grouped(ctx: Ctx) -> list[Payload]:
    artists = catalog.artists_az(ctx.session, letter=None, limit=MAX_INDEX_ARTISTS, offset=0).items
    counts = library.artist_album_counts(ctx.session, [a.id for a in artists])
    stars = starred_map(ctx, "artist", [a.id for a in artists])
    groups: dict[str, list[ArtistSummary]] = defaultdict(list)
    for a in sorted(artists, key=lambda a: (index_key(a.name), a.name, a.id)):
        first = (index_key(a.name)[:1] or "#").upper()
        groups[first if first.isalpha() and first.isascii() else "#"].append(a)
    return [
        {
            "name": letter,
            "artist": [
                _map.artist(a, album_count=counts.get(a.id, 0), starred=stars.get(a.id)) for a in groups[letter]
            ],
        }
        for letter in sorted(groups)
    ]


@method("getIndexes")
def get_indexes(ctx: Ctx) -> Payload:
    """`lastModified` is when the catalogue last changed (ms since the epoch); a client that sends it back as
    `ifModifiedSince` is told nothing changed by an index with no entries (review25c L5; as Navidrome answers).
    The listener's stars on it are not the catalogue's: a client reads them with getStarred."""
    since = ctx.params.integer("ifModifiedSince", 0, lo=0, hi=2**63 - 1)
    changed = catalog.last_changed_ms(ctx.session)
    index = _grouped(ctx) if changed > since else []
    return {"indexes": {"ignoredArticles": IGNORED_ARTICLES, "lastModified": changed, "index": index}}


@method("getArtists")
def get_artists(ctx: Ctx) -> Payload:
    return {"artists": {"ignoredArticles": IGNORED_ARTICLES, "index": _grouped(ctx)}}


def marks(
    ctx: Ctx, *, albums: list[str] | None = None, tracks: list[str] | None = None, artists: list[str] | None = None
) -> library.Annotations:
    """The caller's stars, ratings and play counts for everything on one response: one statement."""
    return library.annotations(
        ctx.session, user_id=ctx.user.id, albums=albums or (), tracks=tracks or (), artists=artists or ()
    )


def _ready(
    ctx: Ctx, key: tuple[str, str], build: Callable[[], Payload], cache: catalog.CatalogueCache | None = None
) -> Ready:
    """A view's Subsonic shape without the caller's marks, built (and written, see Ready) once and kept with
    the catalogue's views, so it goes when the catalogue changes. A page passes the `cache` it checked once."""
    cache = cache or catalog.cache_for(ctx.session)
    found = cache.views.get(_view_key(key)) if cache else None
    if not isinstance(found, Ready):
        generation = catalog.built_at(ctx.session, cache) if cache else 0
        found = Ready(build())
        if cache:
            cache.views.put(_view_key(key), found, built_at=generation)
    return found


def _view_key(key: tuple[str, str]) -> tuple[str, str, str]:
    """Where a view's Subsonic shape is kept among the catalogue's views."""
    return ("subsonic", *key)


def _album_item(ready: Ready, album_id: str, notes: library.Annotations) -> Payload | Ready:
    star, rating = notes.star("album", album_id), notes.rating("album", album_id)
    if star is None and rating is None:
        return ready  # what everyone sees: spliced in as written
    shape = dict(ready.shape)  # the caller's keys are in the shape already (None): set in place, order kept
    shape["starred"], shape["userRating"] = _map.when(star), rating
    return shape


def _song_item(ready: Ready, t: catalog.TrackView, notes: library.Annotations) -> Payload | Ready:
    star, rating, plays = notes.star("track", t.id), notes.rating("track", t.id), notes.plays.get(t.id, 0)
    if star is None and rating is None and not plays:
        return ready
    shape = dict(ready.shape)
    shape["starred"], shape["userRating"], shape["playCount"] = _map.when(star), rating, plays
    return shape


def album_shapes(ctx: Ctx, albums: Sequence[catalog.AlbumSummary]) -> list[Ready]:
    """The albums' shapes as everyone sees them (no caller's marks), each kept with the catalogue's views."""
    cache = catalog.cache_for(ctx.session)  # checked once for the page, not once per album
    return [_ready(ctx, ("album", a.id), partial(_map.album, a, duration_ms=a.duration_ms), cache) for a in albums]


def kept_album_shapes(ctx: Ctx, album_ids: Sequence[str]) -> list[Ready] | None:
    """The kept shapes of these albums (by public id), or None if any of them is no longer kept."""
    cache = catalog.cache_for(ctx.session)
    if cache is None:
        return None
    found = [cache.views.get(_view_key(("album", i))) for i in album_ids]
    return found if all(isinstance(r, Ready) for r in found) else None  # type: ignore[return-value]


def marked_albums(
    ctx: Ctx, album_ids: Sequence[str], shapes: Sequence[Ready], notes: library.Annotations | None = None
) -> list[Payload | Ready]:
    """The albums' shapes with the caller's stars and ratings set (read now, in one statement)."""
    notes = notes or library.album_marks(ctx.session, user_id=ctx.user.id, album_ids=album_ids)
    if not notes.starred.get("album") and not notes.ratings.get("album"):
        return list(shapes)  # the usual case: none of these carries a mark of the caller's
    return [_album_item(ready, i, notes) for ready, i in zip(shapes, album_ids, strict=True)]


def album_payloads(
    ctx: Ctx, albums: list[catalog.AlbumSummary], notes: library.Annotations | None = None
) -> list[Payload | Ready]:
    return marked_albums(ctx, [a.id for a in albums], album_shapes(ctx, albums), notes)


def song_payloads(
    ctx: Ctx, tracks: list[catalog.TrackView], notes: library.Annotations | None = None
) -> list[Payload | Ready]:
    notes = notes or marks(ctx, tracks=[t.id for t in tracks])
    cache = catalog.cache_for(ctx.session)
    return [_song_item(_ready(ctx, ("song", t.id), partial(_map.song, t, plays=0), cache), t, notes) for t in tracks]


def _album_songs(ctx: Ctx, page: catalog.AlbumPage) -> tuple[Ready, ...]:
    """An album's songs as one cached entry (not one per song: a getAlbum costs the cache three entries, the
    page, the album and its songs, so a working set of albums fits)."""
    cache = catalog.cache_for(ctx.session)
    found = cache.views.get(("subsonic", "album_songs", page.album.id)) if cache else None
    if not isinstance(found, tuple):
        generation = catalog.built_at(ctx.session, cache) if cache else 0
        found = tuple(Ready(_map.song(t, plays=0)) for t in page.tracks)
        if cache:
            cache.views.put(("subsonic", "album_songs", page.album.id), found, built_at=generation)
    return found


def _artist_payload(ctx: Ctx, artist_id: str) -> Payload:
    page = catalog.artist_page(ctx.session, artist_id=artist_id)
    notes = marks(ctx, albums=[a.id for a in page.albums], artists=[artist_id])
    albums = album_payloads(ctx, page.albums, notes)
    return {
        **_map.artist(page.artist, album_count=len(albums), starred=notes.star("artist", artist_id)),
        "album": albums,
    }


@method("getArtist")
def get_artist(ctx: Ctx) -> Payload:
    return {"artist": _artist_payload(ctx, public(ctx.params.require("id"), ARTIST))}


def _album_payload(ctx: Ctx, album_id: str) -> Payload:
    page = catalog.album_page(ctx.session, album_id=album_id)
    notes = library.album_annotations(ctx.session, user_id=ctx.user.id, album_id=page.album.id)
    a = page.album
    ready = _ready(ctx, ("album", a.id), partial(_map.album, a, duration_ms=a.duration_ms))
    out = dict(ready.shape)
    out["starred"], out["userRating"] = _map.when(notes.star("album", a.id)), notes.rating("album", a.id)
    out["duration"] = sum(t.duration_ms for t in page.tracks) // 1000
    out["songCount"] = len(page.tracks)
    out["song"] = [_song_item(r, t, notes) for r, t in zip(_album_songs(ctx, page), page.tracks, strict=True)]
    return out


@method("getAlbum", pure=True)
def get_album(ctx: Ctx) -> Payload:
    return {"album": _album_payload(ctx, public(ctx.params.require("id"), ALBUM))}


@method("getMusicDirectory")
def get_music_directory(ctx: Ctx) -> Payload:
    kind, public_id = parse(ctx.params.require("id"), ARTIST, ALBUM)
    if kind == ARTIST:
        page = catalog.artist_page(ctx.session, artist_id=public_id)
        children = album_payloads(ctx, page.albums)
        return {"directory": {"id": f"{ARTIST}-{public_id}", "name": page.artist.name, "child": children}}
    album = _album_payload(ctx, public_id)
    return {
        "directory": {
            "id": album["id"],
            "parent": album.get("parent"),
            "name": album["name"],
            "child": album["song"],
        }
    }


@method("getSong")
def get_song(ctx: Ctx) -> Payload:
    track = catalog.track_view(ctx.session, track_id=public(ctx.params.require("id"), TRACK))
    return {"song": song_payloads(ctx, [track])[0]}


@method("getGenres")
def get_genres(ctx: Ctx) -> Payload:
    counts = library.genre_song_counts(ctx.session)
    genres = [
        {"value": g.name, "songCount": counts.get(g.key, 0), "albumCount": g.album_count}
        for g in catalog.list_genres(ctx.session)
    ]
    return {"genres": {"genre": genres}}


def _artist_info(ctx: Ctx) -> Payload:
    """From the catalogue and the recommender only: Encore asks no outside service (last.fm) for a biography."""
    artist_id = public(ctx.params.require("id"), ARTIST)
    count = ctx.params.integer("count", 20, lo=0, hi=100)
    related = discovery.related_artists(ctx.session, artist_id=artist_id, limit=count)
    found = catalog.artist_summaries_by_ids(ctx.session, related)
    similar = [_map.artist(found[a]) for a in related if a in found]
    return {"biography": "", "similarArtist": similar}


@method("getArtistInfo")
def get_artist_info(ctx: Ctx) -> Payload:
    return {"artistInfo": _artist_info(ctx)}  # the folder form: an artist's folder id is its artist id


@method("getArtistInfo2")
def get_artist_info2(ctx: Ctx) -> Payload:
    return {"artistInfo2": _artist_info(ctx)}


def _album_info(ctx: Ctx) -> Payload:
    catalog.album_page(ctx.session, album_id=public(ctx.params.require("id"), ALBUM))  # error 70 if none
    return {"albumInfo": {"notes": ""}}


@method("getAlbumInfo")
def get_album_info(ctx: Ctx) -> Payload:
    return _album_info(ctx)  # the folder form answers as albumInfo too, as the spec says


@method("getAlbumInfo2")
def get_album_info2(ctx: Ctx) -> Payload:
    return _album_info(ctx)


@method("getTopSongs")
def get_top_songs(ctx: Ctx) -> Payload:
    count = ctx.params.integer("count", 50, lo=0, hi=500)
    ids = discovery.top_songs(
        ctx.session, user_id=ctx.user.id, artist_name=ctx.params.require("artist"), limit=count, now=ctx.now
    )
    return {"topSongs": {"song": song_payloads(ctx, catalog.track_views_in_order(ctx.session, ids))}}


def _similar(ctx: Ctx, *kinds: str) -> Payload:
    count = ctx.params.integer("count", 50, lo=0, hi=500)
    kind, public_id = parse(ctx.params.require("id"), *kinds)
    ids = discovery.similar_songs(
        ctx.session, user_id=ctx.user.id, kind=_KINDS[kind], public_id=public_id, limit=count, now=ctx.now
    )
    return {"song": song_payloads(ctx, catalog.track_views_in_order(ctx.session, ids))}


_KINDS = {ARTIST: "artist", ALBUM: "album", TRACK: "track"}


@method("getSimilarSongs")
def get_similar_songs(ctx: Ctx) -> Payload:
    return {"similarSongs": _similar(ctx, ARTIST, ALBUM, TRACK)}


@method("getSimilarSongs2")
def get_similar_songs2(ctx: Ctx) -> Payload:
    return {"similarSongs2": _similar(ctx, ARTIST, TRACK)}
