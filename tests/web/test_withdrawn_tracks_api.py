"""A track its label withdraws (or whose release it withdraws) stays where the listener put it (a playlist,
likes, their history) and says so: `playable: false` on the player's track objects, while streaming it still
answers 404. Publishing it again makes it playable again (probe19 F2)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import catalog, playback
from encore.accounts import User, create_user
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.history import Play
from encore.kernel import NotFound
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


@dataclass
class Shelf:
    """Alice's playlist [Tide, Gone Song, Lantern], her likes (Tide, Gone Song) and a play of Gone Song; Gone
    Song is the only track of "Dust Roads", the release the tests withdraw."""

    playlist: str
    tide: str
    lantern: str
    gone: str
    gone_album: int


@pytest.fixture
def shelf(client: TestClient, container: Container) -> Shelf:
    with transaction(container.sessions) as s:
        alice = create_user(s, username="alice", password=PASSWORD).id
        nina, omar = f.artist(s, "Nina Vale"), f.artist(s, "Omar Reyes")
        lights, dust = f.album(s, "Harbour Lights", nina), f.album(s, "Dust Roads", omar)
        tide, lantern = f.track(s, "Tide", lights, [nina], 1), f.track(s, "Lantern", lights, [nina], 2)
        gone = f.track(s, "Gone Song", dust, [omar])
        at = datetime(2026, 11, 1, 20, tzinfo=UTC)
        s.add(
            Play(
                user_id=alice, client_play_id="p-gone", track_id=gone.id, started_at=at, updated_at=at,
                ms_played=180_000, state="ended", is_listen=True,
            )
        )  # fmt: skip
        ids = (tide.public_id, gone.public_id, lantern.public_id)
        dust_id = dust.id
        albums = (lights.public_id, dust.public_id)
    login(client, "alice")
    playlist = client.post("/api/playlists", json={"name": "Evening"}, headers=CSRF).json()["id"]
    assert client.post(f"/api/playlists/{playlist}/items", json={"track_ids": list(ids)}, headers=CSRF).is_success
    for track in ids[:2]:
        assert client.put(f"/api/me/likes/tracks/{track}", headers=CSRF).status_code == 204
    for album in albums:
        assert client.put(f"/api/me/likes/albums/{album}", headers=CSRF).status_code == 204
    return Shelf(playlist, ids[0], ids[2], ids[1], dust_id)


def _release(container: Container, album_id: int, status: ReleaseStatus) -> None:
    with transaction(container.sessions) as s:
        catalog.set_release_status(s, album=s.get_one(Album, album_id), status=status)


def _may_hear(container: Container, track_id: str) -> bool | None:
    """The stream decision's answer for alice (None: "no such track", what streaming it answers)."""
    with container.sessions() as s:
        alice = s.scalars(select(User.id).where(User.username == "alice")).one()
        try:
            return playback.may_hear(s, user_id=alice, track_id=track_id, now=container.clock.now()).allowed
        except NotFound:
            return None


def _playlist(client: TestClient, shelf: Shelf) -> list[tuple[str, bool]]:
    r = client.get(f"/api/playlists/{shelf.playlist}/items")
    assert r.status_code == 200, r.text
    return [(i["track"]["title"], i["track"]["playable"]) for i in r.json()["items"]]


def _likes(client: TestClient) -> list[tuple[str, bool]]:
    r = client.get("/api/me/likes/tracks")
    assert r.status_code == 200, r.text
    return [(i["track"]["title"], i["track"]["playable"]) for i in r.json()["items"]]


def test_a_withdrawn_release_stays_in_the_playlist_and_likes_marked_not_playable(
    client: TestClient, container: Container, shelf: Shelf
) -> None:
    assert _playlist(client, shelf) == [("Tide", True), ("Gone Song", True), ("Lantern", True)]
    _release(container, shelf.gone_album, ReleaseStatus.WITHDRAWN)
    assert _playlist(client, shelf) == [("Tide", True), ("Gone Song", False), ("Lantern", True)]
    assert sorted(_likes(client)) == [("Gone Song", False), ("Tide", True)]
    liked = client.get("/api/me/likes/albums").json()["items"]
    assert sorted((i["album"]["title"], i["album"]["playable"]) for i in liked) == [
        ("Dust Roads", False),
        ("Harbour Lights", True),
    ]
    # the playlist still counts it (the listener sees it, greyed); the stream decision still refuses it
    assert client.get(f"/api/playlists/{shelf.playlist}").json()["total_tracks"] == 3
    assert _may_hear(container, shelf.gone) is None and _may_hear(container, shelf.tide) is True
    # the tier's locks are another question: a withdrawn track draws no Premium lock
    assert client.get("/api/me/locks", params={"ids": shelf.gone}).json() == {}


def test_a_release_published_again_plays_again(client: TestClient, container: Container, shelf: Shelf) -> None:
    _release(container, shelf.gone_album, ReleaseStatus.WITHDRAWN)
    assert ("Gone Song", False) in _likes(client)
    _release(container, shelf.gone_album, ReleaseStatus.PUBLISHED)
    assert _playlist(client, shelf) == [("Tide", True), ("Gone Song", True), ("Lantern", True)]
    assert sorted(_likes(client)) == [("Gone Song", True), ("Tide", True)]
    assert _may_hear(container, shelf.gone) is True


def test_one_track_out_of_the_catalogue_leaves_the_rest_of_its_album_playable(
    client: TestClient, container: Container, shelf: Shelf
) -> None:
    """A track of a release taken out alone (its row's status): only it is marked, its album page drops it."""
    with transaction(container.sessions) as s:
        s.scalars(select(Track).where(Track.public_id == shelf.lantern)).one().status = ReleaseStatus.WITHDRAWN.value
        catalog.catalogue_changed(s)
    assert _playlist(client, shelf) == [("Tide", True), ("Gone Song", True), ("Lantern", False)]
    album = client.get(f"/api/tracks/{shelf.tide}").json()["album"]["id"]
    assert [(t["title"], t["playable"]) for t in client.get(f"/api/albums/{album}").json()["tracks"]] == [
        ("Tide", True)
    ]
    assert _may_hear(container, shelf.lantern) is None


def test_history_keeps_a_withdrawn_track_marked(client: TestClient, container: Container, shelf: Shelf) -> None:
    """History is a record: what the listener played stays named, marked not playable (it was a bare row with
    no track and no title)."""
    _release(container, shelf.gone_album, ReleaseStatus.WITHDRAWN)
    (item,) = client.get("/api/me/history").json()["items"]
    assert item["play_id"] == "p-gone"
    assert (item["track"]["id"], item["track"]["title"], item["track"]["playable"]) == (shelf.gone, "Gone Song", False)
    (recent,) = client.get("/api/me/recent").json()
    assert (recent["track"]["title"], recent["track"]["playable"]) == ("Gone Song", False)
    assert client.get("/api/me/history", params={"q": "gone"}).json()["items"][0]["track"]["playable"] is False


def test_a_playlist_opening_with_a_withdrawn_track_takes_its_cover_from_the_first_playable_one(
    client: TestClient, container: Container, shelf: Shelf
) -> None:
    """A withdrawn release's artwork is listed nowhere: a playlist starting with its track shows the next
    playable track's cover (the Subsonic cover of the list reads the same view), and its own again once
    published."""
    with transaction(container.sessions) as s:
        for album_id, key in ((shelf.gone_album, "dustcover"), (_album_of(s, shelf.tide), "lightscover")):
            s.get_one(Album, album_id).artwork_key = key
    playlist = client.post("/api/playlists", json={"name": "Dust first"}, headers=CSRF).json()["id"]
    order = [shelf.gone, shelf.tide, shelf.lantern]
    r = client.post(f"/api/playlists/{playlist}/items", json={"track_ids": order}, headers=CSRF)
    assert r.is_success, r.text

    def cover() -> str | None:
        return client.get(f"/api/playlists/{playlist}").json()["images"].get("300")

    assert cover() == "/art/dustcover/300.jpg"
    _release(container, shelf.gone_album, ReleaseStatus.WITHDRAWN)
    assert cover() == "/art/lightscover/300.jpg"
    _release(container, shelf.gone_album, ReleaseStatus.PUBLISHED)
    assert cover() == "/art/dustcover/300.jpg"


def _album_of(s: Session, track_id: str) -> int:
    return s.scalars(select(Track.album_id).where(Track.public_id == track_id)).one()
