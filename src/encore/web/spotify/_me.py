"""/v1/me: the profile, top items and recently played (from Encore's own plays), saved tracks."""

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from encore import billing, catalog, history
from encore.accounts import User, get_active_user, name_for_others
from encore.kernel import NotFound, ValidationFailed, from_epoch
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify import _shapes as shapes
from encore.web.spotify._edge import (
    ERROR_RESPONSES,
    AnyToken,
    RecentRead,
    SpotifyRoute,
    TopRead,
    base_url,
    has_scope,
    user_of,
)
from encore.web.spotify._playable import mark_playable
from encore.web.spotify._shapes import artist_full, context, external, iso, paging, track_albums, track_full
from encore.web.spotify._uris import uri

router = APIRouter(
    prefix="/v1", tags=["Web API: the current user"], route_class=SpotifyRoute, responses=ERROR_RESPONSES
)

Limit = Annotated[int, Query(ge=1, le=50, description="1-50")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="0-10000")]
TimeRange = Literal["short_term", "medium_term", "long_term"]
MAX_CURSOR_MS = 10**13 * 2  # far beyond any real timestamp; larger is a bad request, not an overflow


def _user(session: Db, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("no such user")
    return user


@router.get("/me", summary="Get the current user's profile")
def me(request: Request, session: Db, access: AnyToken) -> s.PrivateUser:
    """Any user token. `email` needs user-read-email; `product` and `country` need user-read-private."""
    user = _user(session, user_of(access))
    base = base_url(request)
    private = has_scope(access, "user-read-private")
    return s.PrivateUser(
        display_name=name_for_others(user),  # Spotify's: the name on the profile others see
        external_urls=external(base, "user", user.public_id),
        href=f"{base}/v1/users/{user.public_id}",
        id=user.public_id,
        uri=uri("user", user.public_id),
        email=user.email if has_scope(access, "user-read-email") else None,
        product=_product(session, user.id, container(request).clock.now()) if private else None,
        country=None,
        explicit_content={"filter_enabled": False, "filter_locked": False} if private else None,
    )


@router.get("/users/{user_id}", summary="Get a user's profile")
def user_profile(
    request: Request,
    session: Db,
    _access: AnyToken,
    user_id: Annotated[str, Path(pattern=r"^[0-9A-Za-z]{22}$", description="A user's 22-character base62 id")],
) -> s.User:
    """Spotify's public profile: the display name and links, never the email or the account's tier (any token,
    client credentials too). A malformed id is 400 (as on /v1/users/{id}/playlists), an unknown or closed one 404."""
    user = get_active_user(session, public_id=user_id)
    if user is None:
        raise NotFound("no such user")
    return shapes.user(base_url(request), user.public_id, name_for_others(user))


def _product(session: Db, user_id: int, now: datetime) -> str:
    """Spotify's `product` ("premium" or "free"): the tier this account has now (a trial is Premium)."""
    return "premium" if billing.tier_of(session, user_id=user_id, now=now) is billing.Tier.PREMIUM else "free"


@router.get("/me/top/tracks", summary="Get the user's top tracks")
def top_tracks(
    *,
    request: Request,
    session: Db,
    access: TopRead,
    time_range: TimeRange = "medium_term",
    limit: Limit = 20,
    offset: Offset = 0,
) -> s.Paging[s.Track]:
    """Ranked by listens in Encore's play history: short_term 4 weeks, medium_term 6 months, long_term all."""
    c = container(request)
    ranked, total = history.top_tracks(
        session, user_id=user_of(access), time_range=time_range, limit=limit, offset=offset, now=c.clock.now()
    )
    views = catalog.tracks_by_ids(session, ids=[r.entity_id for r in ranked])
    items = [views[r.entity_id] for r in ranked if r.entity_id in views]
    albums = track_albums(session, items)
    base = base_url(request)
    out = paging(
        f"{base}/v1/me/top/tracks",
        {"time_range": time_range},
        items,
        total=total,
        limit=limit,
        offset=offset,
        wrap=lambda t: track_full(base, t, albums.get(t.album_id)),
    )
    return mark_playable(session, user_id=access.user_id, now=c.clock.now(), response=out)


@router.get("/me/top/artists", summary="Get the user's top artists")
def top_artists(
    *,
    request: Request,
    session: Db,
    access: TopRead,
    time_range: TimeRange = "medium_term",
    limit: Limit = 20,
    offset: Offset = 0,
) -> s.Paging[s.Artist]:
    c = container(request)
    ranked, total = history.top_artists(
        session, user_id=user_of(access), time_range=time_range, limit=limit, offset=offset, now=c.clock.now()
    )
    found = catalog.artists_by_ids(session, ids=[r.entity_id for r in ranked])
    items = [found[r.entity_id] for r in ranked if r.entity_id in found]
    base = base_url(request)
    return paging(
        f"{base}/v1/me/top/artists",
        {"time_range": time_range},
        items,
        total=total,
        limit=limit,
        offset=offset,
        wrap=lambda a: artist_full(base, a),
    )


def _cursor(ms: int | None) -> datetime | None:
    return _at(ms) if ms is not None else None


def _at(ms: int) -> datetime:
    at = from_epoch(ms / 1000)
    if at is None:
        raise ValidationFailed("cursor must be a Unix time in milliseconds between 1970 and 9999")
    return at


def _ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


@router.get("/me/player/recently-played", summary="Get recently played tracks")
def recently_played(
    *,
    request: Request,
    session: Db,
    access: RecentRead,
    limit: Limit = 20,
    after: Annotated[int | None, Query(ge=0, le=MAX_CURSOR_MS, description="Unix ms; plays after it")] = None,
    before: Annotated[int | None, Query(ge=0, le=MAX_CURSOR_MS, description="Unix ms; plays before it")] = None,
) -> s.CursorPaging:
    """Newest first. Follow `next` (a `before` cursor) to page back in time. Only one of after/before."""
    if after is not None and before is not None:
        raise ValidationFailed("give after or before, not both")
    # Cursors are whole milliseconds while plays keep microseconds: "after" skips the cursor's whole millisecond.
    after_at = _at(after + 1) - timedelta(microseconds=1) if after is not None else None
    plays = history.recently_played(
        session, user_id=user_of(access), limit=limit, before=_cursor(before), after=after_at
    )
    # a play of a track withdrawn since stays in the record, `is_playable: false` (mark_playable)
    views = catalog.tracks_by_ids(session, ids=[p.track_id for p in plays], unpublished=True)
    albums = track_albums(session, views.values())
    base = base_url(request)
    href = f"{base}/v1/me/player/recently-played"
    items = [
        s.PlayHistory(
            track=track_full(base, views[p.track_id], albums.get(views[p.track_id].album_id)),
            played_at=iso(p.played_at),
            context=context(base, p.context_type, p.context_id),
        )
        for p in plays
        if p.track_id in views
    ]
    cursors = s.Cursors(after=_ms(plays[0].played_at), before=_ms(plays[-1].played_at)) if plays else None
    nxt = f"{href}?before={cursors.before}&limit={limit}" if cursors and len(plays) == limit else None
    query = (
        f"?limit={limit}"
        + (f"&after={after}" if after is not None else "")
        + (f"&before={before}" if before is not None else "")
    )
    out = s.CursorPaging(href=href + query, items=items, limit=limit, next=nxt, cursors=cursors)
    return mark_playable(session, user_id=access.user_id, now=container(request).clock.now(), response=out)
