"""/v1's album types and an artist's album groups as Spotify has them (review25c M1, M2): `album_type` is one of
album, single, compilation (an EP is a single); `/v1/artists/{id}/albums` reads `include_groups`, refuses an
unknown group, sets each album's `album_group`, and lists as `appears_on` only the albums of others the artist
is known to appear on. On both databases."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import spotipy
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.catalog import AlbumArtist
from encore.db import transaction
from encore.kernel import FixedClock
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.live import serve
from tests.support.postgres import PostgresServer
from tests.web.spotify.conftest import PASSWORD, public_container
from tests.web.spotify.flows import client_token, login, register_app
from tests.web.spotify.spotipy_client import pkce_client

PUBLIC = "http://localhost"
SPOTIFY_TYPES = {"album", "single", "compilation"}


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """Mira's own album, EP and single; a compilation by Sundry Singers with one of her tracks; Otto's album
    that features her as an album artist; Otto's album she has nothing on."""
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with public_container(tmp_path, server, clock, PUBLIC) as c, TestClient(create_app(c), base_url=PUBLIC) as client:
        ids = _catalogue(c)
        login(client, "alice", PASSWORD)
        headers = {"Authorization": f"Bearer {client_token(client, register_app(client))}"}
        yield client, headers, ids


@pytest.fixture(params=["sqlite", "postgresql"])
def sp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[spotipy.Spotify, dict[str, str]]]:
    """spotipy, logged in as alice through Encore's consent, on a live server over the same catalogue."""
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with public_container(tmp_path, server, clock, PUBLIC) as c, serve(c) as live:
        ids = _catalogue(c)
        with httpx.Client(base_url=live.base_url, timeout=30) as http:
            login(http, "alice", PASSWORD)
            yield pkce_client(live, http), ids


def _catalogue(c: Container) -> dict[str, str]:
    with transaction(c.sessions) as s:
        mira, otto, various = f.artist(s, "Mira Stone"), f.artist(s, "Otto Lane"), f.artist(s, "Sundry Singers")
        made = {}
        for key, title, by, kind, year in (
            ("album", "Stone Age", mira, "album", 2020),
            ("ep", "Pebbles", mira, "ep", 2021),
            ("single", "Flint", mira, "single", 2022),
            ("compilation", "Sampler", various, "compilation", 2023),
            ("featured", "Lane Change", otto, "album", 2019),
            ("other", "Otto Alone", otto, "album", 2018),
        ):
            album = f.album(s, title, by, released=date(year, 1, 1))
            album.album_type = kind
            f.track(s, f"{title} one", album, [by])
            made[key] = album.public_id
            if key == "compilation":
                f.track(s, "Mira on the sampler", album, [mira], number=2)
            if key == "featured":
                s.add(AlbumArtist(album_id=album.id, artist_id=mira.id, position=1, role="featured"))
        made["mira"], made["otto"] = mira.public_id, otto.public_id
        return made


def _groups(client: TestClient, headers: dict[str, str], artist: str, groups: str | None) -> list[tuple[str, str]]:
    query = f"?include_groups={groups}" if groups is not None else ""
    r = client.get(f"/v1/artists/{artist}/albums{query}", headers=headers)
    assert r.status_code == 200, r.text
    return [(a["name"], a["album_group"]) for a in r.json()["items"]]


def test_an_ep_is_a_single_wherever_an_album_is_shown(api: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, headers, ids = api
    ep = ids["ep"]
    assert client.get(f"/v1/albums/{ep}", headers=headers).json()["album_type"] == "single"
    assert client.get(f"/v1/albums?ids={ep}", headers=headers).json()["albums"][0]["album_type"] == "single"
    track = client.get(f"/v1/albums/{ep}/tracks", headers=headers).json()["items"][0]["id"]
    assert client.get(f"/v1/tracks/{track}", headers=headers).json()["album"]["album_type"] == "single"
    found = client.get("/v1/search?q=Pebbles&type=album,track", headers=headers).json()
    assert [a["album_type"] for a in found["albums"]["items"]] == ["single"]
    assert {t["album"]["album_type"] for t in found["tracks"]["items"]} == {"single"}
    news = client.get("/v1/browse/new-releases?limit=50", headers=headers).json()["albums"]["items"]
    assert news and {a["album_type"] for a in news} <= SPOTIFY_TYPES
    mine = client.get(f"/v1/artists/{ids['mira']}/albums", headers=headers).json()["items"]
    assert {a["album_type"] for a in mine} <= SPOTIFY_TYPES


def test_include_groups_filters_and_names_each_album_s_group(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, headers, ids = api
    mira = ids["mira"]
    everything = [
        ("Sampler", "appears_on"),
        ("Flint", "single"),
        ("Pebbles", "single"),
        ("Stone Age", "album"),
        ("Lane Change", "appears_on"),
    ]
    assert _groups(client, headers, mira, None) == everything
    assert _groups(client, headers, mira, "album") == [("Stone Age", "album")]
    assert _groups(client, headers, mira, "single") == [("Flint", "single"), ("Pebbles", "single")]
    assert _groups(client, headers, mira, "album,single") == [
        ("Flint", "single"),
        ("Pebbles", "single"),
        ("Stone Age", "album"),
    ]
    assert _groups(client, headers, mira, "compilation") == []  # she has no compilation of her own
    assert _groups(client, headers, mira, "appears_on") == [("Sampler", "appears_on"), ("Lane Change", "appears_on")]
    assert _groups(client, headers, ids["otto"], "appears_on") == []  # known to appear on nobody's album
    assert _groups(client, headers, ids["otto"], "album") == [("Lane Change", "album"), ("Otto Alone", "album")]
    paged = client.get(f"/v1/artists/{mira}/albums?include_groups=single&limit=1", headers=headers).json()
    assert paged["total"] == 2 and "include_groups=single" in paged["next"]
    assert client.get(paged["next"], headers=headers).json()["items"][0]["name"] == "Pebbles"

    for groups in ("bogus", "album,bogus", "ep", "album;single"):  # Spotify: 400 for a group it does not have
        r = client.get(f"/v1/artists/{mira}/albums?include_groups={groups}", headers=headers)
        assert r.status_code == 400, (groups, r.text)
        assert "include_groups" in r.json()["error"]["message"]


def test_saved_tracks_and_playlist_items_carry_each_track_s_own_album(
    sp: tuple[spotipy.Spotify, dict[str, str]],
) -> None:
    """Session 25's leftover: a saved track and a playlist item showed a stand-in album (typed `album`, no
    artists, no date, no track count) where /v1/tracks shows the track's own. Now every track object is built
    with its album read (`_shapes.track_albums`): the same simplified album as /v1/tracks gives, EP as single."""
    client, ids = sp
    tracks = [client.album_tracks(ids[k])["items"][0]["id"] for k in ("ep", "single", "album", "compilation")]
    own = {t["id"]: t["album"] for t in client.tracks(tracks)["tracks"]}
    assert [own[t]["album_type"] for t in tracks] == ["single", "single", "album", "compilation"]
    assert own[tracks[0]]["artists"][0]["name"] == "Mira Stone" and own[tracks[0]]["release_date"] == "2021-01-01"

    client.current_user_saved_tracks_add(tracks)
    saved = {i["track"]["id"]: i["track"]["album"] for i in client.current_user_saved_tracks(limit=50)["items"]}
    assert saved == own
    made = client.current_user_playlist_create("Mixed lengths", public=False)
    client.playlist_add_items(made["id"], tracks)
    items = client.playlist_items(made["id"])["items"]
    assert [i["track"]["album"] for i in items] == [own[t] for t in tracks]
    assert [i["item"]["album"] for i in items] == [own[t] for t in tracks]
    whole = client.playlist(made["id"])
    assert [i["track"]["album"] for i in whole["tracks"]["items"]] == [own[t] for t in tracks]
