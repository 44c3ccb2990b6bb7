"""Many small submissions stored as one (issue #17): the group-commit writer's batch of `single` listens.

A scrobbler's `single` through `submit_listens` is one catalogue lookup, one Wrapped mark and one insert,
each with its own statement overhead, and that overhead was most of the write's CPU. Queued here in the
batch's transaction instead (`queue_listens`), a writer's batch of fifty is stored by `write_queued` with
one lookup, one mark and one `INSERT ... ON CONFLICT DO NOTHING` executemany: the same rows, ids and
matches `submit_listens` makes (its helpers build them), so the same listen twice is still one row.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from encore.history._listens import (  # the row's one definition; this module only changes how many per statement
    ListenIn,
    _as_is,
    _execute,
    _row,
    _sqlite_time,
    listen_play_id,
)
from encore.history._match import match_keys, resolve_cached
from encore.history._rollups import mark_plays

_QUEUE = "encore.history.queued_listens"
SMALL_SUBMISSION = 50  # listens in one submission up to which it queues (an import's thousand is one statement already)

Queued = tuple[int, Sequence[ListenIn], str, datetime]


def queue_listens(session: Session, *, user_id: int, listens: Sequence[ListenIn], source: str, now: datetime) -> None:
    """Store these listens with the rest of this transaction's queue: `write_queued` must run before the
    commit (the group-commit writer does, after its batch's jobs)."""
    session.info.setdefault(_QUEUE, []).append((user_id, listens, source, now))


def write_queued(session: Session) -> int:
    """Store every queued listen in one statement; returns how many were new."""
    queued: list[Queued] = session.info.pop(_QUEUE, [])
    if not queued:
        return 0
    by_id: dict[tuple[int, str], tuple[ListenIn, str, datetime]] = {}
    for user_id, listens, source, now in queued:
        for listen in listens:
            pid = listen_play_id(listen.listened_at, listen.artist_name, listen.track_name)
            by_id.setdefault((user_id, pid), (listen, source, now))
    matched = resolve_cached(session, [(x.artist_name, x.track_name, x.isrc) for x, _, _ in by_id.values()])
    stamp = _sqlite_time if session.connection().dialect.name == "sqlite" else _as_is
    rows = []
    for (user_id, pid), (listen, source, now) in by_id.items():
        by_isrc, by_text = match_keys(listen.artist_name, listen.track_name, listen.isrc)
        track_id = (matched.get(by_isrc) if by_isrc else None) or matched.get(by_text)
        row = _row(user_id, pid, listen, track_id=track_id, by_text=by_text, source=source, at=stamp, now=stamp(now))
        rows.append((*row, None))  # no import: visible at once
    mark_plays(session, {(user_id, listen.listened_at) for (user_id, _), (listen, _, _) in by_id.items()})
    return _execute(session, rows)
