"""Many workers and machines: two real `encore serve` nodes with two uvicorn workers each, sharing one
PostgreSQL, one Redis and one media directory. Limits hold across all four processes, every node answers alike
after an edit on one of them, and a killed worker is replaced while the node keeps serving."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from encore.accounts import Role, create_user
from encore.bootstrap import Container, build
from encore.catalog import Track
from encore.db import transaction
from encore.devices import create_device
from encore.oauth import OAuthApp, register_app
from tests.catalog import factories as f
from tests.support.cluster import Cluster, cluster_env, settings_of, start_cluster
from tests.support.live import seeded_database
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
PASSWORD = "cluster-pass-1"
CSRF = {"X-Encore-CSRF": "1"}
REDIRECT = "http://127.0.0.1:8765/callback"


@dataclass
class World:
    cluster: Cluster
    container: Container
    client_id: str
    client_secret: str
    track_id: str
    api_key: str
    label_id: str  # a label's release of its own beside the run's catalogue: its album and track
    album_id: str
    label_track_id: str


@pytest.fixture(scope="module")
def world(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    work: Path = tmp_path_factory.mktemp("cluster")
    # A copy of the run's catalogue, seeded on PostgreSQL once (test_cluster_ad_clock, in this worker too, takes
    # the same one): a track with its stored files and no ingest of its own.
    with seeded_database(work, postgres) as url:
        env = cluster_env(
            database_url=url,
            redis_url=redis_server.url,
            data_dir=work / "var",
            redis_prefix=redis_server.new_prefix(),
            max_transcodes="1",
            free_pace_x="0",  # the listener is free: its audio at full speed, these tests are about limits
        )
        container = build(settings_of(env))
        try:
            with transaction(container.sessions) as s:
                owner = create_user(s, username="dev", password=PASSWORD)
                listener = create_user(s, username="listener", password=PASSWORD)
                secret = container.settings.secret_key.get_secret_value().encode()
                device = create_device(s, user_id=listener.id, name="phone", secret=secret, now=container.clock.now())
                made = register_app(
                    s, owner_id=owner.id, name="Rate test", redirect_uris=[REDIRECT], now=container.clock.now()
                )
                s.execute(update(OAuthApp).where(OAuthApp.client_id == made.app.client_id).values(rate_limit=6))
                track = s.scalars(select(Track.public_id).order_by(Track.id).limit(1)).one()
                # A label's album for the edit seen by every node (no word of it in the run's catalogue)
                label = f.label(s, "Northern Records")
                band = f.artist(s, "Glass Harbour")
                album = f.album(s, "Old Title", band, on=label)
                label_track = f.track(s, "First Light", album, [band])
                boss = create_user(s, username="labelboss", password=PASSWORD, role=Role.LABEL)
                boss.label_id = label.id
                edit = (label.public_id, album.public_id, label_track.public_id)
            with start_cluster(env, nodes=2, workers=2) as cluster:
                yield World(cluster, container, made.app.client_id, made.client_secret, track, device.api_key, *edit)
        finally:
            container.close()


def test_every_node_is_ready_with_its_workers(world: World) -> None:
    for node in world.cluster.nodes:
        assert len(node.worker_pids()) == 2
        r = httpx.get(f"{node.base_url}/readyz")
        assert r.status_code == 200 and r.json()["checks"] == {"database": "ok", "state": "ok"}
        assert httpx.get(f"{node.base_url}/healthz").json() == {"status": "ok"}


def test_an_apps_rate_limit_holds_across_nodes_and_workers(world: World) -> None:
    """Six requests per window for the app, whichever of four processes answers: four processes with their
    own windows would have let 24 through."""
    http = world.cluster.alternating()
    token = http.post(
        "/api/token", data={"grant_type": "client_credentials"}, auth=(world.client_id, world.client_secret)
    ).json()["access_token"]
    codes = [
        http.get("/v1/browse/new-releases", headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(16)
    ]
    assert codes.count(200) == 6 and codes[:6] == [200] * 6
    assert set(codes[6:]) == {429}


def test_the_transcode_cap_holds_across_nodes(world: World) -> None:
    """max_transcodes=1 for the whole deployment: while a transcode runs anywhere (here the slot is taken
    by a third process on the same Redis), both nodes tell apps to retry; then both transcode again."""
    params = {"apiKey": world.api_key, "v": "1.16.1", "c": "test", "id": f"tr-{world.track_id}", "f": "json"}
    mp3 = {**params, "format": "mp3", "maxBitRate": "128"}
    held = world.container.transcodes.try_acquire()
    assert held is not None
    try:
        for index in (0, 1, 0, 1):
            r = world.cluster.client(index).get("/rest/stream", params=mp3)
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert world.cluster.client(1).get("/rest/stream", params=params).status_code == 200  # stored file: no slot
    finally:
        held.release()
    for index in (0, 1):
        r = world.cluster.client(index).get("/rest/stream", params=mp3)
        assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg" and len(r.content) > 10_000


def _everywhere(world: World, path: str, **params: Any) -> list[Any]:
    """The same GET on every node, several times (so each of its workers answers at least once)."""
    out = []
    for node in world.cluster.nodes:
        for _ in range(6):
            r = httpx.get(node.base_url + path, params=params, timeout=30)
            assert r.status_code == 200, r.text
            out.append(r.json())
    return out


def test_a_label_edit_on_one_node_is_what_every_node_answers(world: World) -> None:
    """Each worker caches catalogue views and search sets (catalog._cache); a label's edit on node 0 must reach
    searches and pages on node 1 at once, not when a cache happens to expire. (Before the killed worker below:
    every worker here has served since its start.)"""
    # Every worker has the album, the track and both searches cached before the edit.
    assert {a["album"]["title"] for a in _everywhere(world, f"/api/albums/{world.album_id}")} == {"Old Title"}
    assert {t["album"]["title"] for t in _everywhere(world, f"/api/tracks/{world.label_track_id}")} == {"Old Title"}
    assert {r["albums"]["total"] for r in _everywhere(world, "/api/search", q="old tit")} == {1}
    assert {r["albums"]["total"] for r in _everywhere(world, "/api/search", q="zephyr")} == {0}

    node0 = world.cluster.client(0)
    assert node0.post("/api/auth/login", json={"username": "labelboss", "password": PASSWORD}).status_code == 200
    edited = node0.patch(
        f"/api/label/{world.label_id}/albums/{world.album_id}", json={"title": "Zephyr Nocturne"}, headers=CSRF
    )
    assert edited.status_code == 200, edited.text

    # At once, on every node and worker: pages, the track's own JSON, and search on every face.
    assert {a["album"]["title"] for a in _everywhere(world, f"/api/albums/{world.album_id}")} == {"Zephyr Nocturne"}
    assert {t["album"]["title"] for t in _everywhere(world, f"/api/tracks/{world.label_track_id}")} == {
        "Zephyr Nocturne"
    }
    found = _everywhere(world, "/api/search", q="zephyr noc")
    assert {r["albums"]["total"] for r in found} == {1} and {r["tracks"]["total"] for r in found} == {1}
    assert {r["albums"]["total"] for r in _everywhere(world, "/api/search", q="old tit")} == {0}
    sub = _everywhere(world, "/rest/search3", query="zephyr", apiKey=world.api_key, f="json")
    assert {tuple(a["name"] for a in r["subsonic-response"]["searchResult3"]["album"]) for r in sub} == {
        ("Zephyr Nocturne",)
    }


def test_a_killed_worker_is_replaced_and_the_node_keeps_serving(world: World) -> None:
    node = world.cluster.nodes[1]
    before = node.worker_pids()
    killed = node.kill_worker(0)
    with httpx.Client(base_url=node.base_url, timeout=30) as http:
        for _ in range(20):  # the surviving worker answers meanwhile
            assert http.get("/healthz").status_code == 200
    after = node.wait_workers()
    assert killed not in after and len(after) == 2 and set(before) - {killed} <= set(after)
