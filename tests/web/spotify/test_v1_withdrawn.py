"""spotipy sees a track whose release its label withdrew as Spotify shows an unavailable one: still in the
playlist, the saved tracks and recently played, `is_playable: false` (with a market or without: Encore has one),
while the track itself answers 404; published again, it is playable again (probe19 F2). On both databases."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import spotipy
from sqlalchemy import select

from encore import catalog
from encore.accounts import User, create_user
from encore.bootstrap import build
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.history import PlayReport, report_play
from tests.support.live import LiveServer, _dev_settings, seeded_database, serve
from tests.support.postgres import PostgresServer
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import login
from tests.web.spotify.spotipy_client import pkce_client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("v1-withdrawn")
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    with seeded_database(work, server) as url:
        container = build(_dev_settings(work).model_copy(update={"database_url": url}))
        container.migrate()
        with transaction(container.sessions) as s:
            create_user(s, username="alice", password=PASSWORD)
        try:
            with serve(container) as live:
                yield live
        finally:
            container.close()


def _release(live: LiveServer, track_id: str, status: ReleaseStatus) -> None:
    with transaction(live.container.sessions) as s:
        album = s.scalars(select(Album).join(Track, Track.album_id == Album.id).where(Track.public_id == track_id))
        catalog.set_release_status(s, album=album.one(), status=status)


def _played(live: LiveServer, track_id: str) -> None:
    """Alice heard the track through to its end a minute ago."""
    c = live.container
    now = c.clock.now()
    with transaction(c.sessions) as s:
        alice = s.scalars(select(User.id).where(User.username == "alice")).one()
        track = s.scalars(select(Track).where(Track.public_id == track_id)).one()
        report = PlayReport(
            client_play_id="play-gone",
            track_id=track.id,
            track_duration_ms=track.duration_ms,
            started_at=now - timedelta(minutes=1),
            ms_played=track.duration_ms,
            state="ended",
        )
        report_play(s, user_id=alice, now=now, report=report)


def _playable(items: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    return [(i["track"]["id"], i["track"]["is_playable"]) for i in items]


def test_withdrawn_tracks_are_listed_not_playable_and_playable_again_once_published(live_db: LiveServer) -> None:
    with live_db.container.sessions() as s:
        rows = s.execute(select(Track.public_id, Track.album_id).order_by(Track.id)).all()
    gone = rows[0][0]
    kept = next(public_id for public_id, album in rows if album != rows[0][1])
    with httpx.Client(base_url=live_db.base_url, timeout=30) as http:
        login(http, "alice", PASSWORD)
        sp = pkce_client(live_db, http)
        sp.current_user_saved_tracks_add([kept])
        sp.current_user_saved_tracks_add([gone])  # saved last: listed first
        playlist = sp.current_user_playlist_create("Evening", public=False)["id"]
        sp.playlist_add_items(playlist, [kept, gone])

        _played(live_db, gone)
        _release(live_db, gone, ReleaseStatus.WITHDRAWN)
        try:
            played = sp.current_user_recently_played()["items"]  # the record keeps it, marked
            assert [(p["track"]["id"], p["track"]["is_playable"]) for p in played] == [(gone, False)]
            unavailable = [(kept, True), (gone, False)]
            assert _playable(sp.playlist_items(playlist)["items"]) == unavailable
            assert _playable(sp.playlist_items(playlist, market="US")["items"]) == unavailable
            assert _playable(sp.playlist(playlist)["tracks"]["items"]) == unavailable
            assert _playable(sp.current_user_saved_tracks()["items"]) == [(gone, False), (kept, True)]
            assert _playable(sp.current_user_saved_tracks(market="SE")["items"]) == [(gone, False), (kept, True)]
            with pytest.raises(spotipy.SpotifyException) as missing:
                sp.track(gone)
            assert missing.value.http_status == 404
        finally:
            _release(live_db, gone, ReleaseStatus.PUBLISHED)

        assert _playable(sp.playlist_items(playlist)["items"]) == [(kept, True), (gone, True)]
        assert _playable(sp.current_user_saved_tracks()["items"]) == [(gone, True), (kept, True)]
        assert sp.track(gone)["is_playable"] is True
