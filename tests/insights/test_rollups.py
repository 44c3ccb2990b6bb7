"""Wrapped from monthly rollups (a decade: merged from stored year tallies) equals Wrapped from the raw
plays, on SQLite and PostgreSQL, through every way plays arrive and leave: reports, listens by text, imports
(hidden until published, and late ones into a year whose tally is stored), matching, forgetting one play, a
range, everything; at the edges of months and years (UTC midnight)."""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from encore import history, insights
from encore.bootstrap import Container
from encore.db import transaction
from encore.insights import Snapshot, WrappedTally, parse_period
from encore.portability import forget_range, import_history
from tests.catalog import factories as f
from tests.insights.world import NOW, World, make_world, seeded_history


def _comparable(snap: Snapshot) -> dict[str, object]:
    data = snap.to_dict()
    data.pop("built_at")
    return dict(json.loads(json.dumps(data)))


def _both(s: Session, user: int, label: str) -> tuple[dict[str, object], dict[str, object]]:
    """(from rollups, from raw plays) for one listener and period, after folding the marked months. A
    decade reuses the year tallies stored by earlier calls (committed with each `transaction`), except
    those of the years a fold changed since."""
    period = parse_period(label, now=NOW)
    insights.fold_marked(s)
    rolled = insights.build_snapshot(s, user_id=user, period=period, now=NOW)
    raw = insights.build_snapshot(s, user_id=user, period=period, now=NOW, source=insights.PLAYS)
    return _comparable(rolled), _comparable(raw)


def _tallies(s: Session, user: int) -> dict[int, tuple[int, str | None]]:
    rows = s.execute(
        select(WrappedTally.year, WrappedTally.version, WrappedTally.data).where(WrappedTally.user_id == user)
    )
    return {int(y): (int(v), d) for y, v, d in rows}


def _edges(w: World) -> None:
    """Plays on the last and first instant of months and years (UTC midnight), unknown tracks, skips."""
    for at in (
        datetime(2023, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),  # the decade before: counts as "heard before" only
        datetime(2030, 1, 1, 0, 0, tzinfo=UTC),  # the next decade
    ):
        w.play(w.alice, 0, at)
        w.play(w.alice, None, at)  # a play of nothing we know: no catalogue track, no text
        w.play(w.alice, 2, at + timedelta(seconds=0), ms=20_000)  # a skip: minutes, but not a listen
        w.play(w.alice, None, at, text=("Far Band", "One"))
    w.flush()


def _listens(rng: random.Random, count: int, start: datetime, days: int) -> list[history.ListenIn]:
    return [
        history.ListenIn(
            listened_at=start + timedelta(days=rng.randrange(days), seconds=rng.randrange(86_400)),
            artist_name=rng.choice(["Nina Vale", "Far Band", "Zed"]),
            track_name=rng.choice(["Tide", "One", "Two", "Gravel"]),
            release_name=rng.choice([None, "Harbour Lights", "Live"]),
            ms_played=rng.choice([40_000, 200_000]),
        )
        for _ in range(count)
    ]


def test_rollups_match_the_raw_plays_through_every_change(container: Container, tmp_path: Path) -> None:
    rng = random.Random(11)
    with transaction(container.sessions) as s:
        w = make_world(s)
        seeded_history(w, user=w.alice, seed=3, count=900, start=datetime(2018, 6, 1, tzinfo=UTC), days=7 * 365)
        seeded_history(w, user=w.bob, seed=4, count=200, start=datetime(2020, 1, 1, tzinfo=UTC), days=900)
        _edges(w)
        alice, bob = w.alice, w.bob
        history.submit_listens(
            s, user_id=alice, listens=_listens(rng, 120, datetime(2021, 1, 1, tzinfo=UTC), 700), source="lb", now=NOW
        )
        for label in ("2020s", "2024", "2019", "2023", "2010s"):
            assert _both(s, alice, label)[0] == _both(s, alice, label)[1], label
        assert _both(s, bob, "2020s")[0]["listens"] == _both(s, bob, "2020s")[1]["listens"] != 0

    # an import: invisible while written, counted once published
    upload = tmp_path / "Streaming_History_Audio_2022.json"
    upload.write_text(
        json.dumps(
            [
                {
                    "ts": f"2022-0{1 + i % 9}-1{i % 10}T0{i % 10}:00:00Z",
                    "ms_played": 200_000,
                    "master_metadata_track_name": ["Tide", "Imported Song"][i % 2],
                    "master_metadata_album_artist_name": "Nina Vale",
                    "master_metadata_album_album_name": "Harbour Lights",
                }
                for i in range(40)
            ]
        )
    )
    with transaction(container.sessions) as s:
        before = _both(s, alice, "2022")[0]["listens"]
        decade_before = _both(s, alice, "2020s")[0]["listens"]
        stored = _tallies(s, alice)
    assert all(stored[year][1] for year in range(2010, 2030))  # every year of both decades tallied, stored
    import_history(container.sessions, user_id=alice, path=upload, name=upload.name, now=NOW)
    with transaction(container.sessions) as s:
        after = _tallies(s, alice)  # the import's fold emptied 2022's tally and its months' (January-September)
        touched = {2022, *range(202201, 202210)}
        assert all(after[k][0] > stored[k][0] and after[k][1] is None for k in touched)
        assert all(after[k] == stored[k] for k in stored if k not in touched)
        rolled, raw = _both(s, alice, "2022")
        assert rolled == raw and rolled["listens"] == before + 40  # type: ignore[operator]
        rolled, raw = _both(s, alice, "2020s")  # 2022 tallied again, merged with the nine stored years
        assert rolled == raw and rolled["listens"] == decade_before + 40  # type: ignore[operator]
        assert _tallies(s, alice)[2022][1] is not None

        # a catalogue track appears for text listens: they move from text to the catalogue
        far = f.artist(s, "Far Band")
        f.track(s, "One", f.album(s, "Far Away", far), [far])
        assert history.match_listens(s) > 0
        assert _both(s, alice, "2020s")[0] == _both(s, alice, "2020s")[1]

        # forgetting one play
        one = s.scalar(
            select(history.Play.client_play_id)
            .where(history.Play.user_id == alice, history.Play.is_listen.is_(True))
            .order_by(history.Play.started_at.desc())
            .limit(1)
            .offset(5)
        )
        assert one is not None
        history.forget_play(s, user_id=alice, play_id=one)
        assert _both(s, alice, "2020s")[0] == _both(s, alice, "2020s")[1]

    # forgetting a range across a year's edge, in the forget job's chunks
    forget_range(
        container.sessions,
        user_id=alice,
        since=datetime(2023, 11, 15, tzinfo=UTC),
        until=datetime(2024, 2, 1, tzinfo=UTC),
    )
    with transaction(container.sessions) as s:
        for label in ("2020s", "2023", "2024"):
            assert _both(s, alice, label)[0] == _both(s, alice, label)[1], label
        assert _both(s, bob, "2020s")[0] == _both(s, bob, "2020s")[1]
    # and everything
    forget_range(container.sessions, user_id=alice, since=None, until=NOW)
    with transaction(container.sessions) as s:
        rolled, raw = _both(s, alice, "2020s")
        assert rolled == raw and rolled["listens"] == 0
        assert _both(s, alice, "2010s")[0] == _both(s, alice, "2010s")[1]
        left = s.scalars(select(history.RollupTrack.month).where(history.RollupTrack.user_id == alice).distinct())
        assert list(left) == [203001]  # only the plays after `until` (the next decade's) are left
        assert history.pending_folds(s) == 0


def test_listener_counts_hold_while_another_process_folds(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """artist_listeners reads the marked months, the other months' rollups and the marked months' plays in
    separate statements: a fold committed between them (another shard, the minute fold, a listener opening
    their Wrapped) must neither count a month twice nor drop a month marked meanwhile."""
    from encore.catalog import Artist
    from encore.insights import _queries as raw_plays
    from encore.insights import _rollup_queries as rq

    with transaction(container.sessions) as s:
        if s.get_bind().dialect.name == "postgresql":  # listener ids past 2,147: id x 1,000,000 overflows int4
            s.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), 3000000)"))
        w = make_world(s)
        assert s.get_bind().dialect.name != "postgresql" or w.alice > 3_000_000
        for day in (1, 2, 3):
            w.play(w.alice, 0, datetime(2023, 5, day, tzinfo=UTC))
        nina = s.scalar(select(Artist.id).where(Artist.name == "Nina Vale"))
    insights.fold_everyone(container.sessions)
    with transaction(container.sessions) as s:  # a new listen marks alice's May 2023 again
        World(s, w.alice, 0, w.tracks, serial=100).play(w.alice, 0, datetime(2023, 5, 9, tzinfo=UTC))
    period = parse_period("2023", now=NOW)

    def counts() -> tuple[list[int], list[int]]:
        with container.sessions() as s:
            raw = raw_plays.artist_listeners(s, period=period, artist_id=nina, artist_name="")
            return raw, rq.artist_listeners(s, period=period, artist_id=nina, artist_name="")

    real_run, moves = rq._run, []

    def racing(session: Session, query: object) -> object:  # the rollup scan: a fold, or a new listen, lands first
        if moves:
            moves.pop()()
        return real_run(session, query)  # type: ignore[arg-type]

    monkeypatch.setattr(rq, "_run", racing)
    moves.append(lambda: insights.fold_everyone(container.sessions))  # the marked May is folded meanwhile
    raw, rolled = counts()
    assert raw == rolled == [4]

    def listen() -> None:  # May is folded now; a listen marks it again just before the scan
        with transaction(container.sessions) as s:
            World(s, w.alice, 0, w.tracks, serial=200).play(w.alice, 0, datetime(2023, 5, 10, tzinfo=UTC))

    moves.append(listen)
    _, rolled = counts()
    assert rolled == [4]  # as of the first read: the month is counted from its rollup, not dropped
    assert counts() == ([5], [5])
