"""/v1/me/wrapped/{year}: an Encore addition to the Spotify-compatible API (Spotify has no such endpoint)."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from encore import insights
from encore.web._deps import Db, container
from encore.web.spotify._edge import ERROR_RESPONSES, SpotifyRoute, TopRead, user_of

router = APIRouter(
    prefix="/v1", tags=["Web API: Encore additions"], route_class=SpotifyRoute, responses=ERROR_RESPONSES
)

Year = Annotated[int, Path(ge=insights.FIRST_YEAR, le=9999, description="A year, e.g. 2024")]


@router.get(
    "/me/wrapped/{year}",
    summary="Get the user's Wrapped for a year (Encore addition)",
    description=(
        "**Encore addition, not part of Spotify's Web API.** The listener's Encore Wrapped for one year: minutes "
        "and listens, top 50 artists, tracks, albums and genres (the top 5 are the first five), the listening "
        "clock by month, weekday and UTC hour, the longest streak, new artists, the most-played day, the first "
        "track, the percentile among the top artist's listeners, and the eras (top genre and artist per month). "
        "Built from the listener's plays on first request and stored."
    ),
)
def wrapped_year(year: Year, request: Request, session: Db, access: TopRead) -> insights.Snapshot:
    return insights.get_wrapped(session, user_id=user_of(access), period=str(year), now=container(request).clock.now())
