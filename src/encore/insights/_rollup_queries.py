"""Wrapped's aggregations read from the monthly rollups (history.RollupTrack, history.RollupHour).

Same answers as `_queries`' scans of the raw plays (a test compares them on generated data, on both
databases), over a few thousand pre-aggregated rows instead of every play. The caller folds the
listener's marked months first (`history.fold`), so the rollups are exact when read.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session

from encore.catalog import TrackArtist
from encore.history import Play, RollupDirty, RollupHour, RollupTrack, month_of, month_span, visible
from encore.insights._period import Period
from encore.insights._queries import TrackRow, _run

T, H = RollupTrack, RollupHour
_MONTHS = 1_000_000  # a (listener, month YYYYMM) pair as one number: listener x _MONTHS + month


def _months(period: Period) -> tuple[int, int]:
    """[first, end) months of a period: periods start and end on the first of January (UTC)."""
    return month_of(period.start), month_of(period.end)


def _bucket(period: Period) -> ColumnElement[int]:
    """A decade's eras are its years (yyyymm / 100); a year's are its months."""
    return T.month // 100 if period.kind == "decade" else T.month  # type: ignore[return-value]


def _label(period: Period, bucket: int) -> str:
    b = int(bucket)
    return str(b) if period.kind == "decade" else f"{b // 100:04d}-{b % 100:02d}"


def track_buckets(session: Session, *, user_id: int, period: Period) -> list[TrackRow]:
    return keyed_track_buckets(session, user_id=user_id, period=period)[0]


def keyed_track_buckets(session: Session, *, user_id: int, period: Period) -> tuple[list[TrackRow], list[str]]:
    """The rows, and the text key of each text row in their order (a month's tally keeps them: `_month_tally`)."""
    first, end = _months(period)
    b = _bucket(period).label("b")
    where = [T.user_id == user_id, T.month >= first, T.month < end]
    catalogue = (
        select(b, T.track_id, func.sum(T.listens), func.sum(T.ms))
        .where(*where, T.track_id != 0)
        .group_by(b, T.track_id)
        .order_by(b, T.track_id)  # the order tracks are described in: first-seen names depend on it
    )
    rows: list[Any] = [
        (_label(period, k), tid, None, None, None, int(n), int(ms or 0)) for k, tid, n, ms in _run(session, catalogue)
    ]
    text = (
        select(b, T.text_key, T.artist_name, T.track_name, T.release_name, func.sum(T.listens), func.sum(T.ms))
        .where(*where, T.track_id == 0)
        .group_by(b, T.text_key, T.artist_name, T.track_name, T.release_name)
        .order_by(b, T.text_key)  # one text per key (the sha1 of that exact text)
    )
    found = _run(session, text)
    rows += [TrackRow(_label(period, k), None, a, t, r, int(n), int(ms or 0)) for k, _, a, t, r, n, ms in found]
    return rows, [key for _, key, *_ in found]


def day_totals(session: Session, *, user_id: int, period: Period) -> list[tuple[str, int, int]]:
    first, end = _months(period)
    query = (
        select(H.month, H.day, func.sum(H.listens), func.sum(H.ms))
        .where(H.user_id == user_id, H.month >= first, H.month < end)
        .group_by(H.month, H.day)
    )
    return [
        (f"{m // 100:04d}-{m % 100:02d}-{d:02d}", int(n or 0), int(ms or 0)) for m, d, n, ms in _run(session, query)
    ]


def hour_of_day_listens(session: Session, *, user_id: int, period: Period) -> list[tuple[int, int]]:
    first, end = _months(period)
    query = (
        select(H.hour, func.sum(H.listens))
        .where(H.user_id == user_id, H.month >= first, H.month < end)
        .group_by(H.hour)
    )
    return [(int(h), int(n)) for h, n in _run(session, query) if n]


def artists_heard_before(session: Session, *, user_id: int, before: datetime) -> tuple[set[int], set[str]]:
    """As `_queries.artists_heard_before`, for a `before` on the first of a month (a period's start)."""
    earlier = [T.user_id == user_id, T.month < month_of(before)]
    ids = session.scalars(
        select(TrackArtist.artist_id)
        .join(T, T.track_id == TrackArtist.track_id)
        .where(*earlier, T.track_id != 0)
        .distinct()
    )
    names = session.scalars(select(T.artist_name).where(*earlier, T.track_id == 0).distinct())
    return set(ids), {n for n in names if n}


def artist_listeners(session: Session, *, period: Period, artist_id: int | None, artist_name: str) -> list[int]:
    """Listens of one artist in the period per listener, over everyone. Months still marked for folding
    (other listeners' plays since the last fold) are counted from their plays, the rest from the rollups,
    so the answer is exact without folding everyone's months inside this request."""
    first, end = _months(period)
    marked = [
        (int(u), int(m))
        for u, m in session.execute(
            select(RollupDirty.user_id, RollupDirty.month).where(RollupDirty.month >= first, RollupDirty.month < end)
        )
    ]
    window = [T.month >= first, T.month < end]
    if marked:  # else (a batch, which folds everyone first) no probe per row of the scan
        # The months read as marked above, not the ones marked when the scan runs: those are what the plays
        # count below. A fold committed in between (another process, a listener opening their Wrapped) then
        # cannot count a month twice, nor a month marked in between drop out (its rollup is counted as folded).
        pairs: Any = bindparam("marked", [u * _MONTHS + m for u, m in marked], expanding=True, literal_execute=True)
        window.append(
            (cast(T.user_id, BigInteger) * _MONTHS + T.month).not_in(pairs)
        )  # past int4 on PostgreSQL  # integers written into the SQL: no bound limit
    if artist_id is not None:
        # the artist's few tracks as a set the scan checks, not a join probed for each of its rows (3x less CPU)
        tracks = select(TrackArtist.track_id).where(TrackArtist.artist_id == artist_id)
        query = (
            select(T.user_id, func.sum(T.listens))
            .where(*window, T.track_id != 0, T.track_id.in_(tracks))
            .group_by(T.user_id)
        )
    else:
        query = (
            select(T.user_id, func.sum(T.listens))
            .where(*window, T.track_id == 0, T.artist_name == artist_name)
            .group_by(T.user_id)
        )
    counts = {int(u): int(n) for u, n in _run(session, query)}
    for start in range(0, len(marked), 200):
        for u, n in _marked_from_plays(session, marked[start : start + 200], artist_id, artist_name):
            counts[u] = counts.get(u, 0) + n
    return [n for n in counts.values() if n > 0]


def _marked_from_plays(
    session: Session, marked: list[tuple[int, int]], artist_id: int | None, artist_name: str
) -> list[tuple[int, int]]:
    spans = []
    for u, m in marked:
        start, end = month_span(m)
        spans.append(and_(Play.user_id == u, Play.started_at >= start, Play.started_at < end))
    where = [or_(*spans), Play.is_listen.is_(True), visible()]
    if artist_id is not None:
        query = (
            select(Play.user_id, func.count())
            .join(TrackArtist, TrackArtist.track_id == Play.track_id)
            .where(*where, TrackArtist.artist_id == artist_id)
            .group_by(Play.user_id)
        )
    else:
        query = (
            select(Play.user_id, func.count())
            .where(*where, Play.track_id.is_(None), Play.artist_name == artist_name)
            .group_by(Play.user_id)
        )
    return [(int(u), int(n)) for u, n in _run(session, query)]
