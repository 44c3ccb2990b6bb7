"""Device credentials on SQLite and PostgreSQL: shown once, stored hashed / encrypted, revocable."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import (
    Device,
    choose_auth,
    create_device,
    list_devices,
    owner_of_api_key,
    revoke_device,
    user_for_api_key,
    user_for_app_password,
    user_for_token,
)
from encore.kernel import NotFound, ValidationFailed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SECRET = b"a-server-secret-that-is-long-enough-for-tests"
# The two API-key lookups: the ORM one, and the column-only one Subsonic reads on every request (#16).
KEY_LOOKUPS = pytest.mark.parametrize("lookup", [user_for_api_key, owner_of_api_key], ids=["entity", "columns"])


def test_credentials_are_stored_hashed_and_encrypted_and_work(container: Container) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="Ana", password="account-pass-123")
        made = create_device(s, user_id=user.id, name="  Ana's   phone ", secret=SECRET, now=NOW)
        uid = user.id
    assert made.name == "Ana's phone" and made.api_key.startswith("enc_") and len(made.app_password) == 24
    with container.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM devices")) for v in row)
    assert made.api_key not in dump and made.app_password not in dump
    assert hashlib.sha256(made.api_key.encode()).hexdigest() in dump
    with transaction(container.sessions) as s:
        assert user_for_api_key(s, api_key=made.api_key, now=NOW).id == uid  # type: ignore[union-attr]
        token = hashlib.md5((made.app_password + "saltsalt").encode(), usedforsecurity=False).hexdigest()
        assert user_for_token(s, username="ana", token=token, salt="saltsalt", secret=SECRET, now=NOW) is not None
        assert user_for_token(s, username="ana", token=token, salt="saltsalT", secret=SECRET, now=NOW) is None
        assert user_for_app_password(s, username="ANA", password=made.app_password, secret=SECRET, now=NOW)
        assert user_for_app_password(s, username="ana", password="account-pass-123", secret=SECRET, now=NOW) is None
        # A new server secret makes stored app passwords unreadable: they fail, they never crash.
        assert user_for_app_password(s, username="ana", password=made.app_password, secret=b"other", now=NOW) is None
        views = list_devices(s, user_id=uid)
        assert [(v.id, v.name) for v in views] == [(made.id, "Ana's phone")] and views[0].last_used_at == NOW


def test_revoke_is_per_owner_and_final(container: Container) -> None:
    with transaction(container.sessions) as s:
        a = create_user(s, username="ann", password="account-pass-123")
        b = create_user(s, username="bob", password="account-pass-123")
        made = create_device(s, user_id=a.id, name="tablet", secret=SECRET, now=NOW)
        aid, bid = a.id, b.id
    with pytest.raises(NotFound), transaction(container.sessions) as s:
        revoke_device(s, user_id=bid, device_id=made.id)  # someone else's device: not found, like a missing one
    with transaction(container.sessions) as s:
        revoke_device(s, user_id=aid, device_id=made.id)
        assert user_for_api_key(s, api_key=made.api_key, now=NOW) is None
        assert s.scalar(select(Device)) is None
    for bad in ("", " ", "x" * 101, "tab\x00let"):
        with pytest.raises(ValidationFailed), transaction(container.sessions) as s:
            create_device(s, user_id=aid, name=bad, secret=SECRET, now=NOW)


def test_choose_auth_is_a_pure_decision() -> None:
    def pick(**kw: str) -> str:
        args = {"api_key": None, "username": None, "password": None, "token": None, "salt": None} | kw
        return choose_auth(**args).reason  # type: ignore[arg-type]

    assert pick(api_key="k") == "api_key"
    assert pick(api_key="k", username="u") == "conflicting"
    assert pick(api_key="k", salt="123456") == "conflicting"
    assert pick(username="u", token="t", password="p", salt="123456") == "conflicting"
    assert pick(username="u", token="t", salt="12345") == "short_salt"  # review25c L4: not "missing"
    assert pick(username="u", token="t", salt="") == "missing"
    assert pick(username="u", token="t", salt="123456") == "token"
    assert pick(username="u", password="p") == "password"
    assert pick(username="u") == "missing"
    assert pick() == "missing"


def test_wrong_credentials_cost_the_same_work_whether_or_not_the_account_exists(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing measurement: the same queries and the same decryptions run for every wrong answer, so the
    time a failure takes cannot tell an attacker which usernames exist (or have a device)."""
    from sqlalchemy import event

    from encore.accounts import User
    from encore.devices import _crypto

    with transaction(container.sessions) as s:
        ana = create_user(s, username="ana", password="account-pass-123")
        create_device(s, user_id=ana.id, name="phone", secret=SECRET, now=NOW)
        create_user(s, username="bob", password="account-pass-123")  # no device
        gone = create_user(s, username="gone", password="account-pass-123")
        create_device(s, user_id=gone.id, name="phone", secret=SECRET, now=NOW)
        s.get_one(User, gone.id).is_active = False

    work: list[str] = []
    real_decrypt = _crypto.decrypt

    def counted_decrypt(secret: bytes, token: str, salts: tuple[str, ...] = _crypto.LEGACY_SALTS) -> str | None:
        work.append("decrypt")
        return real_decrypt(secret, token, salts)

    monkeypatch.setattr(_crypto, "decrypt", counted_decrypt)
    event.listen(container.engine, "before_cursor_execute", lambda *a: work.append("query"))

    def cost(username: str, check: str) -> list[str]:
        work.clear()
        with transaction(container.sessions) as s:
            if check == "token":
                salt = "c0ffee"
                token = hashlib.md5(("" + salt).encode(), usedforsecurity=False).hexdigest()
                found = user_for_token(s, username=username, token=token, salt=salt, secret=SECRET, now=NOW)
            else:
                found = user_for_app_password(s, username=username, password="", secret=SECRET, now=NOW)
        assert found is None
        return list(work)

    for check in ("token", "password"):
        known = cost("ana", check)
        assert "decrypt" in known and "query" in known
        for name in ("nobody", "bob", "gone", "x" * 65):
            assert cost(name, check) == known, (name, check)


@KEY_LOOKUPS
def test_a_deactivated_account_s_api_key_stops_working(container: Container, lookup: Any) -> None:
    from encore.accounts import User

    with transaction(container.sessions) as s:
        user = create_user(s, username="cleo", password="account-pass-123")
        key = create_device(s, user_id=user.id, name="phone", secret=SECRET, now=NOW).api_key
        uid = user.id
    with transaction(container.sessions) as s:
        assert lookup(s, api_key=key, now=NOW) is not None
        s.get_one(User, uid).is_active = False
    with transaction(container.sessions) as s:
        assert lookup(s, api_key=key, now=NOW) is None
        assert lookup(s, api_key=key + "x", now=NOW) is None


@KEY_LOOKUPS
def test_a_key_read_many_times_stops_at_once_on_revoke_sign_out_and_sign_out_everyone(
    container: Container, lookup: Any
) -> None:
    """The key lookup is a statement built once per process (#16); nothing of its answer may outlive a
    revocation, a sign-out or a sign-out of everyone, however often the key was read before."""
    from encore.accounts import sign_out_account, sign_out_everyone

    with transaction(container.sessions) as s:
        user = create_user(s, username="cai", password="account-pass-123")
        keys = [create_device(s, user_id=user.id, name=f"phone {i}", secret=SECRET, now=NOW) for i in range(3)]
        uid = user.id

    def who(api_key: str) -> int | None:
        with transaction(container.sessions) as s:
            found = lookup(s, api_key=api_key, now=NOW)
            return None if found is None else int(found.id)

    for _ in range(3):
        assert [who(k.api_key) for k in keys] == [uid, uid, uid]
    with transaction(container.sessions) as s:
        revoke_device(s, user_id=uid, device_id=keys[0].id)
    assert [who(k.api_key) for k in keys] == [None, uid, uid]
    with transaction(container.sessions) as s:
        sign_out_account(s, user_id=uid)
    assert [who(k.api_key) for k in keys] == [None, None, None]
    with transaction(container.sessions) as s:
        fresh = create_device(s, user_id=uid, name="new phone", secret=SECRET, now=NOW)
    assert who(fresh.api_key) == uid
    with transaction(container.sessions) as s:
        sign_out_everyone(s)
    assert who(fresh.api_key) is None
    for bad in ("", "enc_", "enc_" + "a" * 97, "enc_\x00", "enc_\ud800", "' OR 1=1 --", fresh.api_key.upper()):
        assert who(bad) is None
    with transaction(container.sessions) as s:  # a lone surrogate as an app password fails, never crashes
        assert user_for_app_password(s, username="cai", password="\ud800", secret=SECRET, now=NOW) is None


def test_the_column_lookup_answers_as_the_account_and_touches_the_device_every_few_minutes(
    container: Container,
) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="Dora", password="account-pass-123")
        key = create_device(s, user_id=user.id, name="phone", secret=SECRET, now=NOW).api_key
        uid, public_id = user.id, user.public_id
    with transaction(container.sessions) as s:
        owner = owner_of_api_key(s, api_key=key, now=NOW)
    assert owner is not None
    assert (owner.id, owner.public_id, owner.username, owner.username_key) == (uid, public_id, "Dora", "dora")
    assert (owner.role, owner.is_active, owner.must_reset_password) == ("listener", True, False)

    def last_used() -> datetime | None:
        with transaction(container.sessions) as s:
            return s.scalar(select(Device.last_used_at))

    assert last_used() == NOW
    with transaction(container.sessions) as s:
        owner_of_api_key(s, api_key=key, now=NOW + timedelta(minutes=1))
    assert last_used() == NOW  # a hint, not a write per request
    with transaction(container.sessions) as s:
        owner_of_api_key(s, api_key=key, now=NOW + timedelta(minutes=6))
    assert last_used() == NOW + timedelta(minutes=6)
