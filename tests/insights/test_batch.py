"""The batch (`build_all`, what `encore wrapped build` runs in each worker) takes its own cheaper reads: the
listeners with plays found one account at a time, the shared percentile counts from the rollups. Each gives
what the raw plays give, on SQLite and PostgreSQL; and the stored snapshot's JSON is the text `json` wrote."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from encore import history, insights
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Artist
from encore.db import transaction
from encore.history import Play
from encore.insights import Ranked, Snapshot, Streak, WrappedSnapshot, parse_period
from encore.insights import _queries as plays_queries
from encore.insights import _rollup_queries as rollup_queries
from tests.insights.world import NOW, World, make_world, seeded_history

DECADE = parse_period("2020s", now=NOW)


def _crowd(w: World) -> dict[str, int]:
    """Seven listeners of Nina and Far Band (so the percentile shows), one of Far Band alone, and three who
    must not be built: plays only in another decade, plays only in an unpublished import, no plays at all."""
    s = w.s
    fans = [w.alice, w.bob, *(create_user(s, username=f"fan{i}", password="fan-password-123").id for i in range(5))]
    for n, user in enumerate(fans):
        seeded_history(w, user=user, seed=20 + n, count=60 + 25 * n, start=datetime(2021, 1, 1, tzinfo=UTC), days=1500)
    texts = create_user(s, username="texts", password="texts-password-1").id
    for n in range(9):  # a text artist on top: the percentile's by-name path
        w.play(texts, None, datetime(2023, 5, 1 + n, tzinfo=UTC), text=("Far Band", "Three"))
    old = create_user(s, username="old", password="old-password-123").id
    w.play(old, 0, datetime(2019, 12, 31, 23, 59, tzinfo=UTC))
    hidden = create_user(s, username="hidden", password="hidden-password-1").id
    unpublished = history.open_import(s, user_id=hidden, digest="d" * 64, now=NOW)
    w.play(hidden, 0, datetime(2024, 3, 1, tzinfo=UTC))
    w.flush()
    s.execute(update(Play).where(Play.user_id == hidden).values(import_id=unpublished))
    create_user(s, username="silent", password="silent-password-1")
    return {"old": old, "hidden": hidden, "texts": texts}


def _comparable(snap: Snapshot) -> dict[str, object]:
    data = snap.to_dict()
    data.pop("built_at")
    return dict(json.loads(json.dumps(data)))


def test_the_batch_builds_what_the_raw_plays_give(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        others = _crowd(w)
        scanned = s.scalars(
            select(Play.user_id)
            .where(Play.started_at >= DECADE.start, Play.started_at < DECADE.end, history.visible())
            .distinct()
        )
        expected = sorted(scanned)  # the old query: every play of the period scanned
    assert others["old"] not in expected and others["hidden"] not in expected
    with container.sessions() as s:
        assert plays_queries.listeners_with_plays(s, period=DECADE) == expected

    assert insights.build_all(container.sessions, period="2020s", now=NOW) == len(expected) == 8
    with container.sessions() as s:
        stored = {int(u): d for u, d in s.execute(select(WrappedSnapshot.user_id, WrappedSnapshot.data))}
        assert sorted(stored) == expected
        for user in expected:
            raw = insights.build_snapshot(s, user_id=user, period=DECADE, now=NOW, source=insights.PLAYS, keep=False)
            assert _comparable(Snapshot.from_json(stored[user])) == _comparable(raw), user
    shown = [Snapshot.from_json(text) for text in stored.values()]
    assert all(snap.top_artist_listeners >= 5 and snap.top_artist_percent for snap in shown)
    texts = Snapshot.from_json(stored[others["texts"]])
    assert texts.top_artists[0].name == "Far Band" and texts.top_artist_listeners >= 5


def test_percentile_counts_from_rollups_with_and_without_marked_months(container: Container) -> None:
    """Months written since the last fold are counted from their plays; once folded, from the rollups alone."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        _crowd(w)
        insights.fold_marked(s)
        nina = s.scalar(select(Artist.id).where(Artist.name == "Nina Vale"))
        for at in (datetime(2024, 3, 9, tzinfo=UTC), datetime(2029, 12, 31, 23, 59, tzinfo=UTC)):
            w.play(w.bob, 0, at)  # marked, not folded
            w.play(w.alice, None, at, text=("Far Band", "One"))
        w.flush()
        for artist_id, name in ((nina, ""), (None, "Far Band"), (None, "Nobody")):
            marked = rollup_queries.artist_listeners(s, period=DECADE, artist_id=artist_id, artist_name=name)
            raw = plays_queries.artist_listeners(s, period=DECADE, artist_id=artist_id, artist_name=name)
            assert sorted(marked) == sorted(raw) and (name == "Nobody") == (not raw), name
        assert history.pending_folds(s) > 0
        insights.fold_marked(s)
        assert history.pending_folds(s) == 0
        for artist_id, name in ((nina, ""), (None, "Far Band")):
            folded = rollup_queries.artist_listeners(s, period=DECADE, artist_id=artist_id, artist_name=name)
            raw = plays_queries.artist_listeners(s, period=DECADE, artist_id=artist_id, artist_name=name)
            assert sorted(folded) == sorted(raw) != [], name


def test_snapshot_json_is_the_text_json_wrote() -> None:
    """orjson writes the stored snapshot; the text is `json.dumps`'s, for any name, and `json` still writes what
    orjson refuses (an integer past 64 bits, a lone surrogate)."""
    odd = "".join(chr(i) for i in range(128)) + "é漢\u2028\u2029\U0001f600\ufeff"
    snap = Snapshot(
        period="2020s", kind="decade", built_at=NOW.isoformat(), listens=2**63 - 1, minutes=-(2**63), days_listened=3,
        top_artists=[Ranked(odd, 1, 2, odd, None)], longest_streak=Streak(1, None, "2024-01-01"),
    )  # fmt: skip
    for one in (snap, dataclasses.replace(snap, minutes=2**70), dataclasses.replace(snap, period="\ud800")):
        assert one.to_json() == json.dumps(one.to_dict(), separators=(",", ":"), ensure_ascii=False)
    assert Snapshot.from_json(snap.to_json()) == snap


def test_month_edges_do_not_leak_between_decades(container: Container) -> None:
    """A listener whose only plays sit on the decade's edges (UTC midnight) is a listener of each side once."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        w.play(w.alice, 0, datetime(2019, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
        w.play(w.bob, 0, datetime(2020, 1, 1, tzinfo=UTC))
        w.play(w.bob, 0, datetime(2030, 1, 1, tzinfo=UTC) - timedelta(microseconds=1))
        w.flush()
        assert plays_queries.listeners_with_plays(s, period=DECADE) == [w.bob]
        assert plays_queries.listeners_with_plays(s, period=parse_period("2010s", now=NOW)) == [w.alice]
