"""/v1 catalogue: search, tracks, albums, artists, new releases. Any valid token will do, no scope."""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from encore import catalog, oauth
from encore.kernel import NotFound, ValidationFailed, is_public_id
from encore.web import _spliced as spliced
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import (
    ERROR_RESPONSES,
    AnyToken,
    AnyTokenGate,
    SpotifyRoute,
    address,
    base_url,
    ids_param,
)
from encore.web.spotify._groups import album_groups, catalogue_types
from encore.web.spotify._market import Market, check_market
from encore.web.spotify._playable import mark_playable, playable_json
from encore.web.spotify._schemas import ID_EXAMPLE
from encore.web.spotify._shapes import (
    album_full,
    album_simple,
    album_type,
    artist_full,
    paging,
    track_albums,
    track_full,
    track_simple,
)

T = TypeVar("T")
router = APIRouter(prefix="/v1", tags=["Web API: catalogue"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)

Id = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z]{22}$", description="A 22-character base62 Encore id", examples=[ID_EXAMPLE])
]
Limit = Annotated[int, Query(ge=1, le=50, description="1-50")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="0-10000")]


def _valid(public_id: str, what: str) -> str:
    if not is_public_id(public_id):
        raise ValidationFailed(f"invalid {what} id")
    return public_id


@router.get("/tracks/{id}", summary="Get a track", response_model=s.Track)
async def track(request: Request, gate: AnyTokenGate, id: Id, market: Market = None) -> Response:
    check_market(market)
    (base, public), clock = address(request), container(request).clock

    def read(session: Session, access: oauth.Access) -> bytes:
        def made() -> bytes:
            view = catalog.track_view(session, track_id=_valid(id, "track"))
            full = track_full(base, view, catalog.album_summary(session, album_id=view.album_id))
            return full.model_dump_json().encode()

        # Built once per track, kept until the catalogue changes (for the public address only: _spliced.kept);
        # only `is_playable` is the caller's own.
        body = spliced.kept(session, ("v1/tracks", id), made, keep=public)
        return playable_json(session, user_id=access.user_id, now=clock.now(), track_id=id, body=body)

    return Response(await gate.run(read), media_type="application/json")


@router.get("/tracks", summary="Get several tracks")
def tracks(
    request: Request,
    session: Db,
    access: AnyToken,
    ids: Annotated[str, Query(max_length=2000, description="Up to 50 comma-separated ids")],
    market: Market = None,
) -> s.Tracks:
    """Unknown ids give `null` in their place, as in Spotify's API."""
    check_market(market)
    wanted = [_valid(i, "track") for i in ids_param(ids, most=50)]
    found = catalog.tracks_by_public_ids(session, ids=wanted)
    albums = track_albums(session, found.values())
    base = base_url(request)
    out = s.Tracks(
        tracks=[track_full(base, found[i], albums.get(found[i].album_id)) if i in found else None for i in wanted]
    )
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


@router.get("/albums/{id}", summary="Get an album")
def album(request: Request, session: Db, access: AnyToken, id: Id, market: Market = None) -> s.Album:
    check_market(market)
    out = album_full(base_url(request), catalog.album_page(session, album_id=_valid(id, "album")))
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


MOST_ALBUMS, MOST_ARTISTS = 20, 50  # Spotify's caps for GET /v1/albums and /v1/artists


@router.get("/albums", summary="Get several albums")
def albums(
    request: Request,
    session: Db,
    access: AnyToken,
    ids: Annotated[str, Query(max_length=1000, description=f"Up to {MOST_ALBUMS} comma-separated ids")],
    market: Market = None,
) -> s.Albums:
    """Each entry is what GET /v1/albums/{id} answers; an unknown or unlisted id gives `null` in its place."""
    check_market(market)
    wanted = [_valid(i, "album") for i in ids_param(ids, most=MOST_ALBUMS)]
    base = base_url(request)
    out = s.Albums(
        albums=[_found(lambda i: album_full(base, catalog.album_page(session, album_id=i)), i) for i in wanted]
    )
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


@router.get("/artists", summary="Get several artists")
def artists(
    request: Request,
    session: Db,
    _access: AnyToken,
    ids: Annotated[str, Query(max_length=2000, description=f"Up to {MOST_ARTISTS} comma-separated ids")],
) -> s.Artists:
    """Each entry is what GET /v1/artists/{id} answers; an unknown or hidden id gives `null` in its place."""
    wanted = [_valid(i, "artist") for i in ids_param(ids, most=MOST_ARTISTS)]
    base = base_url(request)
    return s.Artists(artists=[_found(lambda i: _artist(session, base, i), i) for i in wanted])


def _found(read: Callable[[str], T], public_id: str) -> T | None:
    """One entry of a several-objects read: the single read's answer, or None where that read is a 404."""
    try:
        return read(public_id)
    except NotFound:
        return None


def _artist(session: Session, base: str, public_id: str) -> s.Artist:
    page = catalog.artist_page(session, artist_id=public_id, top=0)
    return artist_full(base, page.artist, sorted({g for a in page.albums for g in a.genres}))


@router.get("/albums/{id}/tracks", summary="Get an album's tracks")
def album_tracks(
    *,
    request: Request,
    session: Db,
    access: AnyToken,
    id: Id,
    limit: Limit = 20,
    offset: Offset = 0,
    market: Market = None,
) -> s.Paging[s.TrackSimple]:
    check_market(market)
    page = catalog.album_page(session, album_id=_valid(id, "album"))
    base = base_url(request)
    out = paging(
        f"{base}/v1/albums/{id}/tracks",
        {},
        page.tracks[offset : offset + limit],
        total=len(page.tracks),
        limit=limit,
        offset=offset,
        wrap=lambda t: track_simple(base, t),
    )
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


@router.get("/artists/{id}", summary="Get an artist")
def artist(request: Request, session: Db, _access: AnyToken, id: Id) -> s.Artist:
    return _artist(session, base_url(request), _valid(id, "artist"))


@router.get("/artists/{id}/albums", summary="Get an artist's albums")
def artist_albums(
    *,
    request: Request,
    session: Db,
    _access: AnyToken,
    id: Id,
    limit: Limit = 20,
    offset: Offset = 0,
    include_groups: Annotated[
        str | None,
        Query(max_length=60, description="Comma-separated: album, single, compilation, appears_on (default: all)"),
    ] = None,
    market: Market = None,
) -> s.Paging[s.AlbumSimple]:
    """Each album's `album_group` is the artist's relation to it: their own album's type (an EP is a single),
    or `appears_on` for another's album they are featured on or have tracks on (a compilation's, say)."""
    check_market(market)
    groups = album_groups(include_groups)
    page = catalog.artist_albums(
        session,
        artist_id=_valid(id, "artist"),
        limit=limit,
        offset=offset,
        own_types=catalogue_types(groups),
        appears_on="appears_on" in groups,
    )
    base = base_url(request)
    return paging(
        f"{base}/v1/artists/{id}/albums",
        {"include_groups": include_groups} if include_groups is not None else {},
        page.items,
        total=page.total,
        limit=limit,
        offset=offset,
        wrap=lambda a: album_simple(base, a.album, "appears_on" if a.appears_on else album_type(a.album.album_type)),
    )


@router.get("/artists/{id}/top-tracks", summary="Get an artist's top tracks")
def artist_top_tracks(request: Request, session: Db, access: AnyToken, id: Id, market: Market = None) -> s.TopTracks:
    check_market(market)
    page = catalog.artist_page(session, artist_id=_valid(id, "artist"), top=10)
    base = base_url(request)
    albums = track_albums(session, page.top_tracks)
    out = s.TopTracks(tracks=[track_full(base, t, albums.get(t.album_id)) for t in page.top_tracks])
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)


@router.get("/browse/new-releases", summary="Get new releases")
def new_releases(
    request: Request,
    session: Db,
    _access: AnyToken,
    limit: Limit = 20,
    offset: Offset = 0,
    country: Annotated[str | None, Query(max_length=10)] = None,
) -> s.NewReleases:
    page = catalog.new_releases(session, limit=limit, offset=offset, today=container(request).clock.now().date())
    base = base_url(request)
    return s.NewReleases(
        albums=paging(
            f"{base}/v1/browse/new-releases",
            {},
            page.items,
            total=page.total,
            limit=limit,
            offset=offset,
            wrap=lambda a: album_simple(base, a),
        )
    )
