"""A listener's discovery settings changed twice at the same moment (two switches flipped quickly, before any
row existed): both changes stand, none is a 500. Each racer found no row and inserted one; the second failed on
its key."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from encore import discovery
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.support.races import race

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_two_switches_flipped_at_once_both_stand(container: Container) -> None:
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="alice", password="password-123").id

    def flip(**change: bool) -> Callable[[Session], str]:
        def move(s: Session) -> str:
            discovery.set_preferences(s, user_id=user_id, now=NOW, **change)
            return "set"

        return move

    moves = [flip(contribute=False), flip(autoplay=False)] * 3
    assert race(container, moves) == ["set"] * len(moves)
    with container.sessions() as s:
        stands = discovery.preferences(s, user_id=user_id)
    assert (stands.contribute, stands.autoplay) == (False, False)
