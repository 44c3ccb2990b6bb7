"""liblistenbrainz from PyPI: a listener's listen count, deleting one of their listens, and their top artists and
recordings; every hostile deletion gets ListenBrainz's error shape, and nobody else's listens are reachable."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import ListenBrainzAPIException

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.support.live import LiveServer, seeded_container, serve
from tests.web.conftest import PASSWORD

ARTIST = "Aurora Lights"  # an artist of the small catalogue (tests/support/live.py)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    c: Container = seeded_container(Path(tmp_path_factory.mktemp("lb-edits")))
    with serve(c) as server:
        yield server
    c.close()


def _client(live: LiveServer, name: str) -> ListenBrainz:
    with transaction(live.container.sessions) as s:
        user = create_user(s, username=name, password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=live.container.clock.now())
    lb = ListenBrainz(api_base_url=live.base_url)
    lb.set_auth_token(token)
    return lb


def _catalogue_titles(live: LiveServer) -> list[str]:
    with TestClient(create_app(live.container), base_url="http://testserver") as http:
        found = http.get("/api/search", params={"q": ARTIST}).json()
    return [t["title"] for t in found["tracks"]["items"] if any(a["name"] == ARTIST for a in t["artists"])]


def test_count_and_delete_with_liblistenbrainz(live: LiveServer) -> None:
    lb = _client(live, "counter")
    assert lb.get_user_listen_count("counter") == 0
    now = int(time.time())
    lb.submit_multiple_listens([Listen(f"Song {i}", "Someone", listened_at=now - 600 + i) for i in range(3)])
    assert lb.get_user_listen_count("counter") == 3
    newest = lb.get_listens("counter", count=1)[0]
    assert newest.track_name == "Song 2" and newest.recording_msid
    lb.delete_listen(newest)
    assert lb.get_user_listen_count("counter") == 2
    assert [x.track_name for x in lb.get_listens("counter")] == ["Song 1", "Song 0"]
    lb.delete_listen(newest)  # gone already: as in ListenBrainz, not an error, and nothing else goes
    older = lb.get_listens("counter")[0]
    msid = older.recording_msid
    lb.delete_listen(Listen("Song 1", "Someone", listened_at=older.listened_at + 1, recording_msid=msid))
    assert lb.get_user_listen_count("counter") == 2  # the right msid at the wrong second deletes nothing


def test_nobody_reaches_anothers_listens(live: LiveServer) -> None:
    alice, bob = _client(live, "alice"), _client(live, "bob")
    alice.submit_single_listen(Listen("Private", "Alice's Band", listened_at=int(time.time()) - 60))
    hers = alice.get_listens("alice")[0]
    with pytest.raises(ListenBrainzAPIException) as err:
        bob.get_user_listen_count("alice")
    assert err.value.status_code == 404
    bob.delete_listen(hers)  # answers as for a listen that is not there: bob learns nothing, deletes nothing
    assert alice.get_user_listen_count("alice") == 1
    with pytest.raises(ListenBrainzAPIException) as err:
        bob.get_user_artists("alice")
    assert err.value.status_code == 404
    anonymous = ListenBrainz(api_base_url=live.base_url)
    with pytest.raises(ListenBrainzAPIException) as err:
        anonymous.get_user_listen_count("alice")
    assert err.value.status_code == 404


def test_top_artists_and_recordings(live: LiveServer) -> None:
    lb = _client(live, "ranker")
    assert lb.get_user_artists("ranker") is None  # nothing to rank yet: 204, as before ListenBrainz's first run
    titles = _catalogue_titles(live)
    assert len(titles) >= 2
    now = int(time.time())
    plays = [titles[0]] * 3 + [titles[1]]
    lb.submit_multiple_listens([Listen(t, ARTIST, listened_at=now - 3600 + i * 300) for i, t in enumerate(plays)])
    artists = lb.get_user_artists("ranker")["payload"]
    assert artists["artists"][0] == {"artist_name": ARTIST, "artist_mbids": [], "listen_count": 4}
    assert artists["total_artist_count"] >= 1 and artists["range"] == "all_time" and artists["user_id"] == "ranker"
    recordings = lb.get_user_recordings("ranker", count=1)["payload"]
    assert recordings["count"] == 1 and recordings["total_recording_count"] == 2
    top = recordings["recordings"][0]
    assert (top["track_name"], top["listen_count"]) == (titles[0], 3) and ARTIST in top["artist_name"]
    second = lb.get_user_recordings("ranker", count=1, offset=1)["payload"]["recordings"]
    assert [(r["track_name"], r["listen_count"]) for r in second] == [(titles[1], 1)]
    # What Encore does not compute answers 204 (liblistenbrainz: None), never invented numbers.
    assert lb.get_user_artists("ranker", time_range="week") is None
    assert lb.get_user_releases("ranker") is None
    assert lb.get_user_release_groups("ranker") is None


@pytest.fixture(scope="module")
def http(live: LiveServer) -> Iterator[tuple[TestClient, str]]:
    with transaction(live.container.sessions) as s:
        user = create_user(s, username="hostile", password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=live.container.clock.now())
    with TestClient(create_app(live.container), base_url="http://testserver") as client:
        yield client, token


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b"{}", 400),
        (b'{"listened_at": 1700000000}', 400),
        (b'{"recording_msid": "abc"}', 400),
        (b'{"listened_at": "1700000000", "recording_msid": "abc"}', 400),
        (b'{"listened_at": true, "recording_msid": "abc"}', 400),
        (b'{"listened_at": 1.5, "recording_msid": "abc"}', 400),
        (b'{"listened_at": -1, "recording_msid": "abc"}', 400),
        (b'{"listened_at": 99999999999999, "recording_msid": "abc"}', 400),
        (b'{"listened_at": 1700000000, "recording_msid": ""}', 400),
        (b'{"listened_at": 1700000000, "recording_msid": 5}', 400),
        (b'{"listened_at": 1700000000, "recording_msid": "' + b"x" * 65 + b'"}', 400),
        (b'{"listened_at": 1700000000, "recording_msid": "a\\u0000b"}', 400),
        (b'{"listened_at": 1700000000, "recording_msid": "no-such-listen"}', 200),
    ],
)
def test_hostile_deletions(http: tuple[TestClient, str], body: bytes, status: int) -> None:
    client, token = http
    r = client.post("/1/delete-listen", content=body, headers={"Authorization": f"Token {token}"})
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["code"] == 400 and r.json()["error"]
    else:
        assert r.json() == {"status": "ok"}


def test_deletion_needs_a_valid_token(http: tuple[TestClient, str]) -> None:
    client, token = http
    body = b'{"listened_at": 1700000000, "recording_msid": "abc"}'
    for headers in ({}, {"Authorization": "Token guessed"}, {"Authorization": "Bearer x"}):
        r = client.post("/1/delete-listen", content=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == 401, headers
    big = b'{"listened_at": 1700000000, "recording_msid": "abc", "pad": "' + b"x" * 8192 + b'"}'
    assert client.post("/1/delete-listen", content=big, headers={"Authorization": "Token guessed"}).status_code == 401
    r = client.post("/1/delete-listen", content=big, headers={"Authorization": f"Token {token}"})
    assert r.status_code == 413 and r.json()["code"] == 413


def test_bad_stats_queries(http: tuple[TestClient, str]) -> None:
    client, token = http
    auth = {"Authorization": f"Token {token}"}
    assert client.get("/1/stats/user/hostile/artists", params={"range": "forever"}, headers=auth).status_code == 400
    assert client.get("/1/stats/user/hostile/artists", params={"count": "-1"}, headers=auth).status_code == 400
    assert client.get("/1/stats/user/hostile/artists", params={"offset": "x"}, headers=auth).status_code == 400
    assert client.get("/1/stats/user/hostile/whatever", headers=auth).status_code == 404
    assert client.get("/1/user/hostile/listen-count", headers=auth).json() == {"payload": {"count": 0}}
