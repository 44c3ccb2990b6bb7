"""Server-enforced ad breaks through the player API, and every dodge a free listener might try."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, create_user
from encore.ads import AdCampaign
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import FixedClock
from encore.playback import AdClockBook
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.media import AUDIO, add_rendition
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


@pytest.fixture
def clock(container: Container) -> FixedClock:
    c = FixedClock(datetime.now(UTC).replace(microsecond=0))
    container.clock = c
    container.settings = container.settings.model_copy(update={"ad_interval_s": 60})
    return c


@pytest.fixture
def world(container: Container, clock: FixedClock) -> dict[str, str]:
    # These tests are about what is charged, on a fixed clock: a test file's one block carries a whole song,
    # which the free tier's pacing would hold for minutes (tests/web/test_counted_stream.py covers pacing).
    container.settings = container.settings.model_copy(update={"free_pace_x": 0.0})
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        artist = f.artist(s, "Band")
        album = f.album(s, "Songs", artist)
        songs = [f.track(s, f"Song {i}", album, [artist], number=i, duration_ms=600_000) for i in (1, 2, 3)]
        ad_artist = f.artist(s, "Acme Ads")
        ad = f.spot(s, "Acme spot", f.album(s, "Acme", ad_artist), [ad_artist], duration_ms=15_000)
        for t in [*songs, ad]:
            add_rendition(container, s, t)
        s.flush()
        return {"a": songs[0].public_id, "b": songs[1].public_id, "c": songs[2].public_id, "ad": ad.public_id}


def _post_campaign(client: TestClient, ad: str, clock: FixedClock, **extra: object) -> str:
    """The admin runs a month-long campaign for the `ad` track (a separate client: its own login)."""
    admin = TestClient(client.app, base_url="http://testserver")
    r = admin.post(
        "/api/admin/ad-campaigns",
        headers={"Authorization": f"Bearer {login(admin, 'root')}"},
        json={
            "advertiser": "Acme",
            "track_id": ad,
            "budget_impressions": 1000,
            "cpm_cents": 2500,
            "starts_at": (clock.now() - timedelta(days=1)).isoformat(),
            "ends_at": (clock.now() + timedelta(days=30)).isoformat(),
            **extra,
        },
    )
    assert r.status_code == 200, r.text
    campaign_id: str = r.json()["id"]
    return campaign_id


@pytest.fixture
def campaign(client: TestClient, world: dict[str, str], clock: FixedClock) -> str:
    return _post_campaign(client, world["ad"], clock)


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


def _stream(client: TestClient, h: dict[str, str], track: str) -> tuple[int, str]:
    r = client.post(f"/api/tracks/{track}/stream", json={}, headers=h)
    return r.status_code, (r.json().get("error", {}).get("code", "") if r.status_code != 200 else "")


@pytest.fixture
def due(client: TestClient, world: dict[str, str], campaign: str, clock: FixedClock) -> dict[str, str]:
    """A free listener who has listened past the interval: the next music URL is refused."""
    h = _bearer(client, "listener")
    assert _stream(client, h, world["a"]) == (200, "")
    clock.advance(61)
    r = client.post(f"/api/tracks/{world['b']}/stream", json={}, headers=h)
    said = "An ad break is due: the ad plays before the next track."  # probe23 F6: was "no music URL now"
    assert (r.status_code, r.json()["error"]) == (403, {"code": "ad_break_due", "message": said})
    return h


def test_ad_due_after_interval_then_music_again_after_the_ad(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    ad = client.post("/api/ads/next", headers=due).json()
    assert ad["duration_ms"] == 15_000 and ad["advertiser"] == "Acme"
    assert client.get(ad["url"]).content == AUDIO  # the player reads the whole ad as it plays it
    clock.advance(15)
    assert client.post(f"/api/ads/{ad['break_id']}/played", headers=due).json() == {
        "counted": True,
        "reason": "counted",
    }
    assert _stream(client, due, world["b"]) == (200, "")
    # A second "played" for the same break is not a second impression.
    assert client.post(f"/api/ads/{ad['break_id']}/played", headers=due).json()["reason"] == "already_counted"
    with container.sessions() as s:
        assert s.scalar(select(AdCampaign.impressions)) == 1


def test_an_ad_whose_audio_was_not_sent_is_no_impression(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    """Elapsed time alone counted an ad (paid to labels) that was never sent: the hostile probe of session 14
    claimed `played` without fetching the ad, or after its first bytes only."""
    ad = client.post("/api/ads/next", headers=due).json()
    clock.advance(15)
    played = f"/api/ads/{ad['break_id']}/played"
    r = client.post(played, headers=due)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ad_not_heard"
    assert client.get(ad["url"], headers={"Range": "bytes=0-3"}).content == b"OggS"  # its first bytes only
    r = client.post(played, headers=due)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ad_not_heard"
    assert _stream(client, due, world["b"]) == (403, "ad_break_due")  # still owed
    with container.sessions() as s:
        assert s.scalar(select(AdCampaign.impressions)) == 0
    assert client.get(ad["url"], headers={"Range": "bytes=4-"}).status_code == 206  # the rest, as a player resumes
    # All of it was sent, but only now: the ad's length must pass since its first byte (the probe of session 15:
    # behind a proxy the socket buffers take a whole ad for a client that read only the headers).
    r = client.post(played, headers=due)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ad_not_heard"
    clock.advance(12)  # 15 s less the ad's last second and the nodes' clock allowance
    assert client.post(played, headers=due).json() == {"counted": True, "reason": "counted"}
    assert _stream(client, due, world["b"]) == (200, "")


def test_in_edge_mode_the_ad_is_still_sent_by_encore(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    """nginx serves Premium audio in edge mode, but an ad sent by nginx would leave Encore no record of it
    sent, and its impression could never count: the ad's URL is Encore's own."""
    edge = {"streaming_mode": "edge", "edge_base_url": "https://edge.example.org"}
    container.settings = container.settings.model_copy(update=edge)
    ad = client.post("/api/ads/next", headers=due).json()
    assert ad["url"].startswith("/stream/"), ad["url"]
    assert client.get(ad["url"]).content == AUDIO
    clock.advance(15)
    assert client.post(f"/api/ads/{ad['break_id']}/played", headers=due).json()["counted"] is True


def test_reload_second_tab_and_other_device_share_the_clock(
    client: TestClient, world: dict[str, str], due: dict[str, str]
) -> None:
    assert _stream(client, due, world["b"]) == (403, "ad_break_due")  # reload: same session asks again
    for device in ("second-tab", "phone"):
        other = TestClient(client.app, base_url="http://testserver", headers={"User-Agent": device})
        assert _stream(other, _bearer(other, "listener"), world["c"]) == (403, "ad_break_due")
    # Cookie sessions (the web player) hit the same wall.
    web = TestClient(client.app, base_url="http://testserver")
    login(web, "listener")
    assert _stream(web, CSRF, world["c"]) == (403, "ad_break_due")


def test_a_forged_played_report_does_not_end_the_break(
    client: TestClient, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    # Never issued: an invented break id.
    assert client.post("/api/ads/AAAAAAAAAAAAAAAAAAAAAA/played", headers=due).status_code == 404
    ad = client.post("/api/ads/next", headers=due).json()
    # Claimed at once: earlier than issuance + the ad's length.
    clock.advance(3)
    r = client.post(f"/api/ads/{ad['break_id']}/played", headers=due)
    assert r.status_code == 403 and r.json()["error"]["code"] == "ad_not_finished"
    # A play report claiming the ad ended is refused (ad audio is never a play), and one claiming music
    # ended is taken as history but changes nothing about the break.
    for play_id, track, status in (("forged-1", world["ad"], 404), ("forged-2", world["a"], 200)):
        report = {
            "play_id": play_id,
            "track_id": track,
            "started_at": (clock.now() - timedelta(seconds=20)).isoformat(),
            "ms_played": 15_000,
            "state": "ended",
        }
        assert client.post("/api/plays", json=report, headers=due).status_code == status, track
    assert _stream(client, due, world["b"]) == (403, "ad_break_due")
    # A second tab asking for an ad gets the same unfinished break, not a fresh one to race.
    assert client.post("/api/ads/next", headers=due).json()["break_id"] == ad["break_id"]


def test_another_listeners_break_cannot_be_completed(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    ad = client.post("/api/ads/next", headers=due).json()
    with transaction(container.sessions) as s:
        create_user(s, username="mallory", password=PASSWORD)
    clock.advance(20)
    other = _bearer(client, "mallory")
    assert client.post(f"/api/ads/{ad['break_id']}/played", headers=other).status_code == 404
    assert _stream(client, due, world["b"]) == (403, "ad_break_due")


def test_refreshing_the_same_track_does_not_stop_the_clock(
    client: TestClient, world: dict[str, str], campaign: str, clock: FixedClock
) -> None:
    h = _bearer(client, "listener")
    for _ in range(6):  # URL refreshes while the same song plays
        assert _stream(client, h, world["a"]) == (200, "")
        clock.advance(10)
    assert _stream(client, h, world["b"]) == (403, "ad_break_due")  # 60 s of wall clock, charged once


def _url(client: TestClient, h: dict[str, str], track: str) -> str:
    r = client.post(f"/api/tracks/{track}/stream", json={}, headers=h)
    assert r.status_code == 200, r.text
    url: str = r.json()["url"]
    return url


def test_asking_for_the_next_song_at_once_does_not_make_this_one_free(
    client: TestClient, world: dict[str, str], campaign: str, clock: FixedClock
) -> None:
    """The wall-clock dodge: get song b's URL a second after song a's, then fetch (and play) all of song a.
    The byte path reports what it sent, so the ten minutes of a are charged and the next song waits for an ad."""
    h = _bearer(client, "listener")
    first = _url(client, h, world["a"])
    assert client.get(first, headers={"Range": "bytes=0-99"}).status_code == 206
    clock.advance(1)
    _url(client, h, world["b"])
    r = client.get(first, headers={"Range": "bytes=100-"})  # the rest of song a, on its still-valid URL
    assert r.status_code == 206 and r.content == AUDIO[100:]
    assert _stream(client, h, world["c"]) == (403, "ad_break_due")


def test_urls_collected_before_the_ad_cannot_be_spent_instead_of_it(
    client: TestClient, world: dict[str, str], campaign: str
) -> None:
    """Collect URLs while the clock is low, then download them: once the clock is full, only the last two
    (the track playing and the prefetched one) may still send; older URLs are refused until the ad."""
    h = _bearer(client, "listener")
    urls = {song: _url(client, h, world[song]) for song in ("a", "b", "c")}
    assert client.get(urls["a"]).content == AUDIO  # all ten minutes of song a: the ad is now owed
    r = client.get(urls["a"], headers={"Range": "bytes=0-99"})
    assert r.status_code == 403 and b"ad_break_due" in r.content
    for song in ("b", "c"):
        assert client.get(urls[song], headers={"Range": "bytes=0-99"}).status_code == 206
    assert _stream(client, h, world["a"]) == (403, "ad_break_due")


def test_a_player_reading_a_little_ahead_is_not_charged_for_the_whole_song(
    client: TestClient, world: dict[str, str], campaign: str, clock: FixedClock
) -> None:
    h = _bearer(client, "listener")
    for song in ("a", "b", "c"):
        url = _url(client, h, world[song])
        assert client.get(url, headers={"Range": "bytes=0-255"}).status_code == 206  # 15 s of a 10-minute song
        assert client.head(url).status_code == 200  # a HEAD sends no audio
        clock.advance(10)
    assert _stream(client, h, world["a"]) == (200, "")  # 3 x 15 s is under the 60 s interval


def test_premium_never_hears_ads(
    client: TestClient, container: Container, world: dict[str, str], campaign: str, clock: FixedClock
) -> None:
    admin = _bearer(client, "root")
    with container.sessions() as s:
        from encore.accounts import get_user_by_name

        uid = get_user_by_name(s, username="listener").public_id  # type: ignore[union-attr]
    assert client.put(f"/api/admin/users/{uid}/premium", json={"days": 30}, headers=admin).status_code == 200
    h = _bearer(client, "listener")
    for track in ("a", "b", "c") * 3:
        assert _stream(client, h, world[track]) == (200, "")
        clock.advance(600)
    r = client.post("/api/ads/next", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_ad_due"
    # Revoked: the free tier and its ads return.
    assert client.delete(f"/api/admin/users/{uid}/premium", headers=admin).json()["tier"] == "free"


def test_no_ad_due_before_the_interval(client: TestClient, world: dict[str, str], campaign: str) -> None:
    h = _bearer(client, "listener")
    assert _stream(client, h, world["a"]) == (200, "")
    r = client.post("/api/ads/next", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_ad_due"


def test_no_inventory_never_locks_a_listener_out(client: TestClient, world: dict[str, str], clock: FixedClock) -> None:
    h = _bearer(client, "listener")
    assert _stream(client, h, world["a"]) == (200, "")
    clock.advance(61)
    assert _stream(client, h, world["b"]) == (200, "")


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def test_the_subsonic_api_does_not_dodge_the_break(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str], clock: FixedClock
) -> None:
    from encore.accounts import get_user_by_name
    from encore.devices import create_device

    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=clock.now()).api_key
    ad = client.post("/api/ads/next", headers=due).json()
    # Subsonic apps have no ad screen: the stream request gets the same open break's ad audio.
    r = client.get("/rest/stream", params={"apiKey": key, "id": f"tr-{world['c']}"})
    assert r.status_code == 200 and r.headers["x-encore-ad-break"] == ad["break_id"]
    clock.advance(15)
    assert client.post(f"/api/ads/{ad['break_id']}/played", headers=due).json()["counted"] is True
    r = client.get("/rest/stream", params={"apiKey": key, "id": f"tr-{world['c']}"})
    assert r.status_code == 200 and r.content == AUDIO


def test_an_owed_ad_survives_a_restart(
    client: TestClient, container: Container, world: dict[str, str], due: dict[str, str]
) -> None:
    """The refusal (a 403) must not roll back the clock that says an ad is owed: a restarted process, which
    starts from the stored clocks, still withholds music."""
    container.ad_clocks = AdClockBook()  # a new process: same database, empty book
    assert _stream(client, due, world["c"]) == (403, "ad_break_due")


def test_a_campaign_this_listener_cannot_hear_never_locks_them_out(
    client: TestClient, container: Container, world: dict[str, str], clock: FixedClock
) -> None:
    """Inventory exists (a campaign for rock listeners), but none of it may play to this listener of untagged
    music: music plays on, as when there is no campaign at all."""
    _post_campaign(client, world["ad"], clock, genres=["rock"])
    h = _bearer(client, "listener")
    assert _stream(client, h, world["a"]) == (200, "")
    clock.advance(61)
    assert _stream(client, h, world["b"]) == (200, "")
    assert client.post("/api/ads/next", headers=h).status_code in (404, 409)


def test_a_head_on_a_stream_url_charges_nothing(
    client: TestClient, world: dict[str, str], campaign: str, clock: FixedClock
) -> None:
    """The byte path answers HEAD itself and counts no bytes for it (pages took HEAD in probe18 F2, never by
    turning HEAD into GET): however often a free listener HEADs a ten-minute song, no ad becomes due; one GET of
    the same song does make it due."""
    h = _bearer(client, "listener")
    url = _url(client, h, world["a"])
    for _ in range(5):
        r = client.head(url)
        assert r.status_code == 200 and r.content == b""
        assert int(r.headers["content-length"]) == len(AUDIO)
    assert _stream(client, h, world["b"]) == (200, "")
    assert client.get(url).content == AUDIO
    assert _stream(client, h, world["c"]) == (403, "ad_break_due")
