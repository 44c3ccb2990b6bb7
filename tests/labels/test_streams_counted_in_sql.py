"""review20 F4: a label's streams per track per UTC day are counted by the database (one row per track and day),
and the answer is the one the row-by-row count gave: compared with that count, kept here as it was, on a seeded
set with several tracks and days, the range's first and last instants, instants written in other time zones,
a PostgreSQL session in another time zone, a leap day in a 366-day range, another label's streams and a
de-identified stream. The range refusals are the same."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import count

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.labels import TrackDays, streams_per_day
from encore.playback import VerifiedStream
from tests.catalog import factories as f

PLUS5 = timezone(timedelta(hours=5))
MINUS9 = timezone(timedelta(hours=-9, minutes=-30))
SINCE, UNTIL = date(2027, 3, 1), date(2028, 2, 29)  # 366 days, a leap day last
_keys = count()


def _reference(session: Session, *, label_id: int, since: date, until: date) -> list[TrackDays]:
    """The count as it was before review20 F4 (labels/_streams.py at 04bc5c5): every stream row into Python."""
    from_at = datetime(since.year, since.month, since.day, tzinfo=UTC)
    to_at = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1)
    rows = session.execute(
        select(Track.public_id, Track.title, VerifiedStream.first_byte_at)
        .join(Track, Track.id == VerifiedStream.track_id)
        .join(Album, Album.id == Track.album_id)
        .where(
            Album.label_id == label_id, VerifiedStream.first_byte_at >= from_at, VerifiedStream.first_byte_at < to_at
        )
    )
    days: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    titles: dict[str, str] = {}
    for public_id, title, started_at in rows:
        titles[public_id] = title
        days[public_id][started_at.date()] += 1
    out = [TrackDays(t, titles[t], sum(d.values()), dict(sorted(d.items()))) for t, d in days.items()]
    return sorted(out, key=lambda x: (-x.total, x.title))


@dataclass
class Seeded:
    ours: int
    theirs: int
    tracks: dict[str, str]  # name -> public id


def _stream(s: Session, track: Track, at: datetime, user_id: int | None) -> None:
    s.add(
        VerifiedStream(
            user_id=user_id, track_id=track.id, play_key=f"k{next(_keys)}", first_byte_at=at, audio_ms=31_000
        )
    )


def _seed(s: Session) -> Seeded:
    ours, theirs = f.label(s, "Ours"), f.label(s, "Theirs")
    band = f.artist(s, "Band")
    lp, ep = f.album(s, "LP", band, on=ours), f.album(s, "EP", band, on=ours)
    other = f.album(s, "Their LP", band, on=theirs)
    t = {
        "alpha": f.track(s, "Alpha", lp, [band], 1),
        "beta1": f.track(s, "Beta", lp, [band], 2),  # two tracks of one title, with equal totals
        "beta2": f.track(s, "Beta", ep, [band], 1),
        "gamma": f.track(s, "Gamma", ep, [band], 2),
        "silent": f.track(s, "Silent", ep, [band], 3),  # no stream in the range: not listed
        "theirs": f.track(s, "Theirs", other, [band], 1),
    }
    fan = create_user(s, username="fan", password="listener-pass-1").id
    first = datetime(2027, 3, 1, tzinfo=UTC)
    end = datetime(2028, 3, 1, tzinfo=UTC)  # the day after the range
    at: list[tuple[str, datetime, int | None]] = [
        ("alpha", first, fan),  # the range's first instant: in
        ("alpha", first - timedelta(microseconds=1), fan),  # the instant before: out
        ("alpha", end - timedelta(microseconds=1), fan),  # the range's last instant (the leap day): in
        ("alpha", end, fan),  # out
        ("alpha", datetime(2027, 3, 2, 2, tzinfo=PLUS5), fan),  # 21:00 UTC on March 1st
        ("alpha", datetime(2027, 3, 1, 20, tzinfo=MINUS9), None),  # 05:30 UTC on March 2nd, de-identified
        ("alpha", datetime(2027, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), fan),  # a year's last instant
        ("alpha", datetime(2028, 1, 1, tzinfo=UTC), fan),
        ("beta1", datetime(2027, 6, 15, 12, tzinfo=UTC), fan),
        ("beta1", datetime(2027, 6, 16, 0, 0, 0, 1, tzinfo=UTC), fan),
        ("beta2", datetime(2027, 6, 15, 23, 59, 59, tzinfo=UTC), None),
        ("beta2", datetime(2027, 6, 16, 4, 59, tzinfo=PLUS5), fan),  # 23:59 UTC on the 15th
        ("theirs", datetime(2027, 6, 15, 12, tzinfo=UTC), fan),  # another label's: never ours
        ("silent", datetime(2026, 6, 15, 12, tzinfo=UTC), fan),  # before the range
    ]
    at += [
        ("gamma", datetime(2027, 3, 1, tzinfo=UTC) + timedelta(days=d, hours=h), fan)
        for d in range(0, 366, 7)
        for h in (0, 13, 23)
    ]
    for name, when, user in at:
        _stream(s, t[name], when, user)
    s.flush()
    return Seeded(ours.id, theirs.id, {name: track.public_id for name, track in t.items()})


@pytest.fixture
def seeded(container: Container) -> Seeded:
    with transaction(container.sessions) as s:
        return _seed(s)


def _ordered(rows: list[TrackDays]) -> list[TrackDays]:
    """The reference's order, with its ties (same total and title: row order) settled by track id."""
    return sorted(rows, key=lambda x: (-x.total, x.title, x.track_id))


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (SINCE, UNTIL),  # 366 days, leap day last
        (SINCE, SINCE),  # one day
        (date(2027, 3, 2), date(2027, 3, 2)),  # the day instants in other zones land on, or not
        (date(2027, 6, 15), date(2027, 6, 16)),
        (date(2027, 12, 31), date(2028, 1, 1)),  # across a year
        (date(2026, 3, 1), date(2027, 2, 28)),  # nothing of ours in it
    ],
)
def test_the_count_is_the_row_by_row_count(container: Container, seeded: Seeded, since: date, until: date) -> None:
    with container.sessions() as s:
        new = streams_per_day(s, label_id=seeded.ours, since=since, until=until)
        assert new or since.year == 2026  # the comparison is of something
        assert new == _ordered(_reference(s, label_id=seeded.ours, since=since, until=until))
        assert streams_per_day(s, label_id=seeded.theirs, since=since, until=until) == _reference(
            s, label_id=seeded.theirs, since=since, until=until
        )


def test_the_whole_answer_spelled_out(container: Container, seeded: Seeded) -> None:
    """What the comparison rests on, written down: days, totals, order, ties by track id."""
    with container.sessions() as s:
        rows = streams_per_day(s, label_id=seeded.ours, since=SINCE, until=UNTIL)
    t = seeded.tracks
    by = {r.track_id: r for r in rows}
    assert [r.track_id for r in rows] == [t["gamma"], t["alpha"], *sorted((t["beta1"], t["beta2"]))]
    assert by[t["alpha"]].days == {
        date(2027, 3, 1): 2,
        date(2027, 3, 2): 1,
        date(2027, 12, 31): 1,
        date(2028, 1, 1): 1,
        date(2028, 2, 29): 1,
    }
    assert by[t["beta1"]].days == {date(2027, 6, 15): 1, date(2027, 6, 16): 1}
    assert by[t["beta2"]].days == {date(2027, 6, 15): 2} and by[t["beta2"]].title == "Beta"
    assert by[t["gamma"]].total == 3 * 53 and len(by[t["gamma"]].days) == 53
    assert t["silent"] not in by and t["theirs"] not in by
    assert all(list(r.days) == sorted(r.days) for r in rows)  # the route lists the days in this order


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/St_Johns"])
def test_a_session_in_another_time_zone_counts_utc_days(container: Container, seeded: Seeded, zone: str) -> None:
    """PostgreSQL hands timestamptz back in the session's TimeZone: the day is still the UTC day."""
    with container.sessions() as s:
        s.execute(text(f"SET TIME ZONE '{zone}'"))
        new = streams_per_day(s, label_id=seeded.ours, since=SINCE, until=UNTIL)
        assert new == _ordered(_reference(s, label_id=seeded.ours, since=SINCE, until=UNTIL))
        assert dict(new[1].days)[date(2027, 3, 1)] == 2 and new[1].track_id == seeded.tracks["alpha"]


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2027, 3, 2), date(2027, 3, 1)),  # from after to
        (SINCE, UNTIL + timedelta(days=1)),  # 367 days
        (date(9999, 12, 30), date.max),  # a day after which no day follows
    ],
)
def test_ranges_refused_as_before(container: Container, seeded: Seeded, since: date, until: date) -> None:
    with container.sessions() as s, pytest.raises(ValidationFailed) as refused:
        streams_per_day(s, label_id=seeded.ours, since=since, until=until)
    assert refused.value.code == "bad_range"


def test_the_database_counts_not_python(container: Container, seeded: Seeded) -> None:
    """What F4 was: a year of a label's streams came to Python one row each. The statement that reads the streams
    now groups them by track and day, so what comes back is bounded by tracks x days, not streams."""
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = container.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with container.sessions() as s:
            streams_per_day(s, label_id=seeded.ours, since=SINCE, until=UNTIL)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [q for q in statements if "verified_streams" in q]
    assert len(reads) == 1 and "GROUP BY" in reads[0] and "count(" in reads[0].lower(), reads
