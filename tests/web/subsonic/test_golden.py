"""Golden XML and JSON for every Subsonic method (Navidrome snapshots its responses the same way).

Volatile parts are normalised: public ids become ar-1, al-2, ... in order of first appearance (a coverArt id's
artwork version becomes v1, v2, ... the same way: al-2_v1), and timestamps become TIME, but for the albums'
`created`, which the `ids` fixture sets to fixed days of 2001 (CATALOGUED) so that each album's own time shows;
getIndexes' `lastModified` (ms since the epoch, when the catalogue last changed) becomes MS.
Regenerate after an intended change with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/web/subsonic/test_golden.py -n 0`, then read the diff.
"""

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from encore import discovery
from encore.catalog import Album
from encore.db import transaction
from encore.web.subsonic._unsupported import EMPTY, REFUSED
from tests.web.subsonic.conftest import Site

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
_ID = re.compile(r"\b((?:ar|al|tr|pl)-[0-9A-Za-z]{22})(?:_([0-9a-f]{8}))?\b")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_MS = re.compile(r'(lastModified"?[:=]"?)[1-9]\d*')
CATALOGUED = datetime(2001, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)  # the first album's; one day more for each next


def _time(m: re.Match[str]) -> str:
    return m.group(0) if m.group(0).startswith("2001-") else "TIME"  # a catalogue time the fixture set is kept


def normalise(text: str) -> str:
    seen: dict[str, str] = {}
    versions: dict[str, str] = {}

    def stable(m: re.Match[str]) -> str:
        plain = seen.setdefault(m.group(1), f"{m.group(1)[:2]}-{len(seen) + 1}")
        if m.group(2) is None:
            return plain
        return f"{plain}_{versions.setdefault(m.group(2), f'v{len(versions) + 1}')}"

    return _MS.sub(r"\1MS", _TIME.sub(_time, _ID.sub(stable, text)))


def _cases(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    al, ar, tr, tr2 = ids["album"], ids["artist"], ids["track"], ids["track2"]
    return [
        ("ping", "ping", {}),
        ("getLicense", "getLicense", {}),
        ("getOpenSubsonicExtensions", "getOpenSubsonicExtensions", {}),
        ("getMusicFolders", "getMusicFolders", {}),
        ("getIndexes", "getIndexes", {}),
        ("getMusicDirectory-artist", "getMusicDirectory", {"id": ar}),
        ("getMusicDirectory-album", "getMusicDirectory", {"id": al}),
        ("getArtists", "getArtists", {}),
        ("getArtist", "getArtist", {"id": ar}),
        ("getAlbum", "getAlbum", {"id": al}),
        ("getSong", "getSong", {"id": tr}),
        ("getGenres", "getGenres", {}),
        *[
            (f"getAlbumList2-{t}", "getAlbumList2", {"type": t, "size": 0 if t == "random" else 5, **extra})
            for t, extra in (
                ("random", {}),
                ("newest", {}),
                ("highest", {}),
                ("frequent", {}),
                ("recent", {}),
                ("alphabeticalByName", {}),
                ("alphabeticalByArtist", {}),
                ("starred", {}),
                ("byYear", {"fromYear": 1900, "toYear": 2100}),
                ("byGenre", {"genre": "Jazz"}),
            )
        ],
        ("getAlbumList", "getAlbumList", {"type": "alphabeticalByName", "size": 2}),
        ("getRandomSongs", "getRandomSongs", {"size": 0}),
        ("getSongsByGenre", "getSongsByGenre", {"genre": "Folk"}),
        ("getStarred", "getStarred", {}),
        ("getStarred2", "getStarred2", {}),
        ("getNowPlaying", "getNowPlaying", {}),
        ("search2", "search2", {"query": "lights"}),
        ("search3", "search3", {"query": "lights"}),
        ("search3-empty", "search3", {"query": '""', "artistCount": 2, "albumCount": 2, "songCount": 2}),
        ("getPlaylists", "getPlaylists", {}),
        ("getPlaylist", "getPlaylist", {"id": ids["playlist"]}),
        ("getPlayQueue", "getPlayQueue", {}),
        ("getUser", "getUser", {"username": "listener"}),
        ("getArtistInfo2", "getArtistInfo2", {"id": ar}),
        ("getAlbumInfo2", "getAlbumInfo2", {"id": al}),
        ("getArtistInfo", "getArtistInfo", {"id": ar}),
        ("getAlbumInfo", "getAlbumInfo", {"id": al}),
        ("getScanStatus", "getScanStatus", {}),
        ("startScan", "startScan", {}),
        *[(m, m, {}) for m in (*EMPTY, *REFUSED)],  # what Encore has none of (web.subsonic._unsupported)
        ("getTopSongs", "getTopSongs", {"artist": "Aurora Lights", "count": 3}),
        ("getSimilarSongs2", "getSimilarSongs2", {"id": tr}),
        ("getSimilarSongs-album", "getSimilarSongs", {"id": al, "count": 3}),
        ("getLyricsBySongId", "getLyricsBySongId", {"id": tr}),  # demo track 1: generated LRC
        ("getLyricsBySongId-none", "getLyricsBySongId", {"id": tr2}),  # demo track 2: no lyrics
        ("getLyrics-missing", "getLyrics", {"artist": "Nobody", "title": "Nothing"}),
        ("tokenInfo", "tokenInfo", {}),
        ("updatePlaylist", "updatePlaylist", {"playlistId": ids["playlist"], "comment": "for the bus"}),
        ("star", "star", {"id": tr2}),
        ("unstar", "unstar", {"id": tr2}),
        ("setRating", "setRating", {"id": tr2, "rating": 3}),
        ("scrobble", "scrobble", {"id": tr2, "submission": "false"}),
        ("savePlayQueue", "savePlayQueue", {"id": tr2}),
        ("createPlaylist", "createPlaylist", {"name": "Golden", "songId": tr2}),
        ("deletePlaylist-missing", "deletePlaylist", {"id": "pl-" + "A" * 22}),
        # Binary methods: their bytes are checked by the client sessions; here, their error envelopes.
        ("stream-missing-id", "stream", {}),
        ("download-wrong-kind", "download", {"id": al}),
        ("getCoverArt-missing", "getCoverArt", {"id": "al-" + "A" * 22}),
        ("getAvatar-other-user", "getAvatar", {"username": "other"}),
        ("error-missing-credentials", "ping", {"u": "listener"}),
        ("error-conflicting-credentials", "ping", {"apiKey": "enc_x", "u": "listener"}),
        ("error-bad-api-key", "ping", {"apiKey": "enc_x"}),
    ]


@pytest.fixture(scope="module")
def ids(site: Site, http: TestClient) -> dict[str, str]:
    key = {"apiKey": site.me.api_key, "f": "json"}

    def get(method: str, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = http.get(f"/rest/{method}", params={**key, **params}).json()["subsonic-response"]
        assert body["status"] == "ok", body
        return body

    with transaction(site.container.sessions) as session:  # probe23 F6: `created` was 2000-01-01 for every album
        for n, row_id in enumerate(session.scalars(select(Album.id).order_by(Album.id))):
            at = CATALOGUED + timedelta(days=n)
            session.execute(update(Album).where(Album.id == row_id).values(created_at=at))
    album = get("getAlbumList2", type="alphabeticalByName", size=1)["albumList2"]["album"][0]
    songs = get("getAlbum", id=album["id"])["album"]["song"]
    get("star", id=songs[0]["id"], albumId=album["id"])
    get("setRating", id=album["id"], rating=5)
    get("scrobble", id=songs[0]["id"], submission="true")
    get("scrobble", id=songs[2]["id"], submission="false")  # now playing
    pid = get("createPlaylist", name="Road trip", songId=[s["id"] for s in songs[:2]])["playlist"]["id"]
    get("savePlayQueue", id=[s["id"] for s in songs], current=songs[1]["id"], position=1500)
    # Co-listening: the other listener plays the same two tracks, so they are similar.
    other = {"apiKey": site.other.api_key}
    for s in songs[:2]:
        http.get("/rest/scrobble", params={**other, "id": s["id"]})
    # Two listeners are too few for a listening pair (discovery: 5); similar lists come from the catalogue.
    with transaction(site.container.sessions) as session:
        discovery.train(session, now=site.container.clock.now())
    return {
        "album": album["id"],
        "artist": album["artistId"],
        "track": songs[0]["id"],
        "track2": songs[1]["id"],
        "playlist": pid,
    }


def test_every_method_matches_its_golden_files(site: Site, http: TestClient, ids: dict[str, str]) -> None:
    mismatched = []
    for name, method, params in _cases(ids):
        for fmt in ("xml", "json"):
            auth = {} if name.startswith("error-") else {"apiKey": site.me.api_key}
            r = http.get(f"/rest/{method}.view", params={**auth, **params, "f": fmt})
            assert r.status_code == 200, (name, r.text)
            got = normalise(r.text) + "\n"
            path = GOLDEN / f"{name}.{fmt}"
            if UPDATE:
                path.write_text(got, encoding="utf-8")
            elif not path.is_file() or path.read_text(encoding="utf-8") != got:
                mismatched.append(path.name)
    assert not mismatched, f"responses differ from golden files (UPDATE_GOLDEN=1 to regenerate): {mismatched}"


def test_every_registered_method_has_a_golden_case(ids: dict[str, str]) -> None:
    from encore.web.subsonic._context import HANDLERS

    covered = {method.lower() for _, method, _ in _cases(ids)}
    assert set(HANDLERS) <= covered, set(HANDLERS) - covered
