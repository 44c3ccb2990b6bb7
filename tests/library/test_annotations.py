"""A listener's stars, ratings and own listens for a page, read in one statement, on both databases."""

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from encore import library
from encore.bootstrap import Container
from encore.catalog import Album, Artist
from tests.catalog import factories as f
from tests.library.test_library import NOW, World
from tests.library.test_listening import _listen


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    from encore.accounts import create_user

    with container.sessions() as s, s.begin():
        alice = create_user(s, username="alice", password="alice-password-1")
        bob = create_user(s, username="bob", password="bob-password-12")
        artist = f.artist(s, "Nina Vale")
        album = f.album(s, "Harbour Lights", artist)
        tracks = [f.track(s, f"Song {i}", album, [artist], number=i + 1, duration_ms=100_000) for i in range(4)]
        yield World(s, alice.id, bob.id, tracks)


def _statements(w: World) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(w.s.get_bind(), "before_cursor_execute", record)
    return seen


def _album(w: World) -> str:
    album = w.s.get(Album, w.tracks[0].album_id)
    assert album is not None
    return album.public_id


def test_one_statement_answers_what_each_reader_answers(world: World) -> None:
    w, album = world, _album(world)
    by = w.s.get(Artist, w.tracks[0].artists[0].artist_id)
    assert by is not None
    artist = by.public_id
    library.save_items(w.s, user_id=w.alice, kind="artist", ids=[artist], now=NOW)
    library.save_items(w.s, user_id=w.alice, kind="track", ids=w.ids(0, 2), now=NOW)
    library.save_items(w.s, user_id=w.alice, kind="album", ids=[album], now=NOW)
    library.save_items(w.s, user_id=w.bob, kind="track", ids=w.ids(1), now=NOW)  # bob's marks are not alice's
    library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(1)[0], rating=4, now=NOW)
    library.set_rating(w.s, user_id=w.alice, kind="album", item_id=album, rating=2, now=NOW)
    library.set_rating(w.s, user_id=w.bob, kind="track", item_id=w.ids(0)[0], rating=5, now=NOW)
    _listen(w, w.alice, 0, 30)
    _listen(w, w.alice, 0, 20)
    _listen(w, w.alice, 3, 10)
    _listen(w, w.bob, 2, 10)
    _listen(w, w.alice, 1, 5, done=False)  # a skip is not a listen
    tracks = w.ids(0, 1, 2, 3)
    seen = _statements(w)
    notes = library.annotations(w.s, user_id=w.alice, tracks=tracks, albums=[album], artists=[artist])
    assert len(seen) == 1
    assert notes.starred["track"] == library.saved_times(w.s, user_id=w.alice, kind="track", ids=tracks)
    assert set(notes.starred["track"]) == set(w.ids(0, 2))
    assert notes.starred["album"] == {album: NOW}
    assert notes.star("track", w.ids(0)[0]) == NOW  # a zoned datetime on both databases
    assert (
        notes.ratings["track"]
        == library.ratings_for(w.s, user_id=w.alice, kind="track", ids=tracks)
        == {w.ids(1)[0]: 4}
    )
    assert notes.rating("album", album) == 2
    assert notes.plays == library.play_counts(w.s, user_id=w.alice, track_ids=tracks)
    assert notes.plays == {w.ids(0)[0]: 2, w.ids(3)[0]: 1}
    assert notes.starred["artist"] == {artist: NOW}
    assert notes.rating("artist", artist) is None


def test_nothing_asked_or_only_bad_ids_reads_nothing(world: World) -> None:
    w = world
    library.save_items(w.s, user_id=w.alice, kind="track", ids=w.ids(0), now=NOW)
    seen = _statements(w)
    assert library.annotations(w.s, user_id=w.alice) == library.Annotations()
    bad = ["", "x", "../etc", "\x00", "\ud800", "a" * 10_000, "' OR 1=1 --"]
    assert library.annotations(w.s, user_id=w.alice, tracks=bad, albums=bad, artists=bad) == library.Annotations()
    assert seen == []
    # bad ids beside a good one: the good one still answers
    notes = library.annotations(w.s, user_id=w.alice, tracks=[*bad, w.ids(0)[0], w.ids(0)[0]])
    assert notes.starred == {"track": {w.ids(0)[0]: NOW}}


def test_a_page_without_plays_skips_the_count(world: World) -> None:
    w = world
    _listen(w, w.alice, 0, 30)
    notes = library.annotations(w.s, user_id=w.alice, tracks=w.ids(0), plays=False)
    assert notes.plays == {}


def test_a_playlist_sized_list_stays_under_sqlites_usual_variable_limit(world: World) -> None:
    """10,000 ids (library.MAX_ITEMS) on a SQLite built with the default limit of 32,766 variables (python.org
    and macOS builds; Debian's allows more): answered in rounds, the same marks as for a short list."""
    w, seen = world, _statements(world)
    library.save_items(w.s, user_id=w.alice, kind="track", ids=w.ids(2), now=NOW)
    library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(3)[0], rating=3, now=NOW)
    _listen(w, w.alice, 1, 30)
    raw = w.s.connection().connection.dbapi_connection
    if w.s.get_bind().dialect.name == "sqlite":
        assert raw is not None
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    filler = [f"{i:022d}" for i in range(library.MAX_ITEMS - 4)]  # public ids of nothing
    ids = filler[:5000] + w.ids(0, 1, 2, 3) + filler[5000:]
    seen.clear()
    got = library.annotations(w.s, user_id=w.alice, tracks=ids)
    assert len(seen) == 10  # in rounds of CHUNK (1,024) ids
    assert got == library.annotations(w.s, user_id=w.alice, tracks=w.ids(0, 1, 2, 3))
    assert set(got.starred["track"]) == set(w.ids(2)) and got.ratings["track"] == {w.ids(3)[0]: 3}
    assert got.plays == {w.ids(1)[0]: 1}
