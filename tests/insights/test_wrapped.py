"""Wrapped snapshots from SQL aggregations: exact figures, and the same snapshot on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from encore import insights
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.insights import Snapshot, parse_period
from encore.kernel import NotFound
from tests.insights.world import NOW, make_world, seeded_history

GOLDEN = Path(__file__).parent / "golden_decade_2020s.json"


def _at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def test_year_snapshot_counts_exactly(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        w.play(w.alice, 2, _at(2023, 12, 31))  # last year: Omar is known before 2024
        w.play(w.alice, 0, _at(2024, 1, 1, 0))  # first listen of 2024
        w.play(w.alice, 0, _at(2024, 1, 2, 9))
        w.play(w.alice, 1, _at(2024, 1, 3, 9))
        w.play(w.alice, 1, _at(2024, 1, 3, 10))
        w.play(w.alice, 3, _at(2024, 3, 5, 22))
        w.play(w.alice, 3, _at(2024, 3, 6, 22), ms=10_000)  # a skip: minutes, not a listen
        w.play(w.alice, None, _at(2024, 4, 9), text=("Far Band", "Elsewhere"))
        w.play(w.alice, 0, _at(2025, 1, 1))  # next year
        for day in range(1, 4):
            w.play(w.bob, 0, _at(2024, 5, day))  # Bob listens to Nina less
        w.flush()
        snap = insights.rebuild(s, user_id=w.alice, period=parse_period("2024", now=NOW), now=NOW)

    assert snap.listens == 6
    assert snap.minutes == (6 * 180_000 + 10_000) // 60_000
    assert [(a.name, a.listens) for a in snap.top_artists] == [("Nina Vale", 4), ("Omar Reyes", 3), ("Far Band", 1)]
    assert [(t.name, t.by, t.listens) for t in snap.top_tracks][:2] == [
        ("Lantern", "Nina Vale", 2),  # a tie breaks by minutes, then name
        ("Tide", "Nina Vale", 2),
    ]
    assert [(g.name, g.listens) for g in snap.top_genres] == [("Jazz", 4), ("Rock", 1)]
    assert [a.name for a in snap.top_albums] == ["Harbour Lights", "Dust Roads"]
    assert snap.clock_month[0] == 4 and snap.clock_month[2] == 1 and snap.clock_month[3] == 1
    assert snap.clock_hour[9] == 2 and snap.clock_hour[22] == 1
    assert snap.clock_weekday[0] == 1  # 2024-01-01 was a Monday
    assert (snap.longest_streak.days, snap.longest_streak.start, snap.longest_streak.end) == (
        3,
        "2024-01-01",
        "2024-01-03",
    )
    assert snap.most_played_day is not None and (snap.most_played_day.date, snap.most_played_day.listens) == (
        "2024-01-03",
        2,
    )
    assert snap.days_listened == 5
    assert snap.new_artists == 2  # Nina and Far Band; Omar was heard in 2023
    assert snap.first_track is not None and (snap.first_track.name, snap.first_track.by) == ("Tide", "Nina Vale")
    # Alice 4 of Nina's, Bob 3: a rank among 2 listeners would tell Alice how much Bob played (#15 hole 5)
    assert snap.top_artist_listeners == 0 and snap.top_artist_percent is None
    assert [(e.label, e.genre, e.artist) for e in snap.eras] == [
        ("2024-01", "Jazz", "Nina Vale"),
        ("2024-03", "Rock", "Omar Reyes"),
        ("2024-04", None, "Far Band"),
    ]
    assert [y.year for y in snap.top_track_by_year] == [2024]


def test_top_artist_percent_needs_five_listeners(container: Container) -> None:
    """With 5 listeners of the artist the rank is shown; with 4 it is not (the same rule as every figure
    derived from others' listening)."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        others = [create_user(s, username=f"fan{i}", password="fan-password-123").id for i in range(2)]
        for day in range(1, 6):
            w.play(w.alice, 0, _at(2024, 1, day))
        for n, user in enumerate([w.bob, *others]):
            w.play(user, 0, _at(2024, 2, 1 + n))
        w.flush()
        four = insights.rebuild(s, user_id=w.alice, period=parse_period("2024", now=NOW), now=NOW)
        w.play(others[0], 0, _at(2025, 1, 1))  # another year: still 4 listeners in 2024 (alice, bob, 2 fans)
        fifth = create_user(s, username="fan9", password="fan-password-123").id
        w.play(fifth, 0, _at(2024, 6, 1))
        w.flush()
        five = insights.rebuild(s, user_id=w.alice, period=parse_period("2024", now=NOW), now=NOW)
    assert (four.top_artist_listeners, four.top_artist_percent) == (0, None)
    assert (five.top_artist_listeners, five.top_artist_percent) == (5, 20)


def test_snapshot_is_stored_reused_and_rebuilt(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        w.play(w.alice, 0, _at(2024, 2, 1))
        w.flush()
        first = insights.get_wrapped(s, user_id=w.alice, period="2024", now=NOW)
        later = NOW + timedelta(hours=1)
        assert insights.get_wrapped(s, user_id=w.alice, period="2024", now=later) == first  # stored, reused
        assert first.listens == 1
        w.play(w.alice, 0, _at(2024, 2, 2))
        w.flush()
        again = insights.get_wrapped(s, user_id=w.alice, period="2024", now=later)  # the new play's month
        assert (again.listens, again.built_at) == (2, later.isoformat())  # folded: the stale snapshot went
        assert insights.rebuild(s, user_id=w.alice, period=parse_period("2024", now=NOW), now=NOW).listens == 2
        assert insights.get_wrapped(s, user_id=w.alice, period="2024", now=NOW).listens == 2
        assert insights.available_periods(s, user_id=w.alice) == ["2024", "2020s"]
        assert insights.available_periods(s, user_id=w.bob) == []


# "２０２４" and "٢٠٢٠s": \d took other scripts' digits, and int() read them, so one listener's 2024 had a second
# snapshot under another name, which "forget everything" did not clear and a share link kept
@pytest.mark.parametrize(
    "bad",
    ["1999x", "../", "2024; drop", "1990s", "2100", "", "20245", "2024s", "2000s0", "２０２４", "٢٠٢٠s", "2024\n"],
)
def test_bad_periods_are_not_found(bad: str) -> None:
    with pytest.raises(NotFound):
        parse_period(bad, now=NOW)


def _comparable(snap: Snapshot) -> dict[str, object]:
    data = snap.to_dict()
    data.pop("built_at")
    return json.loads(json.dumps(data).replace('"id": null', '"id": "-"'), object_hook=_drop_ids)


def _drop_ids(obj: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in obj.items() if k != "id"}


def test_decade_snapshot_is_identical_on_sqlite_and_postgresql(container: Container) -> None:
    """The golden file was written from SQLite; PostgreSQL must produce the same snapshot, field for field."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        seeded_history(w, user=w.alice, seed=7, count=1500, start=_at(2019, 6, 1), days=6 * 365)
        seeded_history(w, user=w.bob, seed=8, count=300, start=_at(2020, 1, 1), days=365)
        w.flush()
        snap = insights.rebuild(s, user_id=w.alice, period=parse_period("2020s", now=NOW), now=NOW)
    got = _comparable(snap)
    if not GOLDEN.exists():  # first run writes the golden file; commit it, and every later run compares
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(GOLDEN.read_text())
    assert Snapshot.from_json(snap.to_json()) == snap
    assert len(snap.top_track_by_year) == 10 and snap.top_track_by_year[0].track is not None
    assert [e.label for e in snap.eras] == ["2020", "2021", "2022", "2023", "2024", "2025"]
