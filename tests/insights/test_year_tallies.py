"""Stored year tallies never outlive their plays: a fold empties its years' tallies in its own transaction
(a fold that dies changes nothing), and a tally built from rollups that a fold changed meanwhile is not
saved over the fold's mark. On SQLite and PostgreSQL."""

from datetime import UTC, datetime

from sqlalchemy import select

from encore import insights
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.insights import WrappedTally, parse_period
from encore.insights._year_tally import load, save_all, year_tallies
from tests.insights.world import NOW, make_world, seeded_history

DECADE = parse_period("2020s", now=NOW)


def _stored(container: Container, user: int, year: int) -> tuple[int, str | None] | None:
    with container.sessions() as s:
        row = s.execute(
            select(WrappedTally.version, WrappedTally.data).where(
                WrappedTally.user_id == user, WrappedTally.year == year
            )
        ).first()
    return None if row is None else (int(row[0]), row[1])


def _new_play(container: Container, user: int, track: int, at: datetime) -> None:
    with transaction(container.sessions) as s:
        s.add(Play(user_id=user, client_play_id=f"late-{at.isoformat()}", track_id=track, started_at=at,
                   updated_at=at, ms_played=200_000, state="ended", is_listen=True))  # fmt: skip


def test_a_tally_is_never_stored_stale(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        seeded_history(w, user=w.alice, seed=5, count=200, start=datetime(2023, 1, 1, tzinfo=UTC), days=700)
        w.flush()
        insights.fold_marked(s)
        alice, track = w.alice, w.tracks[2].id
        before = insights.build_snapshot(s, user_id=alice, period=DECADE, now=NOW).listens  # stores the tallies
    stored = _stored(container, alice, 2024)
    assert stored is not None and stored[1] is not None

    # a fold that dies (its transaction rolls back) leaves the tally, and the mark, as they were
    _new_play(container, alice, track, datetime(2024, 6, 1, 12, tzinfo=UTC))
    with container.sessions() as s:
        assert insights.fold_marked(s) == 1
        s.rollback()
    assert _stored(container, alice, 2024) == stored

    # a reader tallies 2024 and its months from the rollups before the play's fold; the fold commits; the
    # saves of the year and of the play's month are refused, the other months' (unchanged) are kept
    june = _stored(container, alice, 202406)  # marked by the first fold; a past year keeps no months by itself
    assert june is not None and june[1] is None
    with container.sessions() as reader:
        assert load(reader, user_id=alice, keys=[2024])[2024][0] == stored[0]
        _, built = year_tallies(reader, user_id=alice, years=[2024], info={}, refresh=True, live=2024)  # by months
        assert sorted(p.key for p in built) == [2024, *range(202401, 202413)]
        with transaction(container.sessions) as folder:
            assert insights.fold_marked(folder) == 1
        save_all(reader, user_id=alice, pending=built)
        reader.commit()
    assert _stored(container, alice, 2024) == (stored[0] + 1, None)
    assert _stored(container, alice, 202406) == (june[0] + 1, None)
    assert _stored(container, alice, 202405) is not None and _stored(container, alice, 202405)[1] is not None  # type: ignore[index]

    # so the next decade read tallies 2024 again, and agrees with the raw plays
    with transaction(container.sessions) as s:
        snap = insights.build_snapshot(s, user_id=alice, period=DECADE, now=NOW)
        raw = insights.build_snapshot(s, user_id=alice, period=DECADE, now=NOW, source=insights.PLAYS)
    assert snap == raw and snap.listens == before + 1
