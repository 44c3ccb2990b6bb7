"""Password hashing at the product's own parameters. The rest of the suite hashes at argon2id's smallest cost
(tests/support/env.py); here that switch is taken out of the environment, so these tests see what a deployment
gets: OWASP's parameters, a floor below them, and a rehash at log-in when the operator changes them."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from encore.accounts import (
    OWASP,
    HashParams,
    LoginThrottle,
    Passwords,
    ThrottleLimits,
    User,
    authenticate,
    create_user,
    passwords_for,
)
from encore.bootstrap import Container, build
from encore.config import Settings, SettingsError, load_settings
from encore.db import transaction
from tests.support.env import SUITE_ENV

NOW = datetime(2026, 12, 3, tzinfo=UTC)
OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SUITE_ENV:
        monkeypatch.delenv(name)


def _settings(tmp_path: Path, database_url: str, **hashing: object) -> Settings:
    return Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url, **hashing)


@pytest.fixture
def owasp(production_env: None, tmp_path: Path, database_url: str) -> Iterator[Container]:
    c = build(_settings(tmp_path, database_url))
    yield c
    c.close()


def _stored(c: Container) -> str:
    with transaction(c.sessions) as s:
        stored = s.scalar(select(User.password_hash))
    assert stored is not None
    return stored


def _log_in(c: Container, password: str) -> bool:
    throttle = LoginThrottle(c.state, ThrottleLimits(free_attempts=5, per_client=30, window_s=900))
    with transaction(c.sessions) as s:
        outcome = authenticate(s, username="alice", password=password, client="1.2.3.4", throttle=throttle, now=NOW)
    return outcome.user is not None


def test_the_defaults_are_owasps(production_env: None) -> None:
    s = Settings(mode="dev")
    assert (s.password_hash_memory_kib, s.password_hash_time_cost, s.password_hash_parallelism) == (19456, 2, 1)
    assert s.password_hash_below_floor_for_tests is False


def test_password_is_stored_as_argon2id_with_owasp_parameters(owasp: Container) -> None:
    with transaction(owasp.sessions) as s:
        create_user(s, username="alice", password="correct horse")
    stored = _stored(owasp)
    assert stored.startswith(OWASP_PREFIX)
    assert "correct horse" not in stored
    assert _log_in(owasp, "correct horse")
    assert not _log_in(owasp, "correct horsf")
    assert _stored(owasp) == stored  # the same parameters: no rehash at log-in


def test_a_parameter_change_rehashes_at_the_next_log_in(owasp: Container, tmp_path: Path, database_url: str) -> None:
    with transaction(owasp.sessions) as s:
        create_user(s, username="alice", password="correct horse")
    stored = _stored(owasp)
    # The operator raises the passes; the same database, a new start.
    raised = build(_settings(tmp_path / "raised", database_url, password_hash_time_cost=3))
    try:
        with raised.sessions() as s:
            assert passwords_for(s).needs_rehash(stored)
        assert not _log_in(raised, "wrong horse")
        assert _stored(raised) == stored  # a failed log-in changes nothing
        assert _log_in(raised, "correct horse")
        rehashed = _stored(raised)
        assert rehashed.startswith("$argon2id$v=19$m=19456,t=3,p=1$")
        assert _log_in(raised, "correct horse")
        assert _log_in(owasp, "correct horse")  # a hash names its parameters: the old settings still verify it
    finally:
        raised.close()
    with owasp.sessions() as s:
        assert passwords_for(s).needs_rehash(rehashed)
        assert not passwords_for(s).needs_rehash(stored)


def test_unknown_users_are_checked_at_the_same_parameters() -> None:
    """The timing equaliser (a log-in for a name that does not exist) costs what a real account's check costs."""
    for params in (OWASP, HashParams(time_cost=3), HashParams(time_cost=1, memory_kib=8)):
        passwords = Passwords(params)
        assert passwords.verify(None, "encore-timing-equaliser") is False
        assert not passwords.needs_rehash(passwords._dummy_hash)


@pytest.mark.parametrize(
    ("memory_kib", "passes"),
    [(8, 1), (7168, 4), (7167, 6), (12288, 2), (19455, 1), (1024, 64)],
)
def test_hashing_below_owasps_weakest_configuration_is_refused(
    production_env: None, monkeypatch: pytest.MonkeyPatch, memory_kib: int, passes: int
) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_PASSWORD_HASH_MEMORY_KIB", str(memory_kib))
    monkeypatch.setenv("ENCORE_PASSWORD_HASH_TIME_COST", str(passes))
    with pytest.raises(SettingsError, match="below OWASP's weakest argon2id configuration"):
        load_settings()
    monkeypatch.setenv("ENCORE_PASSWORD_HASH_BELOW_FLOOR_FOR_TESTS", "true")
    assert load_settings().password_hash_memory_kib == memory_kib


@pytest.mark.parametrize(("memory_kib", "passes"), [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)])
def test_owasps_configurations_are_accepted(production_env: None, memory_kib: int, passes: int) -> None:
    s = Settings(mode="dev", password_hash_memory_kib=memory_kib, password_hash_time_cost=passes)
    assert (s.password_hash_memory_kib, s.password_hash_time_cost) == (memory_kib, passes)


def test_less_memory_than_argon2_allows_is_refused_even_for_tests(production_env: None) -> None:
    with pytest.raises(ValueError, match="at least 8 KiB per lane"):
        Settings(
            mode="dev",
            password_hash_memory_kib=16,
            password_hash_parallelism=4,
            password_hash_below_floor_for_tests=True,
        )


def test_the_settings_parameters_are_the_ones_used(container: Container) -> None:
    """The suite's container (argon2id's smallest cost, tests/support/env.py) hashes with its settings' values."""
    with transaction(container.sessions) as s:
        create_user(s, username="alice", password="correct horse")
    assert _stored(container).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_a_production_server_refuses_the_tests_switch(production_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The switch lets the suite hash cheaply; a deployment that carries it over (even with strong parameters)
    is told to unset it rather than silently accepting weak hashing later."""
    monkeypatch.setenv("ENCORE_MODE", "production")
    monkeypatch.setenv("ENCORE_SECRET_KEY", "x" * 48)
    assert load_settings().mode == "production"  # OWASP's default parameters, no switch: starts
    monkeypatch.setenv("ENCORE_PASSWORD_HASH_BELOW_FLOOR_FOR_TESTS", "true")
    with pytest.raises(SettingsError, match="test suite's switch; a production server refuses it"):
        load_settings()
