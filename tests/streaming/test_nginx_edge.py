"""Edge mode: Debian's nginx runs the generated config and checks Encore's signed URLs itself."""

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from encore.kernel import new_public_id
from encore.streaming import edge_secret, render_nginx_config, sign_edge_url
from tests.conftest import IN_CI
from tests.support.live import free_port
from tests.support.nginx import NGINX, nginx_user, run_nginx

SECRET = edge_secret("e" * 40)
DATA = os.urandom(200_000)
HASH = hashlib.sha256(DATA).hexdigest()
MEDIA_PATH = f"audio/{HASH[:2]}/{HASH}.vorbis160.ogg"
USER = "UserUserUserUserUser01"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail("nginx is required in CI")
        pytest.skip("nginx is not installed: edge-mode test SKIPPED (make test installs it as root)")
    root = tmp_path_factory.mktemp("edge")
    media = root / "media"
    (media / MEDIA_PATH).parent.mkdir(parents=True)
    (media / MEDIA_PATH).write_bytes(DATA)
    port = free_port()
    config = render_nginx_config(
        listen=f"127.0.0.1:{port}",
        media_root=media,
        edge_secret=SECRET,
        upstream=None,
        user=nginx_user(),
        worker_processes=1,
    )
    with run_nginx(config, root):
        yield f"http://127.0.0.1:{port}"


def _path(expires: int, user: str = USER) -> str:
    return sign_edge_url(secret=SECRET, user=user, media_path=MEDIA_PATH, expires=expires).path


def test_valid_url_plays_whole_and_by_range(edge: str) -> None:
    url = edge + _path(int(time.time()) + 600)
    whole = httpx.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["content-type"] == "audio/ogg"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["cache-control"].startswith("private")
    part = httpx.get(url, headers={"Range": "bytes=100-65635"})
    assert part.status_code == 206 and part.content == DATA[100:65636]
    assert part.headers["content-range"] == f"bytes 100-65635/{len(DATA)}"
    assert httpx.get(url, headers={"Range": f"bytes={len(DATA)}-"}).status_code == 416


def test_expired_url_is_refused(edge: str) -> None:
    assert httpx.get(edge + _path(int(time.time()) - 5)).status_code == 403


def test_tampered_urls_are_refused(edge: str) -> None:
    good = _path(int(time.time()) + 600)
    other_user = good.replace(USER, new_public_id())
    longer = good.rsplit("&expires=", 1)[0] + f"&expires={int(time.time()) + 99999}"
    no_sig = good.split("?")[0]
    for path in (other_user, longer, no_sig):
        assert httpx.get(edge + path).status_code == 403, path


def test_paths_outside_the_pattern_are_refused(edge: str) -> None:
    for path in ("/edge/../../etc/passwd", f"/edge/{USER}/../../etc/passwd", f"/edge/{USER}/audio/../x"):
        assert httpx.get(edge + path).status_code in (400, 403, 404)


def test_nothing_but_edge_urls_is_served(edge: str) -> None:
    """Without an upstream, the prefix (config, logs) and the media root are not browsable."""
    for path in ("/nginx.conf", "/error.log", "/media/" + MEDIA_PATH, "/" + MEDIA_PATH, "/"):
        assert httpx.get(edge + path).status_code == 404, path


def test_the_url_encore_issues_for_embedded_mode_is_not_an_edge_url(edge: str) -> None:
    good = _path(int(time.time()) + 600)
    uri, query = good.split("?")
    assert httpx.get(edge + uri.replace("/edge/", "/stream/") + "?" + query).status_code == 404
