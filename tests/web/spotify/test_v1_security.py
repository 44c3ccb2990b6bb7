"""Scopes on every /v1 endpoint (from the route table), one user's token against another's data, bad input."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from encore.accounts import User, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.oauth import SCOPES
from encore.web import create_app
from encore.web.spotify import v1_routes
from encore.web.spotify._edge import route_scopes
from tests.web.spotify.flows import App, client_token, login, register_app, user_token

PASSWORD = "listener-pass-1"
SOME_ID = "0" * 22


def _collect() -> list[tuple[str, str, list[str]]]:
    """Every /v1 operation and the scope alternatives it enforces, read from the face's own route table."""
    found = []
    for route in v1_routes():
        scopes = route_scopes(route)
        assert scopes is not None, f"{route.path} takes no token"
        found.extend((method, route.path, scopes) for method in sorted(route.methods))
    return found


ROUTES = _collect()
SCOPED = [r for r in ROUTES if r[2]]


def _id(route: tuple[str, str, list[str]]) -> str:
    return f"{route[0]} {route[1]}"


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, Container]]:
    c = build(settings)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        create_user(s, username="bob", password=PASSWORD)
    with TestClient(create_app(c), base_url="http://localhost") as client:
        yield client, c
    c.close()


@pytest.fixture(scope="module")
def refusing(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per backend (with alice's account) for requests that are refused: no token, a bad one, or alice's
    token with a bad parameter. Each is refused before a route reads or writes anything (a case that got further
    would fail its 401 or 400), so no case sees another's effect."""
    data_dir = tmp_path_factory.mktemp("v1-refusing") / "var"
    c = build(Settings(mode="dev", data_dir=data_dir, database_url=module_database_url))
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
    try:
        with TestClient(create_app(c), base_url="http://localhost") as client:
            yield client
    finally:
        c.close()


@pytest.fixture(scope="module")
def scoping(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, App]]:
    """For the scope cases, one app per backend on the module's database, with carol signed in and one app of
    hers: each case gets its own two tokens through the whole consent flow. The scope is checked before a route
    reads or writes anything (a case that got further would fail its 403), and the all-scopes call asks only that
    the answer is not 403, which nothing another case wrote can make it (carol's rows, never alice's): no case
    depends on another's effect. A fresh database, two accounts, a sign-in and an app per case cost more than the
    case itself, 90 times a run."""
    data_dir = tmp_path_factory.mktemp("v1-scoping") / "var"
    c = build(Settings(mode="dev", data_dir=data_dir, database_url=module_database_url))
    with transaction(c.sessions) as s:
        create_user(s, username="carol", password=PASSWORD)
    try:
        with TestClient(create_app(c), base_url="http://localhost") as client:
            login(client, "carol", PASSWORD)
            yield client, register_app(client)
    finally:
        c.close()


@pytest.fixture(scope="module")
def alice_refused(refusing: TestClient) -> dict[str, str]:
    """Alice's bearer header on the refusing app (her account, an app and a token of every scope), for the bad
    inputs: each GET is refused with 400 before a route reads or writes."""
    token = _as(refusing, "alice")[1]["access_token"]
    refusing.cookies.clear()  # the token alone: the other cases send no session either
    return _b(token)


def _as(client: TestClient, username: str) -> tuple[App, dict[str, str]]:
    client.cookies.clear()
    login(client, username, PASSWORD)
    app = register_app(client, name=f"{username}'s app")
    return app, user_token(client, app)


def _call(client: TestClient, method: str, path: str, token: str) -> int:
    url = re.sub(r"\{[a-z_]+\}", SOME_ID, path)
    return client.request(method, url, headers={"Authorization": f"Bearer {token}"}, json={}).status_code


def test_the_route_table_is_covered() -> None:
    assert len(ROUTES) >= 25 and len(SCOPED) >= 12
    needed = {s for _, _, alternatives in SCOPED for a in alternatives for s in a.split()}
    assert needed >= set(SCOPES) - {"user-read-private", "user-read-email", "user-read-playback-state"}


@pytest.mark.parametrize("route", SCOPED, ids=_id)
def test_every_scoped_endpoint_refuses_a_token_missing_its_scope(
    scoping: tuple[TestClient, App], route: tuple[str, str, list[str]]
) -> None:
    client, app = scoping
    method, path, alternatives = route
    lacking = {s for a in alternatives for s in a.split()}
    without = user_token(client, app, scope=" ".join(s for s in SCOPES if s not in lacking))["access_token"]
    r = client.request(
        method, re.sub(r"\{[a-z_]+\}", SOME_ID, path), headers={"Authorization": f"Bearer {without}"}, json={}
    )
    assert r.status_code == 403, r.text
    assert r.json()["error"]["status"] == 403 and "scope" in r.json()["error"]["message"]
    with_all = user_token(client, app)["access_token"]
    assert _call(client, method, path, with_all) != 403


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_every_endpoint_refuses_no_token_and_a_bad_token(
    refusing: TestClient, route: tuple[str, str, list[str]]
) -> None:
    client = refusing
    method, path, _ = route
    url = re.sub(r"\{[a-z_]+\}", SOME_ID, path)
    assert client.request(method, url, json={}).status_code == 401
    r = client.request(method, url, json={}, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json() == {"error": {"status": 401, "message": "Invalid access token"}}


def _playlist(client: TestClient, token: str, *, public: bool) -> str:
    r = client.post("/v1/me/playlists", json={"name": "mine", "public": public}, headers=_b(token))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _b(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_alice_cannot_read_or_change_bobs_private_data(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    _, bob = _as(client, "bob")
    bob_private = _playlist(client, bob["access_token"], public=False)
    bob_public = _playlist(client, bob["access_token"], public=True)
    bob_id = client.get("/v1/me", headers=_b(bob["access_token"])).json()["id"]
    _, alice = _as(client, "alice")
    a = _b(alice["access_token"])
    for method, path, body in [
        ("GET", f"/v1/playlists/{bob_private}", None),
        ("GET", f"/v1/playlists/{bob_private}/tracks", None),
        ("POST", f"/v1/playlists/{bob_private}/tracks", {"uris": [f"encore:track:{SOME_ID}"]}),
        ("PUT", f"/v1/playlists/{bob_private}", {"name": "mine now"}),
        ("PUT", f"/v1/playlists/{bob_private}/tracks", {"range_start": 0, "insert_before": 1}),
    ]:
        r = client.request(method, path, headers=a, json=body)
        assert r.status_code == 404, (method, path, r.text)
    changed = client.put(f"/v1/playlists/{bob_public}", headers=a, json={"name": "mine now"})
    assert changed.status_code == 403
    assert client.get(f"/v1/playlists/{bob_public}", headers=a).json()["name"] == "mine"
    listed = client.get(f"/v1/users/{bob_id}/playlists", headers=a).json()
    assert [p["id"] for p in listed["items"]] == [bob_public]
    created = client.post(f"/v1/users/{bob_id}/playlists", headers=a, json={"name": "for bob"})
    assert created.status_code == 403
    mine = client.get("/v1/me/playlists", headers=a).json()
    assert mine["total"] == 0


def test_a_private_playlist_needs_playlist_read_private_even_for_its_owner(api: tuple[TestClient, Container]) -> None:
    """probe22 F6: the owner's read without the scope answered 404 "no such playlist" on a playlist the same token
    had just made; it names the scope now, as every other missing scope does. Anyone else still gets 404."""
    client, _ = api
    bob_app, _ = _as(client, "bob")
    bob_narrow = user_token(client, bob_app, scope="playlist-modify-public")["access_token"]
    app, token = _as(client, "alice")
    private = _playlist(client, token["access_token"], public=False)
    narrow = user_token(client, app, scope="playlist-modify-public")["access_token"]
    for path in ("", "/items", "/tracks", "/images", "/followers/contains"):
        mine = client.get(f"/v1/playlists/{private}{path}", headers=_b(narrow))
        assert mine.json() == {
            "error": {"status": 403, "message": "Insufficient client scope: needs playlist-read-private"}
        }, path
        theirs = client.get(f"/v1/playlists/{private}{path}", headers=_b(bob_narrow))
        assert theirs.status_code == 404 and theirs.json()["error"]["message"] == "no such playlist", path
    assert client.get(f"/v1/playlists/{private}", headers=_b(token["access_token"])).status_code == 200
    rename = client.put(f"/v1/playlists/{private}", headers=_b(narrow), json={"name": "x"})
    assert rename.status_code == 403 and "playlist-modify-private" in rename.json()["error"]["message"]


BAD = [
    ("/v1/tracks/abc", "bad-id"),
    ("/v1/tracks/" + "!" * 22, "bad-id-chars"),
    ("/v1/albums/" + "a" * 23, "long-id"),
    ("/v1/artists/%00" + "a" * 21, "nul-id"),
    ("/v1/tracks?ids=" + ",".join(["0" * 22] * 51), "too-many-ids"),
    ("/v1/tracks?ids=abc", "bad-id-in-list"),
    ("/v1/search?q=a&type=track&limit=1000000", "huge-limit"),
    ("/v1/search?q=a&type=track&limit=100000000000000000000000000", "absurd-limit"),
    ("/v1/search?q=a&type=track&limit=0", "zero-limit"),
    ("/v1/search?q=a&type=track&offset=-1", "negative-offset"),
    ("/v1/search?q=a&type=podcast", "unsupported-type"),
    ("/v1/search?q=&type=track", "empty-query"),
    ("/v1/browse/new-releases?offset=-5", "negative-offset-browse"),
    ("/v1/browse/new-releases?limit=51", "limit-51"),
    ("/v1/me/top/tracks?time_range=forever", "bad-time-range"),
    ("/v1/me/top/artists?limit=-1", "negative-limit"),
    ("/v1/me/player/recently-played?after=1&before=2", "both-cursors"),
    ("/v1/me/player/recently-played?before=-1", "negative-cursor"),
    ("/v1/me/player/recently-played?after=99999999999999999999", "huge-cursor"),
    ("/v1/me/tracks?offset=-1", "negative-offset-saved"),
    ("/v1/me/playlists?limit=9999", "huge-limit-playlists"),
    ("/v1/playlists/xyz/tracks", "bad-playlist-id"),
    ("/v1/playlists/" + "0" * 22 + "/tracks?limit=101", "limit-101"),
    ("/v1/albums/" + "0" * 22 + "/tracks?offset=-3", "negative-offset-album"),
    ("/v1/me/library/contains?uris=encore:show:" + "0" * 22, "unsupported-uri"),
    ("/v1/tracks/" + "0" * 22 + "?market=XX", "market-never-a-country"),  # review25c L11: Spotify's 400
    ("/v1/search?q=a&type=track&market=USA", "market-three-letters"),
    ("/v1/albums/" + "0" * 22 + "/tracks?market=1a", "market-not-letters"),
    ("/v1/me/tracks?market=from-token", "market-misspelt"),
]


@pytest.mark.parametrize(("url", "why"), BAD, ids=[b[1] for b in BAD])
def test_bad_input_is_400_with_the_error_shape(
    refusing: TestClient, alice_refused: dict[str, str], url: str, why: str
) -> None:
    r = refusing.get(url, headers=alice_refused)
    assert r.status_code == 400, (why, r.text)
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == 400 and isinstance(body["error"]["message"], str)


@pytest.mark.parametrize(("url", "why"), BAD, ids=[b[1] for b in BAD])
def test_bad_input_with_a_bad_token_is_401_first(refusing: TestClient, url: str, why: str) -> None:
    """Who is asking comes before what they asked: a malformed request with no token or a bad one is 401,
    and with a token missing the route's scope 403, never 400 (which would tell a stranger about parameters)."""
    client = refusing
    assert client.get(url).status_code == 401, why
    r = client.get(url, headers=_b("not-a-token"))
    assert r.status_code == 401 and r.json() == {"error": {"status": 401, "message": "Invalid access token"}}, why


def test_a_malformed_track_id_needs_a_good_token_before_its_400(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    app, token = _as(client, "alice")
    good = client.get("/v1/tracks/not-an-id", headers=_b(token["access_token"]))
    assert good.status_code == 400, good.text
    assert client.get("/v1/tracks/not-an-id", headers=_b("not-a-token")).status_code == 401
    narrow = user_token(client, app, scope="user-read-email")["access_token"]
    assert client.get("/v1/me/top/tracks?time_range=forever", headers=_b(narrow)).status_code == 403


@pytest.mark.parametrize(
    "body",
    [{"uris": []}, {"uris": ["encore:album:" + "0" * 22]}, {"uris": "x"}, {"uris": ["a"] * 101}, [], {"position": -1}],
    ids=["empty", "wrong-kind", "not-a-list", "too-many", "empty-array", "negative-position"],
)
def test_bad_playlist_bodies_are_400(api: tuple[TestClient, Container], body: object) -> None:
    client, _ = api
    _, token = _as(client, "alice")
    playlist = _playlist(client, token["access_token"], public=True)
    r = client.post(f"/v1/playlists/{playlist}/tracks", headers=_b(token["access_token"]), json=body)
    assert r.status_code == 400 and r.json()["error"]["status"] == 400, r.text


def test_json_nested_too_deeply_is_told_so_after_the_token(refusing: TestClient, alice_refused: dict[str, str]) -> None:
    """probe22 F12: "There was an error parsing the body" said less than malformed JSON's own message."""
    deep = b"[" * 5000 + b"]" * 5000
    kind = {"content-type": "application/json"}
    r = refusing.post("/v1/me/playlists", content=deep, headers={**alice_refused, **kind})
    message = "The request's JSON is nested too deeply to read: no Encore request nests more than a few levels."
    assert r.json() == {"error": {"status": 400, "message": message}}, r.text
    assert refusing.post("/v1/me/playlists", content=deep, headers={**kind, **_b("not-a-token")}).status_code == 401


def test_a_number_too_long_to_read_is_told_at_its_field(refusing: TestClient, alice_refused: dict[str, str]) -> None:
    """A 5,000-digit integer the standard library will not read: said at the field, as a value a model refuses
    ("public: ..."), not as one sentence for the whole body; after the token, like the other body errors."""
    kind = {"content-type": "application/json"}
    body = b'{"name": "mine", "public": ' + b"9" * 5000 + b"}"
    r = refusing.post("/v1/me/playlists", content=body, headers={**alice_refused, **kind})
    message = "public: Public is a number too long to read (over 4300 digits): no Encore field takes one."
    assert (r.status_code, r.json()) == (400, {"error": {"status": 400, "message": message}}), r.text
    other = refusing.post("/v1/me/playlists", json={"name": "mine", "public": [1]}, headers=alice_refused)
    assert other.json()["error"]["message"].startswith("public: "), other.text  # as any other refused value is
    assert refusing.post("/v1/me/playlists", content=body, headers={**kind, **_b("not-a-token")}).status_code == 401
    anywhere = b"[" + b"9" * 5000 + b"]"  # at no field: the body's own sentence
    r = refusing.post("/v1/me/playlists", content=anywhere, headers={**alice_refused, **kind})
    said = "A number in the request is too long to read (over 4300 digits): no Encore field takes one."
    assert r.json() == {"error": {"status": 400, "message": said}}, r.text


def test_json_that_is_not_utf8_is_told_so_in_spotifys_shape(
    refusing: TestClient, alice_refused: dict[str, str]
) -> None:
    """probe23 F5: it was Starlette's 400 {"error":{"code":"http_error",...}}, not Spotify's error object."""
    kind = {"content-type": "application/json"}
    r = refusing.post("/v1/me/playlists", content=b'{"name":"\xff"}', headers={**alice_refused, **kind})
    assert r.json() == {"error": {"status": 400, "message": "The request was not valid JSON."}}, r.text
    assert r.status_code == 400
    anonymous = refusing.post("/v1/me/playlists", content=b'{"name":"\xff"}', headers={**kind, **_b("not-a-token")})
    assert anonymous.status_code == 401  # who is asking comes before what they sent


def test_client_credentials_token_on_user_endpoints_is_403(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    app, _ = _as(client, "alice")
    token = client_token(client, app)
    for path in ("/v1/me", "/v1/me/top/tracks", "/v1/me/playlists", "/v1/me/tracks"):
        assert client.get(path, headers=_b(token)).status_code == 403, path


def test_a_disabled_accounts_tokens_stop_on_every_v1_route(api: tuple[TestClient, Container]) -> None:
    client, c = api
    _, bob = _as(client, "bob")
    token = bob["access_token"]
    assert client.get("/v1/me/tracks", headers=_b(token)).status_code == 200
    with transaction(c.sessions) as s:
        s.execute(update(User).where(User.username == "bob").values(is_active=False))
    for path in ("/v1/me", "/v1/me/tracks", "/v1/me/playlists", f"/v1/tracks/{SOME_ID}", "/v1/search?q=a&type=track"):
        answer = client.get(path, headers=_b(token))
        assert answer.status_code == 401, path
        assert answer.json()["error"]["message"] in ("This account is disabled", "Invalid access token"), path


@pytest.mark.parametrize("configured", [False, True])
def test_hrefs_follow_the_configured_public_url_never_the_host_header(settings: Settings, configured: bool) -> None:
    """F7 (probe15): /v1's href and next followed any Host header. With ENCORE_PUBLIC_BASE_URL set they are
    always under it; without it, under the address the connection reached (probe22: never the Host header)."""
    public = "https://music.example.org"
    c = build(settings.model_copy(update={"public_base_url": public + "/"}) if configured else settings)
    try:
        with transaction(c.sessions) as s:
            create_user(s, username="alice", password=PASSWORD)
        with TestClient(create_app(c), base_url="https://localhost") as client:
            token = _as(client, "alice")[1]["access_token"]
            for host in ("localhost", "evil.example"):
                headers = {"Authorization": f"Bearer {token}", "Host": host}
                found = client.get("/v1/search", params={"q": "x", "type": "track"}, headers=headers).json()
                me = client.get("/v1/me", headers=headers).json()
                base = public if configured else "https://localhost"
                assert found["tracks"]["href"].startswith(f"{base}/v1/search?"), found
                assert me["href"] == f"{base}/v1/users/{me['id']}"
    finally:
        c.close()


@pytest.mark.parametrize("public", ["yes", 1, "true", "off", 0])
def test_a_playlist_is_public_only_by_a_json_boolean(api: tuple[TestClient, Container], public: object) -> None:
    """probe16: POST /v1/me/playlists {"public": "yes"} (or 1) made a public playlist, "off" a private one."""
    client, _ = api
    _, token = _as(client, "alice")
    r = client.post("/v1/me/playlists", json={"name": "lax", "public": public}, headers=_b(token["access_token"]))
    assert r.status_code == 400 and r.json()["error"]["status"] == 400, r.text
    playlist = _playlist(client, token["access_token"], public=True)
    changed = client.put(f"/v1/playlists/{playlist}", json={"public": public}, headers=_b(token["access_token"]))
    assert changed.status_code == 400, changed.text


def test_market_is_checked_as_spotify_checks_it(refusing: TestClient, alice_refused: dict[str, str]) -> None:
    """review25c L11: a country code or `from_token` is taken (Encore has one market: it changes nothing), and
    anything else is Spotify's 400 "Invalid market code", where it was taken without a word."""
    for good in ("SE", "se", "from_token", "XK", ""):
        r = refusing.get(f"/v1/search?q=a&type=track&market={good}", headers=alice_refused)
        assert r.status_code == 200, (good, r.text)
    kept = refusing.get("/v1/search?q=a&type=track&market=SE", headers=alice_refused).json()["tracks"]["href"]
    assert "market=SE" in kept  # the paging links keep it, as Spotify's do
    for bad in ("XX", "ZZ", "QM", "AA", "S", "SWE", "S1", "FROM_TOKEN"):
        r = refusing.get(f"/v1/search?q=a&type=track&market={bad}", headers=alice_refused)
        assert r.status_code == 400 and r.json()["error"]["message"] == "market: Invalid market code", (bad, r.text)
