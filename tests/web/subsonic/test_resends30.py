"""fix29a over the wire (its own test ran the Subsonic face's rules in process): an app resends "now playing" for a
play the listener deleted while it played, again and again (py-sonic, then py-opensonic, each a real client of a
live server), then says it finished. The play stays deleted, and the listener's job list (`/api/me/jobs`) holds the
delete alone: before fix29a each resend was a job of its own there (review28a L5). The resends of the one deleted
play are one record, which the listener can neither list nor fetch. SQLite and PostgreSQL (the `site` fixture)."""

import asyncio
import time
from urllib.parse import urlsplit

from libopensonic import AsyncConnection
from sqlalchemy import select

from encore.accounts import get_user_by_name
from encore.jobs import Job
from encore.portability import FORGET_PLAY, RESUMED_PLAY
from tests.web.subsonic.conftest import Site
from tests.web.subsonic.test_trust26 import (
    _deleted_while_playing,
    _first_song_id,
    _history,
    _py_sonic,
    _unnamed_listener,
    _web,
)

RESENDS = 12  # review28a L5's count: with twenty listed, twelve resends pushed an import out


def test_an_apps_resends_over_the_wire_leave_the_play_deleted_and_the_listeners_jobs_clean(site: Site) -> None:
    _public_id, password = _unnamed_listener(site, "resender_wire")
    app = _py_sonic(site, "resender_wire", password)
    song = _first_song_id(app)
    url = urlsplit(site.base_url)

    async def opensonic_resends_and_finishes() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", "resender_wire", password, port=url.port or 80)
        try:
            for _ in range(2):
                assert await conn.scrobble(song, submission=False)
            assert await conn.scrobble(song, submission=True)
        finally:
            await conn.cleanup()

    with _web(site, "resender_wire") as web:
        started = int(time.time())
        _deleted_while_playing(web, app, song)  # "now playing", then the listener deletes the play
        for _ in range(RESENDS):  # the app resends "now playing" (on resume, on seek, on a timer)
            app.scrobble(song, submission=False)
        assert _history(web) == []
        app.scrobble(song, submission=True, listenTime=started)  # the track ends
        assert _history(web) == []
        asyncio.run(opensonic_resends_and_finishes())  # another app of the listener's does the same
        assert _history(web) == []

        listed = web.get("/api/me/jobs").json()["items"]
        assert [j["kind"] for j in listed] == [FORGET_PLAY], listed  # the delete alone (was one job a resend)
        assert web.get("/api/me/jobs", params={"kind": RESUMED_PLAY}).json()["items"] == []
        with site.container.sessions() as s:
            user = get_user_by_name(s, username="resender_wire")
            assert user is not None
            kinds = list(s.scalars(select(Job.kind).where(Job.user_id == user.id).order_by(Job.id)))
            [record] = s.scalars(select(Job.public_id).where(Job.user_id == user.id, Job.kind == RESUMED_PLAY))
        assert kinds == [FORGET_PLAY, RESUMED_PLAY]  # 16 resends, one record
        assert web.get(f"/api/me/jobs/{record}").status_code == 404
