"""Every node answers alike after an edit on one of them: two `encore serve` nodes with two workers each,
one PostgreSQL, one Redis. Each worker caches catalogue views and search sets (catalog._cache); a label's
edit on node 0 must reach searches and pages on node 1 at once, not when a cache happens to expire."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from encore.accounts import Role, create_user
from encore.bootstrap import build
from encore.db import transaction
from encore.devices import create_device
from tests.catalog import factories as f
from tests.support.cluster import Cluster, cluster_env, settings_of, start_cluster
from tests.support.postgres import PostgresServer, database_from_template
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
PASSWORD = "cluster-pass-1"
CSRF = {"X-Encore-CSRF": "1"}


@dataclass
class World:
    cluster: Cluster
    label_id: str
    album_id: str
    track_id: str
    api_key: str


@pytest.fixture(scope="module")
def world(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    work: Path = tmp_path_factory.mktemp("cluster-catalogue")
    with database_from_template(postgres, "cluster_catalogue") as url:
        env = cluster_env(
            database_url=url, redis_url=redis_server.url, data_dir=work / "var", redis_prefix=redis_server.new_prefix()
        )
        container = build(settings_of(env))
        try:
            container.migrate()
            with transaction(container.sessions) as s:
                label = f.label(s, "Northern Records")
                band = f.artist(s, "Glass Harbour")
                album = f.album(s, "Old Title", band, on=label)
                track = f.track(s, "First Light", album, [band])
                owner = create_user(s, username="labelboss", password=PASSWORD, role=Role.LABEL)
                owner.label_id = label.id
                listener = create_user(s, username="listener", password=PASSWORD)
                secret = container.settings.secret_key.get_secret_value().encode()
                key = create_device(s, user_id=listener.id, name="phone", secret=secret, now=container.clock.now())
                ids = (label.public_id, album.public_id, track.public_id, key.api_key)
            with start_cluster(env, nodes=2, workers=2, timeout=240) as cluster:  # a loaded machine starts slowly
                yield World(cluster, *ids)
        finally:
            container.close()


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
    # Every worker has the album, the track and both searches cached before the edit.
    assert {a["album"]["title"] for a in _everywhere(world, f"/api/albums/{world.album_id}")} == {"Old Title"}
    assert {t["album"]["title"] for t in _everywhere(world, f"/api/tracks/{world.track_id}")} == {"Old Title"}
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
    assert {t["album"]["title"] for t in _everywhere(world, f"/api/tracks/{world.track_id}")} == {"Zephyr Nocturne"}
    found = _everywhere(world, "/api/search", q="zephyr noc")
    assert {r["albums"]["total"] for r in found} == {1} and {r["tracks"]["total"] for r in found} == {1}
    assert {r["albums"]["total"] for r in _everywhere(world, "/api/search", q="old tit")} == {0}
    sub = _everywhere(world, "/rest/search3", query="zephyr", apiKey=world.api_key, f="json")
    assert {tuple(a["name"] for a in r["subsonic-response"]["searchResult3"]["album"]) for r in sub} == {
        ("Zephyr Nocturne",)
    }
