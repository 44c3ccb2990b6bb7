"""Encore's read models -> Spotify's objects. Every href is absolute; uris are `spotify:<type>:<id>` (`_uris`)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from encore import catalog
from encore.catalog import AlbumPage, AlbumSummary, ArtistRef, ArtistSummary, TrackView
from encore.kernel import is_public_id
from encore.library import PlaylistItemView, PlaylistView
from encore.web.spotify import _schemas as s
from encore.web.spotify._uris import uri

T = TypeVar("T")
A = TypeVar("A")
ART_SIZES = (640, 300, 64)
# Encore's player pages for each object type (external_urls): routes of the player (static/app.js).
_PAGES = {"track": "track", "album": "album", "artist": "artist", "playlist": "playlist", "user": "user"}
_API = {"track": "tracks", "album": "albums", "artist": "artists", "playlist": "playlists", "user": "users"}


def href(base: str, kind: str, public_id: str) -> str:
    return f"{base}/v1/{_API[kind]}/{public_id}"


def external(base: str, kind: str, public_id: str) -> s.ExternalUrls:
    url = f"{base}/{_PAGES[kind]}/{public_id}"
    return s.ExternalUrls(encore=url, spotify=url)


def context(base: str, kind: str | None, public_id: str | None) -> s.Context | None:
    """Where a play started, as Spotify names it: an album, artist or playlist (Spotify has no home, search,
    radio or mix context: those answer null, as Spotify does for plays outside a context). An id the client
    reported that is not an Encore id is not echoed."""
    if kind not in ("album", "artist", "playlist") or public_id is None or not is_public_id(public_id):
        return None
    return s.Context(
        type=kind,
        href=href(base, kind, public_id),
        external_urls=external(base, kind, public_id),
        uri=uri(kind, public_id),
    )


def images(base: str, artwork_key: str | None) -> list[s.Image]:
    if not artwork_key:
        return []
    return [s.Image(url=f"{base}/art/{artwork_key}/{n}.jpg", height=n, width=n) for n in ART_SIZES]


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def artist_simple(base: str, a: ArtistRef | ArtistSummary) -> s.ArtistSimple:
    return s.ArtistSimple(
        external_urls=external(base, "artist", a.id),
        href=href(base, "artist", a.id),
        id=a.id,
        name=a.name,
        uri=uri("artist", a.id),
    )


def artist_full(base: str, a: ArtistSummary, genres: Sequence[str] = ()) -> s.Artist:
    return s.Artist(
        external_urls=external(base, "artist", a.id),
        href=href(base, "artist", a.id),
        id=a.id,
        name=a.name,
        uri=uri("artist", a.id),
        images=images(base, a.artwork_key),
        genres=list(genres),
    )


def album_type(catalogue_type: str) -> s.AlbumType:
    """Spotify's three album types: an EP is filed as a single, as Spotify files EPs (review25c M1; typed
    clients, spotify-rs and the SDKs, refuse any other value)."""
    return "compilation" if catalogue_type == "compilation" else "album" if catalogue_type == "album" else "single"


def album_simple(base: str, a: AlbumSummary, group: s.AlbumGroup | None = None) -> s.AlbumSimple:
    """`group`: the artist's relation to it, given on an artist's albums only (Spotify's `album_group`)."""
    return s.AlbumSimple(
        album_type=album_type(a.album_type),
        album_group=group,
        total_tracks=a.total_tracks,
        external_urls=external(base, "album", a.id),
        href=href(base, "album", a.id),
        id=a.id,
        images=images(base, a.artwork_key),
        name=a.title,
        release_date=a.release_date.isoformat() if a.release_date else None,
        uri=uri("album", a.id),
        artists=[artist_simple(base, x) for x in a.artists if x.role == "primary"]
        or [artist_simple(base, x) for x in a.artists],
    )


def album_full(base: str, page: AlbumPage) -> s.Album:
    """Spotify's AlbumObject: the simple fields and the first 50 tracks (more at `tracks.next`)."""
    simple = album_simple(base, page.album)
    items = paging(
        f"{simple.href}/tracks",
        {},
        page.tracks[:50],
        total=len(page.tracks),
        limit=50,
        offset=0,
        wrap=lambda t: track_simple(base, t),
    )
    return s.Album(
        **simple.model_dump(),
        tracks=items,
        external_ids={"upc": page.album.upc} if page.album.upc else {},
        genres=page.album.genres,
        label=page.album.label.name if page.album.label else "",
        copyrights=[],
    )


def _track_fields(base: str, t: TrackView) -> dict[str, object]:
    return {
        "artists": [artist_simple(base, x) for x in t.artists],
        "disc_number": t.disc_number,
        "duration_ms": t.duration_ms,
        "explicit": t.explicit,
        "external_urls": external(base, "track", t.id),
        "href": href(base, "track", t.id),
        "id": t.id,
        "name": t.title,
        "track_number": t.track_number,
        "uri": uri("track", t.id),
    }


def track_simple(base: str, t: TrackView) -> s.TrackSimple:
    return s.TrackSimple.model_validate(_track_fields(base, t))


def track_full(base: str, t: TrackView, album: AlbumSummary | None) -> s.Track:
    """Spotify's TrackObject with its album's own simplified object (its type, artists, date and count: read
    with `track_albums`). Every caller passes the album it read: a stand-in typed `album` was what saved tracks
    and playlist items showed for an EP or a single (session 25). None only for an album no longer listed (an
    operator's takedown): its title and art, as the track holds them, and nothing it cannot know."""
    if album is None:
        album = AlbumSummary(t.album_id, t.album_title, "album", None, [], t.artwork_key, None)
    fields = _track_fields(base, t)
    fields["album"] = album_simple(base, album)
    fields["external_ids"] = {"isrc": t.isrc} if t.isrc else {}
    return s.Track.model_validate(fields)


def page_url(base_href: str, params: dict[str, object], offset: int, limit: int) -> str:
    return f"{base_href}?{urlencode({**params, 'offset': offset, 'limit': limit})}"


def paging(
    base_href: str,
    params: dict[str, object],
    items: list[A],
    *,
    total: int,
    limit: int,
    offset: int,
    wrap: Callable[[A], T],
) -> s.Paging[T]:
    after = offset + limit
    return s.Paging[T](
        href=page_url(base_href, params, offset, limit),
        items=[wrap(i) for i in items],
        limit=limit,
        offset=offset,
        total=total,
        next=page_url(base_href, params, after, limit) if after < total else None,
        previous=page_url(base_href, params, max(0, offset - limit), limit) if offset > 0 else None,
    )


def user(base: str, public_id: str, display_name: str) -> s.User:
    return s.User(
        display_name=display_name,
        external_urls=external(base, "user", public_id),
        href=href(base, "user", public_id),
        id=public_id,
        uri=uri("user", public_id),
    )


def playlist_simple(base: str, p: PlaylistView) -> s.PlaylistSimple:
    return s.PlaylistSimple(
        description=p.description,
        external_urls=external(base, "playlist", p.id),
        href=href(base, "playlist", p.id),
        id=p.id,
        images=images(base, p.artwork_key),
        name=p.name,
        owner=user(base, p.owner_public_id, p.owner_name),
        public=p.public,
        snapshot_id=p.snapshot_id,
        items=s.PlaylistTracksRef(href=f"{href(base, 'playlist', p.id)}/items", total=p.total_tracks),
        tracks=s.PlaylistTracksRef(href=f"{href(base, 'playlist', p.id)}/tracks", total=p.total_tracks),
        uri=uri("playlist", p.id),
    )


def track_albums(session: Session, tracks: Iterable[TrackView]) -> dict[str, AlbumSummary]:
    """The listed albums of these tracks by public id, in one read: what `track_full` is given."""
    return catalog.albums_by_public_ids(session, ids=list({t.album_id for t in tracks}))


def playlist_track(
    base: str, p: PlaylistView, item: PlaylistItemView, albums: Mapping[str, AlbumSummary]
) -> s.PlaylistTrack:
    return s.PlaylistTrack(
        added_at=iso(item.added_at),
        added_by=user(base, p.owner_public_id, p.owner_name),
        item=(track := track_full(base, item.track, albums.get(item.track.album_id))),
        track=track,
    )
