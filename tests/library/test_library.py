"""Playlists and saved items against SQLite and a real PostgreSQL."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Track
from encore.kernel import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.catalog import factories as f

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class World:
    s: Session
    alice: int
    bob: int
    tracks: list[Track]

    def ids(self, *indexes: int) -> list[str]:
        return [self.tracks[i].public_id for i in indexes]


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    with container.sessions() as s, s.begin():
        alice = create_user(s, username="alice", password="alice-password-1")
        bob = create_user(s, username="bob", password="bob-password-12")
        artist = f.artist(s, "Nina Vale")
        album = f.album(s, "Harbour Lights", artist)
        tracks = [f.track(s, f"Song {i}", album, [artist], number=i + 1) for i in range(6)]
        yield World(s, alice.id, bob.id, tracks)


def _titles(w: World, playlist_id: str, viewer: int) -> list[str]:
    page = library.playlist_items(w.s, playlist_id=playlist_id, viewer_id=viewer, limit=100, offset=0)
    assert [i.position for i in page.items] == list(range(len(page.items)))
    return [i.track.title for i in page.items]


def test_create_fill_reorder_and_remove(world: World) -> None:
    w = world
    p = library.create_playlist(w.s, owner_id=w.alice, name="Road trip", now=NOW)
    assert (p.total_tracks, p.public) == (0, False)
    assert p.owner_name.startswith("Listener ") and "alice" not in p.owner_name  # no name chosen: never the login
    snap = library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(0, 1, 2, 3), now=NOW)
    assert snap != p.snapshot_id
    library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(5, 0), position=1, now=NOW)
    assert _titles(w, p.id, w.alice) == ["Song 0", "Song 5", "Song 0", "Song 1", "Song 2", "Song 3"]
    library.move_in_playlist(w.s, playlist_id=p.id, user_id=w.alice, range_start=0, insert_before=6, now=NOW)
    assert _titles(w, p.id, w.alice) == ["Song 5", "Song 0", "Song 1", "Song 2", "Song 3", "Song 0"]
    library.remove_from_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(0), now=NOW)
    assert _titles(w, p.id, w.alice) == ["Song 5", "Song 1", "Song 2", "Song 3"]
    library.remove_from_playlist(w.s, playlist_id=p.id, user_id=w.alice, positions=[0, 3], now=NOW)
    assert _titles(w, p.id, w.alice) == ["Song 1", "Song 2"]
    view = library.get_playlist(w.s, playlist_id=p.id, viewer_id=w.alice)
    assert (view.total_tracks, view.duration_ms) == (2, 360_000)


def test_a_stale_snapshot_is_a_conflict_and_changes_nothing(world: World) -> None:
    w = world
    p = library.create_playlist(w.s, owner_id=w.alice, name="Mix", now=NOW)
    first = library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(0, 1, 2), now=NOW)
    library.move_in_playlist(w.s, playlist_id=p.id, user_id=w.alice, range_start=2, insert_before=0, now=NOW)
    with pytest.raises(Conflict):
        library.move_in_playlist(
            w.s, playlist_id=p.id, user_id=w.alice, range_start=0, insert_before=3, snapshot_id=first, now=NOW
        )
    assert _titles(w, p.id, w.alice) == ["Song 2", "Song 0", "Song 1"]


def test_another_users_private_playlist_is_not_found_and_public_is_read_only(world: World) -> None:
    w = world
    p = library.create_playlist(w.s, owner_id=w.alice, name="Secret", now=NOW)
    for call in (
        lambda: library.get_playlist(w.s, playlist_id=p.id, viewer_id=w.bob),
        lambda: library.get_playlist(w.s, playlist_id=p.id, viewer_id=None),
        lambda: library.playlist_items(w.s, playlist_id=p.id, viewer_id=w.bob, limit=10, offset=0),
        lambda: library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.bob, track_ids=w.ids(0), now=NOW),
        lambda: library.delete_playlist(w.s, playlist_id=p.id, user_id=w.bob),
        lambda: library.get_playlist(w.s, playlist_id="0" * 22, viewer_id=w.alice),
        lambda: library.get_playlist(w.s, playlist_id="../../etc", viewer_id=w.alice),
    ):
        with pytest.raises(NotFound, match="no such playlist"):
            call()
    assert library.list_playlists(w.s, owner_id=w.alice, viewer_id=w.bob, limit=10, offset=0).total == 0
    library.update_playlist(w.s, playlist_id=p.id, user_id=w.alice, public=True, now=NOW)
    assert library.get_playlist(w.s, playlist_id=p.id, viewer_id=None).name == "Secret"
    with pytest.raises(PermissionDenied):
        library.update_playlist(w.s, playlist_id=p.id, user_id=w.bob, name="Mine now", now=NOW)
    assert library.list_playlists(w.s, owner_id=w.alice, viewer_id=w.bob, limit=10, offset=0).total == 1


def test_bad_arguments_are_refused_and_change_nothing(world: World) -> None:
    w = world
    p = library.create_playlist(w.s, owner_id=w.alice, name="Keep", now=NOW)
    library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(0, 1), now=NOW)
    with pytest.raises(NotFound, match="track"):
        library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=[*w.ids(2), "x" * 22], now=NOW)
    with pytest.raises(ValidationFailed, match="position"):
        library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(2), position=9, now=NOW)
    with pytest.raises(ValidationFailed, match="position"):
        library.remove_from_playlist(w.s, playlist_id=p.id, user_id=w.alice, positions=[2], now=NOW)
    with pytest.raises(ValidationFailed, match="at most 100"):
        library.add_to_playlist(w.s, playlist_id=p.id, user_id=w.alice, track_ids=w.ids(0) * 101, now=NOW)
    with pytest.raises(ValidationFailed, match="name"):
        library.update_playlist(w.s, playlist_id=p.id, user_id=w.alice, name="  ", now=NOW)
    assert _titles(w, p.id, w.alice) == ["Song 0", "Song 1"]
    assert library.get_playlist(w.s, playlist_id=p.id, viewer_id=w.alice).name == "Keep"


def test_saved_items_are_per_user_newest_first_and_idempotent(world: World) -> None:
    w = world
    for i in (0, 3, 3):
        library.save_items(w.s, user_id=w.alice, kind="track", ids=w.ids(i), now=NOW + timedelta(minutes=i))
    page = library.saved_tracks(w.s, user_id=w.alice, limit=10, offset=0)
    assert [s.track.title for s in page.items] == ["Song 3", "Song 0"] and page.total == 2
    assert library.saved_status(w.s, user_id=w.alice, kind="track", ids=[*w.ids(0, 1), "bogus"]) == [True, False, False]
    assert library.saved_status(w.s, user_id=w.bob, kind="track", ids=w.ids(0)) == [False]
    library.unsave_items(w.s, user_id=w.alice, kind="track", ids=w.ids(0))
    assert library.saved_tracks(w.s, user_id=w.alice, limit=10, offset=0).total == 1
    album_id = w.tracks[0].album.public_id
    library.save_items(w.s, user_id=w.bob, kind="album", ids=[album_id], now=NOW)
    assert [a.album.title for a in library.saved_albums(w.s, user_id=w.bob, limit=5, offset=0).items] == [
        "Harbour Lights"
    ]
    artist_id = w.tracks[0].artists[0].artist.public_id
    library.save_items(w.s, user_id=w.bob, kind="artist", ids=[artist_id], now=NOW)
    assert library.saved_artists(w.s, user_id=w.bob, limit=5, offset=0).items[0].artist.name == "Nina Vale"
    with pytest.raises(NotFound):
        library.save_items(w.s, user_id=w.bob, kind="album", ids=[w.tracks[0].public_id], now=NOW)
