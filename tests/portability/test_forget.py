"""Forgetting a range of plays as a job: a run that dies mid-way leaves no Wrapped counting a deleted
play, the retry finishes it, and running it again changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from encore import insights, portability
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play, _browse
from encore.insights import WrappedSnapshot
from encore.jobs import Job, drain
from tests.insights.world import make_world

START = datetime(2023, 11, 1, tzinfo=UTC)


def _seed(container: Container) -> int:
    """Alice: 450 listens, one every 6 hours from Nov 2023 to Feb 2024; Bob: 10 in the same span."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        for n in range(450):
            w.play(w.alice, n % 5, START + timedelta(hours=6 * n))
        for n in range(10):
            w.play(w.bob, 0, START + timedelta(days=n))
        return w.alice


def _wrapped(container: Container, user_id: int, period: str) -> int:
    with transaction(container.sessions) as s:
        return insights.get_wrapped(s, user_id=user_id, period=period, now=datetime.now(UTC)).listens


def _listens(container: Container, user_id: int, since: datetime, until: datetime) -> int:
    with container.sessions() as s:
        where = [Play.user_id == user_id, Play.started_at >= since, Play.started_at < until, Play.is_listen]
        return int(s.scalar(select(func.count()).where(*where)) or 0)


def _stored(container: Container, user_id: int) -> set[str]:
    with container.sessions() as s:
        return set(s.scalars(select(WrappedSnapshot.period).where(WrappedSnapshot.user_id == user_id)))


class Died(Exception):
    pass


def test_a_deletion_that_dies_mid_way_leaves_wrapped_true_and_the_retry_finishes(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_browse, "DELETE_CHUNK", 100)  # several transactions from a small history
    alice = _seed(container)
    y2023, y2024 = datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    assert _wrapped(container, alice, "2023") == 244 and _wrapped(container, alice, "2024") == 206
    assert _stored(container, alice) == {"2023", "2024"}

    def die(deleted: int) -> None:
        raise Died(deleted)  # the worker is gone after its first committed chunk

    until = datetime(2024, 2, 1, tzinfo=UTC)
    with pytest.raises(Died):
        portability.forget_range(container.sessions, user_id=alice, since=START, until=until, progress=die)
    left_2023, left_2024 = _listens(container, alice, y2023, y2024), _listens(container, alice, y2024, until)
    assert left_2023 + left_2024 == 368 - 100  # one chunk of 100 went, in one transaction
    # whatever the chunk held, no stored Wrapped still counts it: each is gone or still exact
    assert _wrapped(container, alice, "2023") == left_2023
    assert _wrapped(container, alice, "2024") == left_2024 + _listens(container, alice, until, until.replace(month=12))

    with transaction(container.sessions) as s:
        job = portability.submit_forget(
            s, jobs=container.jobs, user_id=alice, since=START, until=until, everything=False, now=datetime.now(UTC)
        )
    assert drain(container.jobs) == 1
    with container.sessions() as s:
        row = s.scalar(select(Job).where(Job.public_id == job.id))
        assert row is not None and row.state == "done"
        job_pk = row.id
    assert _listens(container, alice, START, until) == 0
    assert _wrapped(container, alice, "2023") == 0
    assert _wrapped(container, alice, "2024") == _listens(container, alice, until, datetime(2025, 1, 1, tzinfo=UTC))
    with container.sessions() as s:
        bob_plays = s.scalar(select(func.count()).where(Play.user_id != alice))
    assert bob_plays == 10  # only the listener's own plays

    before = _listens(container, alice, y2023, datetime(2025, 1, 1, tzinfo=UTC))
    container.jobs.execute(job_pk)  # a duplicate message: the job is done, nothing more happens
    assert _listens(container, alice, y2023, datetime(2025, 1, 1, tzinfo=UTC)) == before


def test_a_range_that_empties_a_period_ends_its_share_links_and_no_other(container: Container) -> None:
    """A link to a story with no listens left is the dead end `create_share` refuses to make: forgetting a range
    ends the links of the periods it empties; the links of periods with listens left stay, showing what is left."""
    alice = _seed(container)
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        for period in ("2023", "2024", "2020s"):
            snapshot = insights.get_wrapped(s, user_id=alice, period=period, now=now)
            insights.create_share(s, user_id=alice, snapshot=snapshot, now=now)
    portability.forget_range(
        container.sessions, user_id=alice, since=START, until=datetime(2024, 1, 1, tzinfo=UTC)
    )  # all of 2023
    with container.sessions() as s:
        assert sorted(v.period for v in insights.list_shares(s, user_id=alice)) == ["2020s", "2024"]
    portability.forget_range(container.sessions, user_id=alice, since=None, until=now)  # everything
    with container.sessions() as s:
        assert insights.list_shares(s, user_id=alice) == []
