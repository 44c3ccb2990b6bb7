"""/v1/me/player through spotipy: Encore has no Spotify Connect, so it answers as Spotify does for a listener
with no device open: 204 for the playback state, empty devices and queue, 404 NO_ACTIVE_DEVICE for commands;
the scope first (403), then the parameters (400)."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import spotipy

from encore.accounts import create_user
from encore.db import transaction
from tests.support.live import LiveServer
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import login
from tests.web.spotify.spotipy_client import pkce_client

pytestmark = pytest.mark.xdist_group("v1-live")
TRACK = "0" * 22


@pytest.fixture(scope="module")
def ivy(live: LiveServer) -> Iterator[spotipy.Spotify]:
    with transaction(live.container.sessions) as s:
        create_user(s, username="ivy", password=PASSWORD, display_name="Ivy")
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "ivy", PASSWORD)
        yield pkce_client(live, http)


def _raw(sp: spotipy.Spotify, live: LiveServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    token = sp.auth_manager.get_access_token()
    return httpx.request(method, f"{live.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_nothing_is_playing_on_a_connect_device(ivy: spotipy.Spotify, live: LiveServer) -> None:
    assert ivy.current_playback() is None
    assert ivy.currently_playing() is None
    assert ivy.devices() == {"devices": []}
    assert ivy.queue() == {"currently_playing": None, "queue": []}
    r = _raw(ivy, live, "GET", "/v1/me/player?market=SE&additional_types=track,episode")
    assert r.status_code == 204 and r.content == b""


COMMANDS: list[tuple[str, Callable[[spotipy.Spotify], object]]] = [
    ("start", lambda sp: sp.start_playback()),
    ("start-uris", lambda sp: sp.start_playback(uris=[f"spotify:track:{TRACK}"], position_ms=0)),
    ("pause", lambda sp: sp.pause_playback()),
    ("next", lambda sp: sp.next_track()),
    ("previous", lambda sp: sp.previous_track(device_id="abc")),
    ("seek", lambda sp: sp.seek_track(1000)),
    ("repeat", lambda sp: sp.repeat("context")),
    ("volume", lambda sp: sp.volume(50)),
    ("shuffle", lambda sp: sp.shuffle(True)),
    ("queue", lambda sp: sp.add_to_queue(TRACK)),
    ("transfer", lambda sp: sp.transfer_playback("some-device")),
]


@pytest.mark.parametrize("command", [c[1] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_every_command_is_no_active_device(ivy: spotipy.Spotify, command: Callable[[spotipy.Spotify], object]) -> None:
    with pytest.raises(spotipy.SpotifyException) as failed:
        command(ivy)
    assert failed.value.http_status == 404
    assert failed.value.reason == "NO_ACTIVE_DEVICE" and "No active device" in failed.value.msg


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/me/player/volume?volume_percent=101", None),
        ("PUT", "/v1/me/player/volume?volume_percent=-1", None),
        ("PUT", "/v1/me/player/volume", None),
        ("PUT", "/v1/me/player/seek?position_ms=-5", None),
        ("PUT", "/v1/me/player/seek?position_ms=abc", None),
        ("PUT", "/v1/me/player/repeat?state=forever", None),
        ("PUT", "/v1/me/player/shuffle?state=maybe", None),
        ("POST", "/v1/me/player/queue", None),
        ("POST", "/v1/me/player/queue?uri=" + "x" * 101, None),
        ("PUT", "/v1/me/player", {"device_ids": []}),
        ("PUT", "/v1/me/player", {"device_ids": ["a", "b"]}),
        ("PUT", "/v1/me/player/play", {"uris": "not-a-list"}),
        ("PUT", "/v1/me/player/play", {"position_ms": -1}),
        ("PUT", "/v1/me/player/pause?device_id=" + "d" * 101, None),
    ],
    ids=[
        "volume-101",
        "volume-negative",
        "volume-missing",
        "seek-negative",
        "seek-text",
        "repeat-unknown",
        "shuffle-unknown",
        "queue-no-uri",
        "queue-long-uri",
        "transfer-none",
        "transfer-two",
        "play-uris-not-list",
        "play-negative-position",
        "pause-long-device",
    ],
)
def test_bad_command_parameters_are_400_before_the_404(
    ivy: spotipy.Spotify, live: LiveServer, method: str, path: str, body: object
) -> None:
    r = _raw(ivy, live, method, path, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["status"] == 400


def test_the_player_scopes_come_first(live: LiveServer) -> None:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        login(http, "ivy", PASSWORD)
        reader = pkce_client(live, http, scope="user-read-playback-state")
        nobody = pkce_client(live, http, scope="user-read-email")
        now_only = pkce_client(live, http, scope="user-read-currently-playing")
    with pytest.raises(spotipy.SpotifyException) as refused:
        reader.start_playback()
    assert refused.value.http_status == 403
    bad_volume = _raw(reader, live, "PUT", "/v1/me/player/volume?volume_percent=500")  # spotipy would not send it
    assert bad_volume.status_code == 403  # the scope before the parameters
    assert reader.current_playback() is None and reader.devices() == {"devices": []}
    for call in (nobody.current_playback, nobody.devices, nobody.currently_playing, nobody.queue):
        with pytest.raises(spotipy.SpotifyException) as refused:
            call()
        assert refused.value.http_status == 403
    assert now_only.currently_playing() is None and now_only.queue()["queue"] == []
    with pytest.raises(spotipy.SpotifyException) as refused:
        now_only.devices()
    assert refused.value.http_status == 403
