"""Two Closes of one month at the same moment: one statement, and every other admin is told what a Close after it
is told. The racers past the check used to be refused in an older sentence ("this month is already closed",
review32a) while the sequential path said which month and that its statement does not change."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import Conflict
from encore.labels import SETTLEMENT, RoyaltyStatement, close_month
from tests.labels.world import MONTH, TERMS, build, month
from tests.support.races import race

RACERS = 6
CLOSED = f"{MONTH} is already closed: its statement does not change."


def test_the_closes_that_lose_a_race_are_told_as_a_later_close_is(container: Container) -> None:
    with transaction(container.sessions) as s:
        build(s)
    now = month(2026, 11)[1] + SETTLEMENT

    def close(s: Session) -> str:
        try:
            close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=now)
        except Conflict as exc:
            return f"{exc.code}: {exc.message}"
        return "closed"

    assert race(container, [close] * RACERS) == ["closed"] + [f"month_closed: {CLOSED}"] * (RACERS - 1)
    assert race(container, [close]) == [f"month_closed: {CLOSED}"]  # after it, as before
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RoyaltyStatement)) == 1
