"""Every submission asks whether the listener forgot the play lately (`portability/_lately.py`), and almost every
listener forgot nothing: the forget jobs are read once per request, by one statement compiled once (bench27: the
ListenBrainz `single` cost +22 % CPU on PostgreSQL for that read; a Subsonic scrobble read them twice, and loaded
its track's whole row with album, label and artists to learn its id and length). After that change a range
forgotten lately still holds back each way a play arrives: the player's report (409 `play_forgotten`), a Subsonic
submission and "now playing", a ListenBrainz `single` and `import` (answered ok, not stored); what the forget did
not cover is stored. Over the real ASGI app, on SQLite and PostgreSQL; each request's statements are counted by
SQLAlchemy's own statement event."""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import create_device
from encore.history import Play
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.jobs import CSRF, run_jobs
from tests.web.conftest import PASSWORD, login

_JOBS_READ = re.compile(r"\bFROM jobs\b", re.IGNORECASE)
_ARTISTS_READ = re.compile(r"\bFROM track_artists\b", re.IGNORECASE)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement any engine sends meanwhile (SQLAlchemy's `before_cursor_execute`, which the raw reads
    call too)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _stored(c: Container, uid: int) -> int:
    with c.sessions() as s:
        return s.scalar(select(func.count()).select_from(Play).where(Play.user_id == uid)) or 0


def test_a_forget_still_holds_back_every_path_reading_its_jobs_once_per_request(container: Container) -> None:
    c = container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user = create_user(s, username="keeper", password=PASSWORD)
        uid = user.id
        app_password = create_device(s, user_id=uid, name="phone", secret=secret, now=c.clock.now()).app_password
        token = regenerate_listen_token(s, user_id=uid, now=c.clock.now())
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"Song {i}", album, [band], duration_ms=200_000).public_id for i in range(3)]
    now = time.time()
    inside, outside = now - 3 * 3600, now - 600  # the range forgotten: [now - 4 h, now - 2 h)
    sub = {"u": "keeper", "p": app_password, "v": "1.16.1", "c": "app", "f": "json"}
    lb = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def listen(ts: float, title: str) -> dict[str, object]:
        return {"listened_at": int(ts), "track_metadata": {"artist_name": "Band", "track_name": title}}

    with TestClient(create_app(c), base_url="http://testserver") as http:
        web = {"Authorization": f"Bearer {login(http, 'keeper')}"}
        r = http.delete(
            "/api/me/history", params={"since": _iso(now - 4 * 3600), "until": _iso(now - 2 * 3600)}, headers=web | CSRF
        )
        assert r.status_code == 202, r.text
        run_jobs(c)
        assert _stored(c, uid) == 0

        # the player's late report of a play begun inside the range: refused with its reason, one read
        play = {"play_id": "play-late-0001", "track_id": tracks[0], "state": "ended", "ms_played": 60_000}
        with statements() as seen:
            r = http.post("/api/plays", json={**play, "started_at": _iso(inside)}, headers=web)
        assert r.status_code == 409 and r.json()["error"]["code"] == "play_forgotten", r.text
        assert len([q for q in seen if _JOBS_READ.search(q)]) == 1, seen

        # a Subsonic app's queued submission of a listen inside it: answered ok, dropped; the scrobble's two
        # questions (its own id, a deleted play's listen under another id) share one read, and its track is
        # read as the two numbers a report needs, not as a row with its album and artists
        scrobble = {**sub, "id": f"tr-{tracks[0]}", "submission": "true", "time": int(inside * 1000)}
        with statements() as seen:
            r = http.get("/rest/scrobble", params=scrobble)
        assert r.status_code == 200 and '"ok"' in r.text, r.text
        assert len([q for q in seen if _JOBS_READ.search(q)]) == 1, seen
        assert not [q for q in seen if _ARTISTS_READ.search(q)], seen

        # ListenBrainz: a `single` inside it and an `import` holding one listen inside and one outside
        single = orjson.dumps({"listen_type": "single", "payload": [listen(inside, "Inside")]})
        with statements() as seen:
            r = http.post("/1/submit-listens", content=single, headers=lb)
        assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
        assert len([q for q in seen if _JOBS_READ.search(q)]) == 1, seen
        queue = [listen(inside + 60, "Queued inside"), listen(outside, "Queued outside")]
        r = http.post(
            "/1/submit-listens", content=orjson.dumps({"listen_type": "import", "payload": queue}), headers=lb
        )
        assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text

        assert _stored(c, uid) == 1  # the import's listen outside the range, nothing else

        # what the forget did not cover is stored, by each path
        fresh = {**play, "play_id": "play-new-00001", "track_id": tracks[1], "started_at": _iso(outside)}
        assert http.post("/api/plays", json=fresh, headers=web).status_code == 200
        scrobble = {**sub, "id": f"tr-{tracks[2]}", "submission": "true", "time": int(outside * 1000)}
        assert '"ok"' in http.get("/rest/scrobble", params=scrobble).text
        single = orjson.dumps({"listen_type": "single", "payload": [listen(outside + 30, "After")]})
        assert http.post("/1/submit-listens", content=single, headers=lb).status_code == 200
        assert _stored(c, uid) == 4

        # a Subsonic "now playing" of a play still playing when the range was forgotten would be held back
        # (tests/history/test_resumed_after_delete.py); one of a track nobody forgot is recorded, one read
        playing = {**sub, "id": f"tr-{tracks[0]}", "submission": "false"}
        with statements() as seen:
            assert '"ok"' in http.get("/rest/scrobble", params=playing).text
        assert len([q for q in seen if _JOBS_READ.search(q)]) == 1, seen
        assert _stored(c, uid) == 5


def test_a_listener_who_forgot_nothing_costs_one_read_of_the_jobs_per_subsonic_scrobble(container: Container) -> None:
    """The common case: nothing forgotten, a scrobble of a new listen stored after one read of the jobs."""
    c = container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        uid = create_user(s, username="plain", password=PASSWORD).id
        app_password = create_device(s, user_id=uid, name="phone", secret=secret, now=c.clock.now()).app_password
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band], duration_ms=200_000).public_id
    params = {"u": "plain", "p": app_password, "v": "1.16.1", "c": "app", "f": "json", "id": f"tr-{track}"}
    with TestClient(create_app(c), base_url="http://testserver") as http:
        with statements() as seen:
            r = http.get(
                "/rest/scrobble", params={**params, "submission": "true", "time": int(time.time() - 900) * 1000}
            )
        assert r.status_code == 200 and '"ok"' in r.text, r.text
    assert len([q for q in seen if _JOBS_READ.search(q)]) == 1, seen
    assert not [q for q in seen if _ARTISTS_READ.search(q)], seen
    assert _stored(c, uid) == 1
