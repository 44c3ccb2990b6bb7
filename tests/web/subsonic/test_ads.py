"""Free listeners hear the ad before their next track on Subsonic too, and none of the usual dodges skip it."""

import hashlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.ads import AdBreak, AdCampaign, create_campaign
from encore.billing import grant_premium
from encore.bootstrap import Container
from encore.catalog import Rendition, Track
from encore.db import transaction
from encore.devices import create_device
from encore.kernel import FixedClock
from encore.playback import heard_as_music
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.live import serve
from tests.support.media import add_rendition

MUSIC = b"OggS" + b"music" * 2000
AD = b"OggS" + b"advert" * 20_000  # 120 kB: more than the 64 KiB an app may read before hanging up
AD_SECONDS = 15


@dataclass
class World:
    client: TestClient
    container: Container
    clock: FixedClock
    songs: list[str]
    ad: str
    key: str  # the listener's phone (apiKey)
    second_key: str  # the listener's second device
    app_password: str
    user_public_id: str

    def stream(
        self,
        song: int,
        auth: dict[str, str] | None = None,
        method: str = "stream",
        first: int | None = None,
        **extra: str,
    ) -> bytes:
        """The audio a stream request gets: all of it, or (`first`) only its first bytes, as a player that
        starts a track and reads more as it plays. Ad audio is always sent whole."""
        params = {**(auth or {"apiKey": self.key}), "id": f"tr-{self.songs[song]}", "f": "json", **extra}
        headers = {} if first is None else {"Range": f"bytes=0-{first - 1}"}
        r = self.client.get(f"/rest/{method}", params=params, headers=headers)
        assert r.status_code in (200, 206), r.text
        assert r.headers["content-type"].startswith("audio/"), r.text
        return r.content

    def impressions(self) -> int:
        with self.container.sessions() as s:
            return int(s.scalar(select(AdCampaign.impressions)) or 0)

    def breaks(self) -> int:
        with self.container.sessions() as s:
            return len(s.scalars(select(AdBreak.id)).all())


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    # About what is charged, on a fixed clock: one tiny block carries a whole song, which the free tier's
    # pacing would hold for minutes (tests/web/test_counted_stream.py covers Subsonic's pacing).
    container.settings = container.settings.model_copy(update={"free_pace_x": 0.0})
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    container.clock = clock
    container.settings = container.settings.model_copy(update={"ad_interval_s": 60})
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password="account-pass-123")
        band = f.artist(s, "Band")
        album = f.album(s, "Songs", band)
        songs = [f.track(s, f"Song {i}", album, [band], number=i, duration_ms=600_000) for i in (1, 2, 3)]
        acme = f.artist(s, "Acme Ads")
        ad = f.spot(s, "Acme spot", f.album(s, "Acme", acme), [acme], duration_ms=AD_SECONDS * 1000)
        for t in songs:
            add_rendition(container, s, t, MUSIC)
        add_rendition(container, s, ad, AD)
        s.flush()
        create_campaign(
            s,
            advertiser="Acme",
            track_id=ad.public_id,
            starts_at=clock.now() - timedelta(days=1),
            ends_at=clock.now() + timedelta(days=30),
            budget_impressions=1000,
            cpm_cents=2500,
            genres=[],
            hour_from=None,
            hour_to=None,
            freq_cap_per_day=100,
            heard_as_music=heard_as_music,
        )
        phone = create_device(s, user_id=user.id, name="phone", secret=secret, now=clock.now())
        tablet = create_device(s, user_id=user.id, name="tablet", secret=secret, now=clock.now())
        world_ids = ([t.public_id for t in songs], ad.public_id, user.public_id)
    with TestClient(create_app(container), base_url="http://testserver") as client:
        yield World(
            client,
            container,
            clock,
            world_ids[0],
            world_ids[1],
            phone.api_key,
            tablet.api_key,
            phone.app_password,
            world_ids[2],
        )


@pytest.fixture
def due(world: World) -> World:
    """A free listener who has listened past the interval: the next stream request is the ad."""
    assert world.stream(0) == MUSIC
    world.clock.advance(61)
    return world


def test_the_ad_plays_instead_of_the_next_track_then_the_music(due: World) -> None:
    r = due.client.get("/rest/stream", params={"apiKey": due.key, "id": f"tr-{due.songs[1]}"})
    assert r.status_code == 200 and r.content == AD and r.headers["x-encore-ad-break"]
    assert due.impressions() == 0
    due.clock.advance(AD_SECONDS)
    assert due.stream(1, first=100) == MUSIC[:100]  # the next request after the ad's length is the music
    assert due.impressions() == 1
    assert due.stream(2, first=100) == MUSIC[:100]  # the clock restarted: no second ad straight away
    assert due.impressions() == 1 and due.breaks() == 1


def test_an_app_that_reads_64_kib_of_the_ad_and_hangs_up_gets_the_ad_again(due: World) -> None:
    """The hostile probe of session 14: an app read the ad's first 64 KiB, hung up, waited the ad's length and
    got its music, the impression counted (and paid). Here the app asks for those 64 KiB only (a Range), so
    the server sends no more, as when it notices the hang-up."""
    params = {"apiKey": due.key, "id": f"tr-{due.songs[1]}"}
    r = due.client.get("/rest/stream", params=params, headers={"Range": "bytes=0-65535"})
    assert r.status_code == 206 and r.headers["x-encore-ad-break"] and r.content == AD[:65536]
    due.clock.advance(AD_SECONDS)
    assert due.stream(1) == AD  # its length passed, but it was not sent: the ad again, whole
    assert due.impressions() == 0
    assert due.stream(1, first=100) == MUSIC[:100]  # sent and its length passed: the music
    assert due.impressions() == 1 and due.breaks() == 1


def test_an_app_that_hangs_up_mid_ad_on_a_real_connection_gets_the_ad_again(due: World) -> None:
    """The same probe over real TCP: the app reads the first 64 KiB of the response and closes the socket. The
    ad is made larger than what the kernel's buffers can hold for a reader that stopped (a few MB on
    loopback), so what the server sent before it noticed the hang-up cannot be the whole ad."""
    big = b"OggS" + b"advert" * (3 * 1024 * 1024)  # 18 MiB
    with due.container.sessions() as s:
        path = s.scalar(select(Rendition.media_path).join(Track).where(Track.public_id == due.ad))
    assert path is not None
    (due.container.store.root / path).write_bytes(big)
    with serve(due.container) as live:
        host, port = live.base_url.removeprefix("http://").split(":")
        query = f"apiKey={due.key}&id=tr-{due.songs[1]}"
        with socket.create_connection((host, int(port))) as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            raw.sendall(f"GET /rest/stream?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            got = b""
            while len(got) < 64 * 1024:
                block = raw.recv(16 * 1024)
                assert block, got[:200]
                got += block
            assert b"x-encore-ad-break" in got.lower()
        due.clock.advance(AD_SECONDS)
        r = httpx.get(
            f"{live.base_url}/rest/stream", params={"apiKey": due.key, "id": f"tr-{due.songs[1]}"}, timeout=60
        )
        assert r.headers["x-encore-ad-break"] and r.content == big  # not sent whole before: the ad again
    assert due.impressions() == 0
    assert due.stream(1, first=100) == MUSIC[:100]
    assert due.impressions() == 1


def test_re_requesting_during_the_ad_gets_the_same_ad_and_one_impression(due: World) -> None:
    assert due.stream(1) == AD
    for _ in range(3):
        due.clock.advance(4)
        assert due.stream(1) == AD
        assert due.stream(2) == AD  # skipping to another track does not skip the ad
    assert due.breaks() == 1
    due.clock.advance(AD_SECONDS)
    assert due.stream(1) == MUSIC  # all ten minutes of it: the clock is full again...
    assert due.stream(1) == MUSIC  # ...yet the same track again (a seek, a retry) is music: ads come between tracks
    assert due.impressions() == 1 and due.breaks() == 1


def test_a_second_device_hears_the_same_break(due: World) -> None:
    assert due.stream(1) == AD
    due.clock.advance(5)
    assert due.stream(1, {"apiKey": due.second_key}) == AD
    due.clock.advance(AD_SECONDS - 5)
    assert due.stream(1, {"apiKey": due.second_key}) == MUSIC
    assert due.impressions() == 1 and due.breaks() == 1


def test_token_and_password_auth_hear_the_same_break(due: World) -> None:
    salt = "c0ffee42"
    token = {"u": "listener", "t": hashlib.md5((due.app_password + salt).encode()).hexdigest(), "s": salt}
    assert due.stream(1, token) == AD
    assert due.stream(2, {"u": "listener", "p": due.app_password}) == AD
    assert due.stream(2, {"apiKey": due.key}) == AD
    assert due.breaks() == 1


def test_a_forged_scrobble_does_not_end_the_break(due: World) -> None:
    assert due.stream(1) == AD
    for track, status in ((due.ad, "failed"), (due.songs[1], "ok")):  # the ad's id is not music: not found
        r = due.client.get(
            "/rest/scrobble", params={"apiKey": due.key, "id": f"tr-{track}", "submission": "true", "f": "json"}
        )
        assert r.json()["subsonic-response"]["status"] == status
    assert due.stream(1) == AD
    assert due.impressions() == 0


def test_download_and_raw_format_do_not_skip_the_ad(due: World) -> None:
    assert due.stream(1, method="download") == AD
    r = due.client.get("/rest/stream", params={"apiKey": due.key, "id": f"tr-{due.songs[1]}", "format": "raw"})
    assert r.content == AD
    assert due.stream(2, format="raw", maxBitRate="320") == AD
    assert due.impressions() == 0 and due.breaks() == 1


def test_premium_listeners_never_get_an_ad(world: World) -> None:
    with transaction(world.container.sessions) as s:
        grant_premium(s, user_public_id=world.user_public_id, plan="premium", days=30, now=world.clock.now())
    for song in (0, 1, 2) * 3:
        assert world.stream(song) == MUSIC
        world.clock.advance(600)
    assert world.breaks() == 0


def test_before_the_interval_there_is_no_ad(world: World) -> None:
    assert world.stream(0, first=100) == MUSIC[:100]  # 6 s of a 10-minute song
    world.clock.advance(30)
    assert world.stream(1, first=100) == MUSIC[:100]
    assert world.breaks() == 0


def test_a_song_read_whole_while_the_next_is_asked_for_still_counts(world: World) -> None:
    """The dodge of the wall clock: ask for the next song at once and keep reading the long one. What the
    server sent is charged, so the ten minutes downloaded make the ad due before the next song."""
    assert world.stream(0, first=100) == MUSIC[:100]  # a player starts song 0...
    assert world.stream(1, first=100) == MUSIC[:100]  # ...asks for song 1 a second later (0 s of wall time)...
    r = world.client.get(
        "/rest/stream", params={"apiKey": world.key, "id": f"tr-{world.songs[0]}"}, headers={"Range": "bytes=100-"}
    )
    assert r.status_code == 206 and r.content == MUSIC[100:]  # ...and reads the rest of song 0
    assert world.stream(2) == AD
    assert world.breaks() == 1
