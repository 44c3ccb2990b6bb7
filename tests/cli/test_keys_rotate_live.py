"""probe22 F1: `encore keys rotate --grace 0` (the README's breach step) left every Subsonic app's password
unreadable ("0 app passwords resealed", then error 40): the old keys retired before resealing read them. Here
the command runs in its own process beside a running server, as an operator runs it, and phones log in with
py-sonic right after (token + salt, and `p=enc:`), on a first and a second rotation; stream URLs made under
the retired keys stop, as the README says a rotation without grace does."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import libsonic
import pytest

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from tests.catalog import factories as f
from tests.support.live import LiveServer, serve
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD

AUDIO = b"OggS" + bytes(range(256)) * 40


@pytest.fixture
def live(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    for name, value in (("MODE", "dev"), ("DATA_DIR", str(tmp_path / "var")), ("DATABASE_URL", database_url)):
        monkeypatch.setenv(f"ENCORE_{name}", value)  # the command's process reads the install from these
    container = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url))
    with serve(container) as server:
        yield server
    container.close()


def _rotate_now() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "encore.cli", "keys", "rotate", "--grace", "0"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return " ".join((done.stdout + done.stderr).split())


def _phone(live: LiveServer, password: str, *, legacy: bool) -> libsonic.Connection:
    url = urlsplit(live.base_url)
    return libsonic.Connection(
        f"http://{url.hostname}", "listener", password, port=url.port or 80, appName="py-sonic", legacyAuth=legacy
    )


def _plays(live: LiveServer, password: str) -> bool:
    """Both ways a Subsonic app sends an app password work (a wrong one raises, as py-sonic does for error 40)."""
    return all(_phone(live, password, legacy=legacy).ping() for legacy in (False, True))


def test_phones_keep_playing_across_rotations_without_grace(live: LiveServer) -> None:
    c = live.container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        phone = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now())
        artist = f.artist(s, "Key Band")
        track = f.track(s, "Rotating", f.album(s, "Keys", artist), [artist], duration_ms=120_000)
        add_rendition(c, s, track, AUDIO)
        track_id = track.public_id
    web = httpx.Client(base_url=live.base_url, timeout=30)
    token = web.post("/api/auth/login", json={"username": "listener", "password": PASSWORD}).json()["token"]
    web.headers["Authorization"] = f"Bearer {token}"

    def stream_url() -> str:
        r = web.post(f"/api/tracks/{track_id}/stream", json={})
        assert r.status_code == 200, r.text
        return str(r.json()["url"])

    def status(url: str) -> int:
        return web.get(url, headers={"Range": "bytes=0-3"}).status_code

    assert _plays(live, phone.app_password)
    before = stream_url()
    assert status(before) == 206

    first = _rotate_now()  # kid 0 (the install's first key) retires now
    assert "Key 1 is current" in first and "1 app passwords resealed" in first, first
    # at once, though this server still keeps the keyring it read before the command ran
    assert _plays(live, phone.app_password)
    made_between = web.post("/api/me/devices", json={"name": "tablet"}).json()["app_password"]
    assert _plays(live, made_between)

    second = _rotate_now()  # key 1 retires now: both app passwords were sealed under it
    assert "Key 2 is current" in second and "2 app passwords resealed" in second, second
    assert "could not be opened" not in second
    assert _plays(live, phone.app_password) and _plays(live, made_between)
    with pytest.raises(libsonic.errors.CredentialError):
        _phone(live, "not-the-app-password", legacy=True).ping()

    c.keyring.refresh()  # what this server does by itself within 30 s (README, step 5)
    assert status(before) == 403  # a URL of a retired key stops: no grace
    assert status(stream_url()) == 206
    web.close()
