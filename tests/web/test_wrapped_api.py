"""Wrapped over HTTP: the listener's own story, card PNGs, the top-songs playlist, and share links."""

import dataclasses
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text, update

from encore import history
from encore.accounts import User
from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.insights.world import make_world
from tests.support.jobs import import_through_job
from tests.web.conftest import login


@pytest.fixture
def users(container: Container) -> dict[str, str]:
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 20):
            w.play(w.alice, day % 5, datetime(2024, 2, day, 20, tzinfo=UTC))
        w.play(w.alice, None, datetime(2024, 3, 1, tzinfo=UTC), text=("<b>Bold</b> & Co", "x\"y'z"))
    return {"alice": "alice-password-1", "bob": "bob-password-12"}


@pytest.fixture
def public(container: Container) -> Iterator[TestClient]:
    """A second browser with no cookies at all: what a friend who got the link sees."""
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _auth(client: TestClient, name: str, password: str) -> dict[str, str]:
    token = login(client, name, password)
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def test_own_wrapped_cards_and_png(client: TestClient, users: dict[str, str]) -> None:
    alice = _auth(client, "alice", users["alice"])
    assert client.get("/api/me/wrapped").status_code == 401
    assert client.get("/api/me/wrapped", headers=alice).json() == {"periods": ["2024", "2020s"]}
    body = client.get("/api/me/wrapped/2024", headers=alice).json()
    assert body["listens"] == 20 and body["top_artists"][0]["name"] == "Omar Reyes"  # on Gravel, Mirage and Lantern
    kinds = [c["kind"] for c in body["cards"]]
    assert kinds[0] == "intro" and kinds[-1] == "summary" and "top_tracks" in kinds
    assert all(set(c) == {"kind", "title", "big", "lines"} for c in body["cards"])
    png = client.get("/api/me/wrapped/2024/cards/1.png", headers=alice)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1080, 1920)
    last = len(body["cards"])
    assert client.get(f"/api/me/wrapped/2024/cards/{last}.png", headers=alice).status_code == 404
    assert client.get("/api/me/wrapped/2024/cards/-1.png", headers=alice).status_code == 404
    assert client.get("/api/me/wrapped/2024/cards/x.png", headers=alice).status_code == 422
    rebuilt = client.post("/api/me/wrapped/2024/rebuild", headers=alice)
    assert rebuilt.status_code == 200 and rebuilt.json()["listens"] == 20 and rebuilt.json()["built_at"]


@pytest.mark.parametrize("bad", ["1999x", "2024;%20drop", "..%2F", "%2E%2E", "2024s", "123456789", "1990s", "%00"])
def test_bad_periods_are_404_or_422_never_500(client: TestClient, users: dict[str, str], bad: str) -> None:
    alice = _auth(client, "alice", users["alice"])
    for method, path in (
        ("GET", f"/api/me/wrapped/{bad}"),
        ("GET", f"/api/me/wrapped/{bad}/cards/0.png"),
        ("POST", f"/api/me/wrapped/{bad}/shares"),
        ("POST", f"/api/me/wrapped/{bad}/playlist"),
    ):
        assert client.request(method, path, headers=alice).status_code in (404, 405, 422), (method, path)


def test_top_songs_playlist(client: TestClient, users: dict[str, str]) -> None:
    alice = _auth(client, "alice", users["alice"])
    made = client.post("/api/me/wrapped/2024/playlist", headers=alice)
    assert made.status_code == 201
    assert made.json()["name"] == "Your top songs 2024" and made.json()["total_tracks"] == 5
    bob = _auth(client, "bob", users["bob"])
    assert client.post("/api/me/wrapped/2024/playlist", headers=bob).status_code == 400  # nothing to put in it


def test_top_songs_playlist_pressed_again_answers_the_one_made(client: TestClient, users: dict[str, str]) -> None:
    """Make playlist twice made two identical playlists (probe25a L5); now the second answers the first, as a
    mix's Save does. Renamed by the listener it is theirs: the next press makes a new one."""
    alice = _auth(client, "alice", users["alice"])
    first = client.post("/api/me/wrapped/2024/playlist", headers=alice).json()
    again = client.post("/api/me/wrapped/2024/playlist", headers=alice)
    mine = client.get("/api/me/playlists", headers=alice).json()["items"]
    assert [p["id"] for p in mine if p["name"] == "Your top songs 2024"] == [first["id"]]  # no copy
    assert again.status_code == 201 and first["created"] is True
    assert again.json() == {**first, "created": False}
    renamed = client.patch(f"/api/playlists/{first['id']}", json={"name": "Road trip"}, headers=alice)
    assert renamed.status_code == 200, renamed.text
    fresh = client.post("/api/me/wrapped/2024/playlist", headers=alice).json()
    assert fresh["created"] is True and fresh["id"] != first["id"]


def test_share_link_is_public_escaped_and_revocable(
    client: TestClient, public: TestClient, users: dict[str, str]
) -> None:
    alice = _auth(client, "alice", users["alice"])
    made = client.post("/api/me/wrapped/2024/shares", headers=alice)
    assert made.status_code == 201
    token, url = made.json()["token"], made.json()["url"]
    assert url == f"/wrapped/s/{token}" and len(token) >= 43  # 32 random bytes, base64url

    page = public.get(url)
    assert page.status_code == 200
    html = page.text
    assert 'property="og:title" content="Encore Wrapped 2024"' in html and 'name="twitter:card"' in html
    assert f"/wrapped/s/{token}/cards/0.png" in html
    assert "Lux &lt;script&gt;" in html and "<script" not in html and "<b>" not in html
    assert "alice" not in html.lower()  # nothing of the account but the story
    card = public.get(f"{url}/cards/0.png")
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"

    bob = _auth(client, "bob", users["bob"])
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=bob).status_code == 404  # not his to revoke
    assert client.get("/api/me/wrapped/2024", headers=bob).json()["listens"] == 0  # /me is only ever Bob's own
    assert public.get(url).status_code == 200

    assert public.get("/wrapped/s/" + "A" * 43).status_code == 404  # guessed
    assert public.get("/wrapped/s/..%2F..%2Fetc").status_code == 404
    long = public.get("/wrapped/s/" + "A" * 101)  # review15: a 422 JSON error, not the page
    assert long.status_code == 404 and long.headers["content-type"].startswith("text/html")
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=alice).status_code == 204
    gone = public.get(url)
    assert gone.status_code == 404  # revoked
    assert '<a href="/">' in gone.text and "revoked" in gone.text  # a way on, not a dead end (probe, session 15)
    assert public.get(f"{url}/cards/0.png").status_code == 404
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=alice).status_code == 404


@pytest.mark.parametrize("period", ["2020s", "2023", "2010s"])
def test_a_wrapped_with_no_listens_is_not_shared(
    client: TestClient, container: Container, users: dict[str, str], period: str
) -> None:
    """A link to an empty story is a dead end for whoever opens it: refused, with what to do, and no link made."""
    bob = _auth(client, "bob", users["bob"])  # no plays at all
    alice = _auth(client, "alice", users["alice"])  # plays in 2024 only
    for who in (bob, alice) if period != "2020s" else (bob,):
        r = client.post(f"/api/me/wrapped/{period}/shares", headers=who)
        assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_share", r.text
        assert "no listens" in r.json()["error"]["message"]
    with transaction(container.sessions) as s:
        assert s.scalar(text("SELECT count(*) FROM wrapped_shares")) == 0
    assert client.post("/api/me/wrapped/2020s/shares", headers=alice).status_code == 201  # her decade has 2024


def test_spotify_export_imported_through_the_api_shows_up_in_wrapped(
    client: TestClient, container: Container, users: dict[str, str]
) -> None:
    """Half catalogue (matched to "Tide" by Nina Vale), half text-only listens from another service."""
    SOURCES = (("Tide", "Nina Vale", "Harbour Lights"), ("Imported Song", "Spotify Only", "Elsewhere"))  # noqa: N806
    rows = [
        {"ts": f"2023-0{m}-1{d}T20:00:00Z", "ms_played": 200_000, "master_metadata_track_name": title,
         "master_metadata_album_artist_name": artist, "master_metadata_album_album_name": album,
         "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "incognito_mode": False}
        for m in range(1, 4) for d in range(3)
        for title, artist, album in SOURCES
    ]  # fmt: skip
    rows += [{**rows[0], "ts": "2023-01-11T21:00:00Z", "master_metadata_track_name": "Imported Song",
              "master_metadata_album_artist_name": "Spotify Only"}]  # fmt: skip
    bob = _auth(client, "bob", users["bob"])
    assert client.get("/api/me/wrapped", headers=bob).json() == {"periods": []}
    done = import_through_job(client, container, json.dumps(rows).encode(), "Streaming_History_Audio_2023.json", bob)
    assert done["status"] == 200 and done["imported"] == 19
    assert client.get("/api/me/wrapped", headers=bob).json() == {"periods": ["2023", "2020s"]}
    body = client.get("/api/me/wrapped/2023", headers=bob).json()
    assert body["listens"] == 19
    assert [(a["name"], a["listens"]) for a in body["top_artists"]] == [("Spotify Only", 10), ("Nina Vale", 9)]
    tide = next(t for t in body["top_tracks"] if t["name"] == "Tide")
    assert tide["id"] is not None  # matched to the catalogue track
    assert body["top_genres"][0]["name"] == "Jazz" and body["first_track"]["name"] == "Tide"
    assert body["clock_month"][:3] == [7, 6, 6] and body["longest_streak"]["days"] == 3


def test_a_period_is_offered_only_with_listens(client: TestClient, container: Container, users: dict[str, str]) -> None:
    """probe16 F11: a "now playing" alone (a Subsonic scrobble with submission=false) and a skip listed the year
    and decade, whose story then said 0 listens and could not be shared. Periods count what the story counts."""
    bob = _auth(client, "bob", users["bob"])
    now = container.clock.now()
    with transaction(container.sessions) as s:
        bob_id = int(s.scalar(text("SELECT id FROM users WHERE username = 'bob'")))
        track = int(s.scalar(text("SELECT min(id) FROM tracks")))
        report = history.PlayReport(
            client_play_id="nowplaying01", track_id=track, track_duration_ms=200_000, started_at=now,
            ms_played=0, state="playing", source="subsonic",
        )  # fmt: skip
        history.report_play(s, user_id=bob_id, report=report, now=now)
        make_skip = history.PlayReport(
            client_play_id="skipped00001", track_id=track, track_duration_ms=200_000,
            started_at=datetime(2023, 5, 1, tzinfo=UTC), ms_played=5_000, state="skipped",
        )  # fmt: skip
        history.report_play(s, user_id=bob_id, report=make_skip, now=now)
    assert client.get("/api/me/wrapped", headers=bob).json() == {"periods": []}
    with transaction(container.sessions) as s:
        listen = history.PlayReport(
            client_play_id="listened0001", track_id=track, track_duration_ms=200_000,
            started_at=datetime(2024, 5, 1, tzinfo=UTC), ms_played=200_000, state="ended",
        )  # fmt: skip
        history.report_play(s, user_id=bob_id, report=listen, now=now)
        earlier = dataclasses.replace(
            listen, client_play_id="listened0002", started_at=datetime(2019, 5, 1, tzinfo=UTC)
        )
        history.report_play(s, user_id=bob_id, report=earlier, now=now)
    # 2020 to 2023 hold no listen (2023 a skip): not offered either
    assert client.get("/api/me/wrapped", headers=bob).json() == {"periods": ["2024", "2019", "2020s", "2010s"]}


def test_share_links_are_listed_and_revoked_by_id_and_outlive_sign_out(
    client: TestClient, public: TestClient, users: dict[str, str]
) -> None:
    """probe16 F3: once the dialog closed, a link could not be found or ended. The owner lists their live links
    (period, created; the URL only as made: just a hash of the token is kept) and revokes one by its id. A link
    is a capability the owner handed out, not a session: signing out everywhere leaves it live and listed."""
    alice = _auth(client, "alice", users["alice"])
    assert client.get("/api/me/wrapped/shares", headers=alice).json() == {"shares": []}
    first = client.post("/api/me/wrapped/2024/shares", headers=alice).json()["url"]
    second = client.post("/api/me/wrapped/2020s/shares", headers=alice).json()["url"]
    listed = client.get("/api/me/wrapped/shares", headers=alice).json()["shares"]
    assert [s["period"] for s in listed] == ["2020s", "2024"]  # newest first
    assert all(set(s) == {"id", "period", "created_at"} and s["created_at"] for s in listed)
    assert first.rsplit("/", 1)[1] not in str(listed)

    bob = _auth(client, "bob", users["bob"])
    assert client.get("/api/me/wrapped/shares", headers=bob).json() == {"shares": []}  # only one's own
    assert client.delete(f"/api/me/wrapped/shares/{listed[0]['id']}", headers=bob).status_code == 404
    assert client.delete("/api/me/wrapped/shares/" + "9" * 19, headers=bob).status_code == 404  # neither id nor token

    assert client.post("/api/me/sign-out-everywhere", headers=alice).status_code == 204
    assert public.get(first).status_code == 200 and public.get(second).status_code == 200
    alice = _auth(client, "alice", users["alice"])
    assert client.delete(f"/api/me/wrapped/shares/{listed[0]['id']}", headers=alice).status_code == 204
    assert public.get(second).status_code == 404 and public.get(f"{second}/preview.png").status_code == 404
    assert public.get(first).status_code == 200
    assert [s["period"] for s in client.get("/api/me/wrapped/shares", headers=alice).json()["shares"]] == ["2024"]
    assert client.delete(f"/api/me/wrapped/shares/{listed[0]['id']}", headers=alice).status_code == 404


def test_a_stopped_accounts_share_links_end_at_once(
    client: TestClient, public: TestClient, users: dict[str, str], container: Container
) -> None:
    """probe19 F5: deletion asked (the erase job not yet run) or disabled by the operator, the owner's links
    answer like missing ones at once; enabled again, they open again (a disabled account was not deleted)."""
    alice = _auth(client, "alice", users["alice"])
    url = client.post("/api/me/wrapped/2024/shares", headers=alice).json()["url"]
    assert public.get(url).status_code == 200
    with transaction(container.sessions) as s:
        s.execute(update(User).where(User.username == "alice").values(is_active=False))
    for path in (url, url + "/cards/0.png", url + "/preview.png"):
        assert public.get(path).status_code == 404, path
    with transaction(container.sessions) as s:
        s.execute(update(User).where(User.username == "alice").values(is_active=True))
    assert public.get(url).status_code == 200


def test_a_period_in_range_without_listening_says_nothing_was_played(client: TestClient, users: dict[str, str]) -> None:
    """probe20 N2: a year in range without listening answered cards of zeros ("0 minutes, 0 listens in your 2019
    on 0 days"), which the player showed as a story, and "Save as playlist" said none of the top songs were in
    the catalogue when there were none. Now the answer says `nothing_played`, and the playlist says why."""
    alice, bob = _auth(client, "alice", users["alice"]), _auth(client, "bob", users["bob"])
    assert client.get("/api/me/wrapped/2024", headers=alice).json()["nothing_played"] is False
    for who, period in ((alice, "2019"), (alice, "2010s"), (bob, "2024"), (bob, "2020s")):
        body = client.get(f"/api/me/wrapped/{period}", headers=who).json()
        assert body["nothing_played"] is True and body["listens"] == 0, period
        assert client.post(f"/api/me/wrapped/{period}/rebuild", headers=who).json()["nothing_played"] is True
        r = client.post(f"/api/me/wrapped/{period}/playlist", headers=who)
        assert r.status_code == 400 and r.json()["error"] == {
            "code": "nothing_played",
            "message": f"No listening in {period}: there are no top songs to save",
        }
    assert client.post("/api/me/wrapped/2024/playlist", headers=alice).status_code == 201
