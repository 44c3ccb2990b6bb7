"""probe22 F1: `encore keys rotate --grace 0` (the README's breach step) left every Subsonic app's password
unreadable ("0 app passwords resealed", then error 40): the old keys retired before resealing read them. Here
the command runs in its own process beside a running server, as an operator runs it, and phones log in with
py-sonic right after (token + salt, and `p=enc:`), on a first and a second rotation; stream URLs made under
the retired keys stop, as the README says a rotation without grace does."""

from collections.abc import Callable
from urllib.parse import urlsplit

import libsonic
import pytest
from sqlalchemy import select

from encore.accounts import User
from encore.db import transaction
from encore.devices import create_device
from tests.cli.conftest import Install


def _phone(live: Install, password: str, *, legacy: bool) -> libsonic.Connection:
    url = urlsplit(live.server.base_url)
    return libsonic.Connection(
        f"http://{url.hostname}", "listener", password, port=url.port or 80, appName="py-sonic", legacyAuth=legacy
    )


def _plays(live: Install, password: str) -> bool:
    """Both ways a Subsonic app sends an app password work (a wrong one raises, as py-sonic does for error 40)."""
    return all(_phone(live, password, legacy=legacy).ping() for legacy in (False, True))


def test_phones_keep_playing_across_rotations_without_grace(live: Install, encore_cli: Callable[..., str]) -> None:
    c = live.server.container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user_id = s.scalar(select(User.id).where(User.public_id == live.user))
        phone = create_device(s, user_id=user_id, name="phone", secret=secret, now=c.clock.now())
    assert _plays(live, phone.app_password)
    before = live.stream_url().json()["url"]
    assert live.status(before) == 206

    first = encore_cli("keys", "rotate", "--grace", "0")  # kid 0 (the install's first key) retires now
    assert "Key 1 is current" in first and "1 app passwords resealed" in first, first
    # this server still keeps the keyring it read before the command ran (often well under a second before: the
    # command is forked): the resealed password's stored key id is newer than its keys, so it reads them at once
    assert _plays(live, phone.app_password)
    made_between = live.web.post("/api/me/devices", json={"name": "tablet"}).json()["app_password"]
    assert _plays(live, made_between)

    second = encore_cli("keys", "rotate", "--grace", "0")  # key 1 retires now: both were sealed under it
    assert "Key 2 is current" in second and "2 app passwords resealed" in second, second
    assert "could not be opened" not in second
    assert _plays(live, phone.app_password) and _plays(live, made_between)
    with pytest.raises(libsonic.errors.CredentialError):
        _phone(live, "not-the-app-password", legacy=True).ping()

    c.keyring.refresh()  # what this server does by itself within 30 s (README, step 5)
    assert live.status(before) == 403  # a URL of a retired key stops: no grace
    assert live.status(live.stream_url().json()["url"]) == 206
