"""/v1/search: Spotify's search over the catalogue's one search (catalog.search_catalogue).

One hop to a read thread, the token checked there (`AnyTokenGate`). Each hit's Spotify object is written
once (its hrefs are absolute: kept only for the configured public address, `_spliced.kept`) and kept with
the catalogue's views; a response splices them, and
only `is_playable` is the caller's own: the stream decision's locks (`playback.locked_tracks`), read for the
page's tracks on every request, never kept.
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from encore import catalog, library, oauth, playback
from encore.kernel import ValidationFailed
from encore.web import _spliced as spliced
from encore.web._deps import container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import ERROR_RESPONSES, AnyTokenGate, SpotifyRoute, address
from encore.web.spotify._market import Market, check_market
from encore.web.spotify._shapes import album_simple, artist_full, playlist_simple, track_full

router = APIRouter(prefix="/v1", tags=["Web API: catalogue"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)

SEARCH_TYPES = ("album", "artist", "track", "playlist")
# Spotify's other types: Encore has none of them, so each answers an empty page (a client's "everything" search
# sends them along with the rest, review25c M4).
NO_ITEMS = ("show", "episode", "audiobook")
CATALOGUE_TYPES = frozenset(("album", "artist", "track"))
_FALSE, _TRUE = b'"is_playable":false', b'"is_playable":true'


@router.get("/search", summary="Search for items", response_model=s.SearchResult)
async def search(
    *,
    request: Request,
    gate: AnyTokenGate,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["night drive"])],
    type: Annotated[
        str,
        Query(
            max_length=80,
            description="Comma-separated: album, artist, track, playlist; show, episode, audiobook (always empty)",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="1-50")] = 20,
    offset: Annotated[int, Query(ge=0, le=1000, description="0-1000")] = 0,
    market: Market = None,
) -> Response:
    """The catalogue: prefix, case- and accent-insensitive, with Spotify's field filters (`artist:`, `track:`,
    `album:`, `year:1990-1999`, `isrc:`, `upc:`, `genre:`, `tag:new`, `tag:hipster`;
    `catalog.parse_search_query`, which the player's /api/search reads too), each on the types Spotify names.
    Playlists: the public ones whose name holds every word that is not a filter (`library.search_playlists`).
    `show`, `episode` and `audiobook` answer empty pages (Encore has none); any other type is refused, as
    Spotify refuses it. Only the types asked for are in the answer, as in Spotify's."""
    check_market(market)
    (base, public), clock = address(request), container(request).clock
    cache = container(request).catalogue_cache

    def read(session: Session, access: oauth.Access) -> bytes:
        kinds = {t.strip() for t in type.split(",")}
        if not kinds or not kinds <= {*SEARCH_TYPES, *NO_ITEMS}:
            raise ValidationFailed(f"type must be a comma-separated list of {', '.join((*SEARCH_TYPES, *NO_ITEMS))}")
        asked = catalog.parse_search_query(q, today=clock.now().date())
        found = catalog.search_catalogue(
            session,
            query=asked.text,
            filters=asked.filters,
            kinds=frozenset(kinds) & CATALOGUE_TYPES,
            limit=limit,
            offset=offset,
            cache=cache,
        )

        def track_json(t: catalog.TrackView) -> BaseModel:  # with its album's own fields (its type, artists)
            return track_full(base, t, catalog.album_summary(session, album_id=t.album_id))

        def item(kind: str, public_id: str, write: Callable[[], BaseModel]) -> bytes:
            return spliced.kept(
                session, ("v1/search", kind, public_id), lambda: write().model_dump_json().encode(), keep=public
            )

        asked_for = {"q": q, "type": type, **({"market": market} if market else {})}  # Spotify's links keep market
        query = f"{base}/v1/search?{urlencode(asked_for)}"

        def at(start: int) -> bytes:  # what _shapes.page_url writes, with the query encoded once
            return spliced.text(f"{query}&offset={start}&limit={limit}")

        def page(items: list[bytes], total: int) -> bytes:
            after = offset + limit
            return spliced.obj(
                [
                    ("href", at(offset)),
                    ("items", spliced.array(items)),
                    ("limit", spliced.number(limit)),
                    ("next", at(after) if after < total else b"null"),
                    ("offset", spliced.number(offset)),
                    ("previous", at(max(0, offset - limit)) if offset > 0 else b"null"),
                    ("total", spliced.number(total)),
                ]
            )

        parts: dict[str, bytes] = {}
        if "track" in kinds:
            tracks = found.tracks.items
            locked = playback.locked_tracks(
                session, user_id=access.user_id, track_ids=[t.id for t in tracks], now=clock.now()
            )
            written = [item("track", t.id, partial(track_json, t)) for t in tracks]
            marked = [
                w.replace(_TRUE, _FALSE, 1) if t.id in locked else w for t, w in zip(tracks, written, strict=True)
            ]
            parts["tracks"] = page(marked, found.tracks.total)
        if "artist" in kinds:
            artists = [item("artist", a.id, partial(artist_full, base, a)) for a in found.artists.items]
            parts["artists"] = page(artists, found.artists.total)
        if "album" in kinds:
            albums = [item("album", b.id, partial(album_simple, base, b)) for b in found.albums.items]
            parts["albums"] = page(albums, found.albums.total)
        if "playlist" in kinds:  # a listener's playlists change often: written for each request, never kept
            lists = library.search_playlists(session, query=asked.text, limit=limit, offset=offset)
            written = [playlist_simple(base, p).model_dump_json().encode() for p in lists.items]
            parts["playlists"] = page(written, lists.total)
        for kind in NO_ITEMS:
            if kind in kinds:
                parts[f"{kind}s"] = page([], 0)
        return spliced.obj(parts.items())

    return Response(await gate.run(read), media_type="application/json")
