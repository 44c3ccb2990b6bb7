"""A server that read its keyring just before `encore keys rotate` ran elsewhere: phones' app passwords, resealed
under the new key, play at once (the seal's stored key id says a newer key exists), while wrong passwords cannot
make the server read its keyring more than once a second, on SQLite and PostgreSQL. Reads are counted as the
SELECTs the database is sent for the keyring table."""

import hashlib
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from encore import incident
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import Device, create_device
from tests.web.conftest import PASSWORD

RECHECK_S = 1.0  # KeyringCache.recheck's bound, the one that stays for what a client's input can trigger


class Reads:
    """SELECTs of the keyring table sent on `engine` while counting."""

    def __init__(self, container: Container) -> None:
        self.count = 0
        event.listen(container.engine, "before_cursor_execute", self._seen)
        self._engine = container.engine

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "signing_keys" in statement:
            self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


@pytest.fixture
def reads(container: Container) -> Iterator[Reads]:
    counted = Reads(container)
    yield counted
    counted.close()


def _secret(c: Container) -> bytes:
    return c.settings.secret_key.get_secret_value().encode()


def _phone(c: Container) -> str:
    with transaction(c.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        return create_device(s, user_id=user.id, name="phone", secret=_secret(c), now=c.clock.now()).app_password


def _rotate_elsewhere(c: Container) -> incident.Rotation:
    """`encore keys rotate --grace 0` as another process runs it: this server's kept keyring is not told."""
    with transaction(c.sessions) as s:
        return incident.rotate_keys(s, secret=_secret(c), now=c.clock.now(), grace=timedelta(0))


def _ping(client: TestClient, password: str, *, token: bool, user: str = "listener") -> bool:
    params = {"u": user, "f": "json", "v": "1.16.1", "c": "t"}
    if token:
        digest = hashlib.md5((password + "saltsalt").encode(), usedforsecurity=False).hexdigest()
        params |= {"t": digest, "s": "saltsalt"}
    else:
        params |= {"p": password}
    body = client.get("/rest/ping", params=params).json()["subsonic-response"]
    assert body["status"] == "ok" or body["error"]["code"] == 40, body
    return bool(body["status"] == "ok")


def _aged(c: Container) -> None:
    """The server's kept keyring read well over the bound ago (what a quiet second gives, without the wait)."""
    c.keyring.refresh()
    c.keyring._at -= 10 * RECHECK_S


@pytest.mark.parametrize("token", [True, False], ids=["token", "password"])
def test_a_rotation_just_after_the_servers_read_plays_at_once(
    client: TestClient, container: Container, reads: Reads, token: bool
) -> None:
    """It was refused (error 40) until the server's read was a second old: the phone had no way to know."""
    c = container
    phone = _phone(c)
    assert _ping(client, phone, token=token)
    first = _rotate_elsewhere(c)
    c.keyring.refresh()  # the server reads its keyring just before the second rotation: well inside the bound
    second = _rotate_elsewhere(c)
    assert (first.kid, second.kid, second.resealed) == (1, 2, 1)
    before = reads.count
    assert _ping(client, phone, token=token), "a phone resealed under a key rotated in since was refused"
    assert reads.count - before == 1  # one read, at once
    assert _ping(client, phone, token=not token) and reads.count - before == 1  # then the kept ring has it
    with c.sessions() as s:
        assert s.scalar(select(Device.app_password_kid)) == 2  # what told it: the seal names its key


def test_wrong_passwords_cause_no_read_when_every_seal_names_a_kept_key(
    client: TestClient, container: Container, reads: Reads
) -> None:
    """A wrong password could make a read once a second; a read cannot open it when every stored seal names a
    key the server keeps (a kept key only ever retires sooner), so none is made, for a known or unknown user."""
    c = container
    phone = _phone(c)
    _rotate_elsewhere(c)
    assert _ping(client, phone, token=True)  # the server reads the new key once
    _aged(c)
    before = reads.count
    for i in range(20):
        assert not _ping(client, f"wrong-{i}", token=i % 2 == 0)
        assert not _ping(client, f"wrong-{i}", token=i % 2 == 0, user=f"nobody{i}")
    assert reads.count == before
    assert _ping(client, phone, token=False)


@pytest.mark.parametrize("stored", ["unrecorded", "missing"])
def test_wrong_passwords_read_at_most_once_per_bound_when_the_seal_cannot_tell(
    client: TestClient, container: Container, reads: Reads, stored: str
) -> None:
    """ "unrecorded": a row sealed before key ids were kept (NULL). "missing": a seal naming a key the table does
    not have (a database restored behind its rows): read at once the first time, then no more often than the
    bound, however many wrong passwords ask (each request passing the bound read before: the old leftover)."""
    c = container
    phone = _phone(c)
    with transaction(c.sessions) as s:
        s.execute(update(Device).values(app_password_kid=None if stored == "unrecorded" else 99))
    _aged(c)
    before, started = reads.count, time.monotonic()
    for i in range(30):
        assert not _ping(client, f"wrong-{i}", token=i % 2 == 0)
    elapsed = time.monotonic() - started
    assert 1 <= reads.count - before <= 1 + int(elapsed / RECHECK_S)
    assert _ping(client, phone, token=True)  # its own key is kept: the right password still plays


def test_an_unrecorded_seal_records_its_key_once_its_right_password_is_used(
    client: TestClient, container: Container, reads: Reads
) -> None:
    """fixleft25: a seal made before migration 0049 names no key, so every wrong password for its account could
    cost a keyring read (once per bound), and the time it took told that the account has such a seal, until the
    next rotation. Now the phone's first sign-in with its right password records the key that opens it."""
    c = container
    phone = _phone(c)
    _rotate_elsewhere(c)  # sealed under key 1 now
    with transaction(c.sessions) as s:
        s.execute(update(Device).values(app_password_kid=None))  # as a row sealed before key ids were kept
    _aged(c)
    before = reads.count
    assert not _ping(client, "wrong-0", token=True)
    assert reads.count - before >= 1  # the seal cannot tell: read
    with c.sessions() as s:
        assert s.scalar(select(Device.app_password_kid)) is None  # a wrong password records nothing
    assert _ping(client, phone, token=False)
    with c.sessions() as s:
        assert s.scalar(select(Device.app_password_kid)) == 1
    _aged(c)
    before = reads.count
    for i in range(10):
        assert not _ping(client, f"wrong-{i}", token=i % 2 == 0)
    assert reads.count == before  # every seal names a kept key: no read, as for any other account
    assert _ping(client, phone, token=True)
