"""Generated demo listening: a daily rhythm, weekends, Zipf popularity, drifting taste; rich Wrapped after seeding."""

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from encore import insights
from encore.bootstrap import Container
from encore.catalog import AlbumGenre, Genre
from encore.db import transaction
from encore.demo import Listener, demo_periods, seed_listening
from encore.demo._history import DemoTrackRow, generate
from encore.history import Play
from tests.insights.world import make_world

NOW = datetime(2026, 11, 30, 18, tzinfo=UTC)
GENRES = ("Jazz", "Rock", "Ambient", "Folk")
TRACKS = [DemoTrackRow(i + 1, i // 10, i // 5, GENRES[i // 10 % 4], 60_000 + 997 * i) for i in range(80)]


def _plays(seed: int = 1) -> list[dict[str, object]]:
    return list(generate(TRACKS, Listener(1, seed, 1.0), start=datetime(2022, 1, 1, tzinfo=UTC), end=NOW))


def test_generation_is_deterministic_and_shaped_like_listening() -> None:
    plays = _plays()
    assert plays == _plays() and plays != _plays(seed=2)
    assert 20_000 < len(plays) < 60_000  # about five years of a heavy listener
    hours = Counter(p["started_at"].hour for p in plays)  # type: ignore[attr-defined]
    assert hours[19] > 5 * hours[3]  # evenings, not the small hours
    weekend = Counter(p["started_at"].weekday() >= 5 for p in plays)  # type: ignore[attr-defined]
    assert weekend[True] / 2 > weekend[False] / 5 * 0.8  # weekend days are at least nearly as busy per day
    per_track = Counter(p["track_id"] for p in plays).most_common()
    assert per_track[0][1] > 8 * per_track[len(per_track) // 2][1]  # a Zipf head, a long tail
    assert 0.05 < sum(not p["is_listen"] for p in plays) / len(plays) < 0.25  # some skips
    by_year: dict[int, Counter[str]] = {}
    for p in plays:
        track = TRACKS[int(p["track_id"]) - 1]  # type: ignore[call-overload]
        by_year.setdefault(p["started_at"].year, Counter())[track.genre] += 1  # type: ignore[attr-defined]
    assert len({c.most_common(1)[0][0] for c in by_year.values()}) >= 2  # taste drifts across years


def test_seeding_fills_wrapped_for_recent_years_and_the_decade(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        jazz = s.scalar(select(Genre.id).where(Genre.key == "jazz"))
        for album_id in {t.album_id for t in w.tracks}:
            s.add(AlbumGenre(album_id=album_id, genre_id=jazz))
        alice, bob = w.alice, w.bob
    people = [Listener(alice, 5, 0.5), Listener(bob, 6, 0.3)]
    seeded, plays = seed_listening(container.sessions, listeners=people, now=NOW)
    assert seeded == 2 and plays > 5_000
    assert seed_listening(container.sessions, listeners=people, now=NOW) == (0, 0)  # a second `make run` adds nothing
    with transaction(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Play)) == plays
        for period in demo_periods(NOW):
            snap = insights.get_wrapped(s, user_id=alice, period=period, now=NOW)
            assert snap.listens > 100 and snap.top_tracks and snap.longest_streak.days >= 3, period
            assert {g.name for g in snap.top_genres} == {"Jazz", "Rock"}
            assert snap.top_artist_percent is None  # 2 listeners: a rank among them would reveal the other
        assert demo_periods(NOW) == ["2022", "2023", "2024", "2025", "2026", "2020s"]
        decade = insights.get_wrapped(s, user_id=alice, period="2020s", now=NOW)
        assert [y.year for y in decade.top_track_by_year if y.track] == list(range(2020, 2027))
