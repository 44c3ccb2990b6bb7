"""CORS on the token faces only (/rest, /v1, /1, the OAuth token endpoints), never on the cookie session's /api
or /admin; `Cache-Control: no-store` on answers with someone's data, while artwork and audio keep their policy."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import create_device
from encore.web import create_app
from encore.web._face_headers import is_cors_path, is_private_path
from tests.support.live import seeded_container
from tests.web.conftest import PASSWORD, login
from tests.web.spotify.flows import register_app, user_token

ORIGIN = "https://feishin.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    c: Container = seeded_container(tmp_path_factory.mktemp("faces"))
    with transaction(c.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        secret = c.settings.secret_key.get_secret_value().encode()
        device = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now())
        listen_token = regenerate_listen_token(s, user_id=user.id, now=c.clock.now())
    with TestClient(create_app(c), base_url="http://localhost") as http:  # OAuth asks https or localhost
        login(http, "listener")
        bearer = user_token(http, register_app(http))["access_token"]
        yield http, {"api_key": device.api_key, "listen": listen_token, "bearer": bearer}
    c.close()


def _preflight(http: TestClient, path: str, method: str = "GET", headers: str = "authorization") -> object:
    return http.options(
        path,
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def test_which_paths_are_which() -> None:
    for path in ("/rest/ping", "/rest/ping.view", "/rest", "/v1/me", "/v1", "/1/submit-listens", "/api/token"):
        assert is_cors_path(path), path
    for path in ("/api/me", "/api/auth/login", "/api/tokens", "/admin", "/admin/users", "/", "/stream/x", "/static/a"):
        assert not is_cors_path(path), path
    for path in ("/restaurant", "/v12/x", "/10/x", "/api/token/revoke/x", "/1"):
        assert not is_cors_path(path), path  # a prefix is a whole segment
    for path in ("/art/k/300.jpg", "/static/app.js", "/stream/abc", "/", "/library"):
        assert not is_private_path(path), path


def test_preflights_on_the_token_faces(site: tuple[TestClient, dict[str, str]]) -> None:
    http, _ = site
    for path, method in (
        ("/rest/ping.view", "GET"),
        ("/rest/savePlayQueue", "POST"),
        ("/v1/me", "GET"),
        ("/v1/me/tracks", "PUT"),
        ("/v1/playlists/abc/tracks", "DELETE"),
        ("/1/submit-listens", "POST"),
        ("/1/user/listener/listen-count", "GET"),
        ("/api/token", "POST"),
    ):
        r = _preflight(http, path, method, "authorization, content-type")
        assert r.status_code == 204, (path, r.status_code)  # type: ignore[attr-defined]
        h = r.headers  # type: ignore[attr-defined]
        assert h["access-control-allow-origin"] == "*", path
        assert method in h["access-control-allow-methods"], path
        allowed = {x.strip().lower() for x in h["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type"} <= allowed, path
        assert "access-control-allow-credentials" not in h, path  # never with cookies
        assert int(h["access-control-max-age"]) > 0


def test_no_cors_on_the_cookie_session(site: tuple[TestClient, dict[str, str]]) -> None:
    http, _ = site
    for path in ("/api/me", "/api/auth/login", "/api/me/listen-token", "/admin", "/api/admin/users"):
        r = _preflight(http, path, "POST")
        assert "access-control-allow-origin" not in r.headers, path  # type: ignore[attr-defined]
        assert r.status_code != 204, path  # type: ignore[attr-defined]
        got = http.get(path, headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in got.headers, path


def test_actual_requests_carry_cors(site: tuple[TestClient, dict[str, str]]) -> None:
    http, keys = site
    o = {"Origin": ORIGIN}
    answers = [
        http.get("/rest/ping", params={"apiKey": keys["api_key"], "f": "json"}, headers=o),  # the raw GET path
        http.post("/rest/ping", data={"apiKey": keys["api_key"], "f": "json"}, headers=o),  # FastAPI's route
        http.get("/rest/ping", params={"f": "json"}, headers=o),  # an error is readable too
        http.get("/v1/me", headers={**o, "Authorization": f"Bearer {keys['bearer']}"}),
        http.get("/v1/me", headers=o),  # 401
        http.get("/1/validate-token", headers={**o, "Authorization": f"Token {keys['listen']}"}),
        http.post("/api/token", data={"grant_type": "client_credentials"}, headers=o),  # 400/401, still readable
    ]
    for r in answers:
        assert r.headers["access-control-allow-origin"] == "*", r.url
        assert "retry-after" in r.headers["access-control-expose-headers"].lower()
        assert "access-control-allow-credentials" not in r.headers
    assert answers[0].json()["subsonic-response"]["status"] == "ok"
    assert answers[3].status_code == 200 and answers[3].json()["id"]
    assert answers[5].json()["valid"] is True


def test_users_data_is_not_stored_by_caches(site: tuple[TestClient, dict[str, str]]) -> None:
    http, keys = site
    for r in (
        http.get("/api/me"),  # the logged-in client's cookie
        http.get("/api/me/likes/tracks"),
        http.get("/api/browse/new-releases"),
        http.get("/api/nowhere"),
        http.get("/v1/me", headers={"Authorization": f"Bearer {keys['bearer']}"}),
        http.get("/v1/me/player/recently-played", headers={"Authorization": f"Bearer {keys['bearer']}"}),
        http.get("/1/user/listener/listens", headers={"Authorization": f"Token {keys['listen']}"}),
        http.get("/rest/getStarred2", params={"apiKey": keys["api_key"], "f": "json"}),
    ):
        assert r.headers["cache-control"] == "no-store", (r.url, r.status_code)


def test_artwork_audio_and_static_files_keep_their_caching(site: tuple[TestClient, dict[str, str]]) -> None:
    http, keys = site
    key = {"apiKey": keys["api_key"], "f": "json"}
    album = http.get("/rest/getAlbumList2", params={**key, "type": "newest", "size": 1}).json()
    album_id = album["subsonic-response"]["albumList2"]["album"][0]["id"]
    art = http.get("/rest/getCoverArt", params={**key, "id": album_id})
    assert art.status_code == 200 and art.headers["cache-control"] == "public, max-age=3600"  # a cover may change
    song = http.get("/rest/getAlbum", params={**key, "id": album_id}).json()["subsonic-response"]["album"]["song"][0]
    with http.stream("GET", "/rest/stream", params={**key, "id": song["id"], "format": "raw"}) as audio:
        assert audio.status_code == 200 and audio.headers["cache-control"] == "private"
    static = http.get("/static/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
    shell = http.get("/")
    assert shell.headers["cache-control"] == "no-cache"
    images = http.get(f"/api/albums/{album_id[3:]}").json()["album"]["images"]  # the player's artwork
    art = http.get(next(iter(images.values())))
    assert art.status_code == 200 and art.headers["cache-control"] == "public, max-age=86400"  # a takedown: a day
