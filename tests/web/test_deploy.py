"""docs/deploy.md's recipe, run for real: two `encore serve` nodes sharing PostgreSQL, Redis and the media
directory, behind Debian's nginx running the config `encore nginx-config` generates (load balancing, and
the audio edge that serves Premium listeners' files itself). One node dies; the service goes on."""

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from encore import billing
from encore.accounts import create_user
from encore.bootstrap import build
from encore.catalog import Track
from encore.db import transaction
from encore.streaming import edge_secret, render_nginx_config
from tests.support.cluster import SECRET, Cluster, cluster_env, settings_of, start_cluster
from tests.support.live import free_port, seed_small_catalogue
from tests.support.nginx import nginx_user, run_nginx
from tests.support.postgres import PostgresServer, database_from_template
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
PASSWORD = "deploy-pass-1"
CSRF = {"X-Encore-CSRF": "1"}


@dataclass
class Site:
    front: str  # nginx: what listeners and apps open
    cluster: Cluster
    track: str
    media: Path


@pytest.fixture(scope="module")
def site(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    work: Path = tmp_path_factory.mktemp("deploy")
    front_port = free_port()
    with database_from_template(postgres, "deploy") as url:
        env = cluster_env(
            database_url=url,
            redis_url=redis_server.url,
            data_dir=work / "var",
            redis_prefix=redis_server.new_prefix(),
            streaming_mode="edge",
            edge_base_url=f"http://127.0.0.1:{front_port}",
            public_base_url=f"http://127.0.0.1:{front_port}",
        )
        container = build(settings_of(env))
        try:
            seed_small_catalogue(container, work, tracks=1, albums=1)
            now = container.clock.now()
            with transaction(container.sessions) as s:
                fan = create_user(s, username="fan", password=PASSWORD)
                create_user(s, username="free", password=PASSWORD)
                s.flush()
                billing.grant_premium(s, user_public_id=fan.public_id, plan="premium", days=30, now=now)
                track = s.scalars(select(Track.public_id)).one()
            media = container.store.root
        finally:
            container.close()
        with start_cluster(env, nodes=2, workers=1) as cluster:
            config = render_nginx_config(
                listen=f"127.0.0.1:{front_port}",
                media_root=media,
                edge_secret=edge_secret(SECRET),
                upstream=[n.base_url.removeprefix("http://") for n in cluster.nodes],
                user=nginx_user(),
                worker_processes=1,
            )
            nginx_root = work / "nginx"
            nginx_root.mkdir()
            with run_nginx(config, nginx_root, probe="/healthz"):
                yield Site(f"http://127.0.0.1:{front_port}", cluster, track, media)


def _listen(site: Site, username: str) -> tuple[httpx.Client, str]:
    http = httpx.Client(base_url=site.front, timeout=30)
    token = http.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    issued = http.post(f"/api/tracks/{site.track}/stream", json={}, headers=CSRF)
    assert issued.status_code == 200, issued.text
    return http, issued.json()["url"]


def test_the_front_answers_through_the_nodes(site: Site) -> None:
    r = httpx.get(f"{site.front}/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_premium_audio_comes_from_the_edge_and_free_audio_from_encore(site: Site) -> None:
    fan, url = _listen(site, "fan")
    assert url.startswith(f"{site.front}/edge/")  # nginx checks the signature and serves the file itself
    part = httpx.get(url, headers={"Range": "bytes=0-65535"})
    assert part.status_code == 206 and len(part.content) == 65536 and part.content[:4] == b"OggS"
    free, path = _listen(site, "free")
    assert path.startswith("/stream/")  # counted by Encore's own byte path, through the balancer
    counted = free.get(path, headers={"Range": "bytes=0-65535"})
    assert counted.status_code == 206 and counted.content == part.content
    fan.close()
    free.close()


def test_a_node_dies_and_the_service_goes_on(site: Site) -> None:
    victim = site.cluster.nodes[0]
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(10)
    for _ in range(6):  # whichever node nginx would have picked, the answer comes from the living one
        http, url = _listen(site, "free")
        assert http.get(url, headers={"Range": "bytes=0-1023"}).status_code == 206
        http.close()
