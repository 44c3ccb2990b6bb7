"""`encore edge ingest-log` reads nginx's log later than the plays it records (cron, at least daily): a listener who
forgot a range in between is not named by the verified streams written from it, as the byte path's write and the
outbox's drain do not name them (review24s H2), on SQLite and PostgreSQL."""

from datetime import timedelta

from sqlalchemy import select

from encore import portability
from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import StreamVerifier, VerifiedStream, ingest_edge_log
from encore.state import MemoryState
from tests.playback.test_edge_withdrawn import EDGE, SECRET, _log, _song


def _named(c: Container) -> list[int | None]:
    with c.sessions() as s:
        return [r.user_id for r in s.scalars(select(VerifiedStream))]


def test_an_edge_play_its_listener_forgot_before_the_log_was_read_names_no_one(container: Container) -> None:
    c = container
    fan, _, _ = _song(c)
    now = c.clock.now()
    lines = _log(fan, now - timedelta(minutes=10))
    with transaction(c.sessions) as s:  # the fan forgets the last hour; the job runs before cron reads the log
        user_id = s.scalars(select(User.id).where(User.public_id == fan)).one()
        portability.submit_forget(
            s, jobs=c.jobs, user_id=user_id, since=now - timedelta(hours=1), until=now, everything=False, now=now
        )
    portability.forget_range(c.sessions, user_id=user_id, since=now - timedelta(hours=1), until=now)
    report = ingest_edge_log(
        c.sessions,
        lines=lines,
        secrets=EDGE,
        verifier=StreamVerifier(MemoryState(), secret=SECRET),
        forgotten=lambda session, verified: portability.forgotten_kept_stream(session, verified=verified),
    )
    assert report.verified == 1
    assert _named(c) == [None], "the edge log's stream named a listener who had forgotten it"


def test_an_edge_play_outside_what_was_forgotten_still_names_its_listener(container: Container) -> None:
    c = container
    fan, _, _ = _song(c)
    now = c.clock.now()
    lines = _log(fan, now - timedelta(hours=3))
    with transaction(c.sessions) as s:
        user_id = s.scalars(select(User.id).where(User.public_id == fan)).one()
        portability.submit_forget(
            s, jobs=c.jobs, user_id=user_id, since=now - timedelta(hours=1), until=now, everything=False, now=now
        )
    portability.forget_range(c.sessions, user_id=user_id, since=now - timedelta(hours=1), until=now)
    ingest_edge_log(
        c.sessions,
        lines=lines,
        secrets=EDGE,
        verifier=StreamVerifier(MemoryState(), secret=SECRET),
        forgotten=lambda session, verified: portability.forgotten_kept_stream(session, verified=verified),
    )
    assert _named(c) == [user_id]
