"""accounts.listener_for_listen_token (the ListenBrainz writer's check, on the DB-API cursor) answers what
user_for_listen_token answers, in every state a token or its account can be in, on both databases."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from encore import accounts
from encore.accounts import User, create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _both(s: Session, token: str) -> tuple[int | None, int | None]:
    user = accounts.user_for_listen_token(s, token=token)
    return (None if user is None else user.id), accounts.listener_for_listen_token(s, token=token)


def test_the_id_lookup_answers_as_the_user_lookup(container: Container) -> None:
    with transaction(container.sessions) as s:
        alice = create_user(s, username="alice", password="alice-pass-123").id
        bob = create_user(s, username="bob", password="bob-pass-1234").id
        first = regenerate_listen_token(s, user_id=alice, now=NOW)
        second = regenerate_listen_token(s, user_id=alice, now=NOW)  # the first stops working
        bobs = regenerate_listen_token(s, user_id=bob, now=NOW)
    with container.sessions() as s:
        assert _both(s, second) == (alice, alice)
        assert _both(s, bobs) == (bob, bob)
        for bad in (first, "", "x" * 201, second + "x", "\x00"):
            assert _both(s, bad) == (None, None)
    with transaction(container.sessions) as s:  # bob must reset his password: no listens
        s.execute(update(User).where(User.id == bob).values(must_reset_password=True))
        accounts.sign_out_account(s, user_id=alice)  # alice signed out everywhere: her token is gone too
    with container.sessions() as s:
        assert _both(s, bobs) == (None, None)
        assert _both(s, second) == (None, None)
    with transaction(container.sessions) as s:
        again = regenerate_listen_token(s, user_id=alice, now=NOW)  # a token made after the sign-out counts
        s.execute(update(User).where(User.id == bob).values(must_reset_password=False, is_active=False))
    with container.sessions() as s:
        assert _both(s, again) == (alice, alice)
        assert _both(s, bobs) == (None, None)  # disabled
