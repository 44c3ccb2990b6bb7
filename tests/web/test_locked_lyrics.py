"""A track's words are locked with its audio: a free account read the synced lyrics of a pre-release and of a
Premium exclusive through the player and both Subsonic calls, while the track itself was refused."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import billing, lyrics
from encore.accounts import User, create_user
from encore.billing import Availability
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login

WORDS = "[00:01.00]Not out yet\n[00:02.00]Second line"


def _song(container: Container) -> str:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        band = f.artist(s, "Band")
        song = f.track(s, "Honey Rooms", f.album(s, "LP", band, on=f.label(s, "Ours")), [band])
        lyrics.save_lyrics(s, track_id=song.id, lyrics=lyrics.parse(WORDS), source=lyrics.Source.LABEL)
        premium = create_user(s, username="premium", password=PASSWORD)
        create_user(s, username="free", password=PASSWORD)
        billing.grant_premium(s, user_public_id=premium.public_id, plan="premium", days=30, now=now)
        return song.public_id


def _lock(container: Container, song: str, lock: str) -> None:
    with transaction(container.sessions) as s:
        track = s.scalars(select(Track).where(Track.public_id == song)).one()
        track.availability = lock
        if lock == Availability.PRERELEASE.value:
            track.available_from = container.clock.now() + timedelta(days=30)


REASONS = {"prerelease": "premium_required_prerelease", "premium": "premium_required"}


def _key(container: Container, name: str) -> str:
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == name)).one()
        secret = container.settings.secret_key.get_secret_value().encode()
        return create_device(s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()).api_key


@pytest.mark.parametrize("lock", ["public", "prerelease", "premium"])
def test_a_locked_tracks_lyrics_are_for_those_who_may_hear_it(container: Container, lock: str) -> None:
    song = _song(container)
    locked = lock != "public"
    if locked:
        _lock(container, song, lock)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        for name in ("free", "premium"):
            shut = locked and name == "free"
            r = api.get(f"/api/tracks/{song}/lyrics", headers={"Authorization": f"Bearer {login(api, name)}"})
            assert r.status_code == (403 if shut else 200), r.text
            if shut:
                assert r.json()["error"]["code"] == REASONS[lock]
            else:
                assert r.json()["lines"][0]["text"] == "Not out yet"
            rest = {"apiKey": _key(container, name), "v": "1.16.1", "c": "test", "f": "json"}
            by_id = api.get("/rest/getLyricsBySongId", params=rest | {"id": f"tr-{song}"}).json()["subsonic-response"]
            by_title = api.get("/rest/getLyrics", params=rest | {"artist": "Band", "title": "Honey Rooms"}).json()
            value = by_title["subsonic-response"]["lyrics"]["value"]
            if shut:
                assert by_id["status"] == "failed" and by_id["error"]["code"] == 50
                assert value == ""  # as for a title with no lyrics: nothing of the words
            else:
                assert by_id["lyricsList"]["structuredLyrics"][0]["line"][0]["value"] == "Not out yet"
                assert value == "Not out yet\nSecond line"
