"""spotipy's recommendations() and artist_related_artists() against a live Encore with a trained recommender."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import spotipy
from fastapi.testclient import TestClient
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.discovery import _hot
from encore.web import create_app
from tests.discovery.world import World
from tests.discovery.world import build as build_world
from tests.support.live import LiveServer, serve
from tests.support.migrate import migrated_sqlite
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import client_token, login, register_app

pytestmark = [
    pytest.mark.xdist_group("v1-recommendations"),
    # spotipy warns that Spotify deprecated these two calls for new apps; Encore still answers them.
    pytest.mark.filterwarnings("ignore:You're using `(recommendations|artist_related_artists)"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[LiveServer, World]]:
    work: Path = tmp_path_factory.mktemp("v1rec")
    migrated_sqlite(sqlite_template, work / "e.db")  # migrate() below: nothing to do
    container = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    container.migrate()
    with transaction(container.sessions) as s:
        world = build_world(s, container.clock.now())
        create_user(s, username="dev", password=PASSWORD, display_name="Dev")
    with serve(container) as server:
        yield server, world
    container.close()


@pytest.fixture(scope="module")
def sp(live: tuple[LiveServer, World]) -> spotipy.Spotify:
    server, _ = live
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        login(http, "dev", PASSWORD)
        app = register_app(http, name="recommending app")
    auth = SpotifyClientCredentials(app.client_id, app.client_secret, cache_handler=MemoryCacheHandler())
    auth.OAUTH_TOKEN_URL = f"{server.base_url}/api/token"
    client = spotipy.Spotify(auth_manager=auth, retries=0, status_retries=0)
    client.prefix = f"{server.base_url}/v1/"
    return client


def _names(tracks: list[dict[str, object]]) -> list[object]:
    return [t["name"] for t in tracks]


def test_recommendations_from_track_artist_and_genre_seeds(sp: spotipy.Spotify, live: tuple[LiveServer, World]) -> None:
    server, w = live
    found = sp.recommendations(seed_tracks=[w.tracks["A1"]], limit=5)
    names = _names(found["tracks"])
    assert names[0] == "B1" and not {"A1", "AD", "P1"} & set(names)  # no seed, no ad, nothing Premium-only
    assert found["tracks"][0]["uri"].startswith("spotify:track:")
    seed = found["seeds"][0]
    assert seed["type"] == "TRACK" and seed["id"] == w.tracks["A1"]
    assert seed["href"] == f"{server.base_url}/v1/tracks/{w.tracks['A1']}" and seed["initialPoolSize"] >= 1
    mixed = sp.recommendations(seed_artists=[w.artists["Ada"]], seed_genres=["hip-hop"], limit=10)
    assert [s["type"] for s in mixed["seeds"]] == ["ARTIST", "GENRE"] and mixed["tracks"]
    assert len(sp.recommendations(seed_genres=["jazz"], limit=1)["tracks"]) == 1  # cold start: popular in genre


@pytest.mark.parametrize(
    "seeds",
    [
        {},
        {"seed_genres": ["hip-hop"] * 6},
        {"seed_tracks": ["A" * 22] * 100},
        {"seed_tracks": ["A" * 22]},
        {"seed_genres": ["polka"]},
        {"seed_tracks": ["AD"]},
    ],
)
def test_bad_seeds_answer_400_in_spotifys_shape(
    sp: spotipy.Spotify, live: tuple[LiveServer, World], seeds: dict[str, list[str]]
) -> None:
    _, w = live
    seeds = {k: [w.tracks.get(v, v) for v in vs] for k, vs in seeds.items()}
    with pytest.raises(spotipy.SpotifyException) as refused:
        sp.recommendations(**seeds)
    assert refused.value.http_status == 400 and "seed" in refused.value.msg


def test_related_artists(sp: spotipy.Spotify, live: tuple[LiveServer, World]) -> None:
    _, w = live
    related = sp.artist_related_artists(w.artists["Ada"])["artists"]
    assert related[0]["name"] == "Bo" and related[0]["type"] == "artist"
    with pytest.raises(spotipy.SpotifyException) as missing:
        sp.artist_related_artists("A" * 22)
    assert missing.value.http_status in (400, 404)


def _face_keys() -> list[tuple[object, ...]]:
    """Every answer or per-item JSON the /v1 recommendation routes keep, in every cache of this process."""
    keys: list[tuple[object, ...]] = []
    for kept in list(_hot._BY_CACHE.values()):
        with kept._lock:
            keys += [k for k in kept._items if isinstance(k, tuple) and k[:1] == ("face",)]
    return keys


def _recommended_reprs(container: Container) -> list[tuple[object, ...]]:
    with container.catalogue_cache.views._lock:
        return [
            k
            for k in container.catalogue_cache.views._items
            if k[:2] in (("repr", "v1/recommended"), ("repr", "v1/related"))
        ]


def test_made_up_hosts_get_the_public_address_and_add_nothing_kept(tmp_path: Path) -> None:
    """Recommendations and related artists carry absolute hrefs: kept only for the configured public address, so
    a token holder sending made-up Hosts cannot fill the bounded cache every recommendation reads (and, with the
    public address configured, their hrefs are under it whatever the Host: probe15 F7)."""
    public = "http://localhost"  # the TestClient's own address
    settings = Settings(mode="dev", data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path}/e.db")
    container = build(settings.model_copy(update={"public_base_url": public + "/"}))
    container.migrate()
    with transaction(container.sessions) as s:
        w = build_world(s, container.clock.now())
        create_user(s, username="dev", password=PASSWORD, display_name="Dev")
    try:
        with TestClient(create_app(container), base_url=public) as client:
            login(client, "dev", PASSWORD)
            token = {"Authorization": f"Bearer {client_token(client, register_app(client))}"}
            asks = [
                f"/v1/recommendations?seed_tracks={w.tracks['A1']}&limit=5",
                f"/v1/artists/{w.artists['Ada']}/related-artists",
            ]
            first = [client.get(url, headers=token) for url in asks]
            assert [r.status_code for r in first] == [200, 200]
            assert first[0].json()["tracks"][0]["href"].startswith(public + "/v1/tracks/")
            faces, reprs = _face_keys(), _recommended_reprs(container)
            assert len(faces) >= 2 and reprs  # the public address's answers and their items are kept
            for i in range(20):
                host = {**token, "Host": f"made-up-{i}.example"}
                for url in asks:
                    other = client.get(url, headers=host)
                    assert other.status_code == 200 and f"made-up-{i}.example" not in other.text  # the public one
            assert _face_keys() == faces and _recommended_reprs(container) == reprs  # nothing added, nothing evicted
            assert [client.get(url, headers=token).content for url in asks] == [r.content for r in first]
    finally:
        container.close()
