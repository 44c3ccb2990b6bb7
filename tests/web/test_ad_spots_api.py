"""An advertiser's spot has its own way in (review26a L2): `POST /api/admin/ad-spots` saves it as ad audio in the
transaction that saves it, so it is never listed, not even when the campaign form then fails; a campaign naming a
listed track is refused, however new and untouched that track is."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import Role, create_user
from encore.ads import ALREADY_MUSIC, AdCampaign
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.db import transaction
from tests.ingest import corpus as c
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}
PASSWORD = "password-123"
NOW = datetime.now(UTC)


def _campaign_body(track_id: str) -> dict[str, object]:
    return {
        "advertiser": "Acme",
        "track_id": track_id,
        "budget_impressions": 100,
        "cpm_cents": 2000,
        "starts_at": (NOW - timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=30)).isoformat(),
    }


@pytest.fixture
def people(container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="fan", password=PASSWORD)


def _flac(tmp_path: Path, name: str, hz: int, **tags: str) -> bytes:
    return c.write_flac(tmp_path / name, c.tone(1.5, hz), **tags).read_bytes()


def _as(client: TestClient, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, who, PASSWORD)}", **CSRF}


def _listed(client: TestClient, h: dict[str, str], track_id: str) -> bool:
    return client.get(f"/api/tracks/{track_id}", headers=h).status_code == 200


def test_a_spot_is_never_listed_and_carries_campaigns(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    spot = _flac(tmp_path, "spot.flac", 523, title="Acme Summer Sale", artist="Acme Ads", album="Acme Spots")
    admin, fan = _as(client, "root"), _as(client, "fan")
    r = client.post("/api/admin/ad-spots", files={"file": ("spot.flac", spot)}, headers=admin)
    assert r.status_code == 200 and r.json()["imported"] == 1 and not r.json()["failed"], r.text
    spot_id = r.json()["track_ids"][0]
    # before any campaign (a form that fails after the upload leaves exactly this): not music anywhere
    assert not _listed(client, fan, spot_id)
    assert client.get("/api/search", params={"q": "Acme Summer Sale"}, headers=fan).json()["tracks"]["items"] == []
    with container.sessions() as s:
        row = s.scalars(select(Track).where(Track.public_id == spot_id)).one()
        assert row.is_ad and s.get_one(Album, row.album_id).is_ad
    first = client.post("/api/admin/ad-campaigns", json=_campaign_body(spot_id), headers=admin)
    assert first.status_code == 200, first.text
    again = client.post("/api/admin/ad-spots", files={"file": ("same.flac", spot)}, headers=admin)
    assert again.status_code == 200 and again.json()["track_ids"] == [spot_id], again.text  # the same spot again
    second = client.post(
        "/api/admin/ad-campaigns", json={**_campaign_body(spot_id), "advertiser": "Acme 2"}, headers=admin
    )
    assert second.status_code == 200, second.text


def test_a_listed_songs_audio_is_not_a_new_spot(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    song = _flac(tmp_path, "song.flac", 330, title="Home Song", artist="Home Band", album="Home Recordings")
    admin, fan = _as(client, "root"), _as(client, "fan")
    r = client.post("/api/uploads", files={"file": ("song.flac", song)}, headers=admin)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    song_id = r.json()["track_ids"][0]
    r = client.post("/api/admin/ad-spots", files={"file": ("spot.flac", song)}, headers=admin)
    assert r.status_code == 200 and r.json()["track_ids"] == [], r.text
    assert [f["reason"] for f in r.json()["failed"]] == [f"could not save: {ALREADY_MUSIC}"]
    assert _listed(client, fan, song_id)


def test_a_labelled_file_is_refused_as_a_spot_and_nothing_is_listed(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    tagged = _flac(tmp_path, "l.flac", 392, title="Label Jingle", artist="Jingle Co", album="Jingles", label="Indie")
    admin = _as(client, "root")
    r = client.post("/api/admin/ad-spots", files={"file": ("l.flac", tagged)}, headers=admin)
    assert r.status_code == 200 and r.json()["track_ids"] == [], r.text
    assert "Indie" in r.json()["failed"][0]["reason"] and "label" in r.json()["failed"][0]["reason"]
    with container.sessions() as s:  # rolled back whole: no track, no album, no label's release
        assert s.scalar(select(func.count()).select_from(Track)) == 0
        assert s.scalar(select(func.count()).select_from(Album)) == 0


def test_an_untouched_unlabelled_song_is_refused_as_a_campaigns_audio(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    """review26a L2's reproduction: an operator's own ingest (no label tag, no publish row), never played, saved or
    streamed, named by a campaign, was made an ad and left the catalogue. It is refused 400 `not_ad_audio`,
    pointing to the spot upload, and stays listed."""
    song = _flac(tmp_path, "own.flac", 262, title="Own Song", artist="Own Band", album="Own Files")
    admin, fan = _as(client, "root"), _as(client, "fan")
    song_id = client.post("/api/uploads", files={"file": ("own.flac", song)}, headers=admin).json()["track_ids"][0]
    r = client.post("/api/admin/ad-campaigns", json=_campaign_body(song_id), headers=admin)
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_ad_audio", r.text
    assert "/api/admin/ad-spots" in r.json()["error"]["message"]
    assert _listed(client, fan, song_id)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AdCampaign)) == 0


@pytest.mark.parametrize("who", ["fan", "label", None])
def test_only_admins_upload_spots(
    client: TestClient, container: Container, people: None, tmp_path: Path, who: str | None
) -> None:
    """Refused before the body is read: a listener or a label learns nothing of the admin route (404), a stranger
    is asked to sign in (401); nothing is saved."""
    with transaction(container.sessions) as s:
        create_user(s, username="label", password=PASSWORD, role=Role.LABEL)
    spot = _flac(tmp_path, "spot.flac", 523, title="Sneaky", artist="Sneaky")
    h = _as(client, who) if who else CSRF
    r = client.post("/api/admin/ad-spots", files={"file": ("spot.flac", spot)}, headers=h)
    assert r.status_code == (401 if who is None else 404), r.text
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 0


def test_untagged_spots_and_untagged_songs_keep_to_their_own_releases(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    """review27c M2: every untagged upload landed in one "Unknown Album": a song there refused every untagged spot
    ("ingest ads as their own release"), and a spot there made the songs that joined it ad audio's, hidden."""
    admin, fan = _as(client, "root"), _as(client, "fan")
    first = client.post("/api/uploads", files={"file": ("a.flac", _flac(tmp_path, "a.flac", 220))}, headers=admin)
    spot = client.post("/api/admin/ad-spots", files={"file": ("s.flac", _flac(tmp_path, "s.flac", 523))}, headers=admin)
    after = client.post("/api/uploads", files={"file": ("b.flac", _flac(tmp_path, "b.flac", 247))}, headers=admin)
    assert spot.status_code == 200 and not spot.json()["failed"] and spot.json()["track_ids"], spot.text
    for song in (first, after):
        song_id = song.json()["track_ids"][0]
        assert _listed(client, fan, song_id)
        album = client.get(f"/api/tracks/{song_id}", headers=fan).json()["album"]["id"]
        assert client.get(f"/api/albums/{album}", headers=fan).status_code == 200


def test_a_song_and_a_spot_tagged_with_one_album_keep_to_releases_of_their_own(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    """fixmisc28 (session 27's note): a song tagged with a spot's album name joined the spot's release, unlisted,
    and vanished with it; a spot tagged with a song's album was refused (`ad_in_music_release`). Both ways: a song
    before the spot, and one after it."""
    admin, fan = _as(client, "root"), _as(client, "fan")
    tags = {"artist": "Acme", "album": "Acme Summer"}
    body = _flac(tmp_path, "a.flac", 220, title="Summer Song", **tags)
    first = client.post("/api/uploads", files={"file": ("a.flac", body)}, headers=admin)
    body = _flac(tmp_path, "s.flac", 523, title="Summer Sale", **tags)
    spot = client.post("/api/admin/ad-spots", files={"file": ("s.flac", body)}, headers=admin)
    assert spot.status_code == 200 and not spot.json()["failed"] and spot.json()["track_ids"], spot.text  # refused
    body = _flac(tmp_path, "s2.flac", 587, title="Autumn Sale", **tags)
    spot2 = client.post("/api/admin/ad-spots", files={"file": ("s2.flac", body)}, headers=admin)
    assert spot2.status_code == 200 and spot2.json()["track_ids"], spot2.text
    body = _flac(tmp_path, "b.flac", 247, title="Summer Song 2", **tags)
    after = client.post("/api/uploads", files={"file": ("b.flac", body)}, headers=admin)
    songs = [first.json()["track_ids"][0], after.json()["track_ids"][0]]
    albums = set()
    for song_id in songs:
        assert _listed(client, fan, song_id)  # the song after the spot was hidden in the spot's release
        albums.add(client.get(f"/api/tracks/{song_id}", headers=fan).json()["album"]["id"])
    assert len(albums) == 1 and client.get(f"/api/albums/{albums.pop()}", headers=fan).json()["tracks"]
    with container.sessions() as s:
        spots = [s.scalar(select(Track).where(Track.public_id == t.json()["track_ids"][0])) for t in (spot, spot2)]
        assert all(t is not None and t.is_ad for t in spots)
        ad_albums = {t.album_id for t in spots if t is not None}
        assert len(ad_albums) == 1  # the second spot joined the first's release: ads of one name stay together
        music = s.scalars(select(Track.album_id).where(Track.public_id.in_(songs))).all()
        assert set(music).isdisjoint(ad_albums)
        assert s.scalar(select(Album.is_ad).where(Album.id == music[0])) is False
    r = client.post("/api/admin/ad-campaigns", json=_campaign_body(spot.json()["track_ids"][0]), headers=admin)
    assert r.status_code == 200, r.text  # the spot carries its campaign


def test_a_campaign_targeting_a_genre_no_track_has_is_made_with_a_warning(
    client: TestClient, container: Container, people: None, tmp_path: Path
) -> None:
    """review32c L5: a campaign for a genre no track has never plays, and was accepted without a word. It is still
    made (a label may ingest that genre later: it then plays), and the answer says why it will not play yet."""
    song = _flac(tmp_path, "rock.flac", 294, title="Rock Song", artist="Rock Band", album="Rocks", genre="Rock")
    spot = _flac(tmp_path, "spot.flac", 587, title="Acme Jingle", artist="Acme Ads", album="Acme Spots")
    admin = _as(client, "root")
    assert client.post("/api/uploads", files={"file": ("rock.flac", song)}, headers=admin).status_code == 200
    spot_id = client.post("/api/admin/ad-spots", files={"file": ("s.flac", spot)}, headers=admin).json()["track_ids"][0]
    heard = client.post("/api/admin/ad-campaigns", json={**_campaign_body(spot_id), "genres": ["ROCK"]}, headers=admin)
    assert heard.status_code == 200 and heard.json()["warnings"] == [], heard.text
    body = {**_campaign_body(spot_id), "advertiser": "Acme 2", "genres": ["rock", "Polka"]}
    unheard = client.post("/api/admin/ad-campaigns", json=body, headers=admin)
    assert unheard.status_code == 200, unheard.text
    assert unheard.json()["genres"] == ["polka", "rock"]
    assert unheard.json()["warnings"] == [
        "no track has the genre 'polka' yet: listeners hear this campaign only after a track of a targeted genre, so"
        " it plays once such a track is ingested"
    ]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AdCampaign)) == 2
