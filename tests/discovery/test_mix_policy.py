"""The pure parts of mixes: clustering a listener's artists, alternating familiar and new, rebuild dates."""

from datetime import UTC, datetime

from encore.discovery import cluster_artists, due, interleave, round_robin
from encore.discovery._mix_policy import daily_description


def test_artists_cluster_by_genre_and_genreless_ones_follow_their_neighbours() -> None:
    artists = [(1, 10.0), (2, 8.0), (3, 5.0), (4, 4.0), (5, 1.0)]
    genres = {1: 100, 2: 200, 3: 100, 4: None, 5: None}
    clusters = cluster_artists(artists, genre_of=genres, neighbours={4: [9, 2], 5: [8]})
    assert [c.artists for c in clusters] == [[1, 3], [2, 4], [5]]
    assert [c.genre for c in clusters] == [100, 200, None]
    assert len(cluster_artists([(a, 1.0) for a in range(20)], genre_of={}, neighbours={})) == 6


def test_nothing_to_cluster_gives_no_mix() -> None:
    assert cluster_artists([], genre_of={}, neighbours={}) == []


def test_interleave_alternates_dedupes_and_stops_at_length() -> None:
    assert interleave([1, 2, 3], [4, 1, 5, 6, 7], length=6) == [1, 4, 2, 3, 5, 6]
    assert interleave([], [7, 8], length=5) == [7, 8]
    assert round_robin([[1, 2, 3], [4], [5, 6]], length=5) == [1, 4, 5, 2, 6]


def test_names_say_the_main_artists_and_genre() -> None:
    assert daily_description(["Ada"], "Jazz") == "Ada · Jazz"
    assert daily_description(["Ada", "Bo"], None) == "Ada and Bo"
    assert daily_description(["Ada", "Bo", "Cy", "Di"], "Pop") == "Ada, Bo, Cy and more · Pop"


def test_daily_mixes_refresh_each_day_weekly_ones_each_iso_week() -> None:
    sunday, monday = datetime(2026, 3, 1, 23, tzinfo=UTC), datetime(2026, 3, 2, 1, tzinfo=UTC)
    assert due("daily", built_at=None, now=sunday).reason == "never_built"
    assert not due("daily", built_at=sunday, now=sunday.replace(hour=1)).allowed
    assert due("daily", built_at=sunday, now=monday).allowed
    assert due("discover", built_at=sunday, now=monday).allowed  # a new ISO week begins on Monday
    assert not due("radar", built_at=monday, now=datetime(2026, 3, 8, 22, tzinfo=UTC)).allowed


def test_ties_in_a_listeners_taste_break_the_way_the_database_rows_came() -> None:
    """Artists and genres with equal listens keep the order they are met in, by track id then genre id (the
    order the per-listener reads returned them in, before those reads were replaced by per-run caches)."""
    from collections import Counter

    from encore.discovery._mix_shared import TrackFacts
    from encore.discovery._mixes import Taste, listener_genres, main_genres

    facts = {  # track -> artists, own genres, album genres, both
        5: TrackFacts((2,), (), (30,), (30,)),
        7: TrackFacts((1, 2), (20,), (10,), (10, 20)),
        9: TrackFacts((1,), (), (30,), (30,)),
    }
    heard = {9: 2, 7: 1, 5: 1}
    taste = Taste(heard, frozenset(heard), facts, Counter({2: 2, 1: 3}), {2: [5, 7], 1: [7, 9]})
    # artist 1: genre 10 and 20 once (track 7), 30 twice (track 9); artist 2: 30 once (5), then 10 and 20 once (7)
    assert main_genres([1, 2], taste) == {1: 30, 2: 30}
    assert main_genres([2], Taste(heard, frozenset(), facts, Counter(), {2: [7, 5]})) == {2: 10}
    assert listener_genres([9, 7, 5], facts) == [30, 20, 10]  # own genres are counted first: 20 before 10


def test_release_radar_keeps_the_windows_order_for_any_of_the_listeners_artists() -> None:
    from encore.discovery._mix_shared import Releases

    window = Releases([(1, 10), (1, 11), (2, 20), (3, 30)], {7: [0, 2], 8: [2, 3], 9: [1]})
    assert window.of([8, 7]) == [(1, 10), (2, 20), (3, 30)]  # track 20 (both artists) once
    assert window.of([9]) == [(1, 11)] and window.of([4]) == []
