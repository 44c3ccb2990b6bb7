"""Bidirectional overrides and isolates in listened-to text (probe25a M2): an imported history file or a
scrobbler's submission could store "Bohemian \u202eRhapsody", and a shared Wrapped page and its PNG cards then
read "Bohemian neeuQ — ydospahR", reversing the artist after the name too. Imports and submissions drop them (as
ingest drops them from tags); rows kept from before are cleaned where Wrapped shows them to others, and each
name on a card's line is isolated, as the playlist share page isolates its names."""

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from tests.support.jobs import import_through_job
from tests.web.conftest import PASSWORD, login

RLO, LRI, FSI, PDI = "\u202e", "\u2066", "\u2068", "\u2069"
NOW_TS = int(datetime.now(UTC).timestamp())


@pytest.fixture
def importer(client: TestClient, container: Container) -> tuple[TestClient, int, str]:
    """A signed-in listener: the client, their id, and their ListenBrainz token."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="importer", password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=container.clock.now())
        user_id = user.id
    login(client, "importer")
    client.headers["X-Encore-CSRF"] = "1"
    return client, user_id, token


def _stored(container: Container) -> set[tuple[str | None, str | None, str | None]]:
    with container.sessions() as s:
        return {(p.artist_name, p.track_name, p.release_name) for p in s.scalars(select(Play))}


def test_an_imported_history_is_stored_without_overrides(
    importer: tuple[TestClient, int, str], container: Container
) -> None:
    client = importer[0]
    spotify = [
        {
            "ts": "2025-05-01T10:03:20Z",
            "ms_played": 200_000,
            "master_metadata_track_name": f"Bohemian {RLO}Rhapsody",
            "master_metadata_album_artist_name": f"{LRI}Queen",
            "master_metadata_album_album_name": f"A Night{RLO} at the Opera",
            "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "incognito_mode": False,
        },
        {  # a name made only of overrides is no name: the row is not music, as an empty one is
            "ts": "2025-05-01T11:03:20Z",
            "ms_played": 200_000,
            "master_metadata_track_name": f"{RLO}{PDI} ",
            "master_metadata_album_artist_name": "Queen",
            "incognito_mode": False,
        },
    ]
    done = import_through_job(client, container, json.dumps(spotify).encode(), "Streaming_History_Audio_2025.json")
    assert done["status"] == 200 and done["imported"] == 1 and done["skipped"]["not_music"] == 1
    lb = {
        "listened_at": 1_746_100_000,
        "track_metadata": {"artist_name": f"Evil {RLO}Artist", "track_name": f"Song {LRI}x", "release_name": "R"},
    }
    done = import_through_job(client, container, json.dumps(lb).encode() + b"\n", "listens.jsonl")
    assert done["status"] == 200 and done["imported"] == 1
    assert _stored(container) == {
        ("Queen", "Bohemian Rhapsody", "A Night at the Opera"),
        ("Evil Artist", "Song x", "R"),
    }


def test_a_scrobbled_listen_is_stored_without_overrides(
    importer: tuple[TestClient, int, str], container: Container
) -> None:
    client, _, token = importer
    meta = {"artist_name": f"Evil {RLO}Artist", "track_name": f"Song {LRI}x", "release_name": f"{RLO}"}
    doc = {"listen_type": "single", "payload": [{"listened_at": NOW_TS - 60, "track_metadata": meta}]}
    sent = client.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {token}"})
    assert sent.status_code == 200, sent.text
    assert _stored(container) == {("Evil Artist", "Song x", None)}
    only = {"artist_name": f"{RLO}", "track_name": "T"}
    doc = {"listen_type": "single", "payload": [{"listened_at": NOW_TS - 30, "track_metadata": only}]}
    refused = client.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {token}"})
    assert refused.status_code == 400 and "track_metadata.artist_name" in refused.json()["error"]


def test_the_shared_wrapped_page_isolates_names_of_rows_kept_from_before(
    importer: tuple[TestClient, int, str], container: Container
) -> None:
    client, user_id, _ = importer
    with transaction(container.sessions) as s:  # stored before imports dropped them: as the row holds it
        for n in range(3):
            at = datetime(2025, 5, 1 + n, 10, tzinfo=UTC)
            s.add(
                Play(
                    user_id=user_id,
                    client_play_id=f"bidi-kept-{n}",
                    track_id=None,
                    started_at=at,
                    updated_at=at,
                    ms_played=200_000,
                    state="ended",
                    is_listen=True,
                    artist_name="Queen",
                    track_name=f"Bohemian {RLO}Rhapsody",
                )
            )
    made = client.post("/api/me/wrapped/2025/shares")
    assert made.status_code == 201, made.text
    client.cookies.clear()
    page = client.get(made.json()["url"])
    assert page.status_code == 200 and RLO not in page.text
    assert f"<li>1. {FSI}Bohemian Rhapsody{PDI} — {FSI}Queen{PDI}</li>" in page.text
    assert f"<li>Top song: {FSI}Bohemian Rhapsody{PDI}</li>" in page.text


def test_playing_now_is_kept_without_overrides(importer: tuple[TestClient, int, str], container: Container) -> None:
    """A scrobbler's playing-now reads back as its listen would be stored (session 25's leftover): no overrides,
    no isolates, and a release name made only of them is no release name."""
    client, _, token = importer
    meta = {"artist_name": f"Evil {RLO}Artist", "track_name": f" Song {LRI}x", "release_name": f"{RLO}{PDI}"}
    doc = {"listen_type": "playing_now", "payload": [{"track_metadata": meta}]}
    sent = client.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {token}"})
    assert sent.status_code == 200, sent.text
    read = client.get("/1/user/importer/playing-now", headers={"Authorization": f"Token {token}"})
    assert read.status_code == 200, read.text
    [listen] = read.json()["payload"]["listens"]
    assert listen["track_metadata"] == {"artist_name": "Evil Artist", "track_name": "Song x"}
    only = {"artist_name": f"{LRI}{PDI}", "track_name": "T"}
    doc = {"listen_type": "playing_now", "payload": [{"track_metadata": only}]}
    refused = client.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {token}"})
    assert refused.status_code == 400 and "track_metadata.artist_name" in refused.json()["error"]
