"""`encore keys rotate` with a controllable clock: new stream URLs carry the new key id, URLs made under the
previous key work through the grace period and then stop; app passwords are resealed and never stop."""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore import billing, devices, incident, keys
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from encore.kernel import FixedClock
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}
AUDIO = b"OggS" + bytes(range(256)) * 40
GRACE = timedelta(hours=1)
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def container(tmp_path: Path, database_url: str, clock: FixedClock) -> Iterator[Container]:
    settings = Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url, stream_url_ttl_s=86_400)
    c = build(settings, clock=clock)
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _rotate(c: Container) -> incident.Rotation:
    with transaction(c.sessions) as s:
        done = incident.rotate_keys(
            s, secret=c.settings.secret_key.get_secret_value().encode(), now=c.clock.now(), grace=GRACE
        )
    c.keyring.refresh()  # what a running server does by itself within 30 s
    return done


def test_stream_urls_across_rotations(client: TestClient, container: Container, clock: FixedClock) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
        artist = f.artist(s, "Key Band")
        track = f.track(s, "Rotating", f.album(s, "Keys", artist), [artist], duration_ms=120_000)
        add_rendition(container, s, track, AUDIO)
        track_id = track.public_id
    login(client, "listener")

    def url() -> str:
        r = client.post(f"/api/tracks/{track_id}/stream", json={}, headers=CSRF)
        assert r.status_code == 200, r.text
        return str(r.json()["url"])

    def status(u: str) -> int:
        return client.get(u, headers={"Range": "bytes=0-3"}).status_code

    before = url()
    assert "&k=" not in before and status(before) == 206  # kid 0: URLs look as they did before key ids
    first = _rotate(container)
    assert first.kid == 1 and first.previous_until == T0 + GRACE
    after = url()
    assert "&k=1&" in after and status(after) == 206 and status(before) == 206
    assert status(after.replace("&k=1&", "&k=0&")) == 403  # the key id is part of what is checked
    assert status(after.replace("&k=1&", "&k=7&")) == 403  # an unknown key id
    assert status(after.replace("&k=1&", "&k=99999999999&")) == 403

    clock.advance(GRACE.total_seconds() - 1)
    assert status(before) == 206  # still inside the grace period
    clock.advance(2)
    r = client.get(before)
    assert r.status_code == 403 and b"retired_key" in r.content
    assert status(after) == 206

    _rotate(container)
    newest = url()
    assert "&k=2&" in newest and status(newest) == 206 and status(after) == 206
    clock.advance(GRACE.total_seconds() + 1)
    assert status(after) == 403 and status(newest) == 206 and status(before) == 403


def test_app_passwords_are_resealed(client: TestClient, container: Container, clock: FixedClock) -> None:
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        old = create_device(s, user_id=user.id, name="old phone", secret=secret, now=clock.now())

    def ok(password: str) -> bool:
        r = client.get("/rest/ping", params={"u": "listener", "p": password, "f": "json", "v": "1.16.1", "c": "t"})
        return bool(r.json()["subsonic-response"]["status"] == "ok")

    assert ok(old.app_password)
    assert _rotate(container).resealed == 1
    assert ok(old.app_password)
    token = {"Authorization": f"Bearer {login(client, 'listener')}"}
    client.cookies.clear()
    new = client.post("/api/me/devices", json={"name": "new phone"}, headers=token).json()
    clock.advance(GRACE.total_seconds() + 1)  # the legacy key is retired: both were sealed under key 1
    assert ok(old.app_password) and ok(new["app_password"])
    _rotate(container)
    clock.advance(GRACE.total_seconds() + 1)
    assert ok(old.app_password) and ok(new["app_password"]) and not ok("not-the-password")


def test_edge_urls_wait_for_nginx_to_hold_the_new_key(tmp_path: Path, database_url: str, clock: FixedClock) -> None:
    """probe21b F1: edge URLs took a new key within 30 s of a rotation, before nginx held it (403 for every new
    Premium stream). An edge URL takes the newest key nginx was seen to accept (`encore keys edge-ready`) that
    counts for the URL's whole life; with none, the URL is Encore's own (byte path), and it plays."""
    settings = Settings(
        mode="dev", data_dir=tmp_path / "var", database_url=database_url, streaming_mode="edge", stream_url_ttl_s=600
    )
    c = build(settings, clock=clock)
    try:
        with transaction(c.sessions) as s:
            fan = create_user(s, username="listener", password=PASSWORD)
            billing.grant_premium(s, user_public_id=fan.public_id, plan="premium", days=30, now=clock.now())
            artist = f.artist(s, "Edge Band")
            track = f.track(s, "Waiting", f.album(s, "Keys", artist), [artist], duration_ms=120_000)
            add_rendition(c, s, track, AUDIO)
            track_id = track.public_id
        with TestClient(create_app(c), base_url="http://testserver") as client:
            login(client, "listener")

            def url() -> str:
                r = client.post(f"/api/tracks/{track_id}/stream", json={}, headers=CSRF)
                assert r.status_code == 200, r.text
                return str(r.json()["url"])

            assert "/edge/" in url() and "&k=" not in url()
            _rotate(c)  # grace: one hour
            assert "/edge/" in url() and "&k=" not in url()  # nginx holds key 0 only: it still signs edge URLs
            clock.advance(GRACE.total_seconds() - 599)  # key 0 would retire inside a new URL's 600 s
            mine = url()
            assert mine.startswith("/stream/") and "&k=1&" in mine  # Encore serves it, never a URL nginx refuses
            assert client.get(mine, headers={"Range": "bytes=0-3"}).status_code == 206
            with transaction(c.sessions) as s:
                keys.mark_edge_ready(s, kids=[1], now=clock.now())
            c.keyring.refresh()
            assert "/edge/" in url() and url().endswith("&k=1")
            with transaction(c.sessions) as s:  # a leaked key: grace 0, nothing nginx holds counts any more
                incident.rotate_keys(s, secret=b"x", now=clock.now(), grace=timedelta(0))
            c.keyring.refresh()
            assert url().startswith("/stream/") and "&k=2&" in url()
    finally:
        c.close()


def test_keyring_for_edge() -> None:
    """The pure choice: the newest key nginx holds that counts for the URL's life, else none."""
    now = T0
    old = keys.Key(0, "", now + timedelta(hours=1))
    new = keys.Key(1, "s", None, edge_ready=False)
    ring = keys.Keyring((new, old))
    assert ring.for_edge(now, until=now + timedelta(minutes=10)) == old
    assert ring.for_edge(now, until=now + timedelta(hours=1)) == old  # retires as the URL ends: still fine
    assert ring.for_edge(now, until=now + timedelta(hours=1, seconds=1)) is None
    assert ring.edge_pending(now) == (new,)
    ready = keys.Keyring((keys.Key(1, "s", None), old))
    assert ready.for_edge(now, until=now + timedelta(days=9)) == ready.active and ready.edge_pending(now) == ()


def _pings(client: TestClient, password: str) -> bool:
    r = client.get("/rest/ping", params={"u": "listener", "p": password, "f": "json", "v": "1.16.1", "c": "t"})
    return bool(r.json()["subsonic-response"]["status"] == "ok")


@pytest.mark.parametrize("first", ["device", "rotation"])
def test_a_device_made_while_keys_rotate_without_grace_logs_in(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """review23 F2: `POST /api/me/devices` read the keyring before a `--grace 0` rotation committed and
    committed its device after the rotation's reseal, which never saw it: the app password was sealed under the
    key the rotation retired, and the phone got error 40 for good. Each order is held open here:
    - "device": the device is being sealed when the rotation starts; the rotation commits in that window
      unless it waits for the device (then it reseals it);
    - "rotation": the rotation has its new key and is about to reseal when the device is asked for; the
      device must wait for it and seal under the new key, not one read while the rotation was uncommitted."""
    c = container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        create_user(s, username="listener", password=PASSWORD)
    token = {"Authorization": f"Bearer {login(client, 'listener')}"}
    client.cookies.clear()
    sealing, asked, resealing, rotated = (threading.Event() for _ in range(4))
    encrypt, reseal, create = devices._crypto.encrypt, devices.reseal_app_passwords, devices.create_device

    def seal_held_open(*args: Any, **kwargs: Any) -> str:
        sealing.set()
        rotated.wait(2.0)  # "device": the window; under the fix the rotation waits for this device instead
        return encrypt(*args, **kwargs)

    def asked_for(*args: Any, **kwargs: Any) -> devices.NewDevice:
        asked.set()
        return create(*args, **kwargs)

    def reseal_held_open(*args: Any, **kwargs: Any) -> tuple[int, int]:
        resealing.set()
        if first == "rotation":
            asked.wait(10.0)
            time.sleep(0.5)  # the device's request gets to its keyring read (or, under the fix, to the lock)
        return reseal(*args, **kwargs)

    monkeypatch.setattr(devices._crypto, "encrypt", seal_held_open)
    monkeypatch.setattr(devices, "create_device", asked_for)
    monkeypatch.setattr(devices, "reseal_app_passwords", reseal_held_open)
    done: list[incident.Rotation] = []

    def rotate() -> None:
        if first == "device":
            sealing.wait(10.0)
        with transaction(c.sessions) as s:
            done.append(incident.rotate_keys(s, secret=secret, now=c.clock.now(), grace=timedelta(0)))
        rotated.set()

    rotation = threading.Thread(target=rotate)
    rotation.start()
    if first == "rotation":
        assert resealing.wait(10.0)
    made = client.post("/api/me/devices", json={"name": "phone"}, headers=token)
    rotation.join(30)
    monkeypatch.undo()
    assert made.status_code == 201, made.text
    c.keyring.refresh()  # what a running server does by itself within 30 s
    assert _pings(client, made.json()["app_password"]), "no key that counts opens the new device's app password"
    assert not _pings(client, "not-the-app-password")
    assert len(done) == 1 and done[0].unreadable == 0, done
    assert done[0].resealed == (1 if first == "device" else 0)  # "rotation": sealed under the new key already
