"""A release its label withdraws leaves what py-sonic is given to play: a Subsonic client plays every entry it
gets (OpenSubsonic has no "unavailable" flag), so a playlist, the starred lists (songs and the album) and the
saved play queue leave it out, with counts that match; an index a client sends back counts what it was shown.
Published again, it comes back (probe19 F2). On both databases (the module's `site`)."""

from typing import Any
from urllib.parse import urlsplit

import libsonic
import pytest
from sqlalchemy import select

from encore import catalog
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.web.subsonic._ids import TRACK, public
from tests.web.subsonic.conftest import Site


def _release(site: Site, song_id: str, status: ReleaseStatus) -> None:
    with transaction(site.container.sessions) as s:
        track = public(song_id, TRACK)
        album = s.scalars(select(Album).join(Track, Track.album_id == Album.id).where(Track.public_id == track))
        catalog.set_release_status(s, album=album.one(), status=status)


def _ids(entries: list[dict[str, Any]] | None) -> list[str]:
    return [e["id"] for e in entries or []]


def _playlist(conn: libsonic.Connection, pid: str) -> dict[str, Any]:
    found: dict[str, Any] = conn.getPlaylist(pid)["playlist"]
    listed = next(p for p in conn.getPlaylists()["playlists"]["playlist"] if p["id"] == pid)
    assert (listed["songCount"], listed["duration"]) == (found["songCount"], found["duration"])
    assert found["songCount"] == len(found.get("entry", []))
    songs = [e["duration"] for e in found.get("entry", [])]  # each in whole seconds, rounded down
    assert sum(songs) <= found["duration"] <= sum(songs) + len(songs)
    return found


def test_a_withdrawn_release_leaves_playlists_starred_and_the_queue(site: Site) -> None:
    url = urlsplit(site.base_url)
    conn = libsonic.Connection(
        f"http://{url.hostname}", "listener", site.me.app_password, port=url.port or 80, appName="py-sonic-test"
    )
    albums = conn.getAlbumList2("alphabeticalByName", size=10)["albumList2"]["album"]
    a = conn.getAlbum(albums[0]["id"])["album"]["song"]
    b = conn.getAlbum(albums[1]["id"])["album"]["song"]
    a0, a1, b0, b1 = a[0]["id"], a[1]["id"], b[0]["id"], b[1]["id"]
    pid = conn.createPlaylist(name="Evening", songIds=[a0, b0, a1, b1])["playlist"]["id"]
    conn.star(sids=[a0, b0], albumIds=[albums[0]["id"], albums[1]["id"]])
    conn.savePlayQueue([a0, b0, a1], current=b0, position=5000)
    before = _playlist(conn, pid)
    assert _ids(before["entry"]) == [a0, b0, a1, b1]

    _release(site, b0, ReleaseStatus.WITHDRAWN)
    try:
        shown = _playlist(conn, pid)
        assert _ids(shown["entry"]) == [a0, a1] and shown["duration"] < before["duration"]
        assert _ids(conn.getStarred2()["starred2"].get("song")) == [a0]
        assert _ids(conn.getStarred2()["starred2"].get("album")) == [albums[0]["id"]]
        assert _ids(conn.getStarred()["starred"].get("song")) == [a0]
        queue = conn.getPlayQueue()["playQueue"]
        assert _ids(queue["entry"]) == [a0, a1]
        assert "current" not in queue and queue["position"] == 0  # the track it was on is gone
        # "remove the 2nd song" as the client was shown it: a1, not the hidden b0 stored before it
        conn.updatePlaylist(pid, songIndexesToRemove=[1])
        assert _ids(_playlist(conn, pid)["entry"]) == [a0]
        with pytest.raises(libsonic.errors.SonicError, match="outside"):
            conn.updatePlaylist(pid, songIndexesToRemove=[1])  # outside what was shown
        with pytest.raises(libsonic.errors.DataNotFoundError):
            conn.stream(b0)
    finally:
        _release(site, b0, ReleaseStatus.PUBLISHED)

    assert _ids(_playlist(conn, pid)["entry"]) == [a0, b0, b1]
    assert sorted(_ids(conn.getStarred2()["starred2"].get("song"))) == sorted([a0, b0])
    assert sorted(_ids(conn.getStarred2()["starred2"].get("album"))) == sorted(a["id"] for a in albums[:2])
    assert conn.getPlayQueue()["playQueue"]["current"] == b0
    conn.deletePlaylist(pid)
    conn.unstar(sids=[a0, b0], albumIds=[albums[0]["id"], albums[1]["id"]])
