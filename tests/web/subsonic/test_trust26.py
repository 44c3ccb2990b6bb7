"""review26a, through py-sonic on SQLite and PostgreSQL (the `site` fixture runs this module on both):
M1, an account made without a display name (the web player's sign-up, `encore user create`) was shown to every
Subsonic client by its login name; M2, a play the listener deleted came back with the app's "finished" scrobble
after its "now playing" (or from the app's queue after it finished), under an id of its own; and (fixtrust26's
note, closed by fixlisten27) with the "now playing" an app sends again when the listener resumes it, with py-sonic
and py-opensonic."""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import libsonic
from libopensonic import AsyncConnection

from encore.accounts import create_user
from encore.db import transaction
from encore.devices import create_device
from tests.web.subsonic.conftest import Site


def _py_sonic(site: Site, username: str, password: str) -> libsonic.Connection:
    url = urlsplit(site.base_url)
    return libsonic.Connection(f"http://{url.hostname}", username, password, port=url.port or 80, appName="py-sonic")


def _first_song_id(conn: libsonic.Connection) -> str:
    album = conn.getAlbumList2("alphabeticalByName", size=1)["albumList2"]["album"][0]
    return str(conn.getAlbum(album["id"])["album"]["song"][0]["id"])


def _unnamed_listener(site: Site, username: str) -> tuple[str, str]:
    """An account as the web player's sign-up makes it (no display name), with an app password."""
    c = site.container
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user = create_user(s, username=username, password="account-pass-123")
        made = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now())
        return user.public_id, made.app_password


def test_a_public_playlist_of_an_account_without_a_display_name_never_names_its_login(site: Site) -> None:
    public_id, password = _unnamed_listener(site, "victim_login")
    victim = _py_sonic(site, "victim_login", password)
    song = _first_song_id(victim)
    made = victim.createPlaylist(name="My road trip", songIds=[song])["playlist"]["id"]
    try:
        auth = {"u": "victim_login", "p": password, "v": "1.16.1", "c": "t", "f": "json"}
        r = httpx.get(f"{site.base_url}/rest/updatePlaylist", params={**auth, "playlistId": made, "public": "true"})
        assert r.json()["subsonic-response"]["status"] == "ok"
        other = _py_sonic(site, "listener", site.me.app_password)
        listed = {p["id"]: p for p in other.getPlaylists()["playlists"]["playlist"]}
        owner = listed[made]["owner"]
        assert owner == f"Listener {public_id[:4]}", owner  # was "victim_login"
        assert "victim" not in other.getPlaylist(made)["playlist"]["owner"].casefold()
        assert victim.getPlaylists()["playlists"]["playlist"][0]["owner"] == "victim_login"  # its own: the login
    finally:
        victim.deletePlaylist(made)


@contextmanager
def _web(site: Site, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=60) as web:
        r = web.post("/api/auth/login", json={"username": username, "password": "account-pass-123"})
        assert r.status_code == 200, r.text
        web.headers["authorization"] = f"Bearer {r.json()['token']}"
        yield web


def _history(web: httpx.Client) -> list[tuple[str, str]]:
    items = web.get("/api/me/history", params={"limit": 50}).json()["items"]
    return [(i["play_id"], i["source"]) for i in items]


def test_a_play_deleted_while_it_plays_stays_deleted_when_the_app_says_it_finished(site: Site) -> None:
    """review26a M2: now playing, deleted, then the submission: it came back under a new id."""
    _public_id, password = _unnamed_listener(site, "scrobbler_one")
    app = _py_sonic(site, "scrobbler_one", password)
    song = _first_song_id(app)
    with _web(site, "scrobbler_one") as web:
        started = int(time.time())  # py-sonic sends it as milliseconds
        app.scrobble(song, submission=False)  # the track starts
        [(play_id, source)] = _history(web)
        assert source == "subsonic"
        assert web.delete(f"/api/me/history/plays/{play_id}").status_code == 204
        assert _history(web) == []
        app.scrobble(song, submission=True, listenTime=started)  # the track ends
        assert _history(web) == []
        app.scrobble(song, submission=True, listenTime=started)  # and its queue sends it again
        assert _history(web) == []


def test_a_finished_listen_deleted_stays_deleted_when_the_app_sends_it_again(site: Site) -> None:
    """review26a M2's other run: now playing, the submission finished it, the listener deleted it; the app's
    queue sent the submission again and it came back (the row kept the now-playing's id)."""
    _public_id, password = _unnamed_listener(site, "scrobbler_two")
    app = _py_sonic(site, "scrobbler_two", password)
    song = _first_song_id(app)
    with _web(site, "scrobbler_two") as web:
        started = int(time.time())  # py-sonic sends it as milliseconds
        app.scrobble(song, submission=False)
        app.scrobble(song, submission=True, listenTime=started)
        [(play_id, _source)] = _history(web)
        assert web.delete(f"/api/me/history/plays/{play_id}").status_code == 204
        app.scrobble(song, submission=True, listenTime=started)  # re-sent from the app's queue
        assert _history(web) == []
        # a listen of the track begun well before (another listen, sent late) is a new play, not the deleted one
        app.scrobble(song, submission=True, listenTime=started - 20 * 60)
        assert len(_history(web)) == 1


def _deleted_while_playing(web: httpx.Client, app: libsonic.Connection, song: str) -> None:
    app.scrobble(song, submission=False)  # the track starts
    [(play_id, _source)] = _history(web)
    assert web.delete(f"/api/me/history/plays/{play_id}").status_code == 204


def test_a_now_playing_sent_again_on_resume_after_a_delete_stays_deleted(site: Site) -> None:
    """py-sonic: now playing, deleted, then the app resumes after a pause and says "now playing" again: that made a
    new row, and the finished scrobble (timed from the resume, as some apps time it) finished it."""
    _public_id, password = _unnamed_listener(site, "scrobbler_three")
    app = _py_sonic(site, "scrobbler_three", password)
    song = _first_song_id(app)
    with _web(site, "scrobbler_three") as web:
        _deleted_while_playing(web, app, song)
        resumed = int(time.time())
        app.scrobble(song, submission=False)  # resumed
        assert _history(web) == []
        app.scrobble(song, submission=True, listenTime=resumed)  # the track ends
        assert _history(web) == []


def test_py_opensonic_resuming_a_deleted_play_brings_nothing_back(site: Site) -> None:
    """The same with py-opensonic, whose finished scrobble here carries no time (the server reads a whole track
    heard just now)."""
    _public_id, password = _unnamed_listener(site, "scrobbler_four")
    song = _first_song_id(_py_sonic(site, "scrobbler_four", password))
    url = urlsplit(site.base_url)

    async def resume_and_finish() -> None:
        conn = AsyncConnection(f"http://{url.hostname}", "scrobbler_four", password, port=url.port or 80)
        try:
            assert await conn.scrobble(song, submission=False)
            assert await conn.scrobble(song, submission=True)
        finally:
            await conn.cleanup()

    with _web(site, "scrobbler_four") as web:
        _deleted_while_playing(web, _py_sonic(site, "scrobbler_four", password), song)
        asyncio.run(resume_and_finish())
        assert _history(web) == []


def test_a_new_play_of_a_track_whose_play_was_deleted_earlier_is_recorded(site: Site) -> None:
    """The window is the deleted play's length and the pairing slack: a play of the track begun after that is
    a play, "now playing" and finished."""
    _public_id, password = _unnamed_listener(site, "scrobbler_five")
    app = _py_sonic(site, "scrobbler_five", password)
    song = _first_song_id(app)
    with _web(site, "scrobbler_five") as web:
        app.scrobble(song, submission=True, listenTime=int(time.time()) - 30 * 60)  # half an hour ago
        [(play_id, _source)] = _history(web)
        assert web.delete(f"/api/me/history/plays/{play_id}").status_code == 204
        started = int(time.time())
        app.scrobble(song, submission=False)  # played again now
        assert len(_history(web)) == 1
        app.scrobble(song, submission=True, listenTime=started)
        [item] = web.get("/api/me/history", params={"limit": 50}).json()["items"]
        assert item["state"] == "ended"  # the one row, finished by its submission
