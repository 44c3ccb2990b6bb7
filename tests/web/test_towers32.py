"""Towers of combining marks where others see a text (review32a L1): an OAuth app named "Sync Z" and 90 stacked accents
was registered (201) and drawn over the consent page; a scrobbler's listen and an imported history kept theirs for
the history and a shared Wrapped. An app's name is refused as a display name is (`kernel.towering_refusal`); the
text of a listen, which nobody typed for Encore, keeps its first marks per letter (`kernel.without_towers`), as a
file's tags do at ingest."""

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.kernel import MAX_STACKED_MARKS
from tests.support.jobs import import_through_job
from tests.web.conftest import PASSWORD, login

MARKS = "\u0336\u0301\u0300\u0302\u0303\u0304\u0306\u0307\u0308\u030a"
TOWER = "Z" + MARKS * 9  # 90 marks on one letter
KEPT = "Z" + MARKS[:MAX_STACKED_MARKS]
NOW_TS = int(datetime.now(UTC).timestamp())


@pytest.fixture
def listener(client: TestClient, container: Container) -> tuple[TestClient, str]:
    """A signed-in listener: the client and their ListenBrainz token."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="towers", password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=container.clock.now())
    login(client, "towers")
    client.headers["X-Encore-CSRF"] = "1"
    return client, token


def _stored(container: Container) -> set[tuple[str | None, str | None, str | None]]:
    with container.sessions() as s:
        return {(p.artist_name, p.track_name, p.release_name) for p in s.scalars(select(Play))}


def test_an_app_named_as_a_tower_is_refused(listener: tuple[TestClient, str]) -> None:
    client = listener[0]
    uris = ["http://127.0.0.1:9/cb"]
    refused = client.post("/api/developer/apps", json={"name": f"Sync {TOWER}", "redirect_uris": uris})
    assert refused.status_code == 400, refused.text  # was 201
    error = refused.json()["error"]
    assert error["code"] == "bad_name" and f"at most {MAX_STACKED_MARKS} accents" in error["message"]
    assert client.get("/api/developer/apps").json() == []
    made = client.post("/api/developer/apps", json={"name": "Sync Zoë Ǘ", "redirect_uris": uris})
    assert made.status_code == 201, made.text  # accents as any script writes them stay welcome


def test_a_scrobbled_listen_keeps_no_tower(listener: tuple[TestClient, str], container: Container) -> None:
    client, token = listener
    meta = {"artist_name": f"Evil {TOWER}", "track_name": f"Song {TOWER}", "release_name": "Café"}
    doc = {"listen_type": "single", "payload": [{"listened_at": NOW_TS - 60, "track_metadata": meta}]}
    sent = client.post("/1/submit-listens", json=doc, headers={"Authorization": f"Token {token}"})
    assert sent.status_code == 200, sent.text
    assert _stored(container) == {(f"Evil {KEPT}", f"Song {KEPT}", "Café")}


def test_an_imported_history_keeps_no_tower(listener: tuple[TestClient, str], container: Container) -> None:
    client = listener[0]
    spotify = [
        {
            "ts": "2025-05-01T10:03:20Z",
            "ms_played": 200_000,
            "master_metadata_track_name": f"Bohemian {TOWER}",
            "master_metadata_album_artist_name": "Queen",
            "master_metadata_album_album_name": f"A Night {TOWER}",
            "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "incognito_mode": False,
        }
    ]
    done = import_through_job(client, container, json.dumps(spotify).encode(), "Streaming_History_Audio_2025.json")
    assert done["status"] == 200 and done["imported"] == 1, done
    assert _stored(container) == {("Queen", f"Bohemian {KEPT}", f"A Night {KEPT}")}
