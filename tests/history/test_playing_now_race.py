"""A listener's "playing now" sent twice at the same moment (a scrobbler retrying, two players): one row, the
last one stands, none is a 500. Each racer found no row and inserted one; the second failed on its key."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import PlayingNow
from tests.support.races import race

RACERS = 6


def test_playing_now_sent_at_once_is_one_row(container: Container) -> None:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="alice", password="password-123").id

    def send(n: int) -> Callable[[Session], str]:
        def move(s: Session) -> str:
            payload = {"track_metadata": {"artist_name": "Nina Vale", "track_name": f"Song {n}"}}
            history.set_playing_now(s, user_id=user_id, payload=payload, expires_at=now + timedelta(minutes=n + 1))
            return "sent"

        return move

    assert race(container, [send(n) for n in range(RACERS)]) == ["sent"] * RACERS
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlayingNow)) == 1
