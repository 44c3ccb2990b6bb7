"""Stream URLs and play reports through the player API, ending in real bytes from the byte path."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}
AUDIO = b"OggS" + bytes(range(256)) * 400


@pytest.fixture
def track_id(container: Container) -> str:
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Byte Band")
        album = f.album(s, "Bytes", artist)
        track = f.track(s, "First Bytes", album, [artist], duration_ms=120_000)
        add_rendition(container, s, track, AUDIO)
        return track.public_id


def test_stream_needs_login(client: TestClient, track_id: str) -> None:
    assert client.post(f"/api/tracks/{track_id}/stream", json={}).status_code == 401


def test_signed_url_serves_ranges_without_any_credentials(client: TestClient, listener: str, track_id: str) -> None:
    login(client, listener)
    issued = client.post(f"/api/tracks/{track_id}/stream", json={}, headers=CSRF).json()
    assert issued["rendition"] == "vorbis160" and issued["mime"] == "audio/ogg"
    client.cookies.clear()
    r = client.get(issued["url"], headers={"Range": "bytes=0-3"})
    assert r.status_code == 206 and r.content == b"OggS"


def test_a_stream_url_asked_with_no_body_is_the_usual_one(client: TestClient, listener: str, track_id: str) -> None:
    """probe18: a bare POST (curl, an API user) was a 422 "The request is required."; it is what `{}` asks."""
    login(client, listener)
    bare = client.post(f"/api/tracks/{track_id}/stream", headers=CSRF)
    assert bare.status_code == 200, bare.text
    assert bare.json()["rendition"] == "vorbis160" and bare.json()["mime"] == "audio/ogg"
    r = client.get(bare.json()["url"], headers={"Range": "bytes=0-3"})
    assert r.status_code == 206 and r.content == b"OggS"
    assert client.post(f"/api/tracks/{track_id}/stream", json=None, headers=CSRF).status_code == 200
    wrong = client.post(f"/api/tracks/{track_id}/stream", json=[], headers=CSRF)  # a body, but not an object
    assert wrong.status_code == 422


def test_missing_rendition_and_unknown_track(client: TestClient, listener: str, track_id: str) -> None:
    login(client, listener)
    r = client.post(f"/api/tracks/{track_id}/stream", json={"rendition": "opus96"}, headers=CSRF)
    assert r.status_code == 404 and r.json()["error"]["code"] == "rendition_missing"
    r = client.post("/api/tracks/AAAAAAAAAAAAAAAAAAAAAA/stream", json={}, headers=CSRF)
    assert r.status_code == 404
    r = client.post(f"/api/tracks/{track_id}/stream", json={"rendition": "../../x"}, headers=CSRF)
    assert r.status_code == 422


def test_another_users_stream_url_is_refused(
    client: TestClient, container: Container, listener: str, track_id: str
) -> None:
    login(client, listener)
    url = client.post(f"/api/tracks/{track_id}/stream", json={}, headers=CSRF).json()["url"]
    forged = url.replace("u=", "u=X", 1)
    assert client.get(forged).status_code == 403


def test_play_reports_are_idempotent_and_count_listens(
    client: TestClient, container: Container, listener: str, track_id: str
) -> None:
    login(client, listener)
    started = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    body = {
        "play_id": "play-0001-abcd",
        "track_id": track_id,
        "started_at": started,
        "ms_played": 0,
        "state": "started",
    }
    for ms, state in ((0, "started"), (30_000, "playing"), (65_000, "ended"), (65_000, "ended"), (10_000, "playing")):
        r = client.post("/api/plays", json={**body, "ms_played": ms, "state": state}, headers=CSRF)
        assert r.status_code == 200, r.text
    assert r.json() == {"play_id": "play-0001-abcd", "ms_played": 65_000, "state": "ended", "is_listen": True}
    with transaction(container.sessions) as s:
        assert len(s.scalars(select(Play)).all()) == 1


def test_a_play_id_in_the_form_encore_gives_listens_is_refused(
    client: TestClient, container: Container, listener: str, track_id: str
) -> None:
    """ "lb-" ids are the ones Encore names text listens by: a report taking one could stand in for a listen
    (and, before this, stop the import13_1 upgrade by holding one's new id)."""
    login(client, listener)
    started = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    body = {"play_id": "lb-644f8da0e9970168f3184189", "track_id": track_id, "started_at": started, "state": "ended"}
    r = client.post("/api/plays", json={**body, "ms_played": 65_000}, headers=CSRF)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_play_id", r.text
    with container.sessions() as s:
        assert s.scalars(select(Play)).all() == []


def test_a_play_seeked_forward_is_kept_with_the_time_actually_played(
    client: TestClient, listener: str, track_id: str, container: Container
) -> None:
    """The listener jumped ahead and let the track finish: the position reported is past the time that
    passed. The play is recorded with the time played (it used to be refused as bad_ms_played), and the
    ListenBrainz rule still decides whether it is a listen."""
    login(client, listener)
    start = datetime.now(UTC) - timedelta(seconds=20)
    body = {"play_id": "play-seek-0001", "track_id": track_id, "started_at": start.isoformat(), "state": "ended"}
    r = client.post("/api/plays", json={**body, "ms_played": 3_600_000}, headers=CSRF)
    elapsed_ms = (datetime.now(UTC) - start).total_seconds() * 1000
    assert r.status_code == 200, r.text
    # the time that passed (plus the rule's 5 s slack), not the hour claimed; 20 s of a longer track is no listen
    assert 20_000 <= r.json()["ms_played"] <= elapsed_ms + 5_000 and r.json()["is_listen"] is False
    with transaction(container.sessions) as s:
        assert s.scalars(select(Play)).one().ms_played == r.json()["ms_played"]


@pytest.mark.parametrize(
    ("started_at", "ms_played", "code"),
    [
        ("1970-01-01T00:00:00+00:00", 0, "timestamp_too_old"),
        ("2099-01-01T00:00:00+00:00", 0, "timestamp_in_future"),
    ],
)
def test_impossible_play_reports_are_refused(
    client: TestClient, listener: str, track_id: str, started_at: str | None, ms_played: int, code: str
) -> None:
    login(client, listener)
    when = started_at or (datetime.now(UTC) - timedelta(seconds=10)).isoformat()
    body = {
        "play_id": "play-0002-abcd",
        "track_id": track_id,
        "started_at": when,
        "ms_played": ms_played,
        "state": "playing",
    }
    r = client.post("/api/plays", json=body, headers=CSRF)
    assert r.status_code == 400 and r.json()["error"]["code"] == code
