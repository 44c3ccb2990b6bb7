"""Top tracks and artists by time range, and recently played with cursors, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Track
from encore.history import PlayReport
from encore.kernel import ValidationFailed
from tests.catalog import factories as f

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class World:
    s: Session
    alice: int
    bob: int
    tracks: list[Track]
    artists: list[int]
    serial: int = 0

    def play(self, user: int, track: int, *, days_ago: float, full: bool = True) -> None:
        self.serial += 1
        t = self.tracks[track]
        history.report_play(
            self.s,
            user_id=user,
            now=NOW,
            report=PlayReport(
                client_play_id=f"play-{self.serial:06d}",
                track_id=t.id,
                track_duration_ms=t.duration_ms,
                started_at=NOW - timedelta(days=days_ago),
                ms_played=t.duration_ms if full else 5_000,
                state="ended" if full else "skipped",
            ),
        )


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    with container.sessions() as s, s.begin():
        alice = create_user(s, username="alice", password="alice-password-1")
        bob = create_user(s, username="bob", password="bob-password-12")
        nina, omar = f.artist(s, "Nina Vale"), f.artist(s, "Omar Reyes")
        album = f.album(s, "Harbour Lights", nina)
        tracks = [f.track(s, f"Song {i}", album, [nina if i < 2 else omar], number=i + 1) for i in range(4)]
        yield World(s, alice.id, bob.id, tracks, [nina.id, omar.id])


def _top(w: World, time_range: str, user: int | None = None) -> list[tuple[int, int]]:
    ranked, _ = history.top_tracks(w.s, user_id=user or w.alice, time_range=time_range, limit=10, offset=0, now=NOW)
    return [(r.entity_id, r.listens) for r in ranked]


def test_time_ranges_count_listens_inside_them(world: World) -> None:
    w = world
    for _ in range(3):
        w.play(w.alice, 0, days_ago=2)  # recent favourite
    for _ in range(5):
        w.play(w.alice, 1, days_ago=60)  # two months ago
    for _ in range(9):
        w.play(w.alice, 2, days_ago=400)  # last year
    t = [x.id for x in w.tracks]
    assert _top(w, "short_term") == [(t[0], 3)]
    assert _top(w, "medium_term") == [(t[1], 5), (t[0], 3)]
    assert _top(w, "long_term") == [(t[2], 9), (t[1], 5), (t[0], 3)]


def test_skips_and_other_users_do_not_count(world: World) -> None:
    w = world
    w.play(w.alice, 0, days_ago=1)
    for _ in range(4):
        w.play(w.alice, 3, days_ago=1, full=False)  # skipped: not a listen
    for _ in range(6):
        w.play(w.bob, 2, days_ago=1)
    assert _top(w, "short_term") == [(w.tracks[0].id, 1)]
    assert _top(w, "short_term", w.bob) == [(w.tracks[2].id, 6)]


def test_top_artists_and_paging(world: World) -> None:
    w = world
    for track, n in ((0, 1), (1, 1), (2, 5)):
        for _ in range(n):
            w.play(w.alice, track, days_ago=1)
    ranked, total = history.top_artists(w.s, user_id=w.alice, time_range="short_term", limit=1, offset=0, now=NOW)
    assert total == 2 and [(r.entity_id, r.listens) for r in ranked] == [(w.artists[1], 5)]
    second, _ = history.top_artists(w.s, user_id=w.alice, time_range="short_term", limit=1, offset=1, now=NOW)
    assert [(r.entity_id, r.listens) for r in second] == [(w.artists[0], 2)]


def test_unknown_time_range_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        history.top_tracks(world.s, user_id=world.alice, time_range="forever", limit=5, offset=0, now=NOW)


def test_recently_played_cursors(world: World) -> None:
    w = world
    for i in range(5):
        w.play(w.alice, i % 4, days_ago=5 - i)  # oldest first
    newest = history.recently_played(w.s, user_id=w.alice, limit=2)
    assert [p.played_at for p in newest] == [NOW - timedelta(days=1), NOW - timedelta(days=2)]
    older = history.recently_played(w.s, user_id=w.alice, limit=10, before=newest[-1].played_at)
    assert [p.played_at for p in older] == [NOW - timedelta(days=d) for d in (3, 4, 5)]
    newer = history.recently_played(w.s, user_id=w.alice, limit=10, after=NOW - timedelta(days=3))
    assert [p.played_at for p in newer] == [NOW - timedelta(days=1), NOW - timedelta(days=2)]
    with pytest.raises(ValidationFailed):
        history.recently_played(w.s, user_id=w.alice, limit=1, before=NOW, after=NOW)
