"""Many small submissions stored as one (issue #17): the group-commit writer's batch of `single` listens.

A scrobbler's `single` through `submit_listens` is one catalogue lookup, one Wrapped mark and one insert,
each with its own statement overhead, and that overhead was most of the write's CPU. Queued here in the
batch's transaction instead (`queue_listens`), a writer's batch of fifty is stored by `write_queued` with
one lookup, one mark and one `INSERT ... ON CONFLICT DO NOTHING` executemany: the same rows, ids and
matches `submit_listens` makes (both end in `store_listens`), so the same listen twice is still one row.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from encore.history._listens import Keyed, ListenIn, second_play_id, store_listens
from encore.history._match import text_key

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
    by_id: dict[tuple[int, str], Keyed] = {}
    for user_id, listens, source, now in queued:
        for listen in listens:
            key = text_key(listen.artist_name, listen.track_name)
            ts = listen.second
            if ts is None:
                ts = int(listen.listened_at.timestamp())
            pid = second_play_id(ts, key)
            by_id.setdefault((user_id, pid), (user_id, pid, key, ts, listen, source, now, None))  # no import: visible
    return store_listens(session, list(by_id.values()), alike=len(queued) == 1)  # one submission: shared values
