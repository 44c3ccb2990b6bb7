"""Ad audio goes through the ingest like music, saved as a spot (`ads.mark_spot`), and is never listed, searched,
matched or played as music, on any face: the player's /api, the developer /v1, Subsonic /rest and ListenBrainz."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, create_user, get_user_by_name, regenerate_listen_token
from encore.bootstrap import Container
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from encore.history import Play
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.media import AUDIO, add_rendition
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import client_token, register_app

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Not about pacing: a free listener's whole-file read of a 3-minute track would otherwise be held to
    twice real time (85 s); the pacing has its own tests (test_counted_stream.py, test_fair_tier_browser.py)."""
    return settings.model_copy(update={"free_pace_x": 0.0})


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def world(client: TestClient, container: Container) -> dict[str, str]:
    """Music and an ad that share the word "acme"; a singer on both stays listed, the advertiser does not."""
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        band, singer, advertiser = f.artist(s, "Acme Orchestra"), f.artist(s, "Jingle Singer"), f.artist(s, "Acme Ads")
        music = f.album(s, "Acme Suite", band)
        overture = f.track(s, "Acme Overture", music, [band, singer])
        overture.isrc = "GBAAA2600001"
        ad_album = f.album(s, "Acme Summer Sale", advertiser)
        spot = f.spot(s, "Acme Spot", ad_album, [advertiser, singer], duration_ms=15_000)
        spot.isrc = "GBAAA2600099"
        for t in (overture, spot):
            add_rendition(container, s, t)  # both have audio: only the flag keeps the ad from playing as music
        s.flush()
        ids = {
            "band": band.public_id,
            "singer": singer.public_id,
            "advertiser": advertiser.public_id,
            "music": music.public_id,
            "overture": overture.public_id,
            "ad_album": ad_album.public_id,
            "spot": spot.public_id,
        }
    r = client.post("/api/admin/ad-campaigns", headers=_admin(client), json=_campaign(ids["spot"]))
    assert r.status_code == 200, r.text
    return ids


def _admin(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, 'root')}"}


def _campaign(track_id: str) -> dict[str, object]:
    """A campaign's body: Acme's spot `track_id`, 100 impressions at 20.00 a thousand, from yesterday for a month."""
    return {
        "advertiser": "Acme",
        "track_id": track_id,
        "budget_impressions": 100,
        "cpm_cents": 2000,
        "starts_at": (NOW - timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=30)).isoformat(),
    }


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {i["id"] for i in items}


def test_player_api_lists_and_finds_no_ads(client: TestClient, world: dict[str, str]) -> None:
    h = {"Authorization": f"Bearer {login(client, 'listener')}"}
    found = client.get("/api/search", params={"q": "acme"}, headers=h).json()
    assert _ids(found["tracks"]["items"]) == {world["overture"]}
    assert _ids(found["albums"]["items"]) == {world["music"]}
    assert _ids(found["artists"]["items"]) == {world["band"]}
    releases = client.get("/api/browse/new-releases", headers=h).json()
    assert _ids(releases["items"]) == {world["music"]} and releases["total"] == 1
    artists = _ids(client.get("/api/browse/artists", headers=h).json()["items"])
    assert artists == {world["band"], world["singer"]}
    singer = client.get(f"/api/artists/{world['singer']}", headers=h).json()
    every_album = singer["albums"] + singer["appears_on"]
    assert world["ad_album"] not in _ids(every_album) and _ids(singer["top_tracks"]) == {world["overture"]}
    for path in (
        f"/api/albums/{world['ad_album']}",
        f"/api/artists/{world['advertiser']}",
        f"/api/tracks/{world['spot']}",
    ):
        r = client.get(path, headers=h)
        assert r.status_code == 404, path
    # Nor can the ad be played as music: only an ad break hands out its URL.
    r = client.post(f"/api/tracks/{world['spot']}/stream", json={}, headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_music"
    assert client.post(f"/api/tracks/{world['overture']}/stream", json={}, headers=h).status_code == 200
    assert client.get(f"/api/albums/{world['music']}", headers=h).status_code == 200


def test_v1_lists_and_finds_no_ads(client: TestClient, world: dict[str, str]) -> None:
    client = TestClient(client.app, base_url="http://127.0.0.1")  # OAuth wants https or loopback
    login(client, "listener")
    token = client_token(client, register_app(client))
    h = {"Authorization": f"Bearer {token}"}
    found = client.get("/v1/search", params={"q": "acme", "type": "track,album,artist"}, headers=h).json()
    assert _ids(found["tracks"]["items"]) == {world["overture"]}
    assert _ids(found["albums"]["items"]) == {world["music"]}
    assert _ids(found["artists"]["items"]) == {world["band"]}
    assert _ids(client.get("/v1/browse/new-releases", headers=h).json()["albums"]["items"]) == {world["music"]}
    several = client.get("/v1/tracks", params={"ids": f"{world['overture']},{world['spot']}"}, headers=h).json()
    assert [t and t["id"] for t in several["tracks"]] == [world["overture"], None]
    singer_albums = client.get(f"/v1/artists/{world['singer']}/albums", headers=h).json()["items"]
    assert world["ad_album"] not in _ids(singer_albums)
    for path in (
        f"/v1/tracks/{world['spot']}",
        f"/v1/albums/{world['ad_album']}",
        f"/v1/albums/{world['ad_album']}/tracks",
        f"/v1/artists/{world['advertiser']}",
        f"/v1/artists/{world['advertiser']}/albums",
    ):
        assert client.get(path, headers=h).status_code == 404, path


def _rest(client: TestClient, key: str, method: str, **params: str) -> dict[str, Any]:
    r = client.get(f"/rest/{method}", params={"apiKey": key, "f": "json", **params})
    body: dict[str, Any] = r.json()["subsonic-response"]
    return body


def test_subsonic_lists_and_finds_no_ads(client: TestClient, container: Container, world: dict[str, str]) -> None:
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=NOW).api_key
    found = _rest(client, key, "search3", query="acme")["searchResult3"]
    assert {x["id"] for x in found.get("song", [])} == {f"tr-{world['overture']}"}
    assert {x["id"] for x in found.get("album", [])} == {f"al-{world['music']}"}
    assert {x["id"] for x in found.get("artist", [])} == {f"ar-{world['band']}"}
    for kind in ("newest", "alphabeticalByName", "alphabeticalByArtist", "random"):
        albums = _rest(client, key, "getAlbumList2", type=kind)["albumList2"].get("album", [])
        assert {a["id"] for a in albums} == {f"al-{world['music']}"}, kind
    songs = _rest(client, key, "getRandomSongs", size="50")["randomSongs"].get("song", [])
    assert {x["id"] for x in songs} == {f"tr-{world['overture']}"}
    indexed = _rest(client, key, "getArtists")["artists"]["index"]
    assert {a["id"] for i in indexed for a in i["artist"]} == {f"ar-{world['band']}", f"ar-{world['singer']}"}
    for method, item in (("getAlbum", f"al-{world['ad_album']}"), ("getSong", f"tr-{world['spot']}")):
        body = _rest(client, key, method, id=item)
        assert body["status"] == "failed" and body["error"]["code"] == 70, method
    body = _rest(client, key, "stream", id=f"tr-{world['spot']}")
    said = body["error"]["message"]  # a sentence, then the reason's code (probe23 F6)
    assert body["status"] == "failed" and said.endswith("(not_music)") and "ad break" in said, said
    assert client.get("/rest/stream", params={"apiKey": key, "id": f"tr-{world['overture']}"}).content == AUDIO


def test_listens_never_match_ad_audio(client: TestClient, container: Container, world: dict[str, str]) -> None:
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        token = regenerate_listen_token(s, user_id=user.id, now=NOW)
    ts = int(NOW.timestamp())
    listens = [
        {"listened_at": ts - 600, "track_metadata": {"artist_name": "Acme Ads", "track_name": "Acme Spot"}},
        {
            "listened_at": ts - 500,
            "track_metadata": {
                "artist_name": "Someone",
                "track_name": "Anything",
                "additional_info": {"isrc": "GBAAA2600099"},
            },
        },
        {"listened_at": ts - 400, "track_metadata": {"artist_name": "Acme Orchestra", "track_name": "Acme Overture"}},
    ]
    body = json.dumps({"listen_type": "import", "payload": listens}).encode()
    r = client.post("/1/submit-listens", content=body, headers={"Authorization": f"Token {token}"})
    assert r.status_code == 200, r.text
    with container.sessions() as s:
        matched: dict[str | None, int | None] = {n: t for n, t in s.execute(select(Play.track_name, Play.track_id))}  # noqa: C416
        overture = s.scalar(select(Play.track_id).where(Play.track_name == "Acme Overture"))
    assert overture is not None
    assert matched["Acme Spot"] is None and matched["Anything"] is None


def test_an_ad_inside_a_music_release_is_refused(client: TestClient, container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        band = f.artist(s, "Band")
        album = f.album(s, "Record", band)
        song = f.track(s, "Song", album, [band])
        spot = f.track(s, "Spot", album, [band], number=2, duration_ms=15_000)
        s.flush()
        song_id, spot_id, album_id = song.public_id, spot.public_id, album.public_id
    admin, body = _admin(client), _campaign(spot_id)
    r = client.post("/api/admin/ad-campaigns", headers=admin, json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "ad_in_music_release"
    page = client.get(f"/api/albums/{album_id}", headers=admin).json()
    assert _ids(page["tracks"]) == {song_id, spot_id}  # nothing was hidden by the refused campaign


def test_a_labels_single_is_refused_as_an_ad(client: TestClient, container: Container) -> None:
    """review25m F1: a label's one-track release named by a campaign (the admin's pick, or the duplicate an upload of
    the single's own file names) is refused with a clear 400; it stays listed and playable as music."""
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        band = f.artist(s, "Single Band")
        album = f.album(s, "Hit", band, on=f.label(s, "Indie"))
        single = f.track(s, "Hit", album, [band])
        s.flush()
        single_id, album_id = single.public_id, album.public_id
    admin, body = _admin(client), _campaign(single_id)
    r = client.post("/api/admin/ad-campaigns", headers=admin, json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "music_track", r.text
    assert "Indie" in r.json()["error"]["message"]
    assert _ids(client.get(f"/api/albums/{album_id}", headers=admin).json()["tracks"]) == {single_id}
    assert client.get("/api/admin/ad-campaigns", headers=admin).json() == {"items": []}


def test_ad_audio_is_never_recorded_as_a_play(client: TestClient, container: Container, world: dict[str, str]) -> None:
    """A play report or a scrobble naming the ad is refused, so an ad never counts as a stream for a label,
    a listen in Wrapped or music in the history; the music next to it still records."""
    h = {"Authorization": f"Bearer {login(client, 'listener')}", "X-Encore-CSRF": "1"}
    started = datetime.now(UTC) - timedelta(seconds=20)
    for track, expected in ((world["spot"], 404), (world["overture"], 200)):
        body = {
            "play_id": f"play-{track}",
            "track_id": track,
            "started_at": started.isoformat(),
            "ms_played": 15_000,
            "state": "ended",
        }
        assert client.post("/api/plays", json=body, headers=h).status_code == expected, track
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username="listener")
        assert user is not None
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=NOW).api_key
    body = _rest(client, key, "scrobble", id=f"tr-{world['spot']}")
    assert body["status"] == "failed" and body["error"]["code"] == 70
    with container.sessions() as s:
        played = set(s.scalars(select(Play.track_id)))
        spot = s.scalar(select(Track.id).where(Track.public_id == world["spot"]))
    assert spot not in played and len(played) == 1


def test_an_advertiser_name_that_shows_nothing_is_refused(client: TestClient, container: Container) -> None:
    """The probe of session 15: an advertiser of only right-to-left overrides was accepted, and the player's ad
    overlay named no one (or reversed the text beside it)."""
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        brand = f.artist(s, "Brand")
        spot = f.spot(s, "Spot", f.album(s, "Spot Single", brand), [brand], duration_ms=15_000)
        s.flush()
        spot_id = spot.public_id
    admin, body = _admin(client), _campaign(spot_id)
    for name in ("\u202e\u202e", "\u200b \u200d", "Acme\x07"):
        r = client.post("/api/admin/ad-campaigns", headers=admin, json={**body, "advertiser": name})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_advertiser", name
    assert client.get("/api/admin/ad-campaigns", headers=admin).json() == {"items": []}
    r = client.post("/api/admin/ad-campaigns", headers=admin, json={**body, "advertiser": "\u202eAcme"})
    assert r.status_code == 200 and r.json()["advertiser"] == "\u202eAcme", r.text


def test_an_unlabelled_song_a_listener_liked_is_refused_as_an_ad(client: TestClient, container: Container) -> None:
    """review26a L2: an operator's own ingest (no label tag, no publish row, never streamed) that a listener liked,
    named by an admin's campaign, was made an ad and left the catalogue and the listener's likes. It is refused
    400 `music_track`, says why, and stays listed; a new spot nobody holds still becomes a campaign."""
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="fan", password=PASSWORD)
        band, acme = f.artist(s, "Home Band"), f.artist(s, "Acme Ads")
        song = f.track(s, "Home Song", f.album(s, "Home Recordings", band), [band])
        spot = f.spot(s, "Acme Spot", f.album(s, "Acme Spot", acme), [acme], duration_ms=15_000)
        s.flush()
        song_id, spot_id = song.public_id, spot.public_id
    fan = {"Authorization": f"Bearer {login(client, 'fan')}"}
    assert client.put(f"/api/me/likes/tracks/{song_id}", headers=fan).status_code == 204
    admin, body = _admin(client), _campaign(song_id)
    r = client.post("/api/admin/ad-campaigns", headers=admin, json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "music_track", r.text
    assert "saved in a listener's library" in r.json()["error"]["message"]
    assert client.get(f"/api/tracks/{song_id}", headers=fan).status_code == 200
    assert client.post("/api/admin/ad-campaigns", headers=admin, json={**body, "track_id": spot_id}).status_code == 200
    assert client.get(f"/api/tracks/{spot_id}", headers=fan).status_code == 404
