"""Popularity discovery may rank by: listens from listeners who contribute (opt-outs left out), counted only
for tracks at least MIN_LISTENERS of them played (`may_derive`'s rule in SQL), so no rank reveals one listener."""

from sqlalchemy import ColumnElement, Select, Subquery, delete, func, insert, select
from sqlalchemy.orm import Session

from encore.discovery._models import DiscoveryPreference, TrackPopularity
from encore.history import Play, visible
from encore.library import MIN_LISTENERS


def opted_out() -> Select[int]:
    return select(DiscoveryPreference.user_id).where(DiscoveryPreference.contribute.is_(False))


def derivable_listens(*where: ColumnElement[bool]) -> Subquery:
    """(track_id, listens) for tracks with enough distinct contributing listeners; others have no row
    (rank them as 0). `where` narrows the plays read, e.g. to a genre's tracks."""
    return (
        select(Play.track_id.label("track_id"), func.count(Play.id).label("listens"))
        .where(
            Play.is_listen.is_(True), Play.track_id.is_not(None), Play.user_id.not_in(opted_out()), visible(), *where
        )
        .group_by(Play.track_id)
        .having(func.count(func.distinct(Play.user_id)) >= MIN_LISTENERS)
        .subquery()
    )


Counts = dict[int, tuple[int, int]]  # track -> (listens, distinct listeners)


def listen_counts(session: Session, *, opted_out_only: bool = False) -> Counts:
    """Visible listens and distinct listeners per track: everyone's (what training stores), or only the
    listeners who opted out (a few: subtracted when the stored counts are read)."""
    where = [Play.is_listen.is_(True), Play.track_id.is_not(None), visible()]
    if opted_out_only:
        where.append(Play.user_id.in_(opted_out()))
    rows = session.execute(
        select(Play.track_id, func.count(Play.id), func.count(func.distinct(Play.user_id)))
        .where(*where)
        .group_by(Play.track_id)
    )
    return {int(t): (int(n), int(u)) for t, n, u in rows if t is not None}


def derivable(everyone: Counts, opted: Counts) -> dict[int, int]:
    """`derivable_listens` from counts: per track, the listens of contributing listeners, for tracks at least
    MIN_LISTENERS contributing listeners played (the opted-out ones' listens and listeners taken away)."""
    out: dict[int, int] = {}
    for track, (listens, listeners) in everyone.items():
        their_listens, their_listeners = opted.get(track, (0, 0))
        if listeners - their_listeners >= MIN_LISTENERS:
            out[track] = listens - their_listens
    return out


def store_counts(session: Session, counts: Counts) -> None:
    """Replace the stored counts (the training job, from `listen_counts(session)`)."""
    session.execute(delete(TrackPopularity))
    rows = [{"track_id": t, "listens": n, "listeners": u} for t, (n, u) in sorted(counts.items())]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(TrackPopularity), rows[start : start + 5_000])


def stored_popularity(session: Session) -> dict[int, int] | None:
    """Derivable listens per track from the counts the last training run stored, with today's opt-outs
    applied (exact for the plays training saw; plays since then count at the next run). None before any
    training stored counts: callers count the plays instead."""
    rows = session.execute(select(TrackPopularity.track_id, TrackPopularity.listens, TrackPopularity.listeners))
    stored = {int(t): (int(n), int(u)) for t, n, u in rows}
    if not stored:
        return None
    return derivable(stored, listen_counts(session, opted_out_only=True))
