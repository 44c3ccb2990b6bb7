"""Ratings, play queues and the listening lists (co-listening, now playing, album lists) on both databases."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from encore import history, library
from encore.bootstrap import Container
from encore.catalog import Album
from encore.kernel import NotFound, ValidationFailed
from tests.catalog import factories as f
from tests.library.test_library import NOW, World


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    from encore.accounts import create_user

    with container.sessions() as s, s.begin():
        alice = create_user(s, username="alice", password="alice-password-1")
        bob = create_user(s, username="bob", password="bob-password-12")
        artist = f.artist(s, "Nina Vale")
        album = f.album(s, "Harbour Lights", artist)
        tracks = [f.track(s, f"Song {i}", album, [artist], number=i + 1, duration_ms=100_000) for i in range(6)]
        yield World(s, alice.id, bob.id, tracks)


def _listen(w: World, user: int, index: int, minutes_ago: int, *, done: bool = True) -> None:
    t = w.tracks[index]
    started = NOW - timedelta(minutes=minutes_ago)
    history.report_play(
        w.s,
        user_id=user,
        report=history.PlayReport(
            client_play_id=f"play-{user}-{index}-{minutes_ago}",
            track_id=t.id,
            track_duration_ms=t.duration_ms,
            started_at=started,
            ms_played=t.duration_ms if done else 1000,
            state="ended" if done else "playing",
        ),
        now=NOW,
    )


def test_ratings_set_change_clear_and_refuse(world: World) -> None:
    w = world
    library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(0)[0], rating=4, now=NOW)
    library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(0)[0], rating=2, now=NOW)
    library.set_rating(w.s, user_id=w.bob, kind="track", item_id=w.ids(1)[0], rating=5, now=NOW)
    assert library.ratings_for(w.s, user_id=w.alice, kind="track", ids=w.ids(0, 1)) == {w.ids(0)[0]: 2}
    library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(0)[0], rating=0, now=NOW)
    assert library.ratings_for(w.s, user_id=w.alice, kind="track", ids=w.ids(0)) == {}
    with pytest.raises(ValidationFailed):
        library.set_rating(w.s, user_id=w.alice, kind="track", item_id=w.ids(0)[0], rating=6, now=NOW)
    with pytest.raises(NotFound):
        library.set_rating(w.s, user_id=w.alice, kind="album", item_id=w.ids(0)[0], rating=3, now=NOW)


def test_play_queue_round_trip_and_refusals(world: World) -> None:
    w = world
    assert library.get_play_queue(w.s, user_id=w.alice) is None
    ids = w.ids(2, 0, 2)  # the same track twice is a real queue
    library.save_play_queue(
        w.s, user_id=w.alice, track_ids=ids, current=ids[1], position_ms=4200, changed_by="phone", now=NOW
    )
    q = library.get_play_queue(w.s, user_id=w.alice)
    assert q is not None and [t.id for t in q.tracks] == ids and q.current == ids[1] and q.position_ms == 4200
    assert library.get_play_queue(w.s, user_id=w.bob) is None
    with pytest.raises(NotFound):
        library.save_play_queue(
            w.s, user_id=w.alice, track_ids=["A" * 22], current=None, position_ms=0, changed_by="", now=NOW
        )
    with pytest.raises(ValidationFailed):
        library.save_play_queue(
            w.s, user_id=w.alice, track_ids=ids, current=w.ids(5)[0], position_ms=0, changed_by="", now=NOW
        )
    q = library.get_play_queue(w.s, user_id=w.alice)
    assert q is not None and [t.id for t in q.tracks] == ids  # a refused save changed nothing
    library.save_play_queue(w.s, user_id=w.alice, track_ids=[], current=None, position_ms=0, changed_by="", now=NOW)
    assert library.get_play_queue(w.s, user_id=w.alice) is None


def _listeners(w: World, n: int) -> list[int]:
    from encore.accounts import create_user

    return [create_user(w.s, username=f"fan{i}", password="fan-password-1").id for i in range(n)]


def test_similar_tracks_come_from_co_listening_of_enough_listeners(world: World) -> None:
    w = world
    fans = _listeners(w, 5)
    for user in fans:
        _listen(w, user, 0, 50)
        _listen(w, user, 3, 40)
    for user in fans[:4]:
        _listen(w, user, 4, 30)  # four listeners share this pair: below the threshold
    similar = library.similar_tracks(w.s, track_id=w.ids(0)[0], limit=10)
    assert [t.title for t in similar] == ["Song 3"]
    assert library.similar_tracks(w.s, track_id=w.ids(5)[0], limit=10) == []


def test_one_shared_play_does_not_reveal_another_listeners_top_10(world: World) -> None:
    """#15 hole 5: getSimilarSongs2 returned exactly Bob's private top 10 after one shared play."""
    w = world
    for index in (1, 2, 3, 4, 5):
        for minutes in range(index * 3):
            _listen(w, w.bob, index, 100 + minutes)
    _listen(w, w.bob, 0, 10)
    _listen(w, w.alice, 0, 5)  # Alice plays one track Bob played, then asks for "similar"
    assert library.similar_tracks(w.s, track_id=w.ids(0)[0], limit=10) == []
    # the artist's top songs do not follow Bob's counts either: with too few listeners, newest order
    top = library.top_tracks(w.s, artist_name="Nina Vale", limit=6)
    assert [t.title for t in top] == [f"Song {i}" for i in range(6)]


def test_top_songs_count_listens_only_behind_enough_listeners(world: World) -> None:
    w = world
    for user in _listeners(w, 5):
        _listen(w, user, 4, 30)
    top = library.top_tracks(w.s, artist_name="Nina Vale", limit=2)
    assert [t.title for t in top] == ["Song 4", "Song 0"]
    assert library.enough_listeners(5) and not library.enough_listeners(4)


def test_now_playing_and_album_lists(world: World) -> None:
    w = world
    _listen(w, w.alice, 1, 2, done=False)
    _listen(w, w.bob, 2, 60, done=False)  # too long ago to be playing now
    playing = library.now_playing(w.s, user_id=w.alice, now=NOW)
    assert [(p.user_id, t.title) for p, t in playing] == [(w.alice, "Song 1")]
    assert library.now_playing(w.s, user_id=w.bob, now=NOW) == []  # Bob's play started an hour ago
    artist = f.artist(w.s, "Zed")
    other = f.album(w.s, "Another", artist)
    f.track(w.s, "Other song", other, [artist])
    _listen(w, w.alice, 0, 20)
    by_name = library.album_list(w.s, user_id=w.alice, kind="alphabeticalByName", limit=10, offset=0)
    assert [a.title for a in by_name] == ["Another", "Harbour Lights"]
    frequent = library.album_list(w.s, user_id=w.alice, kind="frequent", limit=10, offset=0)
    assert [a.title for a in frequent] == ["Harbour Lights"]
    assert library.album_list(w.s, user_id=w.bob, kind="starred", limit=10, offset=0) == []
    library.save_items(w.s, user_id=w.bob, kind="album", ids=[other.public_id], now=NOW)
    assert [a.title for a in library.album_list(w.s, user_id=w.bob, kind="starred", limit=10, offset=0)] == ["Another"]
    assert len(library.album_list(w.s, user_id=w.bob, kind="random", limit=10, offset=0)) == 2
    by_artist = library.album_list(w.s, user_id=w.bob, kind="alphabeticalByArtist", limit=10, offset=0)
    assert [a.title for a in by_artist] == ["Harbour Lights", "Another"]  # Nina Vale, then Zed
    by_artist = library.album_list(w.s, user_id=w.bob, kind="alphabeticalByArtist", limit=10, offset=1)
    assert [a.title for a in by_artist] == ["Another"]
    assert library.album_list(w.s, user_id=w.bob, kind="newest", limit=10, offset=5) == []
    with pytest.raises(ValidationFailed):
        library.album_list(w.s, user_id=w.bob, kind="byYear", limit=10, offset=0)
    assert w.s.get(Album, other.id) is not None


def test_play_counts_are_the_listeners_own(world: World) -> None:
    """#15 hole 5, the same class: Subsonic's playCount was everyone's, so one listener could read how often
    another played a track nobody else plays."""
    w = world
    for minutes in (10, 20, 30):
        _listen(w, w.bob, 2, minutes)
    _listen(w, w.alice, 2, 5)
    track = w.ids(2)[0]
    assert library.play_counts(w.s, user_id=w.bob, track_ids=[track]) == {track: 3}
    assert library.play_counts(w.s, user_id=w.alice, track_ids=[track]) == {track: 1}
    assert library.play_counts(w.s, user_id=w.alice, track_ids=w.ids(3)) == {}
