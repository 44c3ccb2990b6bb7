"""One username asked for by several sign-ups at the same moment: one account, and every other sign-up gets the
answer a later one gets (409 username_taken), not a 500 from the unique index. Each racer read the name free
(outside any transaction on SQLite, before the winner committed on PostgreSQL)."""

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.accounts import User, create_user
from encore.bootstrap import Container
from encore.kernel import Conflict
from tests.support.races import race

RACERS = 8


def _sign_up(username: str) -> Callable[[Session], str]:
    def move(s: Session) -> str:
        try:
            create_user(s, username=username, password="password-123")
        except Conflict as exc:
            return str(exc.code)
        return "created"

    return move


def test_one_name_asked_for_at_once_makes_one_account_and_clear_refusals(container: Container) -> None:
    # the same name in other cases is the same name (username_key)
    names = ["Racer", "racer", "RACER", "racer", "Racer", "rAcer", "raCer", "racEr"]
    outcomes = race(container, [_sign_up(n) for n in names[:RACERS]])
    assert outcomes == ["created"] + ["username_taken"] * (RACERS - 1), outcomes
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
