"""Money follows server facts: a label's streams are the verified streams the byte path recorded (30 s of
the track's audio sent to the listener, once per play), never what a client reports."""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from encore import billing, playback
from encore.accounts import User, create_user, regenerate_listen_token
from encore.billing import Availability
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.devices import create_device
from encore.history import Play
from encore.kernel import FixedClock
from encore.labels import streams_per_day, withdraw
from encore.playback import VerifiedStream
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.live import serve
from tests.support.media import add_rendition
from tests.web.conftest import PASSWORD, login

SONG_MS = 60_000
AUDIO = b"OggS" + bytes(600 * 1024 - 4)  # 60 s of audio: 10 KiB a second


@dataclass
class World:
    label_id: int
    song: str
    premium: str  # user names
    free: str


def _world(container: Container) -> World:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        label = f.label(s, "Ours")
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band, on=label), [band], number=1, duration_ms=SONG_MS)
        add_rendition(container, s, song, AUDIO)
        premium = create_user(s, username="premium", password=PASSWORD)
        create_user(s, username="free", password=PASSWORD)
        billing.grant_premium(s, user_public_id=premium.public_id, plan="premium", days=30, now=now)
        return World(label.id, song.public_id, "premium", "free")


def _label_streams(container: Container, world: World) -> int:
    today = container.clock.now().date()
    with container.sessions() as s:
        days = streams_per_day(s, label_id=world.label_id, since=today - timedelta(days=30), until=today)
        return sum(d.total for d in days)


def _verified(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(VerifiedStream)) or 0


def _url(api: TestClient, headers: dict[str, str], track: str) -> str:
    r = api.post(f"/api/tracks/{track}/stream", json={}, headers=headers)
    assert r.status_code == 200, r.text
    url: str = r.json()["url"]
    return url


def test_streaming_30_seconds_is_one_verified_stream_for_premium_and_free(container: Container) -> None:
    container.settings = container.settings.model_copy(update={"free_pace_x": 0.0})  # not about pacing
    world = _world(container)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        for name in (world.premium, world.free):
            h = {"Authorization": f"Bearer {login(api, name)}"}
            url = _url(api, h, world.song)
            assert api.get(url, headers={"Range": f"bytes=0-{len(AUDIO) // 4}"}).status_code == 206  # 15 s
            assert _label_streams(container, world) == (0 if name == world.premium else 1)
            assert api.get(url, headers={"Range": f"bytes={len(AUDIO) // 4}-"}).status_code == 206
    assert _label_streams(container, world) == 2


def test_forged_play_reports_do_not_move_a_labels_streams(container: Container) -> None:
    world = _world(container)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.free)}"}
        now = container.clock.now()
        for i in range(25):
            body = {"play_id": f"forged-{i}", "track_id": world.song, "started_at": now.isoformat()}
            r = api.post("/api/plays", json={**body, "ms_played": SONG_MS, "state": "ended"}, headers=h)
            assert r.status_code == 200, r.text
        backdated = (now - timedelta(days=7)).isoformat()  # a week back, into a still-open month's days
        r = api.post(
            "/api/plays",
            json={
                "play_id": "backdated-1",
                "track_id": world.song,
                "started_at": backdated,
                "ms_played": SONG_MS,
                "state": "ended",
            },
            headers=h,
        )
        assert r.status_code == 200, r.text
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 26  # history has them
    assert _label_streams(container, world) == 0


def test_a_thousand_listen_listenbrainz_import_does_not_move_a_labels_streams(container: Container) -> None:
    world = _world(container)
    now = container.clock.now()
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == world.free)).one()
        token = regenerate_listen_token(s, user_id=user.id, now=now)
    ts = int(now.timestamp())
    listens = [
        {
            "listened_at": ts - 3600 - i * 61,
            "track_metadata": {
                "artist_name": "Band",
                "track_name": "Song",
                "additional_info": {"duration_ms": SONG_MS},
            },
        }
        for i in range(1000)
    ]
    with TestClient(create_app(container), base_url="http://testserver") as api:
        r = api.post(
            "/1/submit-listens",
            content=json.dumps({"listen_type": "import", "payload": listens}),
            headers={"Authorization": f"Token {token}"},
        )
        assert r.status_code == 200, r.text
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 1000
    assert _label_streams(container, world) == 0


def test_scattered_one_byte_ranges_never_add_up_to_30_seconds(container: Container) -> None:
    """200 single bytes spread over the file carry nothing; the span list's cap must not fill the gaps."""
    world = _world(container)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        url = _url(api, h, world.song)
        step = len(AUDIO) // 200
        for i in range(200):
            r = api.get(url, headers={"Range": f"bytes={i * step}-{i * step}"})
            assert r.status_code == 206 and len(r.content) == 1
    assert _verified(container) == 0


def test_many_parallel_streams_of_one_track_count_once_per_play(container: Container) -> None:
    world = _world(container)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        urls = [_url(api, h, world.song) for _ in range(3)]  # several URLs, all for the same play
    with serve(container) as live, httpx.Client(base_url=live.base_url, timeout=30) as http:

        def whole(url: str) -> int:
            r = http.get(url)
            assert r.status_code == 200
            return len(r.content)

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(whole, urls * 4)) == {len(AUDIO)}
    assert _verified(container) == 1
    assert _label_streams(container, world) == 1


def test_a_pre_release_play_by_a_free_account_is_refused_from_history(container: Container) -> None:
    world = _world(container)
    with transaction(container.sessions) as s:
        track = s.scalars(select(Track).where(Track.public_id == world.song)).one()
        track.availability = Availability.PRERELEASE.value
        track.available_from = container.clock.now() + timedelta(days=30)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        body = {"play_id": "early-play", "track_id": world.song, "started_at": container.clock.now().isoformat()}
        body |= {"ms_played": SONG_MS, "state": "ended"}
        free = api.post("/api/plays", json=body, headers={"Authorization": f"Bearer {login(api, world.free)}"})
        assert free.status_code == 403, free.text
        premium = api.post("/api/plays", json=body, headers={"Authorization": f"Bearer {login(api, world.premium)}"})
        assert premium.status_code == 200, premium.text
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 1  # only the Premium listener's


def test_a_subsonic_download_is_verified_like_the_byte_path(container: Container) -> None:
    """Subsonic apps get stored files from their own face: what it sends counts the same way."""
    world = _world(container)
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == world.premium)).one()
        secret = container.settings.secret_key.get_secret_value().encode()
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()).api_key
    params = {"apiKey": key, "v": "1.16.1", "c": "test", "id": f"tr-{world.song}"}
    with TestClient(create_app(container), base_url="http://testserver") as api:
        part = api.get("/rest/download", params=params, headers={"Range": f"bytes=0-{len(AUDIO) // 4}"})
        assert part.status_code == 206
        assert _verified(container) == 0  # 15 s
        for _ in range(3):
            assert api.get("/rest/download", params=params).content == AUDIO
    assert _verified(container) == 1


def minute(c: Container) -> None:
    """What the job workers do each minute: run the periodic tasks due (the verified streams' outbox among them)."""
    huey = c.jobs.huey
    for task in huey.read_periodic(datetime.now()):
        if task.name.startswith("encore.minutely."):
            huey.execute(task)


def _failing_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Writing a verified stream fails once (a transient database error), then works; returns the calls."""
    real, calls = playback.write_verified_stream, []

    def flaky(
        session: Session, *, verified: playback.Verified, verified_at: datetime | None = None
    ) -> playback.Written:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("connection reset"))
        return real(session, verified=verified, verified_at=verified_at)

    monkeypatch.setattr(playback, "write_verified_stream", flaky)
    return calls


def test_a_failed_verified_stream_write_keeps_the_audio_and_is_recorded_later(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(container)
    calls = _failing_once(monkeypatch)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        whole = api.get(_url(api, h, world.song))
        assert whole.status_code == 200 and whole.content == AUDIO
    assert len(calls) == 1 and _verified(container) == 0  # kept in the outbox (test_verified_outbox)
    minute(container)
    assert len(calls) == 2
    assert _verified(container) == 1


def test_a_failed_verified_stream_write_on_subsonic_keeps_the_audio_and_is_recorded_later(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(container)
    with transaction(container.sessions) as s:
        user = s.scalars(select(User).where(User.username == world.premium)).one()
        secret = container.settings.secret_key.get_secret_value().encode()
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()).api_key
    calls = _failing_once(monkeypatch)
    params = {"apiKey": key, "v": "1.16.1", "c": "test", "id": f"tr-{world.song}"}
    with TestClient(create_app(container), base_url="http://testserver") as api:
        assert api.get("/rest/download", params=params).content == AUDIO
    assert len(calls) == 1 and _verified(container) == 0
    minute(container)
    assert len(calls) == 2
    assert _verified(container) == 1


def test_a_stream_url_issued_before_a_withdrawal_streams_nothing_after_it(container: Container) -> None:
    world = _world(container)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        url = _url(api, h, world.song)
        with transaction(container.sessions) as s:
            album = s.scalar(
                select(Album.public_id).join(Track, Track.album_id == Album.id).where(Track.public_id == world.song)
            )
            assert album is not None
            withdraw(s, label_id=world.label_id, album_id=album)
        assert api.get(url, headers={"Range": "bytes=0-"}).status_code == 404
    assert _verified(container) == 0


@pytest.mark.parametrize("method", ["stream", "download"])
@pytest.mark.parametrize("state", ["withdrawn", "draft"])
def test_subsonic_serves_no_audio_of_a_withdrawn_or_draft_release(
    container: Container, method: str, state: str
) -> None:
    """The player refused these tracks, but Subsonic's stream and download served the stored file (no ad, a
    verified, paid stream): every face asks the one stream decision, which knows only listed tracks."""
    world = _world(container)
    keys = {}
    with transaction(container.sessions) as s:
        album = s.scalars(select(Album).join(Track, Track.album_id == Album.id).where(Track.public_id == world.song))
        row = album.one()
        if state == "withdrawn":
            withdraw(s, label_id=world.label_id, album_id=row.public_id)
        else:  # a label's upload never published
            row.status = ReleaseStatus.DRAFT.value
            for track in s.scalars(select(Track).where(Track.album_id == row.id)):
                track.status = ReleaseStatus.DRAFT.value
        secret = container.settings.secret_key.get_secret_value().encode()
        for who in (world.premium, world.free):
            user = s.scalars(select(User).where(User.username == who)).one()
            keys[who] = create_device(
                s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()
            ).api_key
    with TestClient(create_app(container), base_url="http://testserver") as api:
        for key in keys.values():
            params = {"apiKey": key, "v": "1.16.1", "c": "test", "f": "json", "id": f"tr-{world.song}"}
            for extra in ({}, {"format": "mp3"}, {"format": "raw"}):
                r = api.get(f"/rest/{method}", params=params | extra)
                assert r.headers["content-type"].startswith("application/json"), (extra, r.headers)
                assert r.json()["subsonic-response"]["error"]["code"] == 70
    assert _verified(container) == 0 and _label_streams(container, world) == 0


def test_tracks_downloaded_at_once_count_as_one_listener_can_hear_them(container: Container) -> None:
    """A Premium account fetched six whole tracks in 0.8 s and its label got six paid streams: 30 s of each
    track's audio was sent, but nobody hears six tracks at once. Of one listener's verified plays begun within
    30 s of each other two count (the track playing and the next, fetched near its end); later ones count
    again as time passes."""
    world = _world(container)
    clock = FixedClock(container.clock.now())
    container.clock = clock
    with transaction(container.sessions) as s:
        lp = s.scalars(select(Album).join(Track, Track.album_id == Album.id).where(Track.public_id == world.song))
        album, band = lp.one(), s.scalars(select(Track).where(Track.public_id == world.song)).one().artists[0].artist
        more = []
        for n in range(2, 10):
            song = f.track(s, f"Song {n}", album, [band], number=n, duration_ms=SONG_MS)
            add_rendition(container, s, song, AUDIO)
            more.append(song.public_id)
    with TestClient(create_app(container), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        for song in [world.song, *more[:5]]:  # six whole files in the same second
            assert api.get(_url(api, h, song)).content == AUDIO
        assert _verified(container) == 2
        clock.advance(31)  # the first two began more than 30 s ago
        assert api.get(_url(api, h, more[5])).content == AUDIO
        assert _verified(container) == 3
        clock.advance(5)  # within 30 s of the third: the fourth counts, a fifth would not
        assert api.get(_url(api, h, more[6])).content == AUDIO
        assert _verified(container) == 4
        assert api.get(_url(api, h, more[7])).content == AUDIO
    assert _verified(container) == 4 and _label_streams(container, world) == 4
