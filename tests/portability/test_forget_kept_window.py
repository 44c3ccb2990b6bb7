"""review24m F3: every verified write (`bootstrap.write_verified`, once per play on the byte path) read and parsed
every forget job its listener ever made. It now reads only those asked for after the play's first byte less
PLAY_MATCH + FUTURE_SKEW: a range's `until` is capped at its submit time, and one play's is its start + PLAY_MATCH,
a start at most FUTURE_SKEW past the report that wrote it, which came before the forget."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from encore import playback
from encore.accounts import User
from encore.bootstrap import Container, write_verified
from encore.db import transaction
from encore.jobs import Job
from encore.playback import VerifiedStream
from encore.portability._forget import FORGET, PLAY_MATCH
from tests.playback.test_edge_withdrawn import _song


def _asked(c: Container, fan: str, *, at: datetime, since: datetime, until: datetime) -> None:
    """A forget job of `fan` for [since, until), made as if asked for at `at`."""
    with transaction(c.sessions) as s:
        user_id = s.scalars(select(User.id).where(User.public_id == fan)).one()
        payload = {"since": since.isoformat(), "until": until.isoformat()}
        job = c.jobs.submit(s, kind=FORGET, user_id=user_id, payload=payload)
        s.execute(update(Job).where(Job.public_id == job.id).values(created_at=at))


def _named(c: Container, fan: str, first_byte_at: datetime, song: str) -> list[bool]:
    assert write_verified(c.sessions, playback.Verified(fan, song, "c" * 64, first_byte_at, 31_000))
    with c.sessions() as s:
        return [r.user_id is not None for r in s.scalars(select(VerifiedStream))]


def test_a_forget_asked_within_the_bound_still_covers_the_play(container: Container) -> None:
    c = container
    fan, song, _ = _song(c)
    at = c.clock.now() - timedelta(minutes=30)
    bound = PLAY_MATCH + timedelta(minutes=5)  # history.FUTURE_SKEW
    asked = at - bound + timedelta(minutes=1)  # its play began FUTURE_SKEW ahead: until = its start + PLAY_MATCH
    _asked(c, fan, at=asked, since=asked - timedelta(hours=1), until=asked + bound)
    assert _named(c, fan, at, song) == [False]


def test_a_forget_asked_before_the_bound_is_not_read(container: Container) -> None:
    """No job `submit_forget` or `forget_play` makes can cover a play this long after it was asked for: the
    payload here is written by hand to show that such a job is not read at all (old code: it was)."""
    c = container
    fan, song, _ = _song(c)
    at = c.clock.now() - timedelta(minutes=30)
    asked = at - PLAY_MATCH - timedelta(minutes=5, seconds=1)
    _asked(c, fan, at=asked, since=at - timedelta(hours=1), until=at + timedelta(hours=1))
    assert _named(c, fan, at, song) == [True]
