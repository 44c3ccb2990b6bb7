"""A year's Wrapped merged from stored month tallies, and a decade's year combined from them, give what one
ordered pass over the same rollups gives (and what the raw plays give), through each change a listener
makes to the current year: a new play, one at a month's and a year's edge (UTC), a deleted play, a deleted
range, a published import. Only the tallies of the months a change touched, and of their years, are built
again. On SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import history, insights
from encore.bootstrap import Container
from encore.catalog import Artist, Genre, Track, TrackGenre
from encore.db import transaction
from encore.history import Play
from encore.insights import Snapshot, WrappedTally, parse_period
from encore.insights import _rollup_queries as rollup_queries
from encore.portability import forget_range, import_history
from tests.catalog import factories as f
from tests.insights.world import NOW, World, make_world, seeded_history

# The rollups read in one ordered pass over the period's rows, as Wrapped read them before month tallies:
# not `insights.ROLLUPS` itself, so `build_snapshot` takes its one-pass path with the same queries.
ONE_PASS = cast(
    insights.Source,
    SimpleNamespace(
        track_buckets=rollup_queries.track_buckets,
        day_totals=rollup_queries.day_totals,
        hour_of_day_listens=rollup_queries.hour_of_day_listens,
        artists_heard_before=rollup_queries.artists_heard_before,
        artist_listeners=rollup_queries.artist_listeners,
    ),
)


def _comparable(snap: Snapshot) -> dict[str, object]:
    data = snap.to_dict()
    data.pop("built_at")
    return dict(json.loads(json.dumps(data)))


def _built(s: Session, user: int, label: str, source: insights.Source = insights.ROLLUPS) -> dict[str, object]:
    return _comparable(
        insights.build_snapshot(s, user_id=user, period=parse_period(label, now=NOW), now=NOW, source=source)
    )


def _agree(s: Session, user: int, *labels: str, against: insights.Source = insights.PLAYS) -> dict[str, object]:
    """Fold, then each period from the stored tallies (built and stored where missing) equals `against`;
    returns the last period's snapshot."""
    insights.fold_marked(s)
    rolled: dict[str, object] = {}
    for label in labels:
        rolled = _built(s, user, label)
        assert rolled == _built(s, user, label, against), label
        assert _built(s, user, label) == rolled, label  # read again, now from what the first read stored
    return rolled


def _tallies(s: Session, user: int) -> dict[int, tuple[int, str | None]]:
    rows = s.execute(
        select(WrappedTally.year, WrappedTally.version, WrappedTally.data).where(WrappedTally.user_id == user)
    )
    return {int(k): (int(v), d) for k, v, d in rows}


def _emptied(before: dict[int, tuple[int, str | None]], after: dict[int, tuple[int, str | None]]) -> set[int]:
    """The tallies a change emptied; asserts every other stored one is untouched."""
    gone = {k for k in before if after.get(k) != before[k]}
    assert all(after[k][1] is None and after[k][0] > before[k][0] for k in gone)
    return gone


def test_months_merge_as_one_ordered_pass_even_where_names_collide(container: Container) -> None:
    """Keys shared by differently written names (a genre, an uncatalogued artist and track), heard in an
    order where month order and id order disagree: a year shows the first heard by month, a decade the
    first by id or text key within the year (as one pass over its rows does), an album its track heard last."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        nina = s.scalars(select(Artist).where(Artist.name == "Nina Vale")).one()
        album = s.get_one(Track, w.tracks[0].id).album  # Harbour Lights
        w.tracks.append(f.track(s, "Tide II", album, [nina]))  # 5: a higher id on the same album
        caps = Genre(name="JAZZ", key="jazz-caps")  # folds to the same genre key as "Jazz"
        s.add(caps)
        s.flush()
        w.tracks.append(f.track(s, "Swing", f.album(s, "Caps", nina), [nina]))  # 6: JAZZ
        s.add(TrackGenre(track_id=w.tracks[6].id, genre_id=caps.id))
        for month, track, text in (
            (1, 5, ("FAR BAND", "one")),  # the higher ids and the other spellings first, by month
            (2, 6, ("far band", "ONE")),
            (3, 0, ("Far Band", "One")),
            (3, 1, ("far band", "ONE")),
            (7, 2, ("Far Band", "One")),
        ):
            for day in (3, 4):
                at = datetime(2025, month, day, 12, tzinfo=UTC)
                w.play(w.alice, track, at)
                w.play(w.alice, None, at, text=text)
        w.play(w.alice, 3, datetime(2026, 2, 1, tzinfo=UTC))
        w.flush()
        alice = w.alice
        year = _agree(s, alice, "2025", against=ONE_PASS)
        _agree(s, alice, "2020s", "2026", against=ONE_PASS)
        names = {a["name"] for a in year["top_artists"] + year["top_genres"]}  # type: ignore[operator]
        assert {"FAR BAND", "JAZZ"} <= names  # January's spelling, February's genre: first by month

        # the plays that named the keys first go: the next first (by month, by id) takes over
        for play in s.scalars(
            select(Play).where(Play.user_id == alice, Play.started_at < datetime(2025, 2, 1, tzinfo=UTC))
        ):
            history.forget_play(s, user_id=alice, play_id=play.client_play_id)
        year = _agree(s, alice, "2020s", "2025", against=ONE_PASS)
        names = {a["name"] for a in year["top_artists"] + year["top_genres"]}  # type: ignore[operator]
        assert "FAR BAND" not in names and {"far band", "JAZZ"} <= names


def _again(s: Session, alice: int) -> World:
    """The world's tracks in a later transaction, with play ids apart from the first ones."""
    return World(
        s,
        alice,
        0,
        list(s.scalars(select(Track).order_by(Track.id))),
        serial=10_000 + (s.scalar(select(func.max(Play.id))) or 0),
    )


def _spotify_file(path: Path, months: list[int]) -> Path:
    path.write_text(
        json.dumps(
            [
                {
                    "ts": f"2026-{month:02d}-1{i % 10}T0{i % 10}:00:00Z",
                    "ms_played": 200_000,
                    "master_metadata_track_name": ["Tide", "Imported Song"][i % 2],
                    "master_metadata_album_artist_name": "Nina Vale",
                    "master_metadata_album_album_name": "Harbour Lights",
                }
                for month in months
                for i in range(6)
            ]
        )
    )
    return path


def test_the_current_year_follows_each_change(container: Container, tmp_path: Path) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        seeded_history(w, user=w.alice, seed=8, count=400, start=datetime(2024, 3, 1, tzinfo=UTC), days=1000)
        seeded_history(w, user=w.bob, seed=9, count=100, start=datetime(2025, 6, 1, tzinfo=UTC), days=500)
        w.flush()
        alice = w.alice
        listens = _agree(s, alice, "2026", "2025", "2020s")["listens"]
        stored = _tallies(s, alice)
    assert all(stored[k][1] is not None for k in (2024, 2025, 2026, *range(202601, 202613)))

    def change(touched: set[int], *labels: str) -> None:
        nonlocal stored
        with transaction(container.sessions) as s:
            insights.fold_marked(s)
            after = _tallies(s, alice)
            assert _emptied(stored, after) == touched
            _agree(s, alice, *labels)
            stored = _tallies(s, alice)

    # a new play in the current month: only that month and its year are tallied again
    with transaction(container.sessions) as s:
        w = _again(s, alice)
        w.play(alice, 1, NOW - timedelta(hours=1))
        w.flush()
    change({202611, 2026}, "2026", "2020s")
    with transaction(container.sessions) as s:
        assert _built(s, alice, "2020s")["listens"] == listens + 1  # type: ignore[operator]

    # the last and first instants of a year (UTC)
    with transaction(container.sessions) as s:
        w = _again(s, alice)
        w.play(alice, 0, datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
        w.play(alice, 2, datetime(2026, 1, 1, tzinfo=UTC))
        w.play(alice, 3, datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC))  # and of a month
        w.flush()
    change({202512, 2025, 202601, 202604, 2026}, "2025", "2026", "2020s")

    # one play deleted
    with transaction(container.sessions) as s:
        gone = s.scalars(
            select(Play).where(Play.user_id == alice, Play.started_at >= datetime(2026, 7, 1, tzinfo=UTC))
            .order_by(Play.started_at).limit(1)
        ).one()  # fmt: skip
        month = gone.started_at.year * 100 + gone.started_at.month
        history.forget_play(s, user_id=alice, play_id=gone.client_play_id)
    change({month, 2026}, "2026", "2020s")

    # a range deleted across a month's edge, in the forget job's chunks
    forget_range(
        container.sessions,
        user_id=alice,
        since=datetime(2026, 2, 20, tzinfo=UTC),
        until=datetime(2026, 3, 10, tzinfo=UTC),
    )
    with transaction(container.sessions) as s:
        after = _tallies(s, alice)
        assert {k for k in stored if after[k] != stored[k]} <= {202602, 202603, 2026}
        _agree(s, alice, "2026", "2020s")
        stored = _tallies(s, alice)

    # an import, published: the months it spans (it marks its span) and their year
    import_history(
        container.sessions, user_id=alice, path=_spotify_file(tmp_path / "Streaming_History_Audio_2026.json", [5, 8]),
        name="Streaming_History_Audio_2026.json", now=NOW,
    )  # fmt: skip
    with transaction(container.sessions) as s:
        assert {202605, 202608, 2026} <= _emptied(stored, _tallies(s, alice)) <= {*range(202605, 202609), 2026}
        rolled = _agree(s, alice, "2026", "2020s")
        assert rolled["listens"] == _built(s, alice, "2020s", insights.PLAYS)["listens"]
