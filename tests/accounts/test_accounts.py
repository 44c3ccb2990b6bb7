from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from encore.accounts import (
    AccountFormInvalid,
    LoginFailed,
    LoginThrottle,
    LoginThrottled,
    Role,
    ThrottleLimits,
    User,
    authenticate,
    check_new_account,
    check_username,
    create_user,
    start_session,
    user_for_token,
)
from encore.accounts._models import AuthSession
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import Conflict, ValidationFailed

NOW = datetime(2026, 11, 1, tzinfo=UTC)
LIMITS = ThrottleLimits(free_attempts=3, per_client=5, window_s=900)


def _make(c: Container, name: str = "alice", password: str = "correct horse") -> None:
    with transaction(c.sessions) as s:
        create_user(s, username=name, password=password)


def _login(c: Container, name: str, password: str, client: str = "1.2.3.4") -> User:
    throttle = LoginThrottle(c.state, LIMITS)
    with transaction(c.sessions) as s:
        outcome = authenticate(s, username=name, password=password, client=client, throttle=throttle, now=NOW)
    if outcome.error:
        raise outcome.error
    assert outcome.user is not None
    return outcome.user


def test_wrong_password_and_unknown_user_get_the_same_error(container: Container) -> None:
    _make(container)
    with pytest.raises(LoginFailed) as wrong:
        _login(container, "alice", "wrong password")
    with pytest.raises(LoginFailed) as unknown:
        _login(container, "nobody", "wrong password")
    assert wrong.value.message == unknown.value.message == "wrong username or password"
    assert wrong.value.code == unknown.value.code


def test_username_is_case_insensitive_and_unique(container: Container) -> None:
    _make(container)
    assert _login(container, "ALICE", "correct horse").username == "alice"
    with pytest.raises(Conflict):
        _make(container, "Alice")


def test_guesses_from_other_clients_never_lock_the_owner_out(container: Container) -> None:
    """#15 hole 6: five wrong passwords for a known username used to make the right one get 429."""
    _make(container)
    for client in ("a", "b", "c"):
        for _ in range(3):
            with pytest.raises(LoginFailed):
                _login(container, "alice", "nope", client=client)
        with pytest.raises(LoginThrottled):
            _login(container, "alice", "nope", client=client)
    assert _login(container, "alice", "correct horse", client="d").username == "alice"


def test_the_guessing_client_is_throttled_even_with_the_right_password(container: Container) -> None:
    _make(container)
    for _ in range(3):
        with pytest.raises(LoginFailed):
            _login(container, "alice", "nope", client="a")
    with pytest.raises(LoginThrottled) as held:
        _login(container, "alice", "correct horse", client="a")
    assert held.value.retry_after >= 1


def test_login_is_throttled_per_client_across_accounts(container: Container) -> None:
    for i in range(5):
        with pytest.raises(LoginFailed):
            _login(container, f"user{i}", "nope", client="attacker")
    _make(container)
    with pytest.raises(LoginThrottled):
        _login(container, "alice", "correct horse", client="attacker")
    assert _login(container, "alice", "correct horse", client="someone-else").username == "alice"


def test_bad_usernames_and_short_passwords_are_refused(container: Container) -> None:
    with transaction(container.sessions) as s:
        for name in ("a", "../etc", "x" * 33, "al ice", "nul\x00", "..", "...", "." * 32):
            with pytest.raises(ValidationFailed):
                create_user(s, username=name, password="long enough pw")
        with pytest.raises(ValidationFailed):
            create_user(s, username="bob", password="short")
        for name in ("a.", ".a", "a..b", "._", "-.", "x.y"):  # dots beside anything else stay allowed
            create_user(s, username=name, password="long enough pw")


def test_a_name_of_only_dots_is_refused_with_a_reason() -> None:
    """probe16 F12: ".." was accepted, and ListenBrainz clients could not read that listener's data (every HTTP
    stack folds /1/user/../listens into /1/listens)."""
    for name in ("..", "...", "." * 32):
        decision = check_username(name)
        assert not decision.allowed and "only dots" in decision.reason
    assert check_username("..a").allowed


def test_sessions_are_stored_hashed_and_expire(container: Container) -> None:
    _make(container)
    with transaction(container.sessions) as s:
        user = s.scalar(select(User))
        assert user is not None and user.role == Role.LISTENER.value
        new = start_session(s, user=user, ttl=timedelta(days=1), now=NOW)
    with transaction(container.sessions) as s:
        stored = s.scalars(select(AuthSession.token_hash)).all()
        assert new.token not in stored and len(stored) == 1
        assert user_for_token(s, token=new.token, now=NOW + timedelta(hours=23)) is not None
        assert user_for_token(s, token=new.token, now=NOW + timedelta(days=2)) is None
        assert user_for_token(s, token=new.token + "x", now=NOW) is None


def test_only_the_right_password_learns_that_an_account_is_stopped() -> None:
    """probe20 F6: the rule alone (`login_refusal`): a wrong password is the generic answer in every state."""
    from encore.accounts import login_refusal

    for active in (True, False):
        for deleting in (True, False):
            assert login_refusal(password_ok=False, is_active=active, erase_requested=deleting) == "invalid_credentials"
    assert login_refusal(password_ok=True, is_active=False, erase_requested=False) == "account_disabled"
    assert login_refusal(password_ok=True, is_active=False, erase_requested=True) == "account_deleting"
    assert login_refusal(password_ok=True, is_active=True, erase_requested=False) is None


def test_a_new_account_is_told_every_problem_at_once() -> None:
    """Session 25's note: sign-up stopped at the first problem, so a form with three met three refusals in turn.
    `check_new_account` (every caller of `create_user`) names each field that is wrong, with its sentence."""
    with pytest.raises(AccountFormInvalid) as refused:
        check_new_account(username="al ice", password="short", display_name="\u200b")
    assert refused.value.fields == {
        "username": (
            "A username can use the letters a-z (no accents or spaces), digits, '.', '_' and '-' only, 2 to 32 of them."
        ),
        "display_name": "A display name needs at least one visible character.",
        "password": "Password must be at least 8 characters.",
    }
    assert refused.value.code == "bad_username"  # the first's code, as when there was one
    with pytest.raises(AccountFormInvalid) as one:
        check_new_account(username="alice", password="short", display_name=None)
    assert (one.value.fields, one.value.code) == (
        {"password": "Password must be at least 8 characters."},
        "bad_password",
    )
    checked = check_new_account(username="alice", password="long enough", display_name="  Jose\u0301 ")
    assert checked.display_name == "Jos\u00e9"
