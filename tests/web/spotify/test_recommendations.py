"""spotipy's recommendations() and artist_related_artists() against a live Encore with a trained recommender."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from tests.discovery.world import World
from tests.discovery.world import build as build_world
from tests.support.live import LiveServer, serve
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import login, register_app

pytestmark = [
    pytest.mark.xdist_group("v1-recommendations"),
    # spotipy warns that Spotify deprecated these two calls for new apps; Encore still answers them.
    pytest.mark.filterwarnings("ignore:You're using `(recommendations|artist_related_artists)"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    work: Path = tmp_path_factory.mktemp("v1rec")
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
    assert found["tracks"][0]["uri"].startswith("encore:track:")
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
