"""The player's playlists and likes API: ownership, CSRF, hostile names, order kept."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from encore.accounts import User, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.catalog import factories as f
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" \u200fevil'


@pytest.fixture
def track_ids(container: Container) -> list[str]:
    with transaction(container.sessions) as s:
        for name in ("alice", "bob"):
            create_user(s, username=name, password=PASSWORD)
        artist = f.artist(s, "Nina Vale")
        album = f.album(s, "Harbour Lights", artist)
        album.artwork_key = "ab" * 16
        return [f.track(s, f"Song {i}", album, [artist], number=i + 1).public_id for i in range(4)]


def _titles(client: TestClient, playlist_id: str) -> list[str]:
    r = client.get(f"/api/playlists/{playlist_id}/items")
    assert r.status_code == 200, r.text
    return [i["track"]["title"] for i in r.json()["items"]]


def test_playlist_round_trip_keeps_order_and_names_literally(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    r = client.post("/api/playlists", json={"name": HOSTILE}, headers=CSRF)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["name"] == HOSTILE and p["is_owner"] and not p["public"]
    r = client.post(f"/api/playlists/{p['id']}/items", json={"track_ids": track_ids}, headers=CSRF)
    assert r.status_code == 201
    r = client.post(f"/api/playlists/{p['id']}/items/move", json={"range_start": 3, "insert_before": 0}, headers=CSRF)
    assert r.status_code == 200
    snap = r.json()["snapshot_id"]
    assert _titles(client, p["id"]) == ["Song 3", "Song 0", "Song 1", "Song 2"]
    r = client.request(
        "DELETE", f"/api/playlists/{p['id']}/items", json={"positions": [1], "snapshot_id": snap}, headers=CSRF
    )
    assert r.status_code == 200
    assert _titles(client, p["id"]) == ["Song 3", "Song 1", "Song 2"]
    mine = client.get("/api/me/playlists").json()
    assert [(x["name"], x["total_tracks"]) for x in mine["items"]] == [(HOSTILE, 3)]
    assert mine["items"][0]["images"]  # the first track's cover leads


def test_other_users_private_playlist_answers_like_a_missing_one(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    pid = client.post("/api/playlists", json={"name": "Private"}, headers=CSRF).json()["id"]
    client.cookies.clear()
    missing = client.get("/api/playlists/" + "Z" * 22)
    assert missing.status_code == 404
    assert client.get(f"/api/playlists/{pid}").json() == missing.json()
    login(client, "bob")
    for method, url, body in (
        ("GET", f"/api/playlists/{pid}", None),
        ("GET", f"/api/playlists/{pid}/items", None),
        ("PATCH", f"/api/playlists/{pid}", {"name": "taken"}),
        ("DELETE", f"/api/playlists/{pid}", None),
        ("POST", f"/api/playlists/{pid}/items", {"track_ids": track_ids[:1]}),
        ("POST", f"/api/playlists/{pid}/items/move", {"range_start": 0, "insert_before": 0}),
    ):
        r = client.request(method, url, json=body, headers=CSRF)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json() == missing.json()
    client.cookies.clear()
    login(client, "alice")
    assert client.get(f"/api/playlists/{pid}").json()["name"] == "Private"


def test_public_playlist_is_readable_logged_out_but_not_writable_by_others(
    client: TestClient, track_ids: list[str]
) -> None:
    login(client, "alice")
    pid = client.post("/api/playlists", json={"name": "Shared", "public": True}, headers=CSRF).json()["id"]
    client.post(f"/api/playlists/{pid}/items", json={"track_ids": track_ids[:2]}, headers=CSRF)
    client.cookies.clear()
    assert _titles(client, pid) == ["Song 0", "Song 1"]
    login(client, "bob")
    r = client.patch(f"/api/playlists/{pid}", json={"name": "Bob's"}, headers=CSRF)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_owner"


def test_cookie_writes_need_the_csrf_header_and_same_origin(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    assert client.post("/api/playlists", json={"name": "x"}).status_code == 403
    evil = {**CSRF, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/playlists", json={"name": "x"}, headers=evil).status_code == 403
    assert client.put(f"/api/me/likes/tracks/{track_ids[0]}").status_code == 403
    assert client.get("/api/me/playlists").json()["total"] == 0
    assert client.get("/api/me/likes/tracks").json()["total"] == 0


def test_mass_assignment_and_bad_input_are_refused(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    r = client.post("/api/playlists", json={"name": "x", "owner_id": 2}, headers=CSRF)
    assert r.status_code == 422
    pid = client.post("/api/playlists", json={"name": "ok"}, headers=CSRF).json()["id"]
    for body in ({"track_ids": []}, {"track_ids": ["nope"]}, {"track_ids": track_ids, "position": 99}):
        r = client.post(f"/api/playlists/{pid}/items", json=body, headers=CSRF)
        assert r.status_code in (400, 404, 422) and "error" in r.json(), body
    nul = client.post("/api/playlists", json={"name": "a\x00b"}, headers=CSRF)
    assert nul.status_code == 422 and "NUL" in nul.json()["error"]["message"]  # no JSON body's text holds one
    assert client.post("/api/playlists", json={"name": "a\x07b"}, headers=CSRF).status_code == 400  # the name's rule
    for lax in ("yes", "true", 1, "1"):  # a boolean is true or false, not a word that reads like one (probe15)
        assert client.post("/api/playlists", json={"name": "p", "public": lax}, headers=CSRF).status_code == 422
        assert client.patch(f"/api/playlists/{pid}", json={"public": lax}, headers=CSRF).status_code == 422
    assert client.get(f"/api/playlists/{pid}/items?limit=100000").status_code == 422
    assert client.get(f"/api/playlists/{pid}/items?offset=-1").status_code == 422
    assert _titles(client, pid) == []


@pytest.mark.parametrize("bidi", ["\u202e", "\u202a", "\u2067", "\u2069"])
def test_a_playlist_name_or_description_that_reads_reversed_is_refused(
    client: TestClient, track_ids: list[str], bidi: str
) -> None:
    """review24n N2: a public playlist named "\u202etsil ym" was shown to everyone as "my list", and a search for
    what they read found nothing (probe24b F6 on another path). Refused with a sentence, on create and on edit."""
    login(client, "alice")
    for body in ({"name": f"{bidi}tsil ym", "public": True}, {"name": "ok", "description": f"a {bidi}txet"}):
        r = client.post("/api/playlists", json=body, headers=CSRF)
        assert r.status_code == 400 and "override, embedding or isolate" in r.json()["error"]["message"], r.text
    pid = client.post("/api/playlists", json={"name": "Mine", "public": True}, headers=CSRF).json()["id"]
    for body in ({"name": f"{bidi}tsil ym"}, {"description": f"{bidi}txet"}):
        assert client.patch(f"/api/playlists/{pid}", json=body, headers=CSRF).status_code == 400, body
    mine = client.get(f"/api/playlists/{pid}").json()
    assert (mine["name"], mine.get("description") or "") == ("Mine", "")  # nothing of the refused edits kept
    assert [p["name"] for p in client.get("/api/me/playlists").json()["items"]] == ["Mine"]


def test_likes_are_private_and_idempotent(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    for _ in range(2):
        assert client.put(f"/api/me/likes/tracks/{track_ids[1]}", headers=CSRF).status_code == 204
    liked = client.get("/api/me/likes/tracks").json()
    assert liked["total"] == 1 and liked["items"][0]["track"]["title"] == "Song 1"
    ids = ",".join(track_ids[:2])
    assert client.get(f"/api/me/likes/tracks/contains?ids={ids}").json() == [False, True]
    assert client.put("/api/me/likes/tracks/" + "Q" * 22, headers=CSRF).status_code == 404
    assert client.put(f"/api/me/likes/songs/{track_ids[0]}", headers=CSRF).status_code == 422
    client.cookies.clear()
    assert client.get("/api/me/likes/tracks").status_code == 401
    login(client, "bob")
    assert client.get("/api/me/likes/tracks").json()["total"] == 0
    assert client.delete(f"/api/me/likes/tracks/{track_ids[1]}", headers=CSRF).status_code == 204
    client.cookies.clear()
    login(client, "alice")
    assert client.get("/api/me/likes/tracks").json()["total"] == 1


def test_adding_a_duplicate_can_be_refused_so_the_player_can_ask(client: TestClient, track_ids: list[str]) -> None:
    login(client, "alice")
    p = client.post("/api/playlists", json={"name": "Mix"}, headers=CSRF).json()
    url = f"/api/playlists/{p['id']}/items"
    assert client.post(url, json={"track_ids": track_ids[:1]}, headers=CSRF).status_code == 201
    r = client.post(url, json={"track_ids": track_ids[:2], "allow_duplicates": False}, headers=CSRF)
    assert r.status_code == 409
    assert r.json()["error"] == {"code": "already_in_playlist", "message": "Already in Mix"}
    assert _titles(client, p["id"]) == ["Song 0"]  # nothing of the refused batch was added
    r = client.post(url, json={"track_ids": track_ids[:1], "allow_duplicates": True}, headers=CSRF)
    assert r.status_code == 201
    assert client.post(url, json={"track_ids": track_ids[:1]}, headers=CSRF).status_code == 201  # the default adds
    assert _titles(client, p["id"]) == ["Song 0", "Song 0", "Song 0"]


def test_a_request_naming_a_track_twice_is_refused_when_duplicates_are_not_allowed(
    client: TestClient, track_ids: list[str]
) -> None:
    """probe20 N5: `allow_duplicates: false` refused a track already in the playlist, but [X, X] in one request
    added X twice. Now that is refused too, naming the track, and nothing of the batch is added."""
    login(client, "alice")
    p = client.post("/api/playlists", json={"name": "Mix"}, headers=CSRF).json()
    url = f"/api/playlists/{p['id']}/items"
    for ids in ([track_ids[1], track_ids[1]], [track_ids[0], track_ids[1], track_ids[2], track_ids[1]]):
        r = client.post(url, json={"track_ids": ids, "allow_duplicates": False}, headers=CSRF)
        assert r.status_code == 409
        assert r.json()["error"] == {"code": "already_in_playlist", "message": "“Song 1” would be in Mix twice"}
        assert _titles(client, p["id"]) == []
    ids = [track_ids[1], track_ids[1]]
    assert client.post(url, json={"track_ids": ids, "allow_duplicates": True}, headers=CSRF).status_code == 201
    assert _titles(client, p["id"]) == ["Song 1", "Song 1"]  # asked for: the duplicates are the listener's


def test_playlist_search_finds_everyones_public_playlists_never_a_private_one(
    client: TestClient, track_ids: list[str]
) -> None:
    """The player's search (probe18 F5): the rule of /v1/search?type=playlist, so bob finds alice's public list."""
    login(client, "alice")
    shown = client.post("/api/playlists", json={"name": "Harbour Nights", "public": True}, headers=CSRF).json()
    client.post("/api/playlists", json={"name": "Harbour Secrets"}, headers=CSRF)
    client.post("/api/playlists", json={"name": "100%_harbour", "public": True}, headers=CSRF)
    login(client, "bob")
    r = client.get("/api/search/playlists", params={"q": "HARBOUR nights"})
    assert r.status_code == 200, r.text
    hit = r.json()["items"]
    assert [(p["id"], p["is_owner"]) for p in hit] == [(shown["id"], False)]
    assert hit[0]["owner"]["name"].startswith("Listener ")  # alice chose no name: others never read her login
    names = [p["name"] for p in client.get("/api/search/playlists", params={"q": "harbour"}).json()["items"]]
    assert sorted(names) == ["100%_harbour", "Harbour Nights"]  # the private one is never found
    for q in ("%", "_", "%_"):  # LIKE's wildcards are literal
        names = [p["name"] for p in client.get("/api/search/playlists", params={"q": q}).json()["items"]]
        assert names == ["100%_harbour"], q
    assert client.get("/api/search/playlists", params={"q": "   "}).json()["items"] == []
    assert client.get("/api/search/playlists", params={"q": "x" * 201}).status_code == 422
    assert client.get("/api/search/playlists", params={"q": "a", "limit": 51}).status_code == 422
    for q, found in ((" ".join(["h"] * 10 + ["nights"]), ["Harbour Nights"]), ("h " * 10 + "secrets", [])):
        names = [p["name"] for p in client.get("/api/search/playlists", params={"q": q}).json()["items"]]
        assert names == found, q  # probe18b N9: ten repeated words pushed the one that mattered out
    nul = client.get("/api/search/playlists", params={"q": "nights\x00harbour"})  # a separator, on PostgreSQL too
    assert [p["name"] for p in nul.json()["items"]] == ["Harbour Nights"], nul.text
    client.cookies.clear()
    assert client.get("/api/search/playlists", params={"q": "harbour"}).status_code == 401


def test_playlist_search_leaves_out_an_account_being_deleted(
    client: TestClient, container: Container, track_ids: list[str]
) -> None:
    """An account that asked to be deleted stops at once and is erased by a job later (hours, if Stripe is down):
    its public playlists were listed, with an owner link to a profile that answers 404 (review18b)."""
    login(client, "alice")
    client.post("/api/playlists", json={"name": "Harbour Nights", "public": True}, headers=CSRF)
    login(client, "bob")
    assert [p["name"] for p in client.get("/api/search/playlists", params={"q": "harbour"}).json()["items"]] == [
        "Harbour Nights"
    ]
    shown = client.get("/api/search/playlists", params={"q": "harbour"}).json()["items"][0]["id"]
    assert client.get(f"/api/playlists/{shown}").status_code == 200
    assert client.get(f"/share/playlist/{shown}").status_code == 200
    with transaction(container.sessions) as s:  # what request_erase does to the account at once
        s.execute(update(User).where(User.username == "alice").values(is_active=False))
    r = client.get("/api/search/playlists", params={"q": "harbour"}).json()
    assert (r["items"], r["total"]) == ([], 0)
    # Nor by a link kept from before: the playlist, its tracks and its share page are gone for others at once.
    assert client.get(f"/api/playlists/{shown}").status_code == 404
    assert client.get(f"/api/playlists/{shown}/items").status_code == 404
    assert client.get(f"/share/playlist/{shown}").status_code == 404


def test_playlist_search_ignores_case_in_every_script(client: TestClient, track_ids: list[str]) -> None:
    """SQLite's lower() lowers ASCII only: "Москва Ночью" or "Éclat Total" were not found there, even typed exactly
    (probe18b); PostgreSQL's follows Unicode. Both answer alike now."""
    login(client, "alice")
    for name in ("Москва Ночью", "Éclat Total", "Ελληνικά Τραγούδια", "ÇA VA"):
        client.post("/api/playlists", json={"name": name, "public": True}, headers=CSRF)
    login(client, "bob")

    def found(q: str) -> list[str]:
        return [p["name"] for p in client.get("/api/search/playlists", params={"q": q}).json()["items"]]

    for q in ("Москва", "москва ночью", "МОСКВА"):
        assert found(q) == ["Москва Ночью"], q
    assert found("éclat") == found("ÉCLAT") == ["Éclat Total"]
    assert found("ελληνικά") == ["Ελληνικά Τραγούδια"]
    assert found("ça va") == ["ÇA VA"]
