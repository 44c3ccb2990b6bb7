"""Browse, pages and search for the player. Catalogue metadata is public; audio is not."""

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from encore import catalog
from encore.bootstrap import Container
from encore.web import _spliced as spliced
from encore.web._deps import Db, container
from encore.web._mappers import album_out, artist_out, track_out
from encore.web._schemas import AlbumOut, ArtistOut, PageOut, TrackOut
from encore.web._threads import run_read

router = APIRouter(prefix="/api", tags=["catalogue"])

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
SearchType = Annotated[str, Query(pattern=r"^(artist|album|track)(,(artist|album|track)){0,2}$")]


@router.get("/browse/new-releases")
def new_releases(request: Request, session: Db, limit: Limit = 20, offset: Offset = 0) -> PageOut[AlbumOut]:
    today = container(request).clock.now().date()
    page = catalog.new_releases(session, limit=limit, offset=offset, today=today)
    return PageOut[AlbumOut](items=[album_out(a) for a in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/browse/labels")
def labels(session: Db) -> list[dict[str, object]]:
    return [
        {"id": lb.id, "name": lb.name, "kind": lb.kind, "album_count": lb.album_count}
        for lb in catalog.list_labels(session)
    ]


@router.get("/browse/artists")
def artists(
    session: Db,
    letter: Annotated[str | None, Query(pattern=r"^[a-zA-Z#]$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ArtistOut]:
    page = catalog.artists_az(session, letter=letter, limit=limit, offset=offset)
    return PageOut[ArtistOut](items=[artist_out(a) for a in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/browse/genres")
def genres(session: Db) -> list[dict[str, object]]:
    return [{"key": g.key, "name": g.name, "album_count": g.album_count} for g in catalog.list_genres(session)]


@router.get("/browse/genres/{key}")
def genre(key: str, session: Db, limit: Limit = 20, offset: Offset = 0) -> PageOut[AlbumOut]:
    page = catalog.genre_albums(session, genre_key=key[:100], limit=limit, offset=offset)
    return PageOut[AlbumOut](items=[album_out(a) for a in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/albums/{album_id}")
def album(album_id: str, session: Db) -> dict[str, object]:
    page = catalog.album_page(session, album_id=album_id)
    return {"album": album_out(page.album), "tracks": [track_out(t) for t in page.tracks]}


@router.get("/artists/{artist_id}")
def artist(artist_id: str, session: Db) -> dict[str, object]:
    page = catalog.artist_page(session, artist_id=artist_id)
    return {
        "artist": artist_out(page.artist),
        "albums": [album_out(a) for a in page.albums],
        "appears_on": [album_out(a) for a in page.appears_on],
        "top_tracks": [track_out(t) for t in page.top_tracks],
    }


@router.get("/labels/{label_id}")
def label(label_id: str, session: Db) -> dict[str, object]:
    page = catalog.label_page(session, label_id=label_id)
    lb = page.label
    return {
        "label": {"id": lb.id, "name": lb.name, "kind": lb.kind, "album_count": lb.album_count},
        "albums": [album_out(a) for a in page.albums],
    }


@router.get("/tracks/{track_id}", response_model=TrackOut)
async def track(track_id: str, request: Request) -> Response:
    """The JSON is built once per track and kept until the catalogue changes (catalog.representation); the
    read is one hop to a read thread (web._threads), its session and transaction its own."""
    c = container(request)
    return Response(await run_read(c, _track_json, c, track_id), media_type="application/json")


def _track_json(c: Container, track_id: str) -> bytes:
    with c.sessions() as session, session.begin():
        return catalog.representation(
            session,
            ("api/tracks", track_id),
            lambda: track_out(catalog.track_view(session, track_id=track_id)).model_dump_json().encode(),
        )


@router.get("/search", response_model=dict[str, object])
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=200)],
    type: SearchType = "artist,album,track",
    limit: Limit = 10,
    offset: Offset = 0,
) -> Response:
    """The catalogue, read as /v1/search reads it: plain words and Spotify's field filters (`artist:"Kofi"`,
    `album:`, `track:`, `year:1990-1999`, `genre:`, `isrc:`, `upc:`, `tag:new`, `tag:hipster`;
    `catalog.parse_search_query`). A filter narrows only the kinds it applies to (`upc:` albums, `isrc:` tracks):
    the other kinds are searched by the plain words alone, and find nothing when there are none. A filter that
    cannot be read (`isrc:hello`, `year:abc`) makes the kinds it applies to find nothing, never everything; an
    unknown name (`label:x`) is plain words. `query` in the answer is `q` as asked. One hop to a read thread;
    the answer is spliced from each hit's JSON, written once and kept with the catalogue's views (web._spliced)."""
    kinds = frozenset(type.split(","))
    c = container(request)
    body = await run_read(c, _search_json, c, q, kinds, limit, offset)
    return Response(body, media_type="application/json")


def _search_json(c: Container, q: str, kinds: frozenset[str], limit: int, offset: int) -> bytes:
    asked = catalog.parse_search_query(q, today=c.clock.now().date())
    with c.sessions() as session, session.begin():
        found = catalog.search_catalogue(
            session,
            query=asked.text,
            filters=asked.filters,
            kinds=kinds,
            limit=limit,
            offset=offset,
            cache=c.catalogue_cache,
        )

        def item(kind: str, public_id: str, write: Callable[[], BaseModel]) -> bytes:
            return catalog.representation(
                session, ("api/search", kind, public_id), lambda: write().model_dump_json().encode()
            )

        def page(items: list[bytes], total: int) -> bytes:
            numbers = (("total", total), ("limit", limit), ("offset", offset))
            return spliced.obj([("items", spliced.array(items)), *((k, spliced.number(v)) for k, v in numbers)])

        artists = [item("artist", a.id, partial(artist_out, a)) for a in found.artists.items]
        albums = [item("album", a.id, partial(album_out, a)) for a in found.albums.items]
        tracks = [item("track", t.id, partial(track_out, t)) for t in found.tracks.items]
        return spliced.obj(
            [
                ("query", spliced.text(q)),
                ("artists", page(artists, found.artists.total)),
                ("albums", page(albums, found.albums.total)),
                ("tracks", page(tracks, found.tracks.total)),
            ]
        )
