"""getNowPlaying shows the caller's own play however many others are playing (review19 F5: the newest 200 open
plays server-wide were read and 50 listeners kept before the caller's own were picked, so a busy server
answered an empty list)."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import create_device
from encore.history import Play
from encore.web import create_app
from tests.catalog import factories as f


@pytest.mark.parametrize("others", [0, 60])
def test_my_now_playing_is_listed_beside_many_others(container: Container, others: int) -> None:
    now = container.clock.now()
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Band")
        album = f.album(s, "LP", artist)
        mine, theirs = f.track(s, "Mine", album, [artist]), f.track(s, "Theirs", album, [artist], number=2)
        me = create_user(s, username="me", password="listener-pass-1")
        device = create_device(s, user_id=me.id, name="phone", secret=secret, now=now)
        at = now - timedelta(minutes=2)
        s.add(Play(user_id=me.id, client_play_id="mine", track_id=mine.id, started_at=at, updated_at=at,
                   state="playing"))  # fmt: skip
        for i in range(others):  # each reported more recently than mine
            user = create_user(s, username=f"other{i}", password="listener-pass-1")
            at = now - timedelta(seconds=30)
            s.add(Play(user_id=user.id, client_play_id=f"p{i}", track_id=theirs.id, started_at=at, updated_at=at,
                       state="playing"))  # fmt: skip
    auth = {"u": "me", "p": device.app_password, "v": "1.16.1", "c": "x", "f": "json"}
    with TestClient(create_app(container), base_url="http://localhost") as c:
        body = c.get("/rest/getNowPlaying", params=auth).json()["subsonic-response"]
    entries = body["nowPlaying"].get("entry", [])
    assert [(e["title"], e["username"], e["minutesAgo"]) for e in entries] == [("Mine", "me", 2)]
