"""Listens kept by text: deduplicated, returned in order, matched to the catalogue now and after it grows."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, TrackListens, match_listens, submit_listens, user_listens
from tests.catalog import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)


def _user(c: Container, name: str = "lis") -> int:
    with transaction(c.sessions) as s:
        return create_user(s, username=name, password="listener-pass-1").id


def test_duplicates_and_out_of_order_count_once_in_order(container: Container) -> None:
    uid = _user(container)
    a = ListenIn(listened_at=T0 + timedelta(minutes=10), artist_name="Nova", track_name="Late")
    b = ListenIn(listened_at=T0, artist_name="Nova", track_name="Early")
    same_as_a = ListenIn(listened_at=a.listened_at, artist_name="  NOVA ", track_name="late")
    with transaction(container.sessions) as s:
        assert submit_listens(s, user_id=uid, listens=[a, b, same_as_a], source="listenbrainz", now=NOW) == 2
    with transaction(container.sessions) as s:
        assert submit_listens(s, user_id=uid, listens=[b, a], source="listenbrainz", now=NOW) == 0
        views = user_listens(s, user_id=uid, min_ts=None, max_ts=None, count=10)
        assert [v.track_name for v in views] == ["Late", "Early"]
        after = user_listens(s, user_id=uid, min_ts=T0, max_ts=None, count=10)
        assert [v.track_name for v in after] == ["Late"]  # min_ts is exclusive
        assert s.scalar(select(func.count()).select_from(Play)) == 2


def test_matching_isrc_first_then_text_now_and_when_the_catalogue_grows(container: Container) -> None:
    uid = _user(container)
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Émilie Ångström")
        album = f.album(s, "North", artist)
        by_text = f.track(s, "Polar Light", album, [artist])
        by_isrc = f.track(s, "Completely Different Title", album, [artist], number=2)
        by_isrc.isrc = "GBAAA2400001"
        ids = (by_text.id, by_isrc.id)
    listens = [
        ListenIn(listened_at=T0, artist_name="emilie angstrom", track_name="POLAR  light"),
        ListenIn(listened_at=T0 + timedelta(minutes=5), artist_name="x", track_name="y", isrc="GBAAA2400001"),
        ListenIn(listened_at=T0 + timedelta(minutes=9), artist_name="Later Band", track_name="Not Yet"),
    ]
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
        rows = {p.track_name: p for p in s.scalars(select(Play))}
        assert rows["POLAR  light"].track_id == ids[0]
        assert rows["y"].track_id == ids[1]
        assert rows["Not Yet"].track_id is None and rows["Not Yet"].match_key is not None
    with transaction(container.sessions) as s:
        assert match_listens(s) == 0  # nothing new in the catalogue yet
        band = f.artist(s, "LATER BAND")
        late = f.track(s, "not yet", f.album(s, "Debut", band), [band])
        late_id = late.id
    with transaction(container.sessions) as s:
        assert match_listens(s) == 1
        row = s.scalar(select(Play).where(Play.track_name == "Not Yet"))
        assert row is not None and row.track_id == late_id and row.match_key is None
        assert match_listens(s) == 0  # re-running changes nothing


def test_a_listeners_ids_sort_by_time_and_stay_the_same_listen() -> None:
    """A text listen's id leads with its second (the unique index keeps a listener's listens in time order, so an
    import lands on adjacent leaves); the same listen, however its text is cased, is the same id."""
    times = [T0 + timedelta(seconds=s) for s in (0, 1, 59, 3600, 86_400 * 400)]
    ids = [history.listen_play_id(at, "Nova", f"Song {i}") for i, at in enumerate(reversed(times))]
    assert sorted(ids) == list(reversed(ids))
    late = T0 + timedelta(seconds=1, microseconds=999_999)  # the same second, the same listen
    assert history.listen_play_id(late, " NOVA", "song  0") == history.listen_play_id(times[1], "nova", "Song 0")


def test_matching_walks_every_unmatched_listen_in_blocks(container: Container) -> None:
    """The catalogue match reads the unmatched rows a block at a time in time order: rows that share a second
    across a block's edge, two listeners, ISRC before text, a listen still unknown, all linked once."""
    one, two = _user(container, "one"), _user(container, "two")
    listens = [
        ListenIn(listened_at=T0 + timedelta(seconds=i // 3), artist_name="Later Band", track_name=f"T{i % 4}")
        for i in range(11)
    ] + [
        ListenIn(listened_at=T0, artist_name="Other", track_name="Renamed", isrc="GBAAA2400002"),
        ListenIn(listened_at=T0, artist_name="Nobody", track_name="Unknown"),
    ]
    with transaction(container.sessions) as s:
        for uid in (one, two):
            assert submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW) == 13
    with transaction(container.sessions) as s:
        band = f.artist(s, "later band")
        album = f.album(s, "Debut", band)
        tracks = {f"T{n}": f.track(s, f"t{n}", album, [band], number=n + 1).id for n in range(3)}  # not T3
        by_isrc = f.track(s, "Its Real Title", album, [band], number=9)
        by_isrc.isrc = "GBAAA2400002"
        tracks["Renamed"] = by_isrc.id
    with transaction(container.sessions) as s:
        assert match_listens(s, batch=2) == 2 * (9 + 1)  # T3 is listened at i = 3 and 7: two of the 11
    with container.sessions() as s:
        rows = s.execute(select(Play.track_name, Play.track_id, Play.match_key)).all()
        assert len(rows) == 26
        for name, track_id, key in rows:
            assert (track_id, key is None) == ((tracks[name], True) if name in tracks else (None, False)), name
        assert s.scalar(select(func.sum(TrackListens.listens))) == 20
    with transaction(container.sessions) as s:
        assert match_listens(s, batch=2) == 0


def test_matching_in_steps_commits_each_block_so_other_writers_get_in(container: Container) -> None:
    """The walk a job runs: one transaction a block. Between two blocks another writer commits (on SQLite it
    would wait for the lock, then fail, were the walk one transaction); the answer is the one-transaction walk's."""
    uid = _user(container)
    listens = [ListenIn(listened_at=T0 + timedelta(seconds=i), artist_name="Later Band", track_name=f"T{i % 2}")
               for i in range(5)]  # fmt: skip
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
        band = f.artist(s, "later band")
        album = f.album(s, "Debut", band)
        f.track(s, "t0", album, [band], number=1)
    between: list[int] = []

    def write_between(linked: int) -> None:
        between.append(linked)
        behind = ListenIn(listened_at=T0 - timedelta(days=len(between)), artist_name="Else", track_name="Where")
        with transaction(container.sessions) as other:  # behind the walk: left for its next run
            submit_listens(other, user_id=uid, listens=[behind], source="listenbrainz", now=NOW)

    assert history.match_listens_in_steps(container.sessions, batch=2, between=write_between) == 3
    assert between == [1, 2, 3]  # blocks of two: T0 T1 | T0 T1 | T0, then an empty read ends it
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play).where(Play.track_id.is_not(None))) == 3
        assert s.scalar(select(func.count()).select_from(Play)) == 5 + len(between)


def test_a_release_published_while_the_walk_runs_is_matched_by_the_same_run(container: Container) -> None:
    """review16: a publish while a `history.match` run is under way joins that run, whose walk may have passed
    the listens of the new release; the run walks again when the catalogue changed under it."""
    uid = _user(container)
    listens = [ListenIn(listened_at=T0 + timedelta(seconds=i), artist_name="Late Band", track_name=f"T{i}")
               for i in range(4)]  # fmt: skip
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
    published: list[int] = []

    def publish_after_the_first_block(_linked: int) -> None:
        if not published:  # T0 and T1 are behind the walk now
            with transaction(container.sessions) as s:
                band = f.artist(s, "late band")
                published.append(f.track(s, "t0", f.album(s, "Late", band), [band], number=1).id)

    assert history.match_listens_settled(container.sessions, batch=2, between=publish_after_the_first_block) == 1
    with container.sessions() as s:
        assert s.scalar(select(Play.track_id).where(Play.track_name == "T0")) == published[0]


def test_matching_reads_each_block_from_where_the_last_ended_on_sqlite(container: Container) -> None:
    """Each block after the first is a range of `ix_plays_track_started` starting at the last block's time: a
    block read that SQLite can only answer from the first unmatched row walks them all again each block,
    quadratic in the unmatched listens (the first form of the walk did, an `a OR b` keyset)."""
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's; both databases' answers are checked by the walk's test above")
    uid = _user(container)
    listens = [
        ListenIn(listened_at=T0 + timedelta(seconds=i), artist_name="Nobody", track_name="Same") for i in range(3)
    ]
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
    seen: list[tuple[str, object]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(container.engine, "before_cursor_execute", keep)
    try:
        with transaction(container.sessions) as s:
            assert match_listens(s, batch=1) == 0
    finally:
        event.remove(container.engine, "before_cursor_execute", keep)
    blocks = [(sql, params) for sql, params in seen if sql.lstrip().startswith("SELECT") and "FROM plays" in sql]
    assert len(blocks) == 4  # three listens a block each, then the empty read that ends the walk
    with container.engine.connect() as conn:
        for sql, params in blocks[1:]:
            plan = [str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]  # type: ignore[arg-type]
            assert any("ix_plays_track_started (track_id=? AND started_at>?)" in p for p in plan), plan
