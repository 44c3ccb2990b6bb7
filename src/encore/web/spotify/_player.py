"""/v1/me/player: Spotify Connect's playback state and remote control, answered as Spotify answers a listener
with no active device.

Encore has no Spotify Connect: the player plays in the browser tab that asked for the bytes, and nothing on
the server can start, pause or move that playback (`encore.devices` are credentials for the Subsonic and
ListenBrainz apps, not places to play, so listing them here would invite a transfer that cannot happen). So
every listener is, for this API, a Spotify listener with no device open: the state reads are 204 No Content
(playback) or empty lists (devices, queue), and every command is 404 NO_ACTIVE_DEVICE, Spotify's own answer,
which clients already handle by asking the listener to open a player. The scope is checked first (403), then
a command's parameters (400), then the 404, as on Spotify.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from encore import oauth
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import ERROR_RESPONSES, SpotifyRoute, needs, user_of
from encore.web.spotify._market import Market, check_market

router = APIRouter(
    prefix="/v1",
    tags=["Web API: player"],
    route_class=SpotifyRoute,
    responses={
        **ERROR_RESPONSES,
        404: {"model": s.Error, "description": "NO_ACTIVE_DEVICE: Encore has no Spotify Connect devices"},
    },
)

StateRead = Annotated[oauth.Access, Depends(needs("user-read-playback-state"))]
NowRead = Annotated[oauth.Access, Depends(needs("user-read-currently-playing", "user-read-playback-state"))]
Control = Annotated[oauth.Access, Depends(needs("user-modify-playback-state"))]
DeviceId = Annotated[str | None, Query(max_length=100, description="Accepted; Encore has no Connect devices")]
Types = Annotated[str | None, Query(max_length=40, description="Accepted and ignored")]
NO_ACTIVE_DEVICE = {
    "status": 404,
    "message": "Player command failed: No active device found",
    "reason": "NO_ACTIVE_DEVICE",
}


def _no_device() -> JSONResponse:
    """Spotify's answer to a command with no device to carry it out (its error object with `reason`)."""
    return JSONResponse({"error": NO_ACTIVE_DEVICE}, status_code=404)


@router.get("/me/player", summary="Get the playback state", status_code=204, response_class=Response)
def playback_state(access: StateRead, market: Market = None, additional_types: Types = None) -> Response:
    """204 No Content: nothing is playing on a Spotify Connect device (Encore has none)."""
    check_market(market)
    user_of(access)
    return Response(status_code=204)


@router.get(
    "/me/player/currently-playing", summary="Get the currently playing track", status_code=204, response_class=Response
)
def currently_playing(access: NowRead, market: Market = None, additional_types: Types = None) -> Response:
    """204 No Content, as for the playback state."""
    check_market(market)
    user_of(access)
    return Response(status_code=204)


@router.get("/me/player/devices", summary="Get the available devices")
def devices(access: StateRead) -> s.Devices:
    user_of(access)
    return s.Devices(devices=[])


@router.get("/me/player/queue", summary="Get the user's queue")
def queue(access: NowRead) -> s.Queue:
    """Nothing playing, nothing queued on a Connect device (the web player's own queue is its own)."""
    user_of(access)
    return s.Queue()


class Transfer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    device_ids: list[Annotated[str, Field(max_length=100)]] = Field(min_length=1, max_length=1)
    play: bool | None = None


class Play(BaseModel):
    model_config = ConfigDict(extra="ignore")
    context_uri: str | None = Field(None, max_length=100)
    uris: list[Annotated[str, Field(max_length=100)]] | None = Field(None, max_length=100)
    offset: dict[str, int | str] | None = None
    position_ms: int | None = Field(None, ge=0)


@router.put("/me/player", summary="Transfer playback")
def transfer(access: Control, body: Transfer) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/play", summary="Start or resume playback")
def play(access: Control, device_id: DeviceId = None, body: Annotated[Play | None, Body()] = None) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/pause", summary="Pause playback")
def pause(access: Control, device_id: DeviceId = None) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.post("/me/player/next", summary="Skip to the next track")
def next_track(access: Control, device_id: DeviceId = None) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.post("/me/player/previous", summary="Skip to the previous track")
def previous_track(access: Control, device_id: DeviceId = None) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/seek", summary="Seek to a position")
def seek(
    access: Control, position_ms: Annotated[int, Query(ge=0, le=86_400_000)], device_id: DeviceId = None
) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/repeat", summary="Set the repeat mode")
def repeat(
    access: Control, state: Annotated[Literal["track", "context", "off"], Query()], device_id: DeviceId = None
) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/volume", summary="Set the volume")
def volume(
    access: Control, volume_percent: Annotated[int, Query(ge=0, le=100)], device_id: DeviceId = None
) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.put("/me/player/shuffle", summary="Toggle shuffle")
def shuffle(access: Control, state: Annotated[bool, Query()], device_id: DeviceId = None) -> JSONResponse:
    user_of(access)
    return _no_device()


@router.post("/me/player/queue", summary="Add an item to the queue")
def add_to_queue(
    access: Control, uri: Annotated[str, Query(max_length=100)], device_id: DeviceId = None
) -> JSONResponse:
    user_of(access)
    return _no_device()
