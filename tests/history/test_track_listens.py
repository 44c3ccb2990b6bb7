"""Per-track listen counts (track_listens, what Subsonic play counts and search popularity read) count only
the plays a listener can see: a hidden import's listens join at its publish, never before, and deleting
plays (hidden or visible, one by one or a range) keeps the counts equal to the visible listens."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play, TrackListens
from encore.history._insert import BATCH_ROWS, ROWS_PER_INSERT, Batch, full_row, insert_counted
from encore.history._listens import PRECHECK_AT, ROOMY_AT
from encore.portability import forget_range
from tests.catalog import factories as f

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
AT = datetime(2024, 6, 1, 12, tzinfo=UTC)


def _counts(s: Session) -> dict[int, int]:
    return {tid: n for tid, n in s.execute(select(TrackListens.track_id, TrackListens.listens)) if n}


def _visible_listens(s: Session) -> dict[int, int]:
    """What the counters must equal: the visible listens per catalogue track, counted from the plays."""
    query = (
        select(Play.track_id, func.count())
        .where(Play.is_listen.is_(True), Play.track_id.is_not(None), history.visible())
        .group_by(Play.track_id)
    )
    return {int(tid): int(n) for tid, n in s.execute(query)}


def _listens(titles: list[str], start: datetime) -> list[history.ListenIn]:
    return [
        history.ListenIn(start + timedelta(minutes=5 * i), "Band", title, ms_played=200_000)
        for i, title in enumerate(titles)
    ]


def test_hidden_import_rows_count_only_once_published(container: Container) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="counter", password="counter-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        one, two = f.track(s, "One", album, [band], 1), f.track(s, "Two", album, [band], 2)
        one_id, two_id = one.id, two.id
    with transaction(container.sessions) as s:  # a listen everyone can see already
        history.submit_listens(s, user_id=user, listens=_listens(["One"], AT), source="api", now=NOW)
    with transaction(container.sessions) as s:  # an import, written but not yet published
        import_id = history.open_import(s, user_id=user, digest="a" * 64, now=NOW)
        history.submit_listens(
            s, user_id=user, listens=_listens(["One", "Two", "Two", "Nobody knows"], AT + timedelta(days=1)),
            source="import", now=NOW, import_id=import_id,
        )  # fmt: skip
    with transaction(container.sessions) as s:
        assert _counts(s) == {one_id: 1} == _visible_listens(s)  # the hidden rows are not counted

    with transaction(container.sessions) as s:  # a hidden row deleted before the publish takes nothing away
        hidden = s.scalar(select(Play.id).where(Play.import_id == import_id, Play.track_id == one_id))
        s.execute(Play.__table__.delete().where(Play.id == hidden))
    with transaction(container.sessions) as s:
        assert _counts(s) == {one_id: 1}
        assert history.publish_import(s, import_id=import_id, now=NOW) is True
        assert history.publish_import(s, import_id=import_id, now=NOW) is False  # counted once, not twice
    with transaction(container.sessions) as s:
        assert _counts(s) == {one_id: 1, two_id: 2} == _visible_listens(s)

    # forgetting published rows takes their listens away again; the untouched listen stays
    assert forget_range(container.sessions, user_id=user, since=AT + timedelta(hours=1), until=NOW) == 3
    with transaction(container.sessions) as s:
        assert _counts(s) == {one_id: 1} == _visible_listens(s)


def test_a_forgotten_hidden_import_never_counts(container: Container) -> None:
    """Rows of an import that died mid-way, then "delete everything", then the import published: nothing
    comes back into the counters, and they never went below zero."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="forgetter", password="forgetter-pass-1").id
        band = f.artist(s, "Band")
        one_id = f.track(s, "One", f.album(s, "Album", band), [band]).id
    with transaction(container.sessions) as s:
        import_id = history.open_import(s, user_id=user, digest="b" * 64, now=NOW)
        history.submit_listens(
            s, user_id=user, listens=_listens(["One", "One"], AT), source="import", now=NOW, import_id=import_id
        )
    assert forget_range(container.sessions, user_id=user, since=None, until=NOW) == 2
    with transaction(container.sessions) as s:
        assert history.publish_import(s, import_id=import_id, now=NOW) is True
    with transaction(container.sessions) as s:
        assert s.scalar(select(TrackListens.listens).where(TrackListens.track_id == one_id)) in (None, 0)
        assert _visible_listens(s) == {}


def test_a_match_and_a_publish_at_once_count_the_listen_once(container: Container) -> None:
    """PostgreSQL, READ COMMITTED: the catalogue match links a hidden row while its import publishes. Without
    a lock, the match's trigger sees the import unpublished and the publish's count sees the row unlinked: the
    listen was never counted. The publish now waits for the match."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the two cannot overlap")
    with transaction(container.sessions) as s:
        user = create_user(s, username="racer", password="racer-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
    with transaction(container.sessions) as s:  # the import's listen: not in the catalogue yet
        import_id = history.open_import(s, user_id=user, digest="c" * 64, now=NOW)
        history.submit_listens(
            s, user_id=user, listens=_listens(["Late"], AT), source="import", now=NOW, import_id=import_id
        )
    with transaction(container.sessions) as s:
        late_id = f.track(s, "Late", album, [band], 1).id  # ingested now: the match will link the listen

    matcher = container.sessions()
    matcher.begin()
    assert history.match_listens(matcher) == 1  # linked, not committed yet
    published: list[bool] = []
    publisher = threading.Thread(target=_publish, args=(container, import_id, published))
    publisher.start()
    with container.engine.connect() as watch:  # wait until the publish waits on the match (bounded)
        for _ in range(200):
            waiting = watch.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%advisory%'")
            ).scalar()
            if waiting or not publisher.is_alive():
                break
            time.sleep(0.05)
    matcher.commit()
    matcher.close()
    publisher.join(30)
    assert published == [True]
    with transaction(container.sessions) as s:
        assert _counts(s) == {late_id: 1} == _visible_listens(s)


def _publish(container: Container, import_id: int, out: list[bool]) -> None:
    with transaction(container.sessions) as s:
        out.append(history.publish_import(s, import_id=import_id, now=NOW))


def test_an_import_sized_submission_counts_each_new_listen_once(container: Container) -> None:
    """A ListenBrainz `import` of 600 listens takes the paths a small batch does not: the kept ones looked up
    first (PRECHECK_AT), the insert with a larger page cache (ROOMY_AT). Already-kept listens, duplicates
    inside the request and unknown tracks among them must still leave the counters equal to the visible
    listens."""
    assert max(PRECHECK_AT, ROOMY_AT) <= 600
    with transaction(container.sessions) as s:
        user = create_user(s, username="importer", password="importer-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"T{i}", album, [band], i + 1).id for i in range(4)]
    titles = [f"T{i % 4}" if i % 3 else f"Unknown {i}" for i in range(600)]
    with transaction(container.sessions) as s:  # the first ten kept already: the import is looked up first
        assert history.submit_listens(s, user_id=user, listens=_listens(titles[:10], AT), source="api", now=NOW) == 10
    with transaction(container.sessions) as s:
        batch = _listens(titles, AT) + _listens(titles[100:150], AT + timedelta(minutes=500))  # 50 duplicates
        assert history.submit_listens(s, user_id=user, listens=batch, source="listenbrainz", now=NOW) == 590
    with container.sessions() as s:
        expected = {t: sum(1 for title in titles if title == f"T{i}") for i, t in enumerate(tracks)}
        assert _counts(s) == _visible_listens(s) == expected


def test_every_writer_counts_its_new_listens_once(container: Container) -> None:
    """SQLite has no insert trigger any more (migration import8_1): each writer counts its statement's rows.
    A batch whose duplicates and already-kept listens are skipped in the middle, queued singles, a reported
    play and the ORM's rows must leave the counters equal to the visible listens."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="writers", password="writers-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"T{i}", album, [band], i + 1).id for i in range(3)]
    titles = ["T0", "T1", "Unknown", "T2", "T0"]
    with transaction(container.sessions) as s:
        history.submit_listens(s, user_id=user, listens=_listens(titles[:2], AT), source="api", now=NOW)
    with transaction(container.sessions) as s:  # the first two kept already, a duplicate inside the request
        batch = _listens(titles, AT) + _listens(["T1"], AT + timedelta(minutes=5))
        assert history.submit_listens(s, user_id=user, listens=batch, source="api", now=NOW) == 3
    with transaction(container.sessions) as s:  # the writer's queued singles, one of them kept already
        history.queue_listens(s, user_id=user, listens=_listens(["T2", "T2"], AT + timedelta(days=1)), source="api",
                              now=NOW)  # fmt: skip
        history.queue_listens(s, user_id=user, listens=_listens(["T0"], AT), source="api", now=NOW)
        assert history.write_queued(s) == 2
    with transaction(container.sessions) as s:  # a play reported by the player, a listen from its first report
        report = history.PlayReport(client_play_id="player-1", track_id=tracks[1], ms_played=200_000, state="ended",
                                    started_at=NOW - timedelta(minutes=5), track_duration_ms=210_000)  # fmt: skip
        history.report_play(s, user_id=user, report=report, now=NOW)
    with transaction(container.sessions) as s:  # rows the ORM adds (a test's, the demo's)
        s.add(Play(user_id=user, client_play_id="orm-1", track_id=tracks[2], started_at=AT, updated_at=AT,
                   ms_played=200_000, state="ended", is_listen=True))  # fmt: skip
        s.add(Play(user_id=user, client_play_id="orm-2", track_id=tracks[2], started_at=AT, updated_at=AT,
                   ms_played=1_000, state="skipped", is_listen=False))  # fmt: skip
    with container.sessions() as s:
        assert _counts(s) == _visible_listens(s) == {tracks[0]: 2, tracks[1]: 2, tracks[2]: 4}


def test_the_demos_bulk_insert_counts_only_its_own_rows(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo seeds history on a running server: a listen another writer commits just before the demo's bulk
    insert is counted by its own writer, and not again by the demo's (it counts the rows its statement wrote)."""
    from encore.demo import _history as demo

    with transaction(container.sessions) as s:
        artist = f.artist(s, "Nina Vale")
        track = f.track(s, "Tide", f.album(s, "Harbour", artist), [artist])
        scrobbler = create_user(s, username="scrobbler", password="pw-password-123").id
        seeded = create_user(s, username="demo-one", password="pw-password-123").id
    real_insert = demo.insert

    def racing_insert(model: object) -> object:  # another writer's listen commits as the demo's chunk begins
        with transaction(container.sessions) as other:
            listen = history.ListenIn(listened_at=NOW - timedelta(hours=1), artist_name="Nina Vale", track_name="Tide")
            history.submit_listens(other, user_id=scrobbler, listens=[listen], source="lb", now=NOW)
        return real_insert(model)  # type: ignore[arg-type]

    monkeypatch.setattr(demo, "insert", racing_insert)
    rows = [
        {"user_id": seeded, "client_play_id": f"demo-{i:08d}", "track_id": track.id,
         "started_at": AT + timedelta(hours=i), "updated_at": AT, "ms_played": 200_000, "state": "ended",
         "source": "demo", "is_listen": True}
        for i in range(3)
    ]  # fmt: skip
    with transaction(container.sessions) as s:
        assert demo.insert_history(s, iter(rows)) == 3
    with container.sessions() as s:
        assert _counts(s) == _visible_listens(s) == {track.id: 4}


def test_one_statement_of_mixed_rows_counts_only_visible_catalogue_listens(container: Container) -> None:
    """The raw insert (on PostgreSQL one statement of column arrays, its counter's insert trigger filtered by a
    WHEN, migration import12_1): a batch mixing catalogue listens, a catalogue play that is not a listen, text
    listens, NULLs in every nullable column, non-ASCII text, rows already kept and one row twice inserts each new
    row once and counts only the catalogue listens."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="mixed", password="mixed-pass-12").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        one, two = (f.track(s, f"T{i}", album, [band], i + 1).id for i in range(2))

    def row(pid: str, track: int | None, listen: bool, artist: str | None = None) -> tuple[object, ...]:
        return (user, pid, track, AT, NOW, 200_000, "ended", False, "listenbrainz", listen, artist, "Tïtle ♪",
                None, None, None if track else "0123456789abcdef", None, None, None,
                history.search_text(artist, "Tïtle ♪"))  # fmt: skip

    rows = [row("a", one, True), row("b", one, False), row("c", None, True, "Bänd"), row("d", two, True),
            row("e", None, False), row("d", two, True)]  # fmt: skip
    with transaction(container.sessions) as s:
        assert history.insert_new_plays(s, rows[:2]) == 2
    with transaction(container.sessions) as s:
        assert history.insert_new_plays(s, rows) == 3  # "a" and "b" kept already, "d" twice in the statement
    with container.sessions() as s:
        assert _counts(s) == _visible_listens(s) == {one: 1, two: 1}
        assert s.scalar(select(Play.artist_name).where(Play.client_play_id == "c")) == "Bänd"
        if container.engine.dialect.name == "postgresql":
            trigger = s.scalar(text("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = :n"),
                               {"n": "plays_track_listens_insert"})  # fmt: skip
            assert trigger is not None and "WHEN" in trigger


def test_a_batch_of_many_statements_inserts_and_counts_each_new_row_once(container: Container) -> None:
    """On SQLite the rows go ROWS_PER_INSERT to a statement, the rest one a statement: rows kept already, a row
    repeated within one statement and one repeated across two, catalogue listens in every statement and in the
    tail; each new row is stored once with its own values, the count returned and the counters are exact."""
    assert ROWS_PER_INSERT * 2 < 130
    with transaction(container.sessions) as s:
        user = create_user(s, username="chunks", password="chunks-pass-12").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"T{i}", album, [band], i + 1).id for i in range(3)]

    def row(n: int) -> tuple[object, ...]:
        track = tracks[n % 3] if n % 2 else None
        return (user, f"pid-{n:04d}", track, AT + timedelta(seconds=n), NOW, n, "ended", n % 5 == 0,
                "listenbrainz", n % 7 != 0, f"Artist {n}", f"Title {n}", None if n % 4 else f"Album {n}", None,
                None if track else f"{n:016x}", n or None, None, None,
                history.search_text(f"Artist {n}", f"Title {n}"))  # fmt: skip

    rows = [row(n) for n in range(130)]
    with transaction(container.sessions) as s:  # kept already: two in the first statement, one in the tail
        assert history.insert_new_plays(s, [rows[3], rows[10], rows[125]]) == 3
    repeated = [*rows[:20], rows[5], *rows[20:], rows[1], rows[128]]  # within the first statement, then across
    with transaction(container.sessions) as s:
        assert history.insert_new_plays(s, repeated) == 127
    with container.sessions() as s:
        assert _counts(s) == _visible_listens(s) and sum(_counts(s).values()) == sum(
            1 for n in range(130) if n % 2 and n % 7
        )
        stored = s.execute(
            select(Play.client_play_id, Play.track_id, Play.ms_played, Play.shuffle, Play.is_listen, Play.artist_name,
                   Play.release_name, Play.match_key, Play.duration_ms, Play.started_at, Play.search_text)
            .where(Play.user_id == user).order_by(Play.client_play_id)
        ).all()  # fmt: skip
    assert [tuple(r) for r in stored] == [
        (r[1], r[2], r[5], r[7], r[9], r[10], r[12], r[14], r[15], r[3], r[18]) for r in rows
    ]


def test_one_submissions_rows_bind_their_shared_values_once_and_store_what_full_rows_store(
    container: Container,
) -> None:
    """A Batch (one submission's rows: listener, received time, state, flags, source and import bound once per
    statement, BATCH_ROWS rows a statement, the rest one a statement) stores exactly the rows the same values
    as full rows store: kept rows skipped in a full statement and in the tail, a row repeated within one
    statement and across two, catalogue listens counted in every statement and in the tail."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="batched", password="batched-pass-12").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"T{i}", album, [band], i + 1).id for i in range(3)]
    n_rows = 2 * BATCH_ROWS + 7
    shared = (user, NOW, "ended", False, "listenbrainz", True, None)

    def own(n: int) -> tuple[object, ...]:
        track = tracks[n % 3] if n % 2 else None
        return (f"pid-{n:04d}", track, AT + timedelta(seconds=n), n, f"Artist {n}", f"Title {n}",
                None if n % 4 else f"Album {n}", None if n % 5 else f"ISRC{n:08d}", None if track else f"{n:016x}",
                n or None, None if n % 3 else f'{{"n": {n}}}',
                history.search_text(f"Artist {n}", f"Title {n}"))  # fmt: skip

    def batch(numbers: list[int]) -> Batch:
        return Batch(shared, [value for n in numbers for value in own(n)])

    kept = [3, BATCH_ROWS + 10, n_rows - 2]  # one in each full statement, one in the tail
    with transaction(container.sessions) as s:
        assert insert_counted(s.connection(), batch(kept)) == 3
    numbers = list(range(n_rows))
    repeated = [*numbers[:20], 5, *numbers[20:], 1, n_rows - 1]  # within the first statement, then across
    with transaction(container.sessions) as s:
        assert insert_counted(s.connection(), batch(repeated)) == n_rows - 3
    assert batch(numbers).rows()[7] == full_row(shared, own(7))
    with container.sessions() as s:
        assert _counts(s) == _visible_listens(s) and sum(_counts(s).values()) == sum(1 for n in numbers if n % 2)
        stored = s.execute(
            select(Play.user_id, Play.client_play_id, Play.track_id, Play.started_at, Play.updated_at, Play.ms_played,
                   Play.state, Play.shuffle, Play.source, Play.is_listen, Play.artist_name, Play.track_name,
                   Play.release_name, Play.isrc, Play.match_key, Play.duration_ms, Play.extra, Play.import_id,
                   Play.search_text)
            .where(Play.user_id == user).order_by(Play.client_play_id)
        ).all()  # fmt: skip
    assert [tuple(r) for r in stored] == [full_row(shared, own(n)) for n in numbers]


def test_columns_empty_in_every_row_of_a_batch_are_stored_null_and_the_rest_in_place(container: Container) -> None:
    """Where every row of a Batch has no track, release, ISRC, match key, duration or additional_info (each then
    written NULL in the statement, not bound, and the other values numbered without them), those columns hold
    NULL and every other value lands in its own column; a column with one value among NULLs keeps both."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="empties", password="empties-pass-12").id
    shared = (user, NOW, "ended", False, "listenbrainz", True, None)
    rows = BATCH_ROWS + 3

    def own(n: int, release: str | None) -> tuple[object, ...]:
        return (
            f"e-{n:04d}",
            None,
            AT + timedelta(seconds=n),
            n,
            f"A{n}",
            f"T{n}",
            release,
            None,
            None,
            None,
            None,
            f"a{n}\x1ft{n}",
        )

    empty = Batch(shared, [v for n in range(rows) for v in own(n, None)])
    one = Batch(shared, [v for n in range(rows, 2 * rows) for v in own(n, "Album" if n == rows + 5 else None)])
    with transaction(container.sessions) as s:
        assert insert_counted(s.connection(), empty) == rows
        assert insert_counted(s.connection(), one) == rows
    with container.sessions() as s:
        stored = s.execute(
            select(
                Play.track_id,
                Play.release_name,
                Play.isrc,
                Play.match_key,
                Play.extra,
                Play.duration_ms,
                Play.started_at,
                Play.ms_played,
                Play.artist_name,
                Play.track_name,
                Play.search_text,
            )
            .where(Play.user_id == user)
            .order_by(Play.client_play_id)
        ).all()
    assert len(stored) == 2 * rows
    assert [tuple(r) for r in stored] == [
        (
            None,
            "Album" if n == rows + 5 else None,
            None,
            None,
            None,
            None,
            AT + timedelta(seconds=n),
            n,
            f"A{n}",
            f"T{n}",
            f"a{n}\x1ft{n}",
        )
        for n in range(2 * rows)
    ]
